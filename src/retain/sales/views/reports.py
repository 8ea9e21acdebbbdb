"""Sales pages: the daily business report (营业日报表). Thin: call the report door or a service
in ``sales.services.daily_report``, render.

- ``sales:daily_report``: a consultant's report for today with the submit form (opening it
  writes nothing: the figures are counted afresh, the report is stored when submitted); those
  who read others' reports get the day's list instead.
- ``sales:daily_reports``: the reports in the actor's scope for a date, with their status.
- ``sales:daily_report_detail``: one report, with the sign form for a manager who may sign it.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.org.policy import Action, allowed, refusal, require
from retain.web.pages import date_param, error_dict

from .. import access
from ..models import DailyReport, ReportStatus
from ..services import daily_report


def _mix(report: DailyReport) -> list[dict]:
    """The maintenance / promotion / development mix the manager checks, with shares; empty for
    a report whose figures do not break contacts down by purpose (the demo's seeded reports
    carry only the headline counts)."""
    by_purpose = (report.figures or {}).get("contacts", {}).get("by_purpose")
    if not by_purpose:
        return []
    total = sum(by_purpose.values())
    labels = {"development": _("Development"), "maintenance": _("Maintenance"), "promotion": _("Promotion")}
    return [{"key": key, "label": label, "count": by_purpose.get(key, 0),
             "share": round(100 * by_purpose.get(key, 0) / total) if total else 0}
            for key, label in labels.items()]


def _render_report(request, report, *, errors=None, values=None, status=200):
    actor = request.user
    context = {
        "report": report,
        "f": report.figures or {},
        "mix": _mix(report),
        "can_submit": report.consultant_id == actor.pk and report.status == ReportStatus.DRAFT,
        "can_sign": report.pk in daily_report.signable(actor, [report]),
        "errors": errors or {},
        "values": values or {"visit_notes": report.visit_notes, "tomorrow_plan": report.tomorrow_plan},
    }
    return render(request, "sales/report_daily.html", context, status=status)


def _render_list(request):
    """The reports of one day (``?date=``, default today); a date that is not one answers 422
    with the reason, not another day's list."""
    require(request.user, Action.READ_REPORTS)
    try:
        on, errors = date_param(request, default=timezone.localdate()), {}
    except ValidationError as exc:
        on, errors = None, error_dict(exc)
    if errors:
        today = timezone.localdate()
        context = {"date": today, "reports": [], "signable": set(), "errors": errors,
                   "previous": today - dt.timedelta(days=1), "next": today, "is_today": True}
        return render(request, "sales/report_list.html", context, status=422)
    reports = list(access.visible_reports(request.user).filter(date=on)
                   .select_related("consultant", "signed_by").order_by("consultant__username"))
    context = {"date": on, "reports": reports, "signable": daily_report.signable(request.user, reports),
               "previous": on - dt.timedelta(days=1), "next": on + dt.timedelta(days=1),
               "is_today": on == timezone.localdate()}
    return render(request, "sales/report_list.html", context)


@login_required
def report_today(request):
    """A consultant's report for today (GET shows it and writes nothing; POST submits it); for
    those who read others' reports, the day's list; for anyone else, 403."""
    actor = request.user
    if not allowed(actor, Action.WRITE_REPORT):
        if request.method == "POST":
            raise PermissionDenied(refusal(Action.WRITE_REPORT))
        return _render_list(request)
    if request.method == "POST":
        values = {key: request.POST.get(key, "") for key in ("visit_notes", "tomorrow_plan")}
        try:
            report = daily_report.submit_today(actor=actor, **values)
        except ValidationError as exc:
            return _render_report(request, daily_report.draft_for_today(actor), errors=error_dict(exc),
                                  values=values, status=422)
        messages.success(request, _("Report for %(date)s submitted.") % {"date": report.date.isoformat()})
        return redirect("sales:daily_report_detail", report.pk)
    return _render_report(request, daily_report.draft_for_today(actor))


@login_required
def report_list(request):
    return _render_list(request)


@login_required
def report_detail(request, report_id):
    return _render_report(request, access.access_report(request.user, report_id))


@login_required
@require_POST
def report_submit(request, report_id):
    values = {key: request.POST.get(key, "") for key in ("visit_notes", "tomorrow_plan")}
    try:
        report = daily_report.submit(actor=request.user, report_id=report_id, **values)
    except ValidationError as exc:
        report = access.access_report(request.user, report_id)
        return _render_report(request, report, errors=error_dict(exc), values=values, status=422)
    messages.success(request, _("Report for %(date)s submitted.") % {"date": report.date.isoformat()})
    return redirect("sales:daily_report_detail", report.pk)


@login_required
@require_POST
def report_sign(request, report_id):
    try:
        report = daily_report.sign(actor=request.user, report_id=report_id,
                                   instruction=request.POST.get("instruction", ""))
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in error_dict(exc).values() for m in ms))
        return redirect("sales:daily_report_detail", report_id)
    messages.success(request, _("Report of %(name)s signed.") % {"name": report.consultant.display_name})
    nxt = request.POST.get("next", "")
    if nxt == "list":
        return redirect(f"{reverse('sales:daily_reports')}?date={report.date.isoformat()}")
    return redirect("sales:daily_report_detail", report.pk)

