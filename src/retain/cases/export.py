"""The complaint analysis as a spreadsheet: each of its tables on a sheet, through the one export
writer (``org.exports``: formula-safe and audited). It holds counts and shares, no personal
data, so whoever may see the analysis may download it (``view_cases``); the download is still
audited (``cases_analysis.export``)."""

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from retain.org import exports
from retain.org.audit_codes import AuditCode
from retain.org.exports import Column


def _rate_cells(rate: dict) -> list:
    return [rate["value"], rate["low"], rate["high"], rate["k"], rate["n"]]


def _rate_columns() -> list[Column]:
    return [Column("rate", _("Rate")), Column("low", _("Interval low")), Column("high", _("Interval high")),
            Column("k", _("Count")), Column("n", _("Out of"))]


def tables(report: dict) -> list[tuple[str, list[Column], list[list]]]:
    """The analysis page's tables, as (sheet title, columns, rows)."""
    funnel = report["detractors"]
    stages = [(_("Detected (cases from survey answers)"), funnel["detected"]), (_("Contacted"), funnel["contacted"]),
              (_("Closed"), funnel["closed"]), (_("Recovered (closed satisfied)"), funnel["recovered"]),
              (_("Re-surveyed"), funnel["resurveyed"]), (_("Answered the re-survey"), funnel["answered"]),
              (_("Converted (9-10 on the re-survey)"), funnel["converted"])]
    rates = [(_("First contact in time"), report["first_contact"]["in_time"]),
             (_("Resolved in time"), report["resolution"]["in_time"]),
             (_("Customers with more than one case"), report["recurrence"]),
             (_("Problem back at the recurrence check"), report["came_back"]),
             (_("Conversion rate"), funnel["conversion"]), (_("Recovery rate"), funnel["recovery"])]
    pareto = [Column("count", _("Number of cases")), Column("share", _("Share")),
              Column("cumulative", _("Cumulative share"))]
    return [
        (_("Cases by month"), [Column("month", _("Month")), Column("complaints", _("Complaints")),
                               Column("suggestions", _("Suggestions"))],
         [[m["month"], m["complaints"], m["suggestions"]] for m in report["months"]]),
        (_("Categories"), [Column("category", _("Category")), *pareto],
         [[row["label"], row["count"], row["share"], row["cumulative"]] for row in report["categories"]]),
        (_("Root causes"), [Column("root_cause", _("Root cause")), *pareto],
         [[row["label"], row["count"], row["share"], row["cumulative"]] for row in report["root_causes"]]),
        (_("Rates"), [Column("what", _("Figure")), *_rate_columns()], [[label, *_rate_cells(rate)] for label, rate in rates]),
        (_("Detractor funnel"), [Column("stage", _("Stage")), Column("count", _("Number of cases"))],
         [[label, count] for label, count in stages]),
    ]


def export_analysis(actor, report: dict, *, dealer_id: int | None) -> exports.ExportFile:
    book = Workbook()
    book.remove(book.active)
    count = 0
    for title, columns, rows in tables(report):
        sheet = book.create_sheet(str(title)[:31])
        for line in exports.table_rows(columns, rows):
            sheet.append([str(value) if value is not None and not isinstance(value, (int, float, str)) else value
                          for value in line])
        count += len(rows)
    return exports.export_workbook(
        actor=actor, action=AuditCode.CASES_ANALYSIS_EXPORT, object_type="cases_analysis",
        dealer_id=dealer_id or actor.dealer_id, book=book, rows=count,
        filters={"from": report["start"].isoformat(), "to": report["end"].isoformat(), "dealer": dealer_id},
        filename=f"complaint-analysis-{timezone.localdate():%Y%m%d}.xlsx")
