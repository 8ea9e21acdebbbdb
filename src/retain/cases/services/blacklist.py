"""The blacklist's business actions, the only code that writes blacklist entries.

Each is ``@transaction.atomic``, keyword-only with ``actor`` first, goes through the doors
(``customers.access`` to propose, ``cases.access`` for an entry), refuses bad input with a
``ValidationError`` naming the field and writes nothing then, and appends one audit row:

- ``propose``: anyone who serves the customer (``propose_blacklist``) names a reason, the
  evidence and the expiry day (at most ``MAX_TERM_MONTHS`` months ahead); nothing is in force yet.
- ``approve`` / ``reject``: a manager (``decide_blacklist``) other than the proposer decides. An
  approved entry starts on the day of approval.
- ``lift``: a manager ends an approved entry early, with a reason.
- ``expire``: the daily job ends the open entries whose expiry day has come (one audit row per
  entry, ``audit.record_many``); a proposal nobody decided lapses the same way. Idempotent.

The written principles are in ``cases.models.blacklist`` and docs/cases.md ("Blacklist").
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.customers.access import access_customer
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from ..access import access_blacklist_entry
from ..models.blacklist import MAX_EVIDENCE, MAX_TERM_MONTHS, OPEN_STATUSES, BlacklistEntry, EntryStatus, Reason

__all__ = ["approve", "expire", "latest_expiry", "lift", "propose", "reject"]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day where it has no such day)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has a 28th


def latest_expiry(starts_on: dt.date) -> dt.date:
    """The latest expiry day of an entry starting on ``starts_on`` (the maximum term)."""
    return add_months(starts_on, MAX_TERM_MONTHS)


def _text(value, field: str, errors: dict, *, required: bool, limit: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if value is not None and not isinstance(value, str):
        errors[field] = _("Enter text.")
    elif required and not text:
        errors[field] = {"evidence": _("Give the evidence: what happened, when, who saw it, where the record is."),
                         "note": _("Give the reason for the rejection."),
                         "reason": _("Give the reason for lifting the entry.")}.get(field, _("This field is required."))
    elif "\x00" in text:
        errors[field] = _("Text cannot contain NUL characters.")
    elif len(text) > limit:
        errors[field] = _("Use at most %(n)d characters.") % {"n": limit}
    return text


def _snapshot(entry: BlacklistEntry) -> dict:
    return {"customer_id": entry.customer_id, "status": entry.status, "reason": entry.reason,
            "starts_on": entry.starts_on, "expires_on": entry.expires_on}


@transaction.atomic
def propose(*, actor, customer_id, reason: str, evidence: str, expires_on) -> BlacklistEntry:
    """Propose a customer for the blacklist (in force only once a manager approves it)."""
    customer = access_customer(actor, customer_id, Action.PROPOSE_BLACKLIST, for_update=True)
    today = timezone.localdate()
    errors: dict = {}
    if reason not in Reason.values:
        errors["reason"] = _("Choose a reason from the list.")
    evidence = _text(evidence, "evidence", errors, required=True, limit=MAX_EVIDENCE)
    if not isinstance(expires_on, dt.date) or isinstance(expires_on, dt.datetime):
        errors["expires_on"] = _("Enter the day the entry expires.")
    elif expires_on <= today:
        errors["expires_on"] = _("The expiry day must be after today.")
    elif expires_on > latest_expiry(today):
        errors["expires_on"] = _("An entry lasts at most %(n)d months: expire it on %(day)s or earlier.") % {
            "n": MAX_TERM_MONTHS, "day": latest_expiry(today).isoformat()}
    if BlacklistEntry.objects.filter(customer=customer, status__in=OPEN_STATUSES).exists():
        errors["customer_id"] = _("This customer already has a blacklist entry proposed or in force.")
    if not errors:
        check_fields(BlacklistEntry, errors, evidence=evidence, expires_on=expires_on)
    if errors:
        raise ValidationError(errors)
    entry = BlacklistEntry(customer=customer, dealer_id=customer.dealer_id, reason=reason, evidence=evidence,
                           starts_on=today, expires_on=expires_on, proposed_by=actor, proposed_at=timezone.now())
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:  # a concurrent proposal took the customer's one open entry
        raise ValidationError({"customer_id": _("This customer already has a blacklist entry proposed or in force.")})
    audit.record(actor=actor, action=AuditCode.BLACKLIST_PROPOSE, obj=entry, after=_snapshot(entry), note=evidence)
    return entry


def _decidable(actor, entry_id) -> BlacklistEntry:
    """A proposal the actor may decide: a manager's, not their own, still awaiting a decision."""
    entry = access_blacklist_entry(actor, entry_id, Action.DECIDE_BLACKLIST, for_update=True)
    if entry.status != EntryStatus.PROPOSED:
        raise ValidationError({"status": _("This entry is not awaiting a decision (it is: %(status)s).") % {
            "status": entry.get_status_display()}})
    if entry.proposed_by_id == actor.pk:
        raise ValidationError({"approver": _("You proposed this entry: another manager decides it.")})
    return entry


@transaction.atomic
def approve(*, actor, entry_id, note: str = "") -> BlacklistEntry:
    """Approve a proposal: the entry is in force from today until its expiry day."""
    entry = _decidable(actor, entry_id)
    errors: dict = {}
    note = _text(note, "note", errors, required=False, limit=BlacklistEntry._meta.get_field("decision_note").max_length)
    today = timezone.localdate()
    if entry.expires_on <= today:
        errors["expires_on"] = _("The expiry day of this proposal has passed: reject it and propose again.")
    if errors:
        raise ValidationError(errors)
    before = _snapshot(entry)
    entry.status, entry.starts_on = EntryStatus.ACTIVE, today
    entry.decided_by, entry.decided_at, entry.decision_note = actor, timezone.now(), note
    entry.save(update_fields=["status", "starts_on", "decided_by", "decided_at", "decision_note"])
    audit.record(actor=actor, action=AuditCode.BLACKLIST_APPROVE, obj=entry, before=before, after=_snapshot(entry),
                 note=note)
    return entry


@transaction.atomic
def reject(*, actor, entry_id, note: str) -> BlacklistEntry:
    """Reject a proposal, saying why: it never comes into force."""
    entry = _decidable(actor, entry_id)
    errors: dict = {}
    note = _text(note, "note", errors, required=True, limit=BlacklistEntry._meta.get_field("decision_note").max_length)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(entry)
    entry.status, entry.decided_by, entry.decided_at, entry.decision_note = (
        EntryStatus.REJECTED, actor, timezone.now(), note)
    entry.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(actor=actor, action=AuditCode.BLACKLIST_REJECT, obj=entry, before=before, after=_snapshot(entry),
                 note=note)
    return entry


@transaction.atomic
def lift(*, actor, entry_id, reason: str) -> BlacklistEntry:
    """End an approved entry before its expiry day, saying why; the customer is contacted again."""
    entry = access_blacklist_entry(actor, entry_id, Action.DECIDE_BLACKLIST, for_update=True)
    if entry.status != EntryStatus.ACTIVE:
        raise ValidationError({"status": _("Only an approved entry can be lifted (this one is: %(status)s).") % {
            "status": entry.get_status_display()}})
    errors: dict = {}
    reason = _text(reason, "reason", errors, required=True, limit=BlacklistEntry._meta.get_field("lift_reason").max_length)
    if errors:
        raise ValidationError(errors)
    before = _snapshot(entry)
    entry.status, entry.lifted_by, entry.lifted_at, entry.lift_reason = (
        EntryStatus.LIFTED, actor, timezone.now(), reason)
    entry.save(update_fields=["status", "lifted_by", "lifted_at", "lift_reason"])
    audit.record(actor=actor, action=AuditCode.BLACKLIST_LIFT, obj=entry, before=before, after=_snapshot(entry),
                 note=reason)
    return entry


@transaction.atomic
def expire(*, actor=None, day: dt.date) -> int:
    """End every open entry whose expiry day is ``day`` or earlier (approved ones expire, proposals
    nobody decided lapse); the number ended. A second run for the same day ends nothing."""
    entries = list(BlacklistEntry.objects.select_for_update()
                   .filter(status__in=OPEN_STATUSES, expires_on__lte=day).order_by("id"))
    if not entries:
        return 0
    now = timezone.now()
    rows = []
    for entry in entries:
        before = _snapshot(entry)
        entry.status, entry.expired_at = EntryStatus.EXPIRED, now
        rows.append((entry.pk, entry.dealer_id, before, _snapshot(entry)))
    BlacklistEntry.objects.bulk_update(entries, ["status", "expired_at"])
    audit.record_many(actor=actor, action=AuditCode.BLACKLIST_EXPIRE, object_type="blacklistentry", rows=rows,
                      note=str(day))
    return len(entries)
