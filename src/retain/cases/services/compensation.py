"""Compensation on a case: offered by whoever works the case; worth up to the dealer's threshold
(``CaseSettings.compensation_approval_cents``, ¥500 by default) it is approved as offered, above
it it waits for a manager's approval (``approve_compensation``), never the offerer's own (four
eyes). Goodwill points carry their number of points; once approved they are credited to the
member through the points programme (``loyalty.services.goodwill``: capped per case and per
member a month, checked at the offer and again at the credit), in the same transaction, and the
compensation keeps the transfer."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import MAX_CENTS, check_fields
from retain.loyalty.services import goodwill
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action, refusal, scope_filter

from ..access import access_case
from ..models import Case, CaseStatus, Compensation, CompensationKind, CompensationStatus
from ..models.case import settings_for


@transaction.atomic
def offer(*, actor, case_id, kind: str, value_cents, description: str, points=None,
          now: dt.datetime | None = None) -> Compensation:
    """Offer compensation on an open case; approved at once up to the dealer's threshold."""
    case = access_case(actor, case_id, Action.WORK_CASES, for_update=True)
    errors = {}
    if case.status != CaseStatus.OPEN:
        errors["kind"] = _("The case is closed.")
    if kind not in CompensationKind.values:
        errors["kind"] = _("Choose one of the values offered.")
    if not isinstance(value_cents, int) or isinstance(value_cents, bool) or not 0 <= value_cents <= MAX_CENTS:
        errors["value_cents"] = _("Enter the value in whole cents, 0 or more.")
    description = description.strip() if isinstance(description, str) else description
    if not description:
        errors["description"] = _("Say what is given.")
    if kind == CompensationKind.GOODWILL_POINTS and not points:
        errors["points"] = _("Say how many points.")
    elif kind != CompensationKind.GOODWILL_POINTS and points:
        errors["points"] = _("Only goodwill points have points.")
    check_fields(Compensation, errors, description=description if isinstance(description, str) else None,
                 points=points)
    if not errors and kind == CompensationKind.GOODWILL_POINTS:
        try:
            goodwill.check(customer_id=case.customer_id, dealer_id=case.dealer_id, case_id=case.pk, points=points)
        except ValidationError as refused:
            errors.update(refused.message_dict)
    if errors:
        raise ValidationError(errors)
    limit = settings_for(case.dealer_id).compensation_approval_cents
    status = CompensationStatus.APPROVED if value_cents <= limit else CompensationStatus.PENDING
    made = Compensation.objects.create(case=case, kind=kind, value_cents=value_cents, points=points or None,
                                       description=description, status=status, offered_by=actor,
                                       offered_at=now or timezone.now())
    credit_goodwill(made, actor=actor)
    audit.record(actor=actor, action=AuditCode.COMPENSATION_OFFER, obj=case, dealer_id=case.dealer_id, after={
        "compensation_id": made.pk, "kind": kind, "value_cents": value_cents, "points": points,
        "status": status, "limit_cents": limit, "transfer_id": made.transfer_id})
    return made


def credit_goodwill(compensation: Compensation, *, actor, now: dt.datetime | None = None) -> None:
    """Approved goodwill points go to the member's points (at ``now``, default the clock), and the
    compensation keeps the transfer. Part of the offer's or the approval's transaction (the demo
    calls it for the approvals it draws)."""
    if compensation.kind != CompensationKind.GOODWILL_POINTS or compensation.status != CompensationStatus.APPROVED:
        return
    case = compensation.case
    compensation.transfer = goodwill.credit(
        actor=actor, customer_id=case.customer_id, case_id=case.pk, compensation_id=compensation.pk,
        points=compensation.points, memo=_("Goodwill for case #%(number)s") % {"number": case.pk}, now=now)
    compensation.save(update_fields=["transfer"])


@transaction.atomic
def decide(*, actor, compensation_id, approve, note: str = "") -> Compensation:
    """Approve or reject compensation that waits for approval (not one's own offer)."""
    try:
        compensation_id = int(compensation_id)
    except (TypeError, ValueError):
        compensation_id = 0
    found = Compensation.objects.select_for_update(of=("self",)).select_related("case").filter(pk=compensation_id).first()
    if found is None:
        raise Http404(_("No such compensation."))
    access_case(actor, found.case_id)  # out of sight: 404
    condition = scope_filter(actor, Action.APPROVE_COMPENSATION, dealer="dealer", owner="owner")
    if condition is None or not Case.objects.filter(condition, pk=found.case_id).exists():
        raise PermissionDenied(refusal(Action.APPROVE_COMPENSATION))
    errors = {}
    if found.status != CompensationStatus.PENDING:
        errors["approve"] = _("Only compensation awaiting approval is decided.")
    elif found.offered_by_id == actor.pk:
        errors["approve"] = _("Someone other than who offered it decides.")
    if not isinstance(approve, bool):
        errors["approve"] = _("Say whether it is approved.")
    note = (note or "").strip() if isinstance(note, str) else note
    if not isinstance(note, str):
        errors["note"] = _("Write the note as text.")
    elif approve is False and not note:
        errors["note"] = _("Say why it is rejected.")
    if errors:
        raise ValidationError(errors)
    before = found.status
    found.status = CompensationStatus.APPROVED if approve else CompensationStatus.REJECTED
    found.decided_by, found.decided_at, found.decision_note = actor, timezone.now(), note
    found.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    try:
        credit_goodwill(found, actor=actor)
    except ValidationError as refused:  # the caps were reached since the offer: it cannot be approved now
        raise ValidationError({"approve": refused.messages}) from refused
    audit.record(actor=actor, action=AuditCode.COMPENSATION_DECIDE, obj=found.case, dealer_id=found.case.dealer_id,
                 before={"status": before}, after={"compensation_id": found.pk, "status": found.status, "note": note,
                                                   "transfer_id": found.transfer_id})
    return found
