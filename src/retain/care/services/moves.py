"""Care tasks and VIP files follow their customer (registered with ``customers.moves`` in
``CareConfig``). Called by ``customers.services.merge_customers`` and ``reassign_portfolio``
inside their transaction; the counts go into that service's audit row."""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode

from ..models import Task, TaskStatus, VipFile


@transaction.atomic
def merge_records(*, actor, survivor, duplicate) -> dict[str, int]:
    """The duplicate's tasks become the survivor's. Where both have the same occurrence of a rule
    (both were greeted for one birthday), the survivor's stays and the duplicate's, if still
    open, is cancelled on the merged-away record. A VIP file moves if the survivor has none."""
    theirs = Task.objects.filter(customer=duplicate)
    same = Task.objects.filter(customer=survivor, rule_id=OuterRef("rule_id"), occurrence=OuterRef("occurrence"))
    clashing = set(theirs.filter(Exists(same), rule__isnull=False).values_list("pk", flat=True))
    cancelled = Task.objects.filter(pk__in=clashing, status=TaskStatus.OPEN).update(
        status=TaskStatus.CANCELLED, notes=_("Merged into customer %(id)s, which has this task.") % {"id": survivor.pk})
    moved = theirs.exclude(pk__in=clashing).update(customer=survivor)
    files = 0
    if not VipFile.objects.filter(customer=survivor).exists():
        files = VipFile.objects.filter(customer=duplicate).update(customer=survivor)
    return {"care_tasks": moved, "care_tasks_cancelled": cancelled, "vip_files": files}


@transaction.atomic
def reassign_tasks(*, actor, from_owner_id: int, plan: dict[int, list[int]]) -> dict[str, int]:
    """The departing owner's open tasks on the reassigned customers go to each customer's new
    owner (tasks owned by someone else, a service advisor's reminders, stay theirs)."""
    rows, moved = [], 0
    for owner_id, customer_ids in plan.items():
        tasks = Task.objects.filter(owner_id=from_owner_id, customer_id__in=customer_ids, status=TaskStatus.OPEN)
        ids = list(tasks.values_list("pk", "dealer_id"))
        moved += tasks.update(owner_id=owner_id)
        rows += [(pk, dealer_id, {"owner_id": from_owner_id}, {"owner_id": owner_id}) for pk, dealer_id in ids]
    if rows:
        audit.record_many(actor=actor, action=AuditCode.TASK_REASSIGN, object_type="task", rows=rows)
    files = 0
    for owner_id, customer_ids in plan.items():  # the VIP's visits go with the VIP
        files += VipFile.objects.filter(consultant_id=from_owner_id, customer_id__in=customer_ids).update(
            consultant_id=owner_id)
    return {"care_tasks": moved, "vip_files": files}
