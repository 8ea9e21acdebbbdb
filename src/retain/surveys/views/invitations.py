"""The invitation pages: the list of a dealer's invitations, one invitation, the card's "invite
to a survey" form (its fold and its post, which shows the link once), the QR code of a repair
order, and a dealer's survey settings and sampling rules. Thin: parse, call a service or a door,
render."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from retain.channels.models import Message
from retain.customers.access import access_customer
from retain.org.policy import Action, dealers_in_scope, require
from retain.web.keyset import keyset_page
from retain.web.pages import apply_errors, fold_form, post_and_redirect

from .. import qr, tokens
from ..access import READ_INVITATIONS, access_invitation, visible_invitations
from ..forms import InvitationFilterForm, InviteForm, RuleForm, StaffInviteForm, SurveySettingsForm
from ..models import InvitationStatus, SamplingRule, Trigger
from ..services import invitations as service
from ..services import settings as settings_service

PAGE_SIZE = 25


def _local_midnight(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


@login_required
def invitation_list(request):
    """Invitations in the user's scope, newest first, filtered by survey, status, trigger and period."""
    require(request.user, READ_INVITATIONS)
    form = InvitationFilterForm(request.GET or None, actor=request.user)
    found = visible_invitations(request.user)
    if form.is_bound and not form.is_valid():
        found = found.none()
    elif form.is_bound:
        data = form.cleaned_data
        lookups = {"survey_id": data.get("survey"), "status": data.get("status"), "trigger": data.get("trigger")}
        found = found.filter(**{name: value for name, value in lookups.items() if value not in ("", None)})
        if data.get("start"):
            found = found.filter(created_at__gte=_local_midnight(data["start"]))
        if data.get("end"):
            found = found.filter(created_at__lt=_local_midnight(data["end"] + dt.timedelta(days=1)))
    page = keyset_page(found.select_related("survey", "customer", "staff", "respondent_staff", "dealer"),
                       after=request.GET.get("after"), before=request.GET.get("before"), size=PAGE_SIZE,
                       ordering=["-created_at", "-id"])
    query = request.GET.copy()
    for key in ("after", "before"):
        query.pop(key, None)
    return render(request, "surveys/invitations/list.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "several_dealers": dealers_in_scope(request.user, READ_INVITATIONS).count() > 1,
    }, status=200 if not form.is_bound or form.is_valid() else 422)


def _detail(request, invitation, status=200):
    may_withdraw = (invitation.status == InvitationStatus.OPEN
                    and visible_invitations(request.user, Action.INVITE).filter(pk=invitation.pk).exists())
    message = Message.objects.filter(pk=invitation.message_id).first() if invitation.message_id else None
    return render(request, "surveys/invitations/detail.html", {
        "invitation": invitation, "may_withdraw": may_withdraw, "message": message}, status=status)


@login_required
def invitation_detail(request, invitation_id):
    return _detail(request, access_invitation(request.user, invitation_id))


@login_required
@require_POST
def invitation_withdraw(request, invitation_id):
    try:
        service.withdraw(actor=request.user, invitation_id=invitation_id)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Invitation withdrawn: its link no longer works."))
    return redirect("surveys:invitation", invitation_id=invitation_id)


# --- the customer card --------------------------------------------------------------------------

@login_required
def invite_form(request, customer_id):
    """The card's "invite to a survey" form, fetched when its fold opens."""
    customer = access_customer(request.user, customer_id, Action.INVITE)
    return fold_form(request, title=_("Invite to a survey"), form=InviteForm(customer=customer), submit=_("Invite"),
                     target=reverse("surveys:invite", args=[customer.pk]),
                     back_url=reverse("customers:card", args=[customer.pk]), back_label=customer.name)


def _link_page(request, invitation, token, *, heading):
    message = Message.objects.filter(pk=invitation.message_id).first() if invitation.message_id else None
    return render(request, "surveys/invitations/created.html", {
        "invitation": invitation, "link": tokens.link(token), "message": message, "heading": heading,
        "svg": qr.svg(tokens.link(token)) if invitation.trigger == Trigger.QR else None}, status=201)


@never_cache
@login_required
@require_POST
def invite(request, customer_id):
    """Invite the customer; the page shows the link this once, and what became of the message."""
    customer = access_customer(request.user, customer_id, Action.INVITE)
    form = InviteForm(request.POST, customer=customer)
    if form.is_valid():
        try:
            invitation, token = service.invite(actor=request.user, customer_id=customer.pk,
                                               survey_id=form.cleaned_data["survey_id"],
                                               transaction_id=form.cleaned_data["transaction_id"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _link_page(request, invitation, token, heading=_("Invitation made"))
    return render(request, "web/fold_form.html", {
        "title": _("Invite to a survey"), "form": form, "target": reverse("surveys:invite", args=[customer.pk]),
        "submit": _("Invite"), "back_url": reverse("customers:card", args=[customer.pk]),
        "back_label": customer.name}, status=422)


@never_cache
@login_required
@require_POST
def repair_qr(request, customer_id):
    """A QR code for the customer's repair order (``transaction`` posted) in front of them: a new
    invitation (no message), shown once, to print or show on the counter's screen."""
    customer = access_customer(request.user, customer_id, Action.INVITE)
    chosen = request.POST.get("transaction", "")
    if not chosen.isdigit() or len(chosen) > 18 or not customer.transactions.filter(pk=int(chosen)).exists():
        raise Http404(_("No such transaction."))
    try:
        invitation, token = service.invite_by_qr(actor=request.user, transaction_id=int(chosen))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("customers:card", customer_id=customer.pk)
    return _link_page(request, invitation, token, heading=_("QR code for this repair order"))


@never_cache
@login_required
def staff_invite(request):
    """A staff self-assessment (the seeds' first step): the link is shown here, to the person
    asking (a staff member asking themselves, or a manager who hands it over); no message."""
    require(request.user, Action.INVITE)
    form = StaffInviteForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, token = service.invite_staff(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            return _link_page(request, invitation, token, heading=_("Staff self-assessment"))
    return render(request, "web/fold_form.html", {
        "title": _("Staff self-assessment"), "form": form, "target": reverse("surveys:staff_invite"),
        "submit": _("Invite"), "back_url": reverse("surveys:invitations"), "back_label": _("Survey invitations")},
        status=422 if form.errors else 200)


# --- a dealer's settings and rules ----------------------------------------------------------------

def _rules_dealer(request):
    """The dealer named by ``?dealer=CODE`` (404 outside scope), else the user's own or the first."""
    dealers = dealers_in_scope(request.user, Action.SET_SURVEY_RULES).select_related("region")
    code = request.GET.get("dealer") or request.POST.get("dealer")
    dealer = dealers.filter(code=code).first() if code else None
    if dealer is None and code:
        raise Http404(_("No such dealer."))
    dealer = dealer or (dealers.filter(pk=request.user.dealer_id).first() if request.user.dealer_id else None) \
        or dealers.order_by("code").first()
    if dealer is None:
        raise Http404(_("No such dealer."))
    return dealer, dealers.order_by("code")


def _rules_page(request, dealer, dealers, *, bound=None, status=200):
    """The settings form and one form per trigger; ``bound`` is the posted one, with its errors."""
    saved = service.settings_of(dealer.pk)
    settings_form = bound if isinstance(bound, SurveySettingsForm) else SurveySettingsForm(
        initial={name: getattr(saved, name) for name in settings_service.SETTINGS_FIELDS})
    rules = {rule.trigger: rule for rule in SamplingRule.objects.filter(dealer=dealer)}
    rows = []
    for trigger in settings_service.RULE_TRIGGERS:
        rule = rules.get(trigger)
        if isinstance(bound, RuleForm) and bound.prefix == trigger:
            form = bound
        else:
            initial = ({"survey_id": rule.survey_id, "delay_days": rule.delay_days, "rate_percent": rule.rate_percent,
                        "monthly_quota": rule.monthly_quota, "every_months": rule.every_months, "active": rule.active}
                       if rule else {"delay_days": 3, "rate_percent": 100, "active": True})
            form = RuleForm(initial=initial, prefix=trigger, dealer=dealer, trigger=trigger)
        rows.append({"trigger": Trigger(trigger), "rule": rule, "form": form})
    return render(request, "surveys/invitations/rules.html", {
        "dealer": dealer, "dealers": dealers, "settings_form": settings_form, "rows": rows}, status=status)


@login_required
def rules(request):
    """A dealer's survey settings and sampling rules; changed here by those who set them."""
    require(request.user, Action.SET_SURVEY_RULES)
    dealer, dealers = _rules_dealer(request)
    if request.method != "POST":
        return _rules_page(request, dealer, dealers)
    to = f"{reverse('surveys:rules')}?dealer={dealer.code}"
    trigger = request.POST.get("trigger", "")
    if trigger == "settings":
        form = SurveySettingsForm(request.POST)
        done = post_and_redirect(request, form, lambda data: settings_service.set_settings(
            actor=request.user, dealer_id=dealer.pk, **data), success=_("Survey settings saved."), to=to)
        return done or _rules_page(request, dealer, dealers, bound=form, status=422)
    if trigger not in settings_service.RULE_TRIGGERS:
        raise Http404(_("No such trigger."))
    form = RuleForm(request.POST, prefix=trigger, dealer=dealer, trigger=trigger)
    done = post_and_redirect(request, form, lambda data: settings_service.set_rule(
        actor=request.user, dealer_id=dealer.pk, trigger=trigger, **data), success=_("Sampling rule saved."), to=to)
    return done or _rules_page(request, dealer, dealers, bound=form, status=422)
