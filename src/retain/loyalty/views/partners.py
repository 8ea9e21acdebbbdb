"""The loyalty pages for partners and the liability (thin: the door, a form, a service or a read).

- ``/loyalty/partners/``: the partners in sight (``view_liability``); a manager adds one;
- ``/loyalty/partners/<id>/``: its months (issued, accepted, reversed, money each way, net,
  balanced to the ledger, closed or not), a chart beside the table, and its movements newest
  first (25 a page); a manager records a movement, reverses one (with a reason and a tick to
  confirm) or closes a month;
- ``/loyalty/partners/<id>/edit/``: a manager changes the partner (its API caller among the
  dealer's staff; its code only while it has no movement);
- ``/loyalty/liability/``: month-ends per dealer, charts with their tables; both export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers.access import visible_customers
from retain.org.policy import Action, allowed, dealers_in_scope, require
from retain.web import charts
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, error_dict, post_and_redirect

from .. import liability
from ..export import export_liability, export_settlements
from ..forms import CloseForm, LiabilityForm, MovementForm, PartnerEditForm, PartnerForm, ReverseForm
from ..partners_access import access_partner, partners_in_scope
from ..services import partner_reversal
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


def _in_scope(actor, action: str, partner) -> bool:
    return dealers_in_scope(actor, action).filter(pk=partner.programme.dealer_id).exists()


def _movements(request, partner, *, reversing=None) -> dict:
    """A page of the partner's movements (``?after=`` / ``?before=``), each with the member's name
    where the reader sees the customer (else the number), its reversal, and, for who may reverse
    it, the form (``reversing``: the transfer id and the bound form that was refused)."""
    page = keyset_page(partner_reversal.movements(partner), after=request.GET.get("after"),
                       before=request.GET.get("before"), ordering=["-id"], count=False)
    done = partner_reversal.reversals(page.items)
    members = {t.pk: (t.credit if partner_reversal.direction(t) == partner_reversal.ISSUE else t.debit).customer
               for t in page.items}
    seen = set(visible_customers(request.user).filter(pk__in=[c.pk for c in members.values()])
               .values_list("pk", flat=True))
    may_reverse = (_in_scope(request.user, Action.REVERSE_PARTNER_MOVEMENTS, partner)
                   and partner.agent_id != request.user.pk)
    rows = [{"transfer": t, "direction": partner_reversal.direction(t), "reference": partner_reversal.reference(t),
             "member": members[t.pk], "seen": members[t.pk].pk in seen, "reversal": done.get(t.pk),
             "form": reversing[1] if reversing and reversing[0] == t.pk else (
                 ReverseForm(auto_id=f"reverse-{t.pk}-%s") if may_reverse else None)}
            for t in page.items]
    # a refusal of a movement not on this page, or reversed meanwhile (no form), is shown above the list
    elsewhere = [] if not reversing or (reversing[0] in members and reversing[0] not in done) else [
        message for errors in reversing[1].errors.values() for message in errors]
    return {"movements": rows, "movements_page": page, "may_reverse": may_reverse, "reverse_errors": elsewhere}


def _partner_context(request, partner, *, movement=None, reversing=None):
    history = services.history(partner)
    oldest_first = list(reversed(history))
    chart = charts.grouped_bars("chart-partner", _("Points by month"), [f"{r['month']:%Y-%m}" for r in oldest_first], {
        _("Issued by the partner"): [r["issued_points"] for r in oldest_first],
        _("Accepted at the partner"): [r["accepted_points"] for r in oldest_first],
        _("Reversed"): [r["issued_reversed_points"] + r["accepted_reversed_points"] for r in oldest_first]})
    can_manage = _in_scope(request.user, Action.MANAGE_PARTNERS, partner)
    return {"partner": partner, "history": history, "chart": chart, "can_manage": can_manage,
            "movement": movement or (MovementForm() if can_manage else None),
            "balance": services.account_of(partner, create=False).balance,
            **_movements(request, partner, reversing=reversing)}


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
def partner_edit(request, partner_id: int):
    partner = access_partner(request.user, partner_id, Action.MANAGE_PARTNERS)
    form = PartnerEditForm(request.POST or None, instance=partner, used=services.used(partner))
    if request.method == "POST":
        done = post_and_redirect(request, form, lambda _data: services.update_partner(
            actor=request.user, partner_id=partner.pk, **form.changes()), success=_("Partner saved."),
            to="loyalty:partner", partner_id=partner.pk)
        if done:
            return done
    return render(request, "loyalty/partner_form.html", {"form": form, "partner": partner},
                  status=422 if form.errors else 200)


@login_required
@require_POST
def partner_reverse(request, partner_id: int, transfer_id: int):
    """Reverse one of the partner's movements (``reverse_partner_movement``); a refusal shows the
    page again with the error on that movement's form."""
    partner = access_partner(request.user, partner_id, Action.REVERSE_PARTNER_MOVEMENTS)
    form = ReverseForm(request.POST, auto_id=f"reverse-{transfer_id}-%s")
    if form.is_valid():
        try:
            partner_reversal.reverse_partner_movement(actor=request.user, partner_id=partner.pk,
                                                      transfer_id=transfer_id, reason=form.cleaned_data["reason"],
                                                      origin="page")
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Movement reversed."))
            return redirect(f"{reverse('loyalty:partner', args=[partner.pk])}#movements")
    return render(request, "loyalty/partner.html",
                  _partner_context(request, partner, reversing=(transfer_id, form)), status=422)


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
