"""Working care tasks: record a task's outcome, add a manual task.

An outcome closes the task. "Asked not to be contacted" also withdraws the customer's marketing
consent, through the customers app's own action (so the consent row and its audit row are the
ones a consent recorded on the card would make): greetings and invitations stop, reminders about
the customer's own car do not (the channels' rule).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.customers import services as customer_services
from retain.customers.access import access_customer
from retain.customers.models import ConsentChannel, ConsentPurpose
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import DepartmentKind, Staff
from retain.org.policy import Action, Scope, require, scope_of

from ..access import access_task
from ..models import Channel, Outcome, Task, TaskKind, TaskStatus

#: The notice version recorded with a withdrawal said on a care call (no notice was shown).
WITHDRAWN_ON_A_CALL = "care-call"


@transaction.atomic
def record_outcome(*, actor, task_id, outcome: str, notes: str = "", done_on: dt.date | None = None) -> Task:
    """Close an open task with its outcome (and notes), done by the actor on ``done_on`` (today
    by default, never in the future)."""
    task = access_task(actor, task_id, Action.WORK_TASKS, for_update=True)
    today = timezone.localdate()
    done_on = done_on or today
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("“%(value)s” is not an outcome; choose one of: %(choices)s.") % {
            "value": outcome, "choices": ", ".join(Outcome.values)}
    if task.status != TaskStatus.OPEN:
        errors["status"] = _("This task is already closed.")
    if done_on > today:
        errors["done_on"] = _("A task cannot be done in advance.")
    notes = (notes or "").strip()
    check_fields(Task, errors, notes=notes, done_on=done_on)
    if errors:
        raise ValidationError(errors)
    task.status, task.outcome, task.done_on, task.done_by = TaskStatus.DONE, outcome, done_on, actor
    task.notes = "\n".join(part for part in (task.notes, notes) if part)
    task.save(update_fields=["status", "outcome", "done_on", "done_by", "notes"])
    if outcome == Outcome.DO_NOT_CONTACT:
        customer_services.record_consent(actor=actor, customer_id=task.customer_id, purpose=ConsentPurpose.MARKETING,
                                         granted=False, channel=ConsentChannel.PHONE,
                                         notice_version=WITHDRAWN_ON_A_CALL)
    audit.record(actor=actor, action=AuditCode.TASK_OUTCOME, obj=task,
                 after={"kind": task.kind, "outcome": outcome, "done_on": done_on, "customer_id": task.customer_id})
    return task


@transaction.atomic
def create_task(*, actor, customer_id, due_on: dt.date, notes: str, channel: str = Channel.PHONE,
                owner_id=None, vehicle_id=None) -> Task:
    """A manual task on a customer the actor works on: theirs (a consultant's or advisor's own),
    or given to a colleague at the customer's dealer by a manager."""
    require(actor, Action.WORK_TASKS)
    customer = access_customer(actor, customer_id, Action.EDIT)
    errors = {}
    notes = (notes or "").strip()
    if not notes:
        errors["notes"] = _("Say what is to be done.")
    if channel not in Channel.values:
        errors["channel"] = _("Choose a channel.")
    if not isinstance(due_on, dt.date):
        errors["due_on"] = _("Enter a date.")
    elif due_on < timezone.localdate():
        errors["due_on"] = _("A new task cannot be due in the past.")
    check_fields(Task, errors, notes=notes, due_on=due_on if isinstance(due_on, dt.date) else None)
    if vehicle_id is not None and not customer.vehicles.filter(pk=vehicle_id).exists():
        errors["vehicle_id"] = _("This vehicle does not belong to the customer.")
    owner = actor
    if scope_of(actor, Action.WORK_TASKS) is not Scope.OWN and owner_id is not None:
        owner = Staff.objects.filter(pk=owner_id, dealer_id=customer.dealer_id, is_active=True).first()
        if owner is None:
            errors["owner"] = _("Choose an active colleague at the customer's dealer.")
    if errors:
        raise ValidationError(errors)
    department = owner.department.kind if owner.department_id else DepartmentKind.MANAGEMENT
    task = Task.objects.create(dealer_id=customer.dealer_id, customer=customer, vehicle_id=vehicle_id,
                               kind=TaskKind.MANUAL, due_on=due_on, owner=owner, department=department,
                               channel=channel, notes=notes, created_at=timezone.now())
    audit.record(actor=actor, action=AuditCode.TASK_CREATE, obj=task,
                 after={"customer_id": customer.pk, "due_on": due_on, "owner_id": owner.pk, "channel": channel})
    return task
