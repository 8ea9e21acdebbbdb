"""Sales API: the consultants' daily business reports (营业日报表). Thin: every call goes through
the report door and the services in ``sales.services.daily_report``."""

import datetime as dt
from typing import Literal

from ninja import Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from . import access
from .models import ReportStatus
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


class PrepareIn(Schema):
    date: dt.date | None = None


class SubmitIn(Schema):
    visit_notes: str = ""
    tomorrow_plan: str = ""


class SignIn(Schema):
    instruction: str = ""


@router.post("/reports/daily", response={200: ReportOut})
def prepare_report(request, payload: PrepareIn | None = None):
    """Create or refresh the caller's own draft report (today unless a date is given)."""
    return daily_report.prepare(actor=request.user, date=payload.date if payload else None)


@router.get("/reports/daily", response=list[ReportOut])
@paginate(LimitOffsetPagination)
def list_reports(request, date: dt.date | None = None, consultant: str | None = None,
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
def get_report(request, report_id: int):
    return access.access_report(request.user, report_id)


@router.post("/reports/daily/{report_id}/submit", response=ReportOut)
def submit_report(request, report_id: int, payload: SubmitIn):
    return daily_report.submit(actor=request.user, report_id=report_id, visit_notes=payload.visit_notes,
                               tomorrow_plan=payload.tomorrow_plan)


@router.post("/reports/daily/{report_id}/sign", response=ReportOut)
def sign_report(request, report_id: int, payload: SignIn):
    return daily_report.sign(actor=request.user, report_id=report_id, instruction=payload.instruction)

