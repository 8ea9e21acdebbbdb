"""Prospects, contacts, the showroom register and the day's follow-ups over JSON. Thin: every
call goes through the prospect door and the sales services."""

import datetime as dt
from typing import Literal

from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from retain.bounds import Day, Id, Input, Page, api_type
from retain.customers.models import Transaction, Vehicle
from retain.org.models import Dealer
from retain.org.policy import Action

from . import services
from .access import access_prospect, visible_prospects
from .models import (
    ACTIVE_STATUSES,
    PROSPECT_SOURCES,
    Cadence,
    Contact,
    ContactPurpose,
    Grade,
    GradeChange,
    Prospect,
    ShowroomVisit,
)
from .services import cadence

router = Router(tags=["sales"])

GradeCode = Literal[tuple(Grade.values)]  # type: ignore[valid-type]
SourceCode = Literal[tuple(str(s) for s in PROSPECT_SOURCES)]  # type: ignore[valid-type]


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


P, C, V = Prospect, Contact, ShowroomVisit


class ProspectIn(Input):
    customer_id: Id
    grade: api_type(P, "grade")
    model_of_interest: api_type(P, "model_of_interest")
    source: SourceCode = "walk_in"
    budget_cents: api_type(P, "budget_cents") = None
    purchase_by: api_type(P, "purchase_by") = None
    competitors: api_type(P, "competitors") = ""
    owner_id: Id | None = None


class GradeIn(Input):
    grade: api_type(P, "grade")
    reason: api_type(GradeChange, "reason")


class ContactIn(Input):
    kind: api_type(C, "kind")
    notes: api_type(C, "notes") = ""
    result: api_type(C, "result") = ""
    next_step: api_type(C, "next_step") = ""
    contacted_on: api_type(C, "contacted_on") | None = None
    next_follow_up: api_type(P, "next_follow_up") | None = None


class OutcomeIn(Input):
    """``order``: deposit_cents and/or contract_number; ``delivered``: vin, make, model,
    price_cents (plate, reference optional); ``defeated``: competitor_make, competitor_model,
    reason (note optional; a manager approves)."""

    result: Literal["order", "delivered", "defeated"]
    deposit_cents: api_type(P, "deposit_cents") = None
    contract_number: api_type(P, "contract_number") = ""
    ordered_on: api_type(P, "ordered_on") = None
    vin: api_type(Vehicle, "vin", length=30) = ""
    plate: api_type(Vehicle, "plate", length=12) = ""
    make: api_type(Vehicle, "make") = ""
    model: api_type(Vehicle, "model") = ""
    price_cents: api_type(Transaction, "amount_cents") | None = None
    delivered_on: api_type(P, "delivered_on") = None
    reference: api_type(Transaction, "reference") = ""
    competitor_make: api_type(P, "defeat_make") = ""
    competitor_model: api_type(P, "defeat_model") = ""
    reason: api_type(P, "defeat_reason") = ""
    note: api_type(P, "defeat_note") = ""


class DecisionIn(Input):
    approve: StrictBool
    note: api_type(P, "defeat_decision_note") = ""


class TodayOut(Schema):
    date: dt.date
    overdue: list[ProspectOut] = Field(description="The most overdue first, at most 20; all of them in overdue_count.")
    due: list[ProspectOut] = Field(description="By grade, at most 20; all of them in due_count.")
    overdue_count: int
    due_count: int


class VisitIn(Input):
    arrived_at: api_type(V, "arrived_at") = Field(description="ISO 8601; without an offset, the dealer's local time.")
    left_at: api_type(V, "left_at") = None
    kind: api_type(V, "kind") = "walk_in"
    source: SourceCode = "walk_in"
    first_visit: api_type(V, "first_visit") = True
    party_size: api_type(V, "party_size") = 1
    model_of_interest: api_type(V, "model_of_interest") = ""
    outcome: api_type(V, "outcome") = "just_looking"
    customer_id: Id | None = None
    consultant_id: Id | None = None
    note: api_type(V, "note") = ""


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
@paginate(Page)
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


class CadenceIn(Input):
    dealer: api_type(Dealer, "code")
    grade: api_type(Cadence, "grade")
    days: api_type(Cadence, "days")


@router.get("/cadence", response=dict[str, int])
def get_cadence(request, dealer: api_type(Dealer, "code")):
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
@paginate(Page)
def list_visits(request, date: Day | None = None):
    """The walk-in / phone-in register in scope for one local day (default today), newest first."""
    return services.visits_on(request.user, date).order_by("-arrived_at", "-id")


@router.post("/visits", response={201: VisitOut})
def register_visit(request, payload: VisitIn):
    return Status(201, services.register_visit(actor=request.user, **payload.dict()))


CarePurpose = Literal[ContactPurpose.MAINTENANCE.value, ContactPurpose.PROMOTION.value]  # type: ignore[valid-type]


class CustomerContactIn(Input):
    """A contact that is not a prospect follow-up: ``maintenance`` (caring for an owner; the daily
    report's owners visited) or ``promotion`` (an invitation to an event or offer)."""

    kind: api_type(C, "kind")
    purpose: CarePurpose = ContactPurpose.MAINTENANCE.value
    notes: api_type(C, "notes") = ""
    result: api_type(C, "result") = ""
    contacted_on: api_type(C, "contacted_on") | None = None


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
