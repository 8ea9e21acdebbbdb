"""Survey results over JSON (issue 9, item 7): the figures of the analysis pages for one survey,
through the same door. Thin: the survey and the dealer are checked by ``surveys.access`` (outside
the scope: 404), the period by ``results.period`` (422 naming ``from`` or ``to``), and every
figure comes from ``surveys.scoring``.

Shapes (fixed for integrators): ``/surveys/{id}/results`` ->
``{"nps": {"value", "low", "high", "n", "small", ...}, "csi": {...}, "items": [...], "nps_change",
"trend"}``; ``/surveys/{id}/drivers`` -> ``{"outcome": "overall", "r2", "n", "items": [{"code",
"label", "weight", "shapley", ...}]}`` (relative weights summing to R²); one endpoint per page:
``league``, ``quadrant``, ``kano``, ``acsi``, ``retention``, ``experience``. A survey's kind picks
what is read: all of the group's surveys of that kind by question code (a custom survey alone).
"""

import datetime as dt

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from retain.bounds import Day, QueryId
from retain.org.models import Staff
from retain.org.policy import Action, require

from .. import results, scoring
from ..access import access_survey, results_dealer
from ..results import Filters

router = Router(tags=["surveys"])


class ResultsQuery(Schema):
    dealer: QueryId | None = None
    start: Day | None = Field(None, alias="from")
    end: Day | None = Field(None, alias="to")
    served_by: QueryId | None = None


def _filters(request, survey_id: int, query: ResultsQuery) -> Filters:
    actor = request.user
    require(actor, Action.VIEW_RESULTS)
    survey = access_survey(actor, survey_id, Action.VIEW_RESULTS)
    dealer_id = results_dealer(actor, query.dealer).pk if query.dealer else None
    if query.served_by and not Staff.objects.filter(pk=query.served_by, group_id=actor.group_id).exists():
        raise Http404(_("No such person."))
    start, end = results.period(query.start, query.end)
    return Filters(survey.kind, start, end, dealer_id=dealer_id, staff_id=query.served_by, survey_id=survey.pk)


class FigureOut(Schema):
    value: float | None
    low: float | None
    high: float | None
    n: int
    small: bool


class ItemOut(FigureOut):
    code: str
    label: str
    weight: float


class ChangeOut(Schema):
    difference: float
    low: float
    high: float
    p_value: float
    significant: bool


class MonthOut(FigureOut):
    month: str


class ResultsOut(Schema):
    nps: FigureOut
    csi: FigureOut
    items: list[ItemOut]
    nps_change: ChangeOut | None
    trend: list[MonthOut]


@router.get("/surveys/{int:survey_id}/results", response=ResultsOut, summary="A survey's NPS and CSI")
def survey_results(request, survey_id: int, query: Query[ResultsQuery]):
    """NPS and CSI of the counted answers in the caller's scope, with 95% intervals and n;
    ``from``/``to`` (answer days, default the last twelve months), ``dealer``, ``served_by``."""
    return scoring.results_summary(request.user, _filters(request, survey_id, query))


class DriverOut(Schema):
    code: str
    label: str
    weight: float
    shapley: float
    low: float | None
    high: float | None


class DriversOut(Schema):
    outcome: str
    r2: float | None
    n: int
    items: list[DriverOut]


@router.get("/surveys/{int:survey_id}/drivers", response=DriversOut, summary="Key drivers of overall satisfaction")
def survey_drivers(request, survey_id: int, query: Query[ResultsQuery]):
    """Relative weights (``weight``, summing to ``r2``, with bootstrap interval ``low``/``high``)
    and Shapley values of each item in explaining ``overall``; empty below 30 answers."""
    return scoring.drivers_page(request.user, _filters(request, survey_id, query))


class LeagueRow(FigureOut):
    dealer_id: int
    dealer: str
    difference: float | None
    p_value: float | None
    p_holm: float | None
    significant: bool
    direction: str


class LeagueOut(Schema):
    alpha: float
    correction: str
    tested: int
    min_n: int
    rows: list[LeagueRow]


@router.get("/surveys/{int:survey_id}/league", response=LeagueOut, summary="Dealers' NPS league table")
def survey_league(request, survey_id: int, query: Query[ResultsQuery]):
    """Each dealer's NPS against the pooled rest, Holm-corrected at ``alpha``."""
    return scoring.nps_page(request.user, _filters(request, survey_id, query))["league"]


class SplitOut(Schema):
    importance: float
    satisfaction: float


class QuadrantItem(Schema):
    code: str
    label: str
    importance: float
    satisfaction: FigureOut
    zone: str
    zone_label: str


class QuadrantOut(Schema):
    source: str | None
    n: int
    small: bool
    split: SplitOut | None
    items: list[QuadrantItem]


@router.get("/surveys/{int:survey_id}/quadrant", response=QuadrantOut, summary="Importance x satisfaction quadrant")
def survey_quadrant(request, survey_id: int, query: Query[ResultsQuery]):
    """Items in the four zones; importance ``stated`` (100 points) or ``derived`` (drivers)."""
    return scoring.quadrant_page(request.user, _filters(request, survey_id, query))


class KanoFeature(Schema):
    code: str
    label: str
    n: int
    small: bool
    category: str | None
    category_label: str | None = None
    counts: dict[str, int] | None = None
    better: float | None = None
    worse: float | None = None


class KanoOut(Schema):
    features: list[KanoFeature]


@router.get("/surveys/{int:survey_id}/kano", response=KanoOut, summary="Kano categories with Better/Worse")
def survey_kano(request, survey_id: int, query: Query[ResultsQuery]):
    return scoring.kano_page(request.user, _filters(request, survey_id, query))


class PathOut(Schema):
    from_: str = Field(..., alias="from")
    to: str
    coefficient: float


class AcsiOut(Schema):
    model: dict
    n: int
    small: bool
    paths: list[PathOut]
    r2: dict[str, float]
    index: dict[str, float]


@router.get("/surveys/{int:survey_id}/acsi", response=AcsiOut, summary="ACSI-style PLS path model",
            by_alias=True)
def survey_acsi(request, survey_id: int, query: Query[ResultsQuery]):
    """Quality -> value -> satisfaction -> loyalty (after-sales survey): coefficients, R², indices."""
    return scoring.acsi_page(request.user, _filters(request, survey_id, query))


class BandOut(FigureOut):
    band: str
    retained: int


class RetentionOut(Schema):
    as_of: dt.date
    days: int
    n: int
    small: bool
    bands: list[BandOut]


@router.get("/surveys/{int:survey_id}/retention", response=RetentionOut, summary="Satisfaction -> retention")
def survey_retention(request, survey_id: int, query: Query[ResultsQuery]):
    """Share back for service within twelve months by overall satisfaction band (Wilson intervals)."""
    return scoring.retention_page(request.user, _filters(request, survey_id, query))


class TouchpointOut(FigureOut):
    code: str
    touchpoint: str
    label: str
    mark: str


class ExperienceOut(Schema):
    n: int
    touchpoints: list[TouchpointOut]


@router.get("/surveys/{int:survey_id}/experience", response=ExperienceOut, summary="Customer experience curve")
def survey_experience(request, survey_id: int, query: Query[ResultsQuery]):
    """Mean rating per touchpoint in journey order, ``mark`` = valley, peak or empty."""
    return scoring.experience_page(request.user, _filters(request, survey_id, query))
