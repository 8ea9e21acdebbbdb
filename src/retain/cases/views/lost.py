"""The lost-owner pages: the list (proposals to confirm, confirmed, won back), recording a lost
owner from the customer, one lost owner with their value and the win-back steps, and the analysis
(reasons against the seed's shares, lost value by month, the win-back success rate). Thin: parse
the form, call ``cases.services.lost`` or ``cases.lost_analysis``, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers.access import access_customer
from retain.org.policy import Action, allowed, require
from retain.web import charts
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, post_and_redirect

from .. import lost_analysis
from ..access import access_lost_owner, visible_lost_owners
from ..forms.lost import ConfirmForm, DismissForm, ListForm, PeriodForm, RecordForm, StepForm, WonBackForm
from ..models.lost import LostStatus
from ..services import lost as services

PAGE_SIZE = 25


@login_required
def lost_list(request):
    """Lost owners in the actor's scope: proposals to confirm (default), confirmed, won back, dismissed."""
    require(request.user, Action.VIEW_LOST_OWNERS)
    form = ListForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() and form.cleaned_data["status"] else LostStatus.PROPOSED
    records = (visible_lost_owners(request.user).filter(status=status)
               .select_related("customer", "dealer").defer("customer__national_id"))
    page = keyset_page(records, after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE,
                       ordering=["-lost_on", "-id"], count=False)
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "cases/lost/list.html", {
        "form": form, "page": page, "query": query.urlencode(), "status": status, "statuses": LostStatus.choices})


@login_required
def lost_record(request, customer_id):
    """Record that a customer has left."""
    require(request.user, Action.RECORD_LOST_OWNERS)
    customer = access_customer(request.user, customer_id)
    form = RecordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lost = services.record(actor=request.user, customer_id=customer.pk, reason=data["reason"],
                                   lost_on=data["lost_on"], notes=data["notes"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Lost owner recorded."))
            return redirect("cases:lost", lost_id=lost.pk)
    return render(request, "cases/lost/record.html", {"form": form, "customer": customer},
                  status=422 if form.errors else 200)


def _lost_page(request, lost, *, forms=None, status=200):
    may_record = visible_lost_owners(request.user, Action.RECORD_LOST_OWNERS).filter(pk=lost.pk).exists()
    forms = {"confirm_form": ConfirmForm(), "dismiss_form": DismissForm(), "step_form": StepForm(),
             "won_back_form": WonBackForm(), **(forms or {})}
    steps = lost.steps.select_related("done_by")
    return render(request, "cases/lost/detail.html", {"lost": lost, "steps": steps, "may_record": may_record,
                                                      **forms}, status=status)


@login_required
def lost_detail(request, lost_id):
    """One lost owner: their value and its inputs, the win-back steps, and what may be done next."""
    return _lost_page(request, access_lost_owner(request.user, lost_id))


def _post(request, lost_id, form_class, name, action, success):
    lost = access_lost_owner(request.user, lost_id, Action.RECORD_LOST_OWNERS)
    form = form_class(request.POST)
    done = post_and_redirect(request, form, lambda data: action(lost, data), success=success,
                             to=reverse("cases:lost", args=[lost.pk]))
    if done is not None:
        return done
    lost.refresh_from_db()
    return _lost_page(request, lost, forms={name: form}, status=422)


@login_required
@require_POST
def lost_confirm(request, lost_id):
    return _post(request, lost_id, ConfirmForm, "confirm_form", lambda lost, data: services.confirm(
        actor=request.user, lost_id=lost.pk, reason=data["reason"], notes=data["notes"]),
        _("Lost owner confirmed."))


@login_required
@require_POST
def lost_dismiss(request, lost_id):
    return _post(request, lost_id, DismissForm, "dismiss_form", lambda lost, data: services.dismiss(
        actor=request.user, lost_id=lost.pk, notes=data["notes"]), _("Proposal dismissed."))


@login_required
@require_POST
def lost_step(request, lost_id):
    return _post(request, lost_id, StepForm, "step_form", lambda lost, data: services.log_step(
        actor=request.user, lost_id=lost.pk, kind=data["kind"], done_on=data["done_on"], notes=data["notes"]),
        _("Win-back step recorded."))


@login_required
@require_POST
def lost_won_back(request, lost_id):
    return _post(request, lost_id, WonBackForm, "won_back_form", lambda lost, data: services.mark_won_back(
        actor=request.user, lost_id=lost.pk, came_back_on=data["came_back_on"], notes=data["notes"]),
        _("Lost owner won back."))


@login_required
def lost_analysis_page(request):
    """The reasons against the seed's shares, the lost value by month, the win-back success rate."""
    require(request.user, Action.VIEW_LOST_OWNERS)
    form = PeriodForm(request.GET or None)
    start, end = form.period()
    records = lost_analysis.lost_in(request.user, start, end)
    reasons, lost_total = lost_analysis.reason_shares(records)
    months = lost_analysis.value_by_month(records)
    rates, rate_total = lost_analysis.win_back_rates(records)
    reason_chart = charts.grouped_bars(
        "lost-reasons", _("Reasons for leaving: share here and in the reference"), [row.label for row in reasons],
        {_("Here"): [round(100 * row.share, 1) if row.share is not None else None for row in reasons],
         _("Reference (seed)"): [round(100 * row.reference, 1) for row in reasons]})
    value_chart = charts.bars("lost-value", _("Value of the owners lost, by month (yuan)"),
                              [row["month"].strftime("%Y-%m") for row in months],
                              [round(row["total"] / 100) for row in months], name=_("Value"))
    return render(request, "cases/lost/analysis.html", {
        "form": form, "start": start, "end": end, "reasons": reasons, "lost_total": lost_total, "months": months,
        "rates": rates, "rate_total": rate_total, "reason_chart": reason_chart, "value_chart": value_chart,
        "may_record": allowed(request.user, Action.RECORD_LOST_OWNERS)}, status=422 if form.errors else 200)
