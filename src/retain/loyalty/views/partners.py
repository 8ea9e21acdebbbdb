"""The loyalty pages for partners and the liability (thin: the door, a form, a service or a read).

- ``/loyalty/partners/``: the partners in sight (``view_liability``); a manager adds one;
- ``/loyalty/partners/<id>/``: its months (issued, accepted, money each way, net, balanced to the
  ledger, closed or not), a chart beside the table; a manager records a movement or closes a month;
- ``/loyalty/liability/``: month-ends per dealer, charts with their tables; both export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.org.policy import Action, allowed, require
from retain.web import charts
from retain.web.pages import apply_errors, error_dict, post_and_redirect

from .. import liability
from ..export import export_liability, export_settlements
from ..forms import CloseForm, LiabilityForm, MovementForm, PartnerForm
from ..partners_access import access_partner, partners_in_scope
from ..services import partners as services


def _format(request) -> str:
    return "xlsx" if request.GET.get("format") == "xlsx" else "csv"


@login_required
def partner_list(request):
    require(request.user, Action.VIEW_LIABILITY)
    can_manage = allowed(request.user, Action.MANAGE_PARTNERS)
    form = PartnerForm(request.POST or None, actor=request.user) if can_manage else None
    if request.method == "POST":
        require(request.user, Action.MANAGE_PARTNERS)
        done = post_and_redirect(request, form, lambda data: services.create_partner(
            actor=request.user, dealer_id=data.pop("dealer"), **data), success=_("Partner added."),
            to="loyalty:partners")
        if done:
            return done
    rows = [{"partner": p, "balance": services.account_of(p, create=False).balance}
            for p in partners_in_scope(request.user).order_by("programme__dealer__name", "name")]
    return render(request, "loyalty/partners.html", {"rows": rows, "form": form},
                  status=422 if form is not None and form.errors else 200)


def _partner_context(request, partner, *, movement=None):
    history = services.history(partner)
    oldest_first = list(reversed(history))
    chart = charts.grouped_bars("chart-partner", _("Points by month"), [f"{r['month']:%Y-%m}" for r in oldest_first], {
        _("Issued by the partner"): [r["issued_points"] for r in oldest_first],
        _("Accepted at the partner"): [r["accepted_points"] for r in oldest_first]})
    can_manage = allowed(request.user, Action.MANAGE_PARTNERS)
    return {"partner": partner, "history": history, "chart": chart, "can_manage": can_manage,
            "movement": movement or (MovementForm() if can_manage else None),
            "balance": services.account_of(partner, create=False).balance}


@login_required
def partner_page(request, partner_id: int):
    partner = access_partner(request.user, partner_id)
    if request.GET.get("export"):
        return export_settlements(request.user, partner, services.history(partner),
                                  file_format=_format(request)).response()
    return render(request, "loyalty/partner.html", _partner_context(request, partner))


@login_required
@require_POST
def partner_movement(request, partner_id: int):
    partner = access_partner(request.user, partner_id, Action.MANAGE_PARTNERS)
    form = MovementForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        service = services.partner_issue if data.pop("direction") == "issue" else services.partner_accept
        try:
            service(actor=request.user, partner_id=partner.pk, origin="page", **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Movement recorded."))
            return redirect("loyalty:partner", partner_id=partner.pk)
    return render(request, "loyalty/partner.html", _partner_context(request, partner, movement=form), status=422)


@login_required
@require_POST
def close_month(request, partner_id: int):
    partner = access_partner(request.user, partner_id, Action.MANAGE_PARTNERS)
    form = CloseForm(request.POST)
    if not form.is_valid():
        for message in form.errors.get("month", []):
            messages.error(request, message)
        return redirect("loyalty:partner", partner_id=partner.pk)
    try:
        services.close_month(actor=request.user, partner_id=partner.pk, month=form.cleaned_data["month"])
    except ValidationError as error:
        for found in error_dict(error).values():
            for message in found:
                messages.error(request, message)
    else:
        messages.success(request, _("Month closed."))
    return redirect("loyalty:partner", partner_id=partner.pk)


@login_required
def liability_page(request):
    require(request.user, Action.VIEW_LIABILITY)
    form = LiabilityForm(request.GET or None, actor=request.user)
    if request.GET and not form.is_valid():
        return render(request, "loyalty/liability.html", {"form": form}, status=422)
    data = dict(form.cleaned_data) if request.GET else {}
    if "dealer" not in form.fields:  # one dealer in sight: another asked for is out of it (404)
        data["dealer"] = request.GET.get("dealer") or None
    try:
        report = liability.for_actor(request.user, dealer_id=data.get("dealer"), start=data.get("start") or None,
                                     end=data.get("end") or None)
    except ValidationError as error:
        apply_errors(form, error)
        return render(request, "loyalty/liability.html", {"form": form}, status=422)
    if request.GET.get("export"):
        return export_liability(request.user, report, dealer_id=data.get("dealer"),
                                file_format=_format(request)).response()
    totals = report["totals"]
    labels = [f"{t['month']:%Y-%m}" for t in totals]
    chart_set = {
        "outstanding": charts.grouped_bars("chart-outstanding", _("Outstanding points at month end"), labels, {
            _("Spendable"): [t["spendable"] for t in totals], _("Pending"): [t["pending"] for t in totals],
            _("Reserved"): [t["reserved"] for t in totals]}),
        "flows": charts.grouped_bars("chart-flows", _("Points issued, redeemed and expired"), labels, {
            _("Issued"): [t["issued"] for t in totals], _("Redeemed"): [t["redeemed"] for t in totals],
            _("Expired"): [t["expired"] for t in totals]}),
        "rates": charts.grouped_bars("chart-rates", _("Redemption and breakage rates (12 months, %)"), labels, {
            _("Redemption rate"): [round(100 * t["redemption_rate"], 1) if t["redemption_rate"] is not None else None
                                   for t in totals],
            _("Breakage rate"): [round(100 * t["breakage_rate"], 1) if t["breakage_rate"] is not None else None
                                 for t in totals]}),
    }
    return render(request, "loyalty/liability.html", {"form": form, "report": report, "charts": chart_set,
                                                      "query": request.GET.urlencode()})
