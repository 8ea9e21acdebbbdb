"""Invitations: one customer (or staff member) asked once, through a single-use link.

``invite`` is the one way a customer is asked, whoever asks: a member of staff (the card's form,
the API), the distribution job (``actor=None``), the QR code at the service desk, and later the
cases app after a closed case (``trigger=Trigger.CASE``, ``key=f"case:{case.pk}"``, with the
survey of ``sampling.rule_for(dealer_id, Trigger.CASE)``). It refuses, with nothing stored:

- a customer outside the actor's ``invite`` scope (404, from the customers' door);
- a survey that is not usable at the customer's dealer (404), inactive, for staff, or without a
  version (``survey``);
- a transaction of another customer or dealer (``transaction_id``);
- a customer the channels would not send a survey message to: the send-time rules of
  ``channels.rules`` with purpose survey (consent, the blacklist hook, and when a message goes,
  the address and the frequency cap) decide, and their reason is the refusal (``customer_id``);
- contact fatigue: a customer invited (any survey; withdrawn invitations do not count) or who
  answered within the dealer's ``fatigue_days`` (30 by default): the refusal names the day the
  window ends (``customer_id``).

The token is made here and returned once; only its digest is stored. A ``key`` names the
occurrence (``repair:<transaction id>``): asked again for a key already used, ``invite``
returns that invitation and an empty token, so a job that runs twice invites once.
"""

import datetime as dt
import uuid

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.channels import rendering, rules, suppression
from retain.channels.models import Purpose, settings_for
from retain.channels.services import queue_message
from retain.customers.access import access_customer
from retain.customers.models import Customer, Status, Transaction
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Staff
from retain.org.policy import Action, Scope, dealers_in_scope, require

from .. import tokens
from ..access import access_invitation
from ..models import (
    Audience,
    Invitation,
    InvitationStatus,
    Response,
    Survey,
    SurveySettings,
    Trigger,
)
from ..sampling import TRANSACTION_KINDS, served_by, survey_usable_at

INVITATION_KIND = "survey.invitation"
REMINDER_KIND = "survey.reminder"
ORIGIN = "surveys"
#: Defaults of a dealer without a ``SurveySettings`` row (the model's field defaults).
DEFAULTS = SurveySettings()


def settings_of(dealer_id: int) -> SurveySettings:
    """The dealer's survey settings, or an unsaved row holding the defaults."""
    return SurveySettings.objects.filter(dealer_id=dealer_id).first() or SurveySettings(dealer_id=dealer_id)


def moment(day: dt.date | None) -> dt.datetime:
    """When an invitation for ``day`` is made: now for today (or no day), else that day at the
    present time of day (a job run late for an earlier day dates its invitations on that day)."""
    now = timezone.now()
    if day is None or day == timezone.localdate(now):
        return now
    return timezone.make_aware(dt.datetime.combine(day, timezone.localtime(now).time()))


def last_contacts(customer_ids) -> dict[int, dt.datetime]:
    """For each customer, the latest moment they were invited (withdrawn invitations aside) or
    answered a survey, in one query (two correlated subqueries on the customers' indexes)."""
    invited = (Invitation.objects.filter(customer=OuterRef("pk")).exclude(status=InvitationStatus.WITHDRAWN)
               .order_by("-created_at").values("created_at")[:1])
    answered = (Response.objects.filter(customer=OuterRef("pk"), submitted_at__isnull=False)
                .order_by("-submitted_at").values("submitted_at")[:1])
    found = {}
    ids = list(customer_ids)
    for start in range(0, len(ids), 2000):
        rows = (Customer.objects.filter(pk__in=ids[start:start + 2000])
                .annotate(invited=Subquery(invited), answered=Subquery(answered))
                .values_list("pk", "invited", "answered"))
        for pk, last_invited, last_answered in rows:
            latest = max((t for t in (last_invited, last_answered) if t is not None), default=None)
            if latest is not None:
                found[pk] = latest
    return found


def fatigue_ends(last: dt.datetime | None, days: int, at: dt.datetime) -> dt.date | None:
    """The local day the contact-fatigue window of a last contact ends, if ``at`` is within it."""
    if last is None or not days:
        return None
    ends = last + dt.timedelta(days=days)
    return timezone.localdate(ends) if at < ends else None


def fatigue_refusal(last: dt.datetime, ends: dt.date) -> str:
    return _("Invited or answered a survey on %(day)s: no new invitation until %(until)s.") % {
        "day": timezone.localdate(last).isoformat(), "until": ends.isoformat()}


def _customer(actor, customer_id) -> Customer:
    if actor is not None:
        return access_customer(actor, customer_id, Action.INVITE, for_update=True)
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise Http404(_("No such customer."))
    customer = (Customer.objects.select_for_update(of=("self",)).filter(pk=customer_id, status=Status.ACTIVE)
                .select_related("dealer", "owner").first())
    if customer is None:
        raise Http404(_("No such customer."))
    return customer


def _survey(survey_id, dealer) -> Survey:
    """A survey usable at ``dealer`` (its group's or its own copy); 404 otherwise."""
    try:
        survey_id = int(survey_id)
    except (TypeError, ValueError):
        raise Http404(_("No such survey."))
    survey = Survey.objects.select_related("current_version").filter(pk=survey_id).first()
    if survey is None or not survey_usable_at(survey, dealer):
        raise Http404(_("No such survey."))
    return survey


def _check_survey(survey: Survey, audience: str, errors: dict) -> None:
    if not survey.active:
        errors["survey"] = _("This survey is not active.")
    elif survey.audience != audience:
        errors["survey"] = (_("This survey is for staff, not customers.") if survey.audience == Audience.STAFF
                            else _("This survey is for customers, not staff."))
    elif survey.current_version_id is None:
        errors["survey"] = _("This survey has no questions yet.")


def _transaction(transaction_id, customer, errors: dict) -> Transaction | None:
    if transaction_id in (None, ""):
        return None
    try:
        found = Transaction.objects.filter(pk=int(transaction_id), customer=customer,
                                           dealer_id=customer.dealer_id).select_related("vehicle").first()
    except (TypeError, ValueError, OverflowError):
        found = None
    if found is None:
        errors["transaction_id"] = _("Choose a transaction of this customer at their dealer.")
    return found


def _existing(key: str, *, customer=None, staff=None) -> Invitation | None:
    existing = Invitation.objects.filter(key=key).first()
    if existing is not None and (existing.customer_id, existing.respondent_staff_id) != (
            getattr(customer, "pk", None), getattr(staff, "pk", None)):
        raise ValidationError({"key": _("This key was used for an invitation of someone else.")})
    return existing


def _contact_refusal(customer, *, send: bool, at: dt.datetime) -> str | None:
    """Why the channels would not deliver a survey message to this customer now (their own
    rules, not a copy): all of them when a message goes; consent and the blacklist otherwise (a
    QR code in the store sends nothing, but a customer who refused contact is not asked)."""
    settings = settings_for(customer.dealer_id)
    if send:
        reason = rules.suppression_reason(customer, Purpose.SURVEY, settings.default_channel, settings, at)
    else:
        reason = (rules.consent_reason(customer, Purpose.SURVEY)
                  or suppression.check(customer, Purpose.SURVEY, rules.local_day(settings, at)))
    return None if reason is None else _("Not invited: %(reason)s.") % {"reason": reason.label}


def _save(invitation: Invitation) -> Invitation | None:
    """Insert; None if a concurrent call took the key meanwhile."""
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        if Invitation.objects.filter(key=invitation.key).exists():
            return None
        raise
    return invitation


def send_link(*, actor, invitation: Invitation, token: str, kind: str = INVITATION_KIND, key: str = ""):
    """Queue the message carrying the link (through the channels' rules); the message, or None
    when the dealer's template cannot be filled in (the link is still shown to staff)."""
    try:
        return queue_message(actor=actor, customer=invitation.customer, purpose=Purpose.SURVEY, template_code=kind,
                             context={"survey_link": tokens.link(token)}, key=key or f"survey:{invitation.key}",
                             vehicle=invitation.vehicle, origin=ORIGIN)
    except rendering.MissingValues:
        return None


@transaction.atomic
def invite(*, actor, survey_id, customer_id, transaction_id=None, trigger: str = Trigger.MANUAL, key: str | None = None,
           day: dt.date | None = None, send: bool = True) -> tuple[Invitation, str]:
    """Ask a customer to answer a survey; the invitation and its token (shown once)."""
    customer = _customer(actor, customer_id)
    survey = _survey(survey_id, customer.dealer)
    errors: dict = {}
    _check_survey(survey, Audience.CUSTOMERS, errors)
    found = _transaction(transaction_id, customer, errors)
    if trigger not in Trigger.values:
        errors["trigger"] = _("Choose why the customer is invited.")
    if key is not None and (not isinstance(key, str) or not key.strip() or len(key) > 100 or "\x00" in key):
        errors["key"] = _("A key has 1 to 100 characters.")
    if day is not None and not isinstance(day, dt.date):
        errors["day"] = _("Enter a date.")
    if errors:
        raise ValidationError(errors)
    if key is not None:
        existing = _existing(key, customer=customer)
        if existing is not None:
            return existing, ""
    at = moment(day)
    refusal = _contact_refusal(customer, send=send, at=at)
    survey_settings = settings_of(customer.dealer_id)
    # The re-survey after a closed case is part of the recovery the customer was told about, and
    # usually comes within weeks of the answer that opened the case: contact fatigue does not
    # hold it back (consent and the blacklist still do).
    if refusal is None and trigger != Trigger.CASE:
        last = last_contacts([customer.pk]).get(customer.pk)
        ends = fatigue_ends(last, survey_settings.fatigue_days, at)
        refusal = fatigue_refusal(last, ends) if ends else None
    if refusal is not None:
        raise ValidationError({"customer_id": refusal})
    token, digest = tokens.new_token()
    invitation = Invitation(
        survey=survey, version_id=survey.current_version_id, dealer_id=customer.dealer_id, customer=customer,
        transaction=found, vehicle=found.vehicle if found else None, staff_id=served_by(customer, found),
        trigger=trigger, key=key or f"{trigger}:{uuid.uuid4().hex}", token_hash=digest, created_at=at,
        created_by=actor if getattr(actor, "pk", None) else None,
        expires_at=at + dt.timedelta(days=survey_settings.link_days))
    if _save(invitation) is None:
        return Invitation.objects.get(key=invitation.key), ""
    if send:
        message = send_link(actor=actor, invitation=invitation, token=token)
        if message is not None:
            invitation.message_id = message.pk
            invitation.save(update_fields=["message_id"])
    audit.record(actor=actor, action=AuditCode.SURVEY_INVITATION_CREATE, obj=invitation,
                 object_type="survey_invitation", after=_snapshot(invitation))
    return invitation, token


def _snapshot(invitation: Invitation) -> dict:
    """What the audit row keeps (never the token nor its digest)."""
    return {"survey_id": invitation.survey_id, "version_id": invitation.version_id,
            "customer_id": invitation.customer_id, "respondent_staff_id": invitation.respondent_staff_id,
            "transaction_id": invitation.transaction_id, "staff_id": invitation.staff_id,
            "trigger": invitation.trigger, "key": invitation.key, "expires_at": invitation.expires_at,
            "message_id": invitation.message_id}


@transaction.atomic
def invite_staff(*, actor, survey_id, staff_id, key: str | None = None) -> tuple[Invitation, str]:
    """Ask a member of staff to assess themselves (the seeds' first step: staff rate their own
    work before customers are asked). No message: the link is shown to them in the app. The
    staff member works at a dealer of the actor's ``invite`` scope (with one's own scope, only
    oneself); one open self-assessment per person and survey."""
    scope = require(actor, Action.INVITE)
    try:
        staff_id = int(staff_id)
    except (TypeError, ValueError):
        raise Http404(_("No such staff member."))
    people = Staff.objects.filter(is_active=True, dealer__in=dealers_in_scope(actor, Action.INVITE))
    if scope is Scope.OWN:
        people = people.filter(pk=actor.pk)
    member = people.select_related("dealer__region").filter(pk=staff_id).first()
    if member is None:
        raise Http404(_("No such staff member."))
    survey = _survey(survey_id, member.dealer)
    errors: dict = {}
    _check_survey(survey, Audience.STAFF, errors)
    if not errors and Invitation.objects.filter(survey=survey, respondent_staff=member,
                                                status=InvitationStatus.OPEN).exists():
        errors["staff_id"] = _("%(name)s already has an open invitation to this survey.") % {
            "name": member.display_name}
    if errors:
        raise ValidationError(errors)
    if key is not None:
        existing = _existing(key, staff=member)
        if existing is not None:
            return existing, ""
    at = timezone.now()
    token, digest = tokens.new_token()
    invitation = Invitation(
        survey=survey, version_id=survey.current_version_id, dealer_id=member.dealer_id, respondent_staff=member,
        staff=member, trigger=Trigger.MANUAL, key=key or f"staff:{uuid.uuid4().hex}", token_hash=digest,
        created_at=at, created_by=actor, expires_at=at + dt.timedelta(days=settings_of(member.dealer_id).link_days))
    if _save(invitation) is None:
        return Invitation.objects.get(key=invitation.key), ""
    audit.record(actor=actor, action=AuditCode.SURVEY_INVITATION_CREATE, obj=invitation,
                 object_type="survey_invitation", after=_snapshot(invitation))
    return invitation, token


@transaction.atomic
def withdraw(*, actor, invitation_id) -> Invitation:
    """Withdraw an open invitation (sent by mistake, the wrong survey): its link stops working
    and it no longer counts for contact fatigue."""
    invitation = access_invitation(actor, invitation_id, Action.INVITE, for_update=True)
    if invitation.status != InvitationStatus.OPEN:
        raise ValidationError({"invitation": _("This invitation is %(status)s: only an open one can be withdrawn.")
                                             % {"status": invitation.get_status_display()}})
    invitation.status = InvitationStatus.WITHDRAWN
    invitation.save(update_fields=["status"])
    audit.record(actor=actor, action=AuditCode.SURVEY_INVITATION_WITHDRAW, obj=invitation,
                 object_type="survey_invitation", before={"status": InvitationStatus.OPEN},
                 after={"status": invitation.status})
    return invitation


def survey_for_qr(dealer) -> Survey | None:
    """The survey a QR code at the service desk asks: the dealer's repair rule's, else an active
    after-sales survey usable at the dealer (the dealer's own copy first)."""
    from ..models import SurveyKind
    from ..sampling import rule_for

    rule = rule_for(dealer.pk, Trigger.REPAIR)
    if rule is not None:
        return rule.survey
    candidates = Survey.objects.filter(kind=SurveyKind.CSS_AFTER_SALES, active=True, audience=Audience.CUSTOMERS,
                                       group_id=dealer.region.group_id, current_version__isnull=False)
    return (candidates.filter(dealer=dealer).order_by("-id").first()
            or candidates.filter(dealer__isnull=True).order_by("-id").first())


@transaction.atomic
def invite_by_qr(*, actor, transaction_id) -> tuple[Invitation, str]:
    """An invitation for the repair order in front of the customer, answered on their phone
    from a QR code (no message). The repair order must be one of a customer the actor may invite."""
    require(actor, Action.INVITE)
    try:
        found = Transaction.objects.select_related("dealer__region").get(pk=int(transaction_id))
    except (Transaction.DoesNotExist, TypeError, ValueError, OverflowError):
        raise Http404(_("No such transaction."))
    access_customer(actor, found.customer_id, Action.INVITE)
    if found.kind not in TRANSACTION_KINDS[Trigger.REPAIR]:
        raise ValidationError({"transaction_id": _("A QR code is for a repair order.")})
    survey = survey_for_qr(found.dealer)
    if survey is None:
        raise ValidationError({"survey": _("No active after-sales survey at this dealer.")})
    return invite(actor=actor, survey_id=survey.pk, customer_id=found.customer_id, transaction_id=found.pk,
                  trigger=Trigger.QR, send=False)
