"""Lost owners over JSON: the list, recording one, one lost owner with its value, confirming or
dismissing a proposal, win-back steps, and marking one won back. Thin: reads through
``cases.access``, writes through ``cases.services.lost``; outside the caller's scope a lost owner is 404."""

import datetime as dt
from typing import Literal

from ninja import Router, Schema, Status
from ninja.pagination import paginate

from retain.bounds import Id, Input, Page, api_type
from retain.org.policy import Action, require

from ..access import access_lost_owner, visible_lost_owners
from ..models.lost import LostOwner, LostStatus, WinBackStep
from ..services import lost as services

router = Router(tags=["cases: lost owners"])

StatusCode = Literal[tuple(LostStatus.values)]  # type: ignore[valid-type]


class StepOut(Schema):
    id: int
    kind: str
    done_on: dt.date
    done_by: str
    notes: str

    @staticmethod
    def resolve_done_by(obj):
        return obj.done_by.display_name


class LostOut(Schema):
    id: int
    customer_id: int
    customer: str
    dealer_id: int
    source: str
    status: str
    reason: str
    lost_on: dt.date
    last_visit: dt.date | None
    p_alive: float | None
    notes: str
    annual_spend_cents: int
    history_cents: int
    history_years: float
    years: float
    people_told: float
    share_influenced: float
    retold_per_influenced: float
    share_who_stop: float
    word_of_mouth_customers: float
    direct_value_cents: int
    word_of_mouth_value_cents: int
    value_cents: int
    won_back_on: dt.date | None

    @staticmethod
    def resolve_customer(obj):
        return obj.customer.name


class LostDetailOut(LostOut):
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.steps.select_related("done_by"))


class RecordIn(Input):
    customer_id: Id
    reason: api_type(LostOwner, "reason")
    lost_on: api_type(LostOwner, "lost_on") = None
    notes: api_type(LostOwner, "notes") = ""


class ConfirmIn(Input):
    reason: api_type(LostOwner, "reason")
    notes: api_type(LostOwner, "notes") = ""


class DismissIn(Input):
    notes: api_type(LostOwner, "notes")


class StepIn(Input):
    kind: api_type(WinBackStep, "kind")
    notes: api_type(WinBackStep, "notes")
    done_on: api_type(WinBackStep, "done_on") = None


class WonBackIn(Input):
    came_back_on: api_type(LostOwner, "won_back_on") = None
    notes: api_type(LostOwner, "notes") = ""


@router.get("/lost-owners", response=list[LostOut])
@paginate(Page)
def list_lost(request, status: StatusCode | None = None):
    """Lost owners in the caller's scope, newest loss first; ``status`` narrows the list."""
    require(request.user, Action.VIEW_LOST_OWNERS)
    records = visible_lost_owners(request.user).select_related("customer")
    return (records.filter(status=status) if status else records).order_by("-lost_on", "-id")


@router.post("/lost-owners", response={201: LostDetailOut})
def record_lost(request, payload: RecordIn):
    """Record that a customer has left, with the reason (confirmed at once); answers its value."""
    return Status(201, services.record(actor=request.user, **payload.dict()))


@router.get("/lost-owners/{int:lost_id}", response=LostDetailOut)
def one_lost(request, lost_id: int):
    """One lost owner: the value with its inputs, and the win-back steps."""
    return access_lost_owner(request.user, lost_id)


@router.post("/lost-owners/{int:lost_id}/confirm", response=LostDetailOut)
def confirm_lost(request, lost_id: int, payload: ConfirmIn):
    """Confirm a proposal, with the reason."""
    return services.confirm(actor=request.user, lost_id=lost_id, **payload.dict())


@router.post("/lost-owners/{int:lost_id}/dismiss", response=LostDetailOut)
def dismiss_lost(request, lost_id: int, payload: DismissIn):
    """Dismiss a proposal (the owner has not left), saying why."""
    return services.dismiss(actor=request.user, lost_id=lost_id, **payload.dict())


@router.post("/lost-owners/{int:lost_id}/steps", response={201: StepOut})
def add_step(request, lost_id: int, payload: StepIn):
    """Record a win-back step (``listen``, ``meet_demands``, ``offer_way_back``, ``keep_in_touch``)."""
    return Status(201, services.log_step(actor=request.user, lost_id=lost_id, **payload.dict()))


@router.post("/lost-owners/{int:lost_id}/won-back", response=LostDetailOut)
def won_back(request, lost_id: int, payload: WonBackIn):
    """The lost owner came back."""
    return services.mark_won_back(actor=request.user, lost_id=lost_id, **payload.dict())
