"""Sales API: the showroom's analysis tables (traffic statistics, prospect contact status and
its Excel file, lost-sale analysis). Thin: every figure comes from ``sales.analysis``, which
reads through the access door. Bad parameters answer 422 naming the parameter."""

import datetime as dt

from django.utils import timezone
from ninja import Router, Schema

from retain.bounds import Day, Month, QueryId
from retain.org import exports

from . import analysis
from .periods import check_period, month_end, month_start

router = Router(tags=["sales"])

XLSX = exports.XLSX_TYPE


def _period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """Default: the month to date."""
    end = end or timezone.localdate()
    start = start or end.replace(day=1)
    check_period(start, end, max_days=analysis.MAX_DAYS)
    return start, end


class CountOut(Schema):
    count: int
    share: float


class DayCount(Schema):
    date: dt.date
    count: int


class HourCount(Schema):
    hour: int
    count: int


class SourceCount(CountOut):
    source: str
    code: int | None
    label: str


class KindCount(CountOut):
    kind: str
    label: str


class OutcomeCount(CountOut):
    outcome: str
    label: str


class ConsultantVisits(CountOut):
    consultant_id: int | None
    consultant: str
    left_contact: int
    became_prospect: int


class TrafficOut(Schema):
    start: dt.date
    end: dt.date
    dealer: int | None
    total: int
    first_visits: int
    return_visits: int
    left_contact: int
    left_contact_share: float
    became_prospect: int
    prospect_share: float
    timed_visits: int
    average_minutes: float | None
    by_day: list[DayCount]
    by_hour: list[HourCount]
    by_source: list[SourceCount]
    by_kind: list[KindCount]
    by_outcome: list[OutcomeCount]
    by_consultant: list[ConsultantVisits]


@router.get("/showroom/traffic", response=TrafficOut, summary="Showroom traffic statistics")
def showroom_traffic(request, start: Day | None = None, end: Day | None = None, dealer: QueryId | None = None):
    """Visits and calls registered between ``start`` and ``end`` (local dates, inclusive;
    default the month to date), within the caller's scope, optionally at one dealer."""
    start, end = _period(start, end)
    return analysis.traffic(request.user, start, end, dealer)


class DayCell(Schema):
    day: int
    grade: str
    contacts: list[str]
    mark: str


class ContactStatusRow(Schema):
    number: int
    prospect_id: int
    customer_id: int
    customer: str
    model_of_interest: str
    source: str
    source_code: int | None
    first_contact: dt.date
    consultant_id: int | None
    consultant: str
    dealer: str
    days: list[DayCell]
    contacts_in_month: int
    grade: str
    status: str


class ContactStatusOut(Schema):
    month: str
    days: int
    marks: dict[str, str]
    rows: list[ContactStatusRow]


@router.get("/prospects/contact-status", response=ContactStatusOut, summary="Prospect contact-status table")
def prospect_contact_status(request, month: Month | None = None, consultant: QueryId | None = None):
    """One row per prospect worked in ``month`` (YYYY-MM, default this month): the grade held on
    each day and the contacts made (kinds, and the mark shown on the paper form)."""
    first = month_start(month or timezone.localdate())
    rows = analysis.contact_status(request.user, first, consultant)
    marks = {str(kind): mark for kind, mark in analysis.CONTACT_MARKS.items()}
    return {"month": first.strftime("%Y-%m"), "days": month_end(first).day, "marks": marks, "rows": rows}


@router.get("/prospects/contact-status.xlsx", summary="Prospect contact-status table as Excel",
            openapi_extra={"responses": {200: {"description": "The .xlsx file",
                                               "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}})
def prospect_contact_status_xlsx(request, month: Month | None = None, consultant: QueryId | None = None):
    """The same table as an Excel file. Audit-logged; needs the export permission, except that a
    consultant may export their own table."""
    return analysis.export_contact_status(request.user, month or "", consultant).response()


class ReasonCount(CountOut):
    reason: str
    label: str


class MakeCount(CountOut):
    make: str


class CompetitorCount(CountOut):
    make: str
    model: str


class StageCount(CountOut):
    grade: str


class ConsultantCount(CountOut):
    consultant_id: int | None
    consultant: str


class PendingDefeat(Schema):
    prospect_id: int
    customer: str
    consultant: str
    make: str
    model: str
    reason: str
    reason_label: str
    stage: str
    applied_on: dt.date | None


class LostSalesOut(Schema):
    start: dt.date
    end: dt.date
    total: int
    won: int
    defeat_rate: float
    by_reason: list[ReasonCount]
    by_make: list[MakeCount]
    by_competitor: list[CompetitorCount]
    by_stage: list[StageCount]
    by_consultant: list[ConsultantCount]
    pending: list[PendingDefeat]


@router.get("/lost-sales", response=LostSalesOut, summary="Lost-sale analysis")
def lost_sales(request, start: Day | None = None, end: Day | None = None):
    """Defeats approved between ``start`` and ``end`` (default the month to date) by reason,
    competitor, grade when lost and consultant; plus the applications awaiting a decision."""
    start, end = _period(start, end)
    return analysis.lost_sales(request.user, start, end)
