"""Sales API: planning. Targets against actual figures, the funnel by source, and promotion
events (invitations, attendance, follow-ups, comparison). Thin: every call goes through
``sales.services.planning``."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from retain.bounds import (
    MAX_ID,
    MAX_IDS,
    Day,
    Id,
    IdList,
    Input,
    Month,
    QueryId,
    api_type,
    string,
)

from . import access
from .models import Invitation, PromotionEvent, SalesTarget
from .services import planning

router = Router(tags=["sales"])
#: An id in a path, bounded like every other id.
PathId = QueryId


T = SalesTarget


class TargetIn(Input):
    """``month`` as YYYY-MM (or any day of it); ``dealer_id`` defaults to the caller's dealer;
    without ``consultant_id`` the target is the dealer's."""

    month: Month
    dealer_id: Id | None = None
    consultant_id: Id | None = None
    walk_ins: api_type(T, "walk_ins") = 0
    new_prospects: api_type(T, "new_prospects") = 0
    orders: api_type(T, "orders") = 0
    deliveries: api_type(T, "deliveries") = 0


class TargetOut(Schema):
    id: int
    dealer_id: int
    consultant_id: int | None
    month: dt.date
    walk_ins: int
    new_prospects: int
    orders: int
    deliveries: int


class Cell(Schema):
    target: int
    actual: int
    achievement: float | None


class TargetRow(Schema):
    consultant_id: int | None
    consultant: str
    walk_ins: Cell
    new_prospects: Cell
    orders: Cell
    deliveries: Cell


class TargetsOut(Schema):
    dealer_id: int
    month: dt.date
    rows: list[TargetRow]
    total: TargetRow | None


class Stages(Schema):
    walk_ins: int
    prospects: int
    orders: int
    deliveries: int
    prospect_rate: float | None
    order_rate: float | None
    delivery_rate: float | None
    close_rate: float | None


class SourceStages(Stages):
    source: str
    label: str
    referred: bool


class CloseRate(Schema):
    prospects: int
    deliveries: int
    close_rate: float | None
    close_rate_low: float | None
    close_rate_high: float | None


class FunnelOut(Schema):
    start: dt.date
    end: dt.date
    overall: Stages
    by_source: list[SourceStages]
    referred_sources: list[str]
    referral_share: float | None
    referred: CloseRate
    other: CloseRate
    close_rate_ratio: float | None


class EventIn(Input):
    name: api_type(PromotionEvent, "name")
    starts_on: api_type(PromotionEvent, "starts_on")
    ends_on: api_type(PromotionEvent, "ends_on")
    description: api_type(PromotionEvent, "description") = ""
    dealer_id: Id | None = None


class EventOut(Schema):
    id: int
    dealer_id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    description: str


class InvitationsIn(Input):
    customer_ids: IdList


class InvitationsOut(Schema):
    invited: list[int]
    skipped: list[int]
    no_consent: list[int]


class AttendanceIn(Input):
    customer_id: Id
    attended_on: api_type(Invitation, "attended_on") = None


class FollowUpIn(Input):
    result: api_type(Invitation, "follow_up_result")
    followed_up_on: api_type(Invitation, "followed_up_on") = None


class InvitationOut(Schema):
    id: int
    event_id: int
    customer_id: int
    invited_on: dt.date
    attended_on: dt.date | None
    followed_up_on: dt.date | None
    follow_up_result: str


class ComparisonOut(Schema):
    id: int
    name: str
    starts_on: dt.date
    ends_on: dt.date
    invited: int
    attended: int
    attendance_rate: float | None
    followed_up: int
    prospects: int
    orders: int
    order_rate: float | None


def _ids(text: str, field: str) -> list[int]:
    try:
        ids = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ValidationError({field: _("Give numbers separated by commas.")})
    if not all(1 <= pk <= MAX_ID for pk in ids) or len(ids) > MAX_IDS:
        raise ValidationError({field: _("Give numbers separated by commas.")})
    return ids


@router.put("/targets", response=TargetOut)
def put_target(request, payload: TargetIn):
    data = payload.dict()
    return planning.set_target(actor=request.user, dealer_id=data.pop("dealer_id"), month=data.pop("month"),
                               consultant_id=data.pop("consultant_id"), **data)


@router.get("/targets/actual", response=TargetsOut)
def targets_actual(request, month: Month, dealer: QueryId | None = None):
    table = planning.targets_vs_actual(request.user, month, dealer)
    return {**table, "dealer_id": table["dealer"].pk}


@router.get("/funnel", response=FunnelOut)
def get_funnel(request, start: Day, end: Day, dealer: QueryId | None = None):
    return planning.funnel(request.user, start, end, dealer)


@router.post("/events", response={201: EventOut})
def create_event(request, payload: EventIn):
    return Status(201, planning.create_event(actor=request.user, **payload.dict()))


@router.get("/events", response=list[EventOut])
def list_events(request, start: Day | None = None, end: Day | None = None):
    events = access.visible_events(request.user)
    if start:
        events = events.filter(ends_on__gte=start)
    if end:
        events = events.filter(starts_on__lte=end)
    return events


@router.get("/events/compare", response=list[ComparisonOut])
def compare_events(request, ids: string(2000) | None = None, start: Day | None = None, end: Day | None = None):
    if ids is None and start is None and end is None:
        raise ValidationError({"ids": _("Choose events, or a period.")})
    return planning.compare_events(request.user, _ids(ids, "ids") if ids is not None else None, start, end)


@router.get("/events/{event_id}", response=EventOut)
def get_event(request, event_id: PathId):
    return access.access_event(request.user, event_id)


@router.post("/events/{event_id}/invitations", response={201: InvitationsOut})
def invite(request, event_id: PathId, payload: InvitationsIn):
    return Status(201, planning.invite(actor=request.user, event_id=event_id, customer_ids=payload.customer_ids))


@router.post("/events/{event_id}/attendance", response=InvitationOut)
def attendance(request, event_id: PathId, payload: AttendanceIn):
    return planning.register_attendance(actor=request.user, event_id=event_id, customer_id=payload.customer_id,
                                        attended_on=payload.attended_on)


@router.post("/invitations/{invitation_id}/follow-up", response=InvitationOut)
def follow_up(request, invitation_id: PathId, payload: FollowUpIn):
    return planning.record_follow_up(actor=request.user, invitation_id=invitation_id, result=payload.result,
                                     followed_up_on=payload.followed_up_on)
