"""The analysis pages (issue 9, item 6): an overview and one page per figure, each with its chart
(``web.charts``), its table, an .xlsx download and the same filters: survey kind, dealer (within
the scope; outside it 404), period, served by. Thin: parse the filters, ask ``scoring``, draw.

Queries per page (counted in tests/surveys/test_analysis_pages.py): the session and the user,
the filter pickers (dealers, staff), then the page's own: NPS 2, CSI 3-4, drivers 2, quadrant 3,
Kano 2, ACSI 2, retention 3, experience 2.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from retain.org.models import Staff
from retain.org.policy import Action, Scope, allowed, require, scope_of, staff_with
from retain.web import charts

from .. import export, results, scoring
from ..access import results_dealer, results_dealers
from ..forms import ResultsFilterForm
from ..models import SurveyKind
from ..results import Filters


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    kinds: tuple[str, ...]
    compute: object
    blurb: str


PAGES = {page.key: page for page in (
    Page("nps", gettext_lazy("NPS trend and dealer league table"),
         (SurveyKind.NPS, SurveyKind.CSS_AFTER_SALES, SurveyKind.CSS_SALES), scoring.nps_page,
         gettext_lazy("Net Promoter Score by month with its interval, and dealers compared with the rest.")),
    Page("csi", gettext_lazy("CSI by item"), (SurveyKind.CSS_AFTER_SALES, SurveyKind.CSS_SALES), scoring.csi_page,
         gettext_lazy("The weighted satisfaction index, each item's mean against its weight.")),
    Page("drivers", gettext_lazy("Key drivers"), (SurveyKind.CSS_AFTER_SALES, SurveyKind.CSS_SALES),
         scoring.drivers_page, gettext_lazy("How much of overall satisfaction each item accounts for.")),
    Page("quadrant", gettext_lazy("Importance and satisfaction quadrant"),
         (SurveyKind.CSS_AFTER_SALES, SurveyKind.CSS_SALES), scoring.quadrant_page,
         gettext_lazy("Which items to fix first: importance against satisfaction, in four zones.")),
    Page("kano", gettext_lazy("Kano"), (SurveyKind.KANO,), scoring.kano_page,
         gettext_lazy("Must-be, one-dimensional and attractive features, with Better and Worse.")),
    Page("acsi", gettext_lazy("Satisfaction index model (ACSI)"), (SurveyKind.CSS_AFTER_SALES,), scoring.acsi_page,
         gettext_lazy("Quality and value driving satisfaction and loyalty, as a path model.")),
    Page("retention", gettext_lazy("Satisfaction and retention"), (SurveyKind.CSS_AFTER_SALES,),
         scoring.retention_page,
         gettext_lazy("Share of customers back for service within twelve months, by satisfaction.")),
    Page("experience", gettext_lazy("Customer experience curve"), (SurveyKind.TOUCHPOINT,), scoring.experience_page,
         gettext_lazy("Satisfaction at each touchpoint of the journey, valleys and peaks marked.")),
)}

def _choices(actor, dealer_id):
    """The pickers: dealers in scope; the people who serve customers at the chosen dealer (or the
    actor's own), or only the actor when they see their own answers only. Two queries."""
    dealers = [(pk, name) for pk, name in results_dealers(actor).order_by("name").values_list("pk", "name")]
    if scope_of(actor, Action.VIEW_RESULTS) is Scope.OWN:
        return dealers, [(actor.pk, actor.display_name)]
    at = dealer_id or actor.dealer_id
    # Who serves customers is whoever the policy gives their own answers to see (consultants,
    # service advisors): the table decides, no list of roles here.
    people = staff_with(Action.VIEW_RESULTS, Scope.OWN).filter(dealer_id=at).order_by("last_name", "first_name", "pk") \
        if at else Staff.objects.none()
    return dealers, [(person.pk, person.display_name) for person in people]


def filters_from(request, page: Page) -> tuple[ResultsFilterForm, Filters | None]:
    """The page's filters from the query string. A dealer or a person outside the scope is 404
    (before the form sees them: a wrong id reveals nothing); bad dates are form errors."""
    actor = request.user
    require(actor, Action.VIEW_RESULTS)
    data = request.GET.copy()
    dealer_id = None
    if data.get("dealer"):
        dealer_id = results_dealer(actor, data["dealer"]).pk
    dealers, staff = _choices(actor, dealer_id)
    if data.get("served_by") and data["served_by"] not in {str(pk) for pk, _name in staff}:
        raise Http404(_("No such person."))
    if "kind" not in data:
        data["kind"] = page.kinds[0]
    form = ResultsFilterForm(data, kinds=page.kinds, dealers=dealers, staff=staff)
    if not form.is_valid():
        return form, None
    clean = form.cleaned_data
    try:
        start, end = results.period(clean.get("from"), clean.get("to"))
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field, errors)
        return form, None
    return form, Filters(clean["kind"], start, end, dealer_id=clean.get("dealer"), staff_id=clean.get("served_by"))


@login_required
def overview(request):
    """The results pages, each with what it answers."""
    require(request.user, Action.VIEW_RESULTS)
    return render(request, "surveys/results/overview.html", {"pages": PAGES.values()})


@login_required
def results_page(request, page: str):
    info = PAGES.get(page)
    if info is None:
        raise Http404
    form, chosen = filters_from(request, info)
    context = {"form": form, "page": info, "pages": PAGES.values(), "data": None, "filters": chosen,
               "query": request.GET.urlencode(), "may_export": allowed(request.user, Action.EXPORT_RESULTS),
               "min_n": scoring.MIN_N, "confidence": int(scoring.CONFIDENCE * 100)}
    if chosen is not None:
        data = info.compute(request.user, chosen)
        context["data"] = data
        context["charts"] = CHARTS[page](data)
    return render(request, f"surveys/results/{page}.html", context, status=200 if chosen else 422)


@login_required
def results_export(request, page: str):
    info = PAGES.get(page)
    if info is None:
        raise Http404
    require(request.user, Action.EXPORT_RESULTS)
    form, chosen = filters_from(request, info)
    if chosen is None:
        return render(request, f"surveys/results/{page}.html",
                      {"form": form, "page": info, "pages": PAGES.values(), "data": None}, status=422)
    return export.export_page(request.user, page, chosen, info.compute).response()


# --- charts: built from the same rows the tables show -----------------------------------------------

def _shown(rows, key="value"):
    """Values of figures, None for a small sample (the chart, like the table, shows no bare number)."""
    return [None if row.get("small") else row.get(key) for row in rows]


def _nps_charts(data):
    trend = data["trend"]
    league = data["league"]["rows"]
    colors = [charts.GOOD if r["direction"] == "above" else charts.WARN if r["direction"] == "below"
              else charts.ACCENT for r in league]
    return [charts.interval_line("chart-nps-trend", _("NPS by month"), [r["month"] for r in trend], _shown(trend),
                                 _shown(trend, "low"), _shown(trend, "high"), name=_("NPS"),
                                 band_name=_("Confidence interval")),
            charts.interval_bars("chart-nps-league", _("NPS by dealer"), [r["dealer"] for r in league],
                                 _shown(league), _shown(league, "low"), _shown(league, "high"), name=_("NPS"),
                                 colors=colors, horizontal=True)]


def _csi_charts(data):
    items = data["items"]
    return [charts.interval_bars("chart-csi-items", _("Item means against their weights"),
                                 [r["label"] for r in items], _shown(items), _shown(items, "low"),
                                 _shown(items, "high"), name=_("Mean"),
                                 second=(_("Weight"), [r["weight"] for r in items]))]


def _drivers_charts(data):
    items = data["items"]
    return [charts.grouped_bars("chart-drivers", _("Share of R² by item"), [r["label"] for r in items],
                                {_("Relative weight"): [round(r["weight"], 4) for r in items],
                                 _("Shapley value"): [round(r["shapley"], 4) for r in items]})]


def _quadrant_charts(data):
    if not data["items"]:
        return []
    corners = {"bottom_right": scoring.zone_label(scoring.quadrant.URGENT),
               "bottom_left": scoring.zone_label(scoring.quadrant.SECONDARY),
               "top_left": scoring.zone_label(scoring.quadrant.NICE_TO_HAVE),
               "top_right": scoring.zone_label(scoring.quadrant.ADVANTAGE)}
    items = data["items"]
    return [charts.zones("chart-quadrant", _("Importance and satisfaction"), [r["label"] for r in items],
                         [r["importance"] for r in items], [r["satisfaction"]["value"] for r in items],
                         split_x=data["split"]["importance"], split_y=data["split"]["satisfaction"],
                         x_title=_("Importance"), y_title=_("Satisfaction (mean)"), corners=corners)]


def _kano_charts(data):
    rows = [r for r in data["features"] if r.get("better") is not None and not r["small"]]
    if not rows:
        return []
    corners = {"top_left": _("Attractive"), "top_right": _("One-dimensional"), "bottom_right": _("Must-be"),
               "bottom_left": _("Indifferent")}
    return [charts.zones("chart-kano", _("Better and Worse"), [r["label"] for r in rows],
                         [abs(r["worse"]) for r in rows], [r["better"] for r in rows], split_x=0.5, split_y=0.5,
                         x_title=_("Worse (absolute)"), y_title=_("Better"), corners=corners)]


#: Where each construct sits on the path diagram.
_LAYOUT = {"quality": (0.0, 0.8), "value": (0.0, 0.1), "satisfaction": (0.5, 0.45), "loyalty": (1.0, 0.45)}


def _acsi_charts(data):
    if data["small"]:
        return []
    def text(key):
        lines = [str(scoring.CONSTRUCT_LABELS[key])]
        if key in data["r2"]:
            lines.append(f"R² {data['r2'][key]:.2f}")
        lines.append(f"{_('Index')} {data['index'].get(key, 0):.1f}")
        return "<br>".join(lines)

    nodes = [(key, text(key), x, y) for key, (x, y) in _LAYOUT.items()]
    edges = [(row["from"], row["to"], f"{row['coefficient']:.2f}") for row in data["paths"]]
    return [charts.path_diagram("chart-acsi", _("Path model"), nodes, edges)]


def _retention_charts(data):
    bands = data["bands"]
    pct = lambda values: [None if v is None else round(100 * v, 1) for v in values]  # noqa: E731
    return [charts.interval_bars("chart-retention", _("Back for service within twelve months (%)"),
                                 [r["band"] for r in bands], pct(_shown(bands)), pct(_shown(bands, "low")),
                                 pct(_shown(bands, "high")), name=_("Retention"))]


def _experience_charts(data):
    rows = data["touchpoints"]
    return [charts.interval_line("chart-experience", _("Satisfaction by touchpoint"), [r["label"] for r in rows],
                                 _shown(rows), _shown(rows, "low"), _shown(rows, "high"), name=_("Mean"),
                                 band_name=_("Confidence interval"), marks=[r["mark"] for r in rows],
                                 mark_colors={"valley": charts.WARN, "peak": charts.GOOD})]


CHARTS = {"nps": _nps_charts, "csi": _csi_charts, "drivers": _drivers_charts, "quadrant": _quadrant_charts,
          "kano": _kano_charts, "acsi": _acsi_charts, "retention": _retention_charts,
          "experience": _experience_charts}
