"""Opening, working and closing a case (the only writers of cases and their steps).

Deadlines are set when a case is opened, from the dealer's ``CaseSettings``: the first contact
``first_contact_hours`` after opening (24 by default; a clock in hours, the same in every time
zone), the resolution at the end of the dealer's local day ``days_for(severity)`` days after the
day it was opened (a complaint made on Monday afternoon with two days is due by Wednesday
midnight, where the dealer is).

The six steps may be taken in any order and again; each one records who and when, and whether
it came before an earlier step of the order (``out_of_order``) or was taken before
(``repeated``), so the case page and the analysis can tell a course-book case from a rushed
one. The first step that is a contact with the customer (Listen, Share, Check, Satisfy) stops
the first-contact clock. A case closes only once Check and Satisfy were recorded: "satisfied"
needs the customer's yes at the last Satisfy, "unsatisfied" a reason.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.channels.models import settings_for as channel_settings_for
from retain.channels.rules import zone
from retain.customers.access import access_customer
from retain.customers.models import Vehicle
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Staff
from retain.org.policy import Action, Scope, refusal, scope_of

from ..access import access_case
from ..models import (
    Case,
    CaseKind,
    CaseStatus,
    CaseStep,
    Category,
    Channel,
    Department,
    Motive,
    Outcome,
    Severity,
    Step,
)
from ..models.case import CUSTOMER_FACING, STEP_ORDER, settings_for


def deadlines(dealer_id: int, severity: str, opened_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The first-contact and resolution deadlines of a case opened at ``opened_at``."""
    rules = settings_for(dealer_id)
    first_contact = opened_at + dt.timedelta(hours=rules.first_contact_hours)
    local = zone(channel_settings_for(dealer_id))
    last_day = opened_at.astimezone(local).date() + dt.timedelta(days=rules.days_for(severity))
    resolution = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), tzinfo=local)
    return first_contact, resolution


def _choice(errors: dict, field: str, value: str, choices) -> str:
    if value not in choices.values:
        errors[field] = _("Choose one of the values offered.")
    return value


def _owner_for(actor, dealer_id: int, owner_id) -> Staff | None:
    """Who answers for a new case: the one chosen (a manager hands it out at their dealer), else
    the actor themselves when they work cases at that dealer."""
    if owner_id in (None, ""):
        return actor if actor is not None and actor.dealer_id == dealer_id else None
    if scope_of(actor, Action.ASSIGN_CASES) < Scope.DEALER:
        raise PermissionDenied(refusal(Action.ASSIGN_CASES))
    owner = Staff.objects.filter(pk=owner_id, dealer_id=dealer_id, is_active=True).first() \
        if str(owner_id).isdigit() else None
    if owner is None or scope_of(owner, Action.WORK_CASES) is Scope.NONE:
        raise ValidationError({"owner_id": _("Choose someone at the customer's dealer who works cases.")})
    return owner


@transaction.atomic
def open_case(*, actor, customer_id, description: str, kind: str = CaseKind.COMPLAINT, channel: str = Channel.PHONE,
              department: str = Department.SERVICE, category: str = Category.OTHER, severity: str = Severity.MAJOR,
              motive: str = Motive.UNKNOWN, vehicle_id=None, owner_id=None, now: dt.datetime | None = None) -> Case:
    """Open a case about a customer in the actor's sight (else 404). The actor answers for it
    unless a manager names another owner at the customer's dealer."""
    customer = access_customer(actor, customer_id)  # out of sight: 404, nothing said
    # Cases are worked at the dealer (no role above it works them): the customer's dealer must be
    # the actor's own.
    if scope_of(actor, Action.WORK_CASES) is Scope.NONE or actor.dealer_id != customer.dealer_id:
        raise PermissionDenied(refusal(Action.WORK_CASES))
    errors = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Say what the customer raised.")
    for field, value, choices in (("kind", kind, CaseKind), ("channel", channel, Channel),
                                  ("department", department, Department), ("category", category, Category),
                                  ("severity", severity, Severity), ("motive", motive, Motive)):
        _choice(errors, field, value, choices)
    vehicle = None
    if vehicle_id not in (None, ""):
        vehicle = Vehicle.objects.filter(pk=vehicle_id, customer=customer).first() if str(vehicle_id).isdigit() \
            else None
        if vehicle is None:
            errors["vehicle_id"] = _("Choose one of the customer's vehicles.")
    if errors:
        raise ValidationError(errors)
    owner = _owner_for(actor, customer.dealer_id, owner_id)
    now = now or timezone.now()
    first_contact, resolution = deadlines(customer.dealer_id, severity, now)
    case = Case(dealer_id=customer.dealer_id, customer=customer, vehicle=vehicle, kind=kind, channel=channel,
                department=department, category=category, severity=severity, motive=motive,
                description=description, owner=owner, opened_at=now, opened_by=actor,
                first_contact_due=first_contact, resolution_due=resolution)
    case.full_clean()
    case.save()
    audit.record(actor=actor, action=AuditCode.CASE_OPEN, obj=case, dealer_id=case.dealer_id, after={
        "customer_id": customer.pk, "kind": kind, "channel": channel, "severity": severity,
        "owner_id": owner.pk if owner else None, "first_contact_due": first_contact.isoformat(),
        "resolution_due": resolution.isoformat()})
    return case


def open_from_survey(*, actor=None, response, department: str, category: str, severity: str, description: str,
                     owner, now: dt.datetime) -> Case | None:
    """Open the case a detractor's survey answer calls for (``cases.detractors`` decides that and
    what it says): one per answer, so a second call, or a concurrent one, opens nothing (None)."""
    first_contact, resolution = deadlines(response.dealer_id, severity, now)
    try:
        with transaction.atomic():
            case = Case.objects.create(
                dealer_id=response.dealer_id, customer_id=response.customer_id, vehicle_id=response.vehicle_id,
                response=response, kind=CaseKind.COMPLAINT, channel=Channel.SURVEY, department=department,
                category=category, severity=severity, description=description, owner=owner, opened_at=now,
                first_contact_due=first_contact, resolution_due=resolution)
            audit.record(actor=actor, action=AuditCode.CASE_OPEN, obj=case, after={
                "response_id": response.pk, "customer_id": response.customer_id, "channel": Channel.SURVEY,
                "severity": severity, "owner_id": owner.pk if owner else None,
                "first_contact_due": first_contact.isoformat(), "resolution_due": resolution.isoformat()})
    except IntegrityError:  # another run opened it meanwhile
        return None
    return case


def _check_step(case: Case, step: str, details: dict) -> dict:
    """What the step records, checked: a root cause for Probe (from the dealer's list), both
    confirmations for Check, a plan's due day for Action, the customer's answer for Satisfy."""
    errors = {}
    if step not in Step.values:
        raise ValidationError({"step": _("Choose one of the six steps.")})
    fields = {}
    if step == Step.PROBE:
        cause = (details.get("root_cause") or "").strip()
        if cause not in settings_for(case.dealer_id).root_cause_list():
            errors["root_cause"] = _("Choose a root cause from the dealer's list.")
        fields["root_cause"] = cause
    elif step == Step.CHECK:
        for name in ("customer_confirmed", "internally_confirmed"):
            if not isinstance(details.get(name), bool):
                errors[name] = _("Say whether it was confirmed.")
            fields[name] = details.get(name)
    elif step == Step.ACTION:
        due = details.get("plan_due_on")
        if not isinstance(due, dt.date) or not dt.date(1900, 1, 1) <= due <= dt.date(2100, 12, 31):
            errors["plan_due_on"] = _("Give the day the plan is due.")
        fields["plan_due_on"] = due
    elif step == Step.SATISFY:
        if not isinstance(details.get("satisfied"), bool):
            errors["satisfied"] = _("Say whether the customer is satisfied.")
        fields["satisfied"] = details.get("satisfied")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def record_step(*, actor, case_id, step: str, notes: str = "", now: dt.datetime | None = None, **details) -> CaseStep:
    """Record one of the six steps on an open case (``details``: ``root_cause``,
    ``customer_confirmed`` and ``internally_confirmed``, ``plan_due_on``, ``satisfied``)."""
    case = access_case(actor, case_id, Action.WORK_CASES, for_update=True)
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"step": _("The case is closed.")})
    fields = _check_step(case, step, details)
    now = now or timezone.now()
    taken = set(case.steps.values_list("step", flat=True))
    earlier = STEP_ORDER[:STEP_ORDER.index(step)]
    row = CaseStep(case=case, step=step, notes=(notes or "").strip(), at=now, by=actor,
                   out_of_order=any(s not in taken for s in earlier), repeated=step in taken, **fields)
    row.full_clean(exclude=["case", "by"])
    row.save()
    changed = []
    if case.first_contact_at is None and step in CUSTOMER_FACING:
        case.first_contact_at, changed = now, ["first_contact_at"]
    if step == Step.PROBE:
        case.root_cause = fields["root_cause"]
        changed.append("root_cause")
    if changed:
        case.save(update_fields=changed)
    audit.record(actor=actor, action=AuditCode.CASE_STEP, obj=case, dealer_id=case.dealer_id, after={
        "step": step, "out_of_order": row.out_of_order, "repeated": row.repeated})
    return row


@transaction.atomic
def assign(*, actor, case_id, owner_id) -> Case:
    """Hand an open case to someone at its dealer who works cases."""
    case = access_case(actor, case_id, Action.ASSIGN_CASES, for_update=True)
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"owner_id": _("The case is closed.")})
    before = case.owner_id
    case.owner = _owner_for(actor, case.dealer_id, owner_id)
    case.save(update_fields=["owner"])
    audit.record(actor=actor, action=AuditCode.CASE_ASSIGN, obj=case, dealer_id=case.dealer_id,
                 before={"owner_id": before}, after={"owner_id": case.owner_id})
    return case


@transaction.atomic
def close(*, actor, case_id, outcome: str, reason: str = "", now: dt.datetime | None = None) -> Case:
    """Close a case with its outcome: only after Check and Satisfy; "satisfied" only if the
    customer said yes at the last Satisfy; "unsatisfied" with a reason."""
    case = access_case(actor, case_id, Action.WORK_CASES, for_update=True)
    if case.status != CaseStatus.OPEN:
        raise ValidationError({"outcome": _("The case is closed already.")})
    errors = {}
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose one of the values offered.")})
    steps = list(case.steps.order_by("at", "id").values_list("step", "satisfied"))
    taken = {step for step, _satisfied in steps}
    missing = [Step(step).label for step in (Step.CHECK, Step.SATISFY) if step not in taken]
    if missing:
        errors["outcome"] = _("A case closes only after Check and Satisfy; missing: %(steps)s.") % {
            "steps": ", ".join(str(label) for label in missing)}
    reason = (reason or "").strip()
    last_answer = next((satisfied for step, satisfied in reversed(steps) if step == Step.SATISFY), None)
    if not missing and outcome == Outcome.SATISFIED and last_answer is not True:
        errors["outcome"] = _("The customer did not confirm being satisfied at the last Satisfy step.")
    if outcome == Outcome.UNSATISFIED and not reason:
        errors["reason"] = _("Say why the case closes with the customer unsatisfied.")
    if errors:
        raise ValidationError(errors)
    case.status, case.outcome, case.close_reason = CaseStatus.CLOSED, outcome, reason
    case.closed_at, case.closed_by = now or timezone.now(), actor
    local = zone(channel_settings_for(case.dealer_id))
    case.recurrence_check_on = (case.closed_at.astimezone(local).date()
                                + dt.timedelta(days=settings_for(case.dealer_id).recurrence_days))
    case.full_clean()
    case.save(update_fields=["status", "outcome", "close_reason", "closed_at", "closed_by", "recurrence_check_on"])
    audit.record(actor=actor, action=AuditCode.CASE_CLOSE, obj=case, dealer_id=case.dealer_id,
                 after={"outcome": outcome, "reason": reason,
                        "recurrence_check_on": case.recurrence_check_on.isoformat()})
    return case


@transaction.atomic
def check_recurrence(*, actor, case_id, recurred, notes: str = "", now: dt.datetime | None = None) -> Case:
    """Record the recurrence check of a closed case (seed 002: 查核并防止再发生): whether the
    problem came back, with notes (required when it did). Once per case; a problem that came
    back is a new case, opened as any other."""
    case = access_case(actor, case_id, Action.WORK_CASES, for_update=True)
    errors = {}
    if case.status != CaseStatus.CLOSED:
        errors["recurred"] = _("A case is checked for recurrence after it is closed.")
    elif case.recurrence_checked_at is not None:
        errors["recurred"] = _("The recurrence check was recorded already.")
    if not isinstance(recurred, bool):
        errors["recurred"] = _("Say whether the problem came back.")
    notes = (notes or "").strip() if isinstance(notes, str) else notes
    if not isinstance(notes, str):
        errors["notes"] = _("Write the notes as text.")
    elif recurred is True and not notes:
        errors["notes"] = _("Say how the problem came back.")
    if errors:
        raise ValidationError(errors)
    case.recurred, case.recurrence_notes = recurred, notes
    case.recurrence_checked_at, case.recurrence_checked_by = now or timezone.now(), actor
    case.full_clean()
    case.save(update_fields=["recurred", "recurrence_notes", "recurrence_checked_at", "recurrence_checked_by"])
    audit.record(actor=actor, action=AuditCode.CASE_RECURRENCE_CHECK, obj=case, dealer_id=case.dealer_id,
                 after={"recurred": recurred})
    return case
