"""Sales API: the consultants' daily business reports (营业日报表). Thin: every call goes through
the report door and the services in ``sales.services.daily_report``."""

import datetime as dt
from typing import Literal

from ninja import Router, Schema
from ninja.pagination import paginate

from retain.bounds import Day, Input, Page, QueryId, api_type, string

from . import access
from .models import DailyReport, ReportStatus
from .services import daily_report

router = Router(tags=["sales"])

StatusCode = Literal[tuple(ReportStatus.values)]  # type: ignore[valid-type]


class ReportOut(Schema):
    id: int
    consultant: str
    dealer: str
    date: dt.date
    status: str
    figures: dict
    visit_notes: str
    tomorrow_plan: str
    submitted_at: dt.datetime | None
    signed_by: str | None
    signed_at: dt.datetime | None
    instruction: str

    @staticmethod
    def resolve_consultant(obj):
        return obj.consultant.username

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code

    @staticmethod
    def resolve_signed_by(obj):
        return obj.signed_by.username if obj.signed_by_id else None


class PrepareIn(Input):
    date: api_type(DailyReport, "date") | None = None


class SubmitIn(Input):
    visit_notes: api_type(DailyReport, "visit_notes") = ""
    tomorrow_plan: api_type(DailyReport, "tomorrow_plan") = ""


class SignIn(Input):
    instruction: api_type(DailyReport, "instruction") = ""


@router.post("/reports/daily", response={200: ReportOut})
def prepare_report(request, payload: PrepareIn | None = None):
    """Create or refresh the caller's own draft report (today unless a date is given)."""
    return daily_report.prepare(actor=request.user, date=payload.date if payload else None)


@router.get("/reports/daily", response=list[ReportOut])
@paginate(Page)
def list_reports(request, date: Day | None = None, consultant: string(150) | None = None,
                 status: StatusCode | None = None):
    reports = access.visible_reports(request.user)
    if date:
        reports = reports.filter(date=date)
    if consultant:
        reports = reports.filter(consultant__username=consultant)
    if status:
        reports = reports.filter(status=status)
    return reports.select_related("consultant", "dealer", "signed_by").order_by("-date", "consultant__username", "id")


@router.get("/reports/daily/{report_id}", response=ReportOut)
def get_report(request, report_id: QueryId):
    return access.access_report(request.user, report_id)


@router.post("/reports/daily/{report_id}/submit", response=ReportOut)
def submit_report(request, report_id: QueryId, payload: SubmitIn):
    return daily_report.submit(actor=request.user, report_id=report_id, visit_notes=payload.visit_notes,
                               tomorrow_plan=payload.tomorrow_plan)


@router.post("/reports/daily/{report_id}/sign", response=ReportOut)
def sign_report(request, report_id: QueryId, payload: SignIn):
    return daily_report.sign(actor=request.user, report_id=report_id, instruction=payload.instruction)

