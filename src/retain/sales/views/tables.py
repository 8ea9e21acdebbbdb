"""Sales pages: the showroom's analysis tables (traffic statistics, prospect contact status with
its Excel download, lost-sale analysis). Thin: parse the filter form, ask ``sales.analysis``."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org.policy import Action, Scope, scope_of
from retain.web import charts

from .. import analysis
from ..forms import ContactStatusForm, PeriodForm, TrafficForm
from ..models import ContactKind
from ..periods import month_end


def _bound(form_class, request):
    return form_class(request.GET or {}, actor=request.user)


@login_required
def traffic(request):
    """Showroom traffic statistics (展厅来店(电)统计表)."""
    form = _bound(TrafficForm, request)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        dealer = data["dealer"].pk if data.get("dealer") else None
        report = analysis.traffic(request.user, data["start"], data["end"], dealer)
        peak = max((row["count"] for row in report["by_hour"]), default=0) or 1
        for row in report["by_hour"]:
            row["bar"] = round(100 * row["count"] / peak)
        report["by_hour_open"] = [row for row in report["by_hour"] if row["count"] or 8 <= row["hour"] <= 20]
        report["day_chart"] = charts.bars("chart-days", _("Visits and calls by day"),
                                          [row["date"].strftime("%m-%d") for row in report["by_day"]],
                                          [row["count"] for row in report["by_day"]])
        report["hour_chart"] = charts.bars("chart-hours", _("By hour of arrival"),
                                           [f"{row['hour']:02d}:00" for row in report["by_hour_open"]],
                                           [row["count"] for row in report["by_hour_open"]])
    return render(request, "sales/table_traffic.html", {"form": form, "report": report})


@login_required
def contact_status(request):
    """The prospect contact-status table (意向客户接触状况表), printable, with its Excel file.
    Opens on the current month and, for a manager, on the first consultant's table."""
    data = request.GET.copy()
    if "consultant" not in data and scope_of(request.user, Action.VIEW) is not Scope.OWN:
        first = ContactStatusForm(actor=request.user).fields["consultant"].queryset.first()
        if first is not None:
            data["consultant"] = str(first.pk)
    form = ContactStatusForm(data, actor=request.user)
    rows, month, days, choose = None, None, [], False
    if form.is_valid():
        month = form.cleaned_data["month"]
        consultant = form.cleaned_data.get("consultant")
        # The paper form is one consultant's: managers pick whose table to read (a whole group's
        # prospects by day would be thousands of rows nobody reads).
        choose = consultant is None and scope_of(request.user, Action.VIEW) is not Scope.OWN
        if not choose:
            rows = analysis.contact_status(request.user, month, consultant.pk if consultant else None)
        last = month_end(month)
        today = timezone.localdate()
        days = [{"day": d, "weekend": dt.date(month.year, month.month, d).weekday() >= 5,
                 "today": dt.date(month.year, month.month, d) == today}
                for d in range(1, last.day + 1)]
    query = request.GET.copy()
    context = {
        "form": form, "rows": rows, "month": month, "days": days, "query": query.urlencode(), "choose": choose,
        "can_export": analysis.may_export_contact_status(request.user),
        "marks": [(mark, ContactKind(kind).label) for kind, mark in analysis.CONTACT_MARKS.items()],
        "sources": analysis.source_legend(),
        "dealer": request.user.dealer.name if request.user.dealer_id else "",
        "today": timezone.localdate(),
    }
    return render(request, "sales/table_contact_status.html", context)


@login_required
def contact_status_export(request):
    """The contact-status table as .xlsx (audit-logged; consultants: their own table only)."""
    form = _bound(ContactStatusForm, request)
    if not form.is_valid():
        return render(request, "sales/table_contact_status.html",
                      {"form": form, "rows": None, "can_export": False}, status=422)
    consultant = form.cleaned_data.get("consultant")
    return analysis.export_contact_status(request.user, form.cleaned_data["month"],
                                          consultant.pk if consultant else None).response()


@login_required
def lost_sales(request):
    """Lost-sale analysis (销售促成失控(败)分析表)."""
    form = _bound(PeriodForm, request)
    report = None
    if form.is_valid():
        report = analysis.lost_sales(request.user, form.cleaned_data["start"], form.cleaned_data["end"])
        # Largest cause first in the table too, so it reads in the chart's order.
        report["by_reason"] = sorted(report["by_reason"], key=lambda row: -row["count"])
        report["reason_chart"] = charts.pareto(
            "chart-reasons", _("Reasons for lost sales (Pareto)"), [row["label"] for row in report["by_reason"]],
            [row["count"] for row in report["by_reason"]], count_name=_("Sales lost"), share_name=_("Cumulative share"))
    return render(request, "sales/table_lost_sales.html", {"form": form, "report": report})

