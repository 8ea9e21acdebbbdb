"""The service desk (issue 11, item 10): find a member by their full mobile number (among the
customers in the caller's sight; nothing else is revealed) or a voucher by its code; the member's
balances and open vouchers; hand a voucher over, order a reward for them, earn points for a
receipt (once per receipt). Each write is a form posted to its own address, a service call, and
a redirect back (``web.pages.post_and_redirect``); the lookup is an htmx GET."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from retain.customers.access import visible_customers
from retain.customers.validators import normalise_mobile
from retain.org.policy import Action, allowed, require
from retain.web.pages import apply_errors, post_and_redirect

from .. import balances
from ..access import access_member
from ..forms import CancelForm, CodeForm, EarnForm, FindForm, OrderForm
from ..services import codes, points, rewards

MOST_FOUND = 10


def _lookup(actor, text: str) -> dict:
    """What a typed text finds: a voucher (by code), or the members with that full mobile."""
    try:
        code = codes.normalise(text)
    except codes.BadCheckCharacter as error:
        return {"error": error.messages[0]}
    except ValidationError:
        code = None
    if code is not None:
        try:
            return {"voucher": rewards.find(actor, code)}
        except Http404:  # unknown or out of sight: the same answer
            return {"error": _("No voucher has this code.")}
    try:
        mobile = normalise_mobile(text)
    except ValidationError:
        return {"error": _("Type the member's full mobile number, or a voucher code.")}
    found = list(visible_customers(actor, Action.VIEW_POINTS).filter(mobile=mobile).select_related("dealer")
                 .order_by("name", "id")[:MOST_FOUND])
    return {"members": found} if found else {"error": _("No member in your sight has this mobile number.")}


@login_required
def desk(request):
    require(request.user, Action.VIEW_POINTS)
    form = FindForm(request.GET or None)
    found = _lookup(request.user, form.cleaned_data["q"]) if form.is_valid() else {}
    if request.htmx and form.is_bound:
        return render(request, "loyalty/_desk_found.html", {"found": found})
    return render(request, "loyalty/desk.html", {"form": form, "found": found})


def _member_page(request, customer, *, forms=None, status=200):
    catalogue = list(rewards.catalogue(request.user, customer.dealer_id, only_orderable=True).order_by("points", "id"))
    context = {
        "customer": customer, "held": balances.of(customer.pk), "vouchers": list(rewards.open_vouchers(customer.pk)),
        "may_redeem": allowed(request.user, Action.REDEEM_POINTS), "may_earn": allowed(request.user, Action.EARN_POINTS),
        "order_form": OrderForm(rewards=catalogue), "earn_form": EarnForm(), "code_form": CodeForm(),
        "catalogue": catalogue, **(forms or {})}
    return render(request, "loyalty/desk_member.html", context, status=status)


@login_required
def member(request, customer_id):
    return _member_page(request, access_member(request.user, customer_id, Action.VIEW_POINTS))


@login_required
@require_POST
def order(request, customer_id):
    customer = access_member(request.user, customer_id, Action.REDEEM_POINTS)
    catalogue = rewards.catalogue(request.user, customer.dealer_id, only_orderable=True)
    form = OrderForm(request.POST, rewards=catalogue)
    made = {}

    def run(data):
        made["voucher"] = rewards.order(actor=request.user, customer_id=customer.pk, reward_id=data["reward"],
                                        origin="page")

    if form.is_valid():
        try:
            run(form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error if not hasattr(error, "error_dict") else ValidationError(
                {"reward" if key == "reward_id" else key: value for key, value in error.error_dict.items()}))
        else:
            messages.success(request, _("Voucher issued."))
            return redirect("loyalty:voucher", code=made["voucher"].code)
    return _member_page(request, customer, forms={"order_form": form}, status=422)


@login_required
@require_POST
def earn(request, customer_id):
    customer = access_member(request.user, customer_id, Action.EARN_POINTS)
    form = EarnForm(request.POST)
    if form.is_valid():
        receipt, started = form.cleaned_data["receipt"], timezone.now()
        try:
            made = points.earn(actor=request.user, customer_id=customer.pk, points=form.cleaned_data["points"],
                               origin="page", source=f"receipt:{customer.dealer_id}:{receipt}",
                               memo=_("Receipt %(no)s") % {"no": receipt})
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if made.created_at < started:  # the receipt had earned before: nothing new was credited
                messages.warning(request, _("Receipt %(no)s already earned %(points)d points on %(day)s: nothing "
                                            "added.") % {"no": receipt, "points": made.amount,
                                                         "day": timezone.localtime(made.created_at).date()})
            else:
                messages.success(request, _("%(points)d points credited for receipt %(no)s.") % {
                    "points": made.amount, "no": receipt})
            return redirect("loyalty:desk_member", customer_id=customer.pk)
    return _member_page(request, customer, forms={"earn_form": form}, status=422)


def _voucher(actor, code, action=Action.VIEW_POINTS):
    """The voucher of a page's address: a malformed code there is a page that does not exist."""
    try:
        return rewards.find(actor, code, action)
    except ValidationError:
        raise Http404(_("No such voucher.")) from None


@login_required
def voucher(request, code):
    found = _voucher(request.user, code)
    qr = segno.make(found.code, error="m").svg_inline(scale=5, dark="#111", light="#fff")
    return render(request, "loyalty/voucher.html", {
        "voucher": found, "printed": codes.grouped(found.code), "qr": qr, "cancel_form": CancelForm(),
        "may_redeem": allowed(request.user, Action.REDEEM_POINTS)})


@login_required
@require_POST
def use(request, code=None):
    """Hand a voucher over: from its page (the code in the address) or typed at the member's page."""
    form = CodeForm({"code": code} if code else request.POST)
    back = request.POST.get("back") or ""
    if form.is_valid():
        try:
            used = rewards.use(actor=request.user, code=form.cleaned_data["code"], origin="page")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Handed over: %(reward)s.") % {"reward": used.reward.name})
            return redirect("loyalty:desk_member", customer_id=used.customer_id)
    else:
        messages.error(request, " ".join(form.errors.get("code", [])))
    if back.startswith("/loyalty/"):
        return redirect(back)
    return redirect(reverse("loyalty:voucher", kwargs={"code": code}) if code else reverse("loyalty:desk"))


@login_required
@require_POST
def cancel(request, code):
    found = _voucher(request.user, code, Action.REDEEM_POINTS)
    form = CancelForm(request.POST)
    done = post_and_redirect(request, form, lambda data: rewards.cancel(
        actor=request.user, code=found.code, reason=data["reason"], origin="page"),
        success=_("Voucher cancelled: the points are back."), to="loyalty:desk_member", customer_id=found.customer_id)
    if done:
        return done
    for message in form.errors.get("reason", []) + form.non_field_errors():
        messages.error(request, message)
    return redirect("loyalty:voucher", code=found.code)
