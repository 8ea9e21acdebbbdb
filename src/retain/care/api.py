"""Care tasks over JSON. Thin: the list reads through the door (``care.worklist``), the outcome
goes through ``care.services``; someone else's task outside the caller's scope is 404."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import paginate

from retain.bounds import Input, Page, api_type, string
from retain.org.policy import Action, require

from . import services
from .models import Task, TaskKind
from .worklist import DUE_FILTERS, filtered

router = Router(tags=["care"])

DueFilter = Literal[DUE_FILTERS]  # type: ignore[valid-type]
KindCode = Literal[tuple(TaskKind.values)]  # type: ignore[valid-type]


class TaskOut(Schema):
    id: int
    kind: str
    customer_id: int
    customer: str
    vehicle_id: int | None
    due_on: dt.date
    overdue: bool
    owner: str | None
    department: str
    channel: str
    template_code: str
    reason: str
    status: str
    outcome: str
    done_on: dt.date | None
    notes: str

    @staticmethod
    def resolve_customer(obj):
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.username if obj.owner_id else None

    @staticmethod
    def resolve_overdue(obj):
        return obj.status == "open" and obj.due_on < timezone.localdate()


class OutcomeIn(Input):
    outcome: string(30)
    notes: api_type(Task, "notes") = ""
    done_on: api_type(Task, "done_on") = None


@router.get("/tasks", response=list[TaskOut])
@paginate(Page)
def list_tasks(request, due: DueFilter = "open", mine: bool = False, kind: KindCode | None = None):
    """Care tasks in the caller's scope (a consultant's or advisor's own; a manager's dealer's...):
    ``due`` today, overdue, open (default), done or all; ``mine`` narrows to the caller's own."""
    require(request.user, Action.VIEW_TASKS)
    return (filtered(request.user, due=due, mine=mine, kind=kind or "")
            .select_related("customer", "owner").order_by("due_on", "id"))


@router.post("/tasks/{int:task_id}/outcome", response=TaskOut)
def task_outcome(request, task_id: int, payload: OutcomeIn):
    """Close a task with its outcome (``reached``, ``no_answer``, ``booked_service``,
    ``interested_replacement``, ``not_interested``, ``wrong_number``, ``do_not_contact``: the
    last also withdraws the customer's marketing consent)."""
    return services.record_outcome(actor=request.user, task_id=task_id, **payload.dict())
