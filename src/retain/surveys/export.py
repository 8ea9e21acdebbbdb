"""The results pages as spreadsheets: each page's tables, one sheet each, through the one export
writer (``org.exports``: masked, formula-safe, audited). What an export reaches is the policy's
``export_results`` scope (the door is asked with that action); the NPS page adds the answers
themselves (customer, masked mobile, dealer, who served, score) so detractors can be called
back."""

from dataclasses import replace

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from retain.org import exports
from retain.org.audit_codes import AuditCode
from retain.org.exports import Column
from retain.org.models import person_name
from retain.org.policy import Action, require

from . import results, scoring
from .results import Filters

#: The answers sheet is built in memory: at most this many rows.
MAX_ANSWER_ROWS = 100_000


def _figure_cells(fig: dict) -> list:
    return [fig.get("value"), fig.get("low"), fig.get("high"), fig.get("n"), _("yes") if fig.get("small") else ""]


def _figure_columns(prefix: str = "") -> list[Column]:
    return [Column(f"{prefix}value", _("Value")), Column(f"{prefix}low", _("Interval low")),
            Column(f"{prefix}high", _("Interval high")), Column(f"{prefix}n", _("Answers")),
            Column(f"{prefix}small", _("Small sample"))]


def tables(page: str, data: dict) -> list[tuple[str, list[Column], list[list]]]:
    """The tables a page shows, as (sheet title, columns, rows)."""
    if page == "nps":
        trend = [[row["month"], *_figure_cells(row)] for row in data["trend"]]
        league = [[row["dealer"], *_figure_cells(row), row["difference"], row["p_value"], row["p_holm"],
                   str(scoring.label(row["direction"])) if row["direction"] else ""] for row in data["league"]["rows"]]
        return [(_("NPS by month"), [Column("month", _("Month")), *_figure_columns()], trend),
                (_("Dealer league table"), [Column("dealer", _("Dealer")), *_figure_columns(),
                                            Column("difference", _("Difference from the rest")),
                                            Column("p", _("p-value")), Column("p_holm", _("p-value (Holm)")),
                                            Column("significant", _("Significant"))], league)]
    if page == "csi":
        items = [[row["label"], row["code"], row["weight"], *_figure_cells(row)] for row in data["items"]]
        by_dealer = [[row["name"], *_figure_cells(row)] for row in data["by_dealer"]]
        by_staff = [[row["name"], *_figure_cells(row)] for row in data["by_staff"]]
        return [(_("CSI by item"), [Column("item", _("Item")), Column("code", _("Code")), Column("weight", _("Weight")),
                                    *_figure_columns()], [["CSI", "", 1.0, *_figure_cells(data["csi"])], *items]),
                (_("CSI by dealer"), [Column("dealer", _("Dealer")), *_figure_columns()], by_dealer),
                (_("CSI by staff"), [Column("served_by", _("Served by")), *_figure_columns()], by_staff)]
    if page == "drivers":
        rows = [[row["label"], row["code"], row["weight"], row["low"], row["high"], row["rescaled"], row["shapley"],
                 row["beta"]] for row in data["items"]]
        return [(_("Key drivers"), [Column("item", _("Item")), Column("code", _("Code")),
                                    Column("weight", _("Relative weight")), Column("low", _("Interval low")),
                                    Column("high", _("Interval high")), Column("share", _("Share of R² (%)")),
                                    Column("shapley", _("Shapley value")), Column("beta", _("Standardised beta"))],
                 [*rows, ["R²", "", data["r2"], None, None, None, None, None],
                  ["n", "", data["n"], None, None, None, None, None]])]
    if page == "quadrant":
        rows = [[row["label"], row["code"], row["importance"], *_figure_cells(row["satisfaction"]), row["zone_label"]]
                for row in data["items"]]
        return [(_("Quadrant"), [Column("item", _("Item")), Column("code", _("Code")), Column("importance", _("Importance")),
                                 *_figure_columns("satisfaction_"), Column("zone", _("Zone"))], rows)]
    if page == "kano":
        rows = [[row["label"], row["code"], row["n"], row.get("category_label") or "",
                 *[row.get("counts", {}).get(c) for c in "AOMIRQ"], row.get("better"), row.get("worse")]
                for row in data["features"]]
        return [(_("Kano"), [Column("feature", _("Feature")), Column("code", _("Code")), Column("n", _("Answers")),
                             Column("category", _("Category")), *[Column(c, c) for c in "AOMIRQ"],
                             Column("better", _("Better")), Column("worse", _("Worse"))], rows)]
    if page == "acsi":
        paths = [[row["from"], row["to"], row["coefficient"]] for row in data["paths"]]
        constructs = [[name, data["r2"].get(name), data["index"].get(name)] for name in scoring.ACSI_BLOCKS]
        return [(_("Paths"), [Column("from", _("From")), Column("to", _("To")), Column("coefficient", _("Coefficient"))],
                 paths),
                (_("Constructs"), [Column("construct", _("Construct")), Column("r2", "R²"),
                                   Column("index", _("Index (0-100)"))], [*constructs, ["n", data["n"], None]])]
    if page == "retention":
        rows = [[row["band"], *_figure_cells(row), row["retained"]] for row in data["bands"]]
        return [(_("Retention by satisfaction"), [Column("band", _("Overall satisfaction")), *_figure_columns(),
                                                   Column("retained", _("Came back"))], rows)]
    if page == "experience":
        rows = [[row["label"], row["touchpoint"], *_figure_cells(row), str(scoring.label(row["mark"])) if row["mark"]
                 else ""] for row in data["touchpoints"]]
        return [(_("Experience curve"), [Column("touchpoint", _("Touchpoint")), Column("code", _("Code")),
                                         *_figure_columns(), Column("mark", _("Valley or peak"))], rows)]
    raise ValueError(f"no tables for page {page!r}")


def _answers(actor, filters: Filters):
    """The NPS answers themselves (one query): answered on, dealer, served by, customer, mobile, score."""
    rows = (results.responses(actor, filters).filter(answers__question__code=scoring.RECOMMEND)
            .order_by("answered_on", "id")
            .values_list("answered_on", "dealer__name", "staff__last_name", "staff__first_name", "customer__name",
                         "customer__mobile", "answers__number")[:MAX_ANSWER_ROWS])
    for day, dealer, last, first, name, mobile, score in rows:
        yield [day, dealer, person_name(first, last), name or "", mobile or "", None if score is None else int(score)]


def export_page(actor, page: str, filters: Filters, data_of) -> exports.ExportFile:
    """The page's tables (``data_of(filters)`` computes them within the export scope) as .xlsx."""
    require(actor, Action.EXPORT_RESULTS)
    filters = replace(filters, action=Action.EXPORT_RESULTS)
    data = data_of(actor, filters)
    book = Workbook()
    book.remove(book.active)
    count = 0
    for title, columns, rows in tables(page, data):
        sheet = book.create_sheet(str(title)[:31])
        for line in exports.table_rows(columns, rows):
            sheet.append([str(v) if v is not None and not isinstance(v, (int, float, str)) and not hasattr(v, "year")
                          else v for v in line])
        count += len(rows)
    if page == "nps":
        columns = [Column("answered_on", _("Answered on")), Column("dealer", _("Dealer")),
                   Column("served_by", _("Served by")), Column("customer", _("Customer")),
                   Column("mobile", _("Mobile")), Column("score", _("Likelihood to recommend"))]
        sheet = book.create_sheet(_("Answers")[:31])
        for line in exports.table_rows(columns, _answers(actor, filters)):
            sheet.append(line)
            count += 1
        count -= 1  # the heading
    name = f"survey-{page}-{timezone.localdate():%Y%m%d}"
    return exports.export_workbook(actor=actor, action=AuditCode.SURVEY_RESULTS_EXPORT, object_type="survey_results",
                                   dealer_id=filters.dealer_id or actor.dealer_id,
                                   filters={**filters.as_dict(), "page": page}, book=book, rows=count,
                                   filename=f"{name}.xlsx")
