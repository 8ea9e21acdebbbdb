"""Prospects, contacts, the showroom register and the day's follow-ups over JSON. Thin: every
call goes through the prospect door and the sales services."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from retain.org.policy import Action

from . import services
from .access import access_prospect, visible_prospects
from .models import (
    ACTIVE_STATUSES,
    PROSPECT_SOURCES,
    Contact,
    ContactKind,
    ContactPurpose,
    DefeatReason,
    Grade,
    VisitKind,
    VisitOutcome,
)
from .services import cadence

router = Router(tags=["sales"])

GradeCode = Literal[tuple(Grade.values)]  # type: ignore[valid-type]
SourceCode = Literal[tuple(str(s) for s in PROSPECT_SOURCES)]  # type: ignore[valid-type]
ContactCode = Literal[tuple(ContactKind.values)]  # type: ignore[valid-type]
VisitKindCode = Literal[tuple(VisitKind.values)]  # type: ignore[valid-type]
OutcomeCode = Literal[tuple(VisitOutcome.values)]  # type: ignore[valid-type]
DefeatCode = Literal[tuple(DefeatReason.values)]  # type: ignore[valid-type]


class ProspectOut(Schema):
    id: int
    customer_id: int
    customer: str
    grade: str
    status: str
    source: str
    model_of_interest: str
    owner: str | None
    dealer: str
    first_contact: dt.date
    last_contact: dt.date
    next_follow_up: dt.date
    overdue: bool

    @staticmethod
    def resolve_customer(obj):
        return obj.customer.name

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.username if obj.owner_id else None

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code

    @staticmethod
    def resolve_overdue(obj):
        return obj.next_follow_up < timezone.localdate()


class ProspectIn(Schema):
    customer_id: int
    grade: GradeCode
    model_of_interest: str
    source: SourceCode = "walk_in"
    budget_cents: int | None = None
    purchase_by: dt.date | None = None
    competitors: str = ""
    owner_id: int | None = None


class GradeIn(Schema):
    grade: GradeCode
    reason: str


class ContactIn(Schema):
    kind: ContactCode
    notes: str = ""
    result: str = ""
    next_step: str = ""
    contacted_on: dt.date | None = None
    next_follow_up: dt.date | None = None


class OutcomeIn(Schema):
    """``order``: deposit_cents and/or contract_number; ``delivered``: vin, make, model,
    price_cents (plate, reference optional); ``defeated``: competitor_make, competitor_model,
    reason (note optional; a manager approves)."""

    result: Literal["order", "delivered", "defeated"]
    deposit_cents: int | None = None
    contract_number: str = ""
    ordered_on: dt.date | None = None
    vin: str = ""
    plate: str = ""
    make: str = ""
    model: str = ""
    price_cents: int | None = None
    delivered_on: dt.date | None = None
    reference: str = ""
    competitor_make: str = ""
    competitor_model: str = ""
    reason: DefeatCode | Literal[""] = ""
    note: str = ""


class DecisionIn(Schema):
    approve: bool
    note: str = ""


class TodayOut(Schema):
    date: dt.date
    overdue: list[ProspectOut]
    due: list[ProspectOut]


class VisitIn(Schema):
    arrived_at: dt.datetime
    left_at: dt.datetime | None = None
    kind: VisitKindCode = "walk_in"
    source: SourceCode = "walk_in"
    first_visit: bool = True
    party_size: int = 1
    model_of_interest: str = ""
    outcome: OutcomeCode = "just_looking"
    customer_id: int | None = None
    consultant_id: int | None = None
    note: str = ""


class VisitOut(Schema):
    id: int
    dealer_id: int
    consultant_id: int | None
    kind: str
    arrived_at: dt.datetime
    left_at: dt.datetime | None
    source: str
    first_visit: bool
    party_size: int
    model_of_interest: str
    outcome: str
    customer_id: int | None


@router.get("/prospects", response=list[ProspectOut])
@paginate(LimitOffsetPagination)
def list_prospects(request, grade: GradeCode | None = None, overdue: bool = False):
    prospects = visible_prospects(request.user).filter(status__in=ACTIVE_STATUSES)
    if grade:
        prospects = prospects.filter(grade=grade)
    if overdue:
        prospects = prospects.filter(next_follow_up__lt=timezone.localdate())
    return prospects.select_related("customer", "owner", "dealer")


@router.post("/prospects", response={201: ProspectOut})
def create_prospect(request, payload: ProspectIn):
    prospect = services.open_prospect(actor=request.user, **payload.dict())
    return Status(201, prospect)


@router.get("/prospects/{int:prospect_id}", response=ProspectOut)
def get_prospect(request, prospect_id: int):
    return access_prospect(request.user, prospect_id)


@router.post("/prospects/{int:prospect_id}/grade", response=ProspectOut)
def grade_prospect(request, prospect_id: int, payload: GradeIn):
    return services.change_grade(actor=request.user, prospect_id=prospect_id, **payload.dict())


@router.post("/prospects/{int:prospect_id}/contacts", response=ProspectOut)
def contact_prospect(request, prospect_id: int, payload: ContactIn):
    data = payload.dict()
    data["next_follow_up_on"] = data.pop("next_follow_up")
    return services.log_contact(actor=request.user, prospect_id=prospect_id, **data)


@router.post("/prospects/{int:prospect_id}/outcome", response=ProspectOut)
def prospect_outcome(request, prospect_id: int, payload: OutcomeIn):
    data, actor = payload.dict(), request.user
    if data["result"] == "order":
        return services.record_order(actor=actor, prospect_id=prospect_id, deposit_cents=data["deposit_cents"],
                                     contract_number=data["contract_number"], ordered_on=data["ordered_on"])
    if data["result"] == "delivered":
        return services.record_delivery(actor=actor, prospect_id=prospect_id, vin=data["vin"], plate=data["plate"],
                                        make=data["make"], model=data["model"], price_cents=data["price_cents"],
                                        delivered_on=data["delivered_on"], reference=data["reference"])
    return services.apply_for_defeat(actor=actor, prospect_id=prospect_id, competitor_make=data["competitor_make"],
                                     competitor_model=data["competitor_model"], reason=data["reason"],
                                     note=data["note"])


@router.post("/prospects/{int:prospect_id}/defeat-decision", response=ProspectOut)
def defeat_decision(request, prospect_id: int, payload: DecisionIn):
    return services.decide_defeat(actor=request.user, prospect_id=prospect_id, **payload.dict())


class CadenceIn(Schema):
    dealer: str
    grade: GradeCode
    days: int


@router.get("/cadence", response=dict[str, int])
def get_cadence(request, dealer: str):
    """The dealer's follow-up interval in days per grade."""
    return cadence.cadence_table(cadence.dealer_by_code(request.user, dealer).pk)


@router.put("/cadence", response=dict[str, int])
def put_cadence(request, payload: CadenceIn):
    dealer = cadence.dealer_by_code(request.user, payload.dealer, Action.SET_CADENCE)
    return cadence.set_cadence(actor=request.user, dealer_id=dealer.pk, grade=payload.grade, days=payload.days)


@router.get("/today", response=TodayOut)
def today(request):
    return services.today(request.user)


@router.get("/visits", response=list[VisitOut])
@paginate(LimitOffsetPagination)
def list_visits(request, date: dt.date | None = None):
    """The walk-in / phone-in register in scope for one local day (default today), newest first."""
    return services.visits_on(request.user, date).order_by("-arrived_at", "-id")


@router.post("/visits", response={201: VisitOut})
def register_visit(request, payload: VisitIn):
    return Status(201, services.register_visit(actor=request.user, **payload.dict()))


CarePurpose = Literal[ContactPurpose.MAINTENANCE.value, ContactPurpose.PROMOTION.value]  # type: ignore[valid-type]


class CustomerContactIn(Schema):
    """A contact that is not a prospect follow-up: ``maintenance`` (caring for an owner; the daily
    report's owners visited) or ``promotion`` (an invitation to an event or offer)."""

    kind: ContactCode
    purpose: CarePurpose = ContactPurpose.MAINTENANCE.value
    notes: str = ""
    result: str = Field("", max_length=Contact._meta.get_field("result").max_length)
    contacted_on: dt.date | None = None


class ContactOut(Schema):
    id: int
    customer_id: int
    prospect_id: int | None
    purpose: str
    kind: str
    contacted_on: dt.date
    notes: str
    result: str


@router.post("/customers/{int:customer_id}/contacts", response={201: ContactOut})
def log_customer_contact(request, customer_id: int, payload: CustomerContactIn):
    return Status(201, services.log_customer_contact(actor=request.user, customer_id=customer_id, **payload.dict()))
