"""The daily distribution (the jobs ``surveys.invite``, ``surveys.remind``, ``surveys.expire``).

Each is a function of the day it works for and idempotent: invitations are keyed by their
occurrence (``delivery:<transaction>``, ``repair:<transaction>``,
``periodic:<survey>:<customer>:<month>``), reminders by their invitation, and the sampling draw
is a hash of the key, so a second run for a day finds everything done and changes nothing.

The day's candidates are read in a few queries (per rule: the transactions of the day, or the
customers whose turn it is; then the keys already used, the month's invitations for the quota,
and every candidate's last contact for fatigue, each in one query); only the invitations that
are made cost their own writes (the invitation, its message, the audit row).
"""

import datetime as dt
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.db.models.functions import Mod
from django.http import Http404
from django.utils import timezone

from retain.customers.models import Customer, Status, Transaction
from retain.org import audit
from retain.org.audit_codes import AuditCode

from .. import tokens
from ..models import Invitation, InvitationStatus, SamplingRule, SurveySettings, Trigger
from ..sampling import (
    DEFAULT_EVERY_MONTHS,
    TRANSACTION_KINDS,
    drawn,
    month_start,
    months_back,
    next_month,
)
from .invitations import DEFAULTS, REMINDER_KIND, fatigue_ends, invite, last_contacts, moment, send_link

#: Ids or keys per ``IN (...)`` list: well under SQLite's limit of bound parameters.
CHUNK = 2000


def _local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _event_candidates(rule: SamplingRule, day: dt.date) -> list[tuple[str, int, int | None]]:
    """(key, customer id, transaction id) of the rule's events dated ``day`` minus its delay."""
    rows = (Transaction.objects.filter(dealer_id=rule.dealer_id, kind__in=TRANSACTION_KINDS[rule.trigger],
                                       date=day - dt.timedelta(days=rule.delay_days),
                                       customer__status=Status.ACTIVE)
            .order_by("id").values_list("id", "customer_id"))
    return [(f"{rule.trigger}:{pk}", customer_id, pk) for pk, customer_id in rows]


def _periodic_candidates(rule: SamplingRule, day: dt.date) -> list[tuple[str, int, None]]:
    """Customers with a car whose turn in the month is ``day`` (their id modulo the month's
    length: each day takes its share) and whose last periodic invitation to this survey is
    older than the rule's ``every_months``."""
    length = (next_month(day) - month_start(day)).days
    since = _local_midnight(months_back(day, rule.every_months or DEFAULT_EVERY_MONTHS) + dt.timedelta(days=1))
    recent = Invitation.objects.filter(survey_id=rule.survey_id, trigger=Trigger.PERIODIC, created_at__gte=since,
                                       customer__isnull=False)
    ids = (Customer.objects.filter(dealer_id=rule.dealer_id, status=Status.ACTIVE, vehicles__isnull=False)
           .annotate(slot=Mod(F("id"), length)).filter(slot=day.day - 1)
           .exclude(pk__in=recent.values("customer_id")).distinct().order_by("id").values_list("id", flat=True))
    return [(f"periodic:{rule.survey_id}:{pk}:{day:%Y-%m}", pk, None) for pk in ids]


def invite_day(day: dt.date) -> Counter:
    """Make the day's invitations for every dealer's active rules; a count of what happened:
    ``invited``, and the events not invited (``not_sampled``, ``quota``, ``fatigue``,
    ``refused`` by the channels' rules, ``done`` before)."""
    tally: Counter = Counter()
    rules = list(SamplingRule.objects.filter(active=True, survey__active=True,
                                             trigger__in=(Trigger.DELIVERY, Trigger.REPAIR, Trigger.PERIODIC))
                 .select_related("survey").order_by("dealer_id", "trigger"))
    if not rules:
        return tally
    candidates = []  # (rule, key, customer id, transaction id)
    for rule in rules:
        found = _periodic_candidates(rule, day) if rule.trigger == Trigger.PERIODIC else _event_candidates(rule, day)
        candidates += [(rule, *row) for row in found]
    keys = [c[1] for c in candidates]
    used = {key for start in range(0, len(keys), CHUNK)
            for key in Invitation.objects.filter(key__in=keys[start:start + CHUNK]).values_list("key", flat=True)}
    tally["done"] = sum(1 for c in candidates if c[1] in used)
    sampled = []
    for candidate in candidates:
        if candidate[1] in used:
            continue
        if drawn(candidate[1], candidate[0].rate_percent):
            sampled.append(candidate)
        else:
            tally["not_sampled"] += 1
    if not sampled:
        return tally
    first, last = _local_midnight(month_start(day)), _local_midnight(next_month(day))
    made = Counter({(row["dealer_id"], row["trigger"]): row["n"] for row in (
        Invitation.objects.filter(dealer_id__in={r.dealer_id for r in rules}, created_at__gte=first,
                                  created_at__lt=last, trigger__in=[r.trigger for r in rules])
        .values("dealer_id", "trigger").annotate(n=Count("id")).order_by())})
    settings = {s.dealer_id: s for s in SurveySettings.objects.filter(dealer_id__in={r.dealer_id for r in rules})}
    contacts = last_contacts({c[2] for c in sampled})
    at = moment(day)
    for rule, key, customer_id, transaction_id in sampled:
        if rule.monthly_quota is not None and made[(rule.dealer_id, rule.trigger)] >= rule.monthly_quota:
            tally["quota"] += 1
            continue
        fatigue_days = settings.get(rule.dealer_id, DEFAULTS).fatigue_days
        if fatigue_ends(contacts.get(customer_id), fatigue_days, at):
            tally["fatigue"] += 1
            continue
        try:
            invitation, token = invite(actor=None, survey_id=rule.survey_id, customer_id=customer_id,
                                       transaction_id=transaction_id, trigger=rule.trigger, key=key, day=day)
        except (ValidationError, Http404):
            tally["refused"] += 1
            continue
        if token:
            tally["invited"] += 1
            made[(rule.dealer_id, rule.trigger)] += 1
            contacts[customer_id] = invitation.created_at
    return tally


def _reminder_due(day: dt.date) -> Q:
    """Open invitations made at least their dealer's ``reminder_days`` before the end of ``day``
    (dealers with reminders off left out)."""
    end = _local_midnight(day + dt.timedelta(days=1))
    own = {s.dealer_id: s.reminder_days for s in SurveySettings.objects.all().only("dealer_id", "reminder_days")}
    condition = Q(pk__in=[])
    for days in set(own.values()) | {DEFAULTS.reminder_days}:
        if not days:
            continue
        dealers = [dealer for dealer, value in own.items() if value == days]
        at_dealer = Q(dealer_id__in=dealers)
        if days == DEFAULTS.reminder_days:
            at_dealer |= ~Q(dealer_id__in=list(own))
        condition |= at_dealer & Q(created_at__lte=end - dt.timedelta(days=days))
    return condition


def remind_day(day: dt.date) -> int:
    """Queue one reminder for each open customer invitation that is due one and has had none.

    A reminder carries a second link (the token is never stored, so the first one cannot be sent
    again); both open the same invitation, so a customer who finds the first message later can
    still answer through it, and partial answers saved through either are kept."""
    end = _local_midnight(day + dt.timedelta(days=1))
    due = list(Invitation.objects.filter(_reminder_due(day), status=InvitationStatus.OPEN, reminded_at__isnull=True,
                                         customer__isnull=False, customer__status=Status.ACTIVE, expires_at__gt=end)
               .select_related("customer__dealer", "vehicle").order_by("id"))
    for invitation in due:
        remind(actor=None, invitation=invitation)
    return len(due)


@transaction.atomic
def remind(*, actor, invitation: Invitation) -> None:
    """Send one invitation's reminder (once: a second call finds it reminded and does nothing)."""
    if Invitation.objects.select_for_update().filter(pk=invitation.pk, reminded_at__isnull=True,
                                                     status=InvitationStatus.OPEN).update(reminded_at=timezone.now()) != 1:
        return  # reminded or answered meanwhile
    token, digest = tokens.new_token()
    invitation.reminder_token_hash = digest
    invitation.save(update_fields=["reminder_token_hash"])
    message = send_link(actor=actor, invitation=invitation, token=token, kind=REMINDER_KIND,
                        key=f"survey-reminder:{invitation.key}")
    audit.record(actor=actor, action=AuditCode.SURVEY_INVITATION_REMIND, obj=invitation,
                 object_type="survey_invitation", after={"message_id": message.pk if message else None})


@transaction.atomic
def expire(*, actor, day: dt.date) -> int:
    """Mark open invitations whose link expired before ``day`` began as expired."""
    cutoff = _local_midnight(day)
    due = Invitation.objects.filter(status=InvitationStatus.OPEN, expires_at__lte=cutoff)
    rows = list(due.select_for_update().values_list("pk", "dealer_id"))  # locked: the same rows are updated
    if not rows:
        return 0
    due.update(status=InvitationStatus.EXPIRED)
    audit.record_many(actor=actor, action=AuditCode.SURVEY_INVITATION_EXPIRE, object_type="survey_invitation",
                      rows=[(pk, dealer, {"status": InvitationStatus.OPEN}, {"status": InvitationStatus.EXPIRED})
                            for pk, dealer in rows])
    return len(rows)
