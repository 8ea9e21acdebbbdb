"""Customers, their vehicles and transactions over JSON. Thin: every call goes through the
access door and the services; mobile numbers leave masked."""

import datetime as dt
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import StrictBool

from retain.bounds import Id, IdList, Input, Page, api_type, string
from retain.org.masking import mask_mobile
from retain.org.models import Dealer, Staff
from retain.org.policy import Action, allowed, dealers_in_scope, refusal

from . import services
from .access import access_customer, visible_customers
from .models import (
    Classification,
    ClassificationChange,
    Customer,
    CustomerKind,
    Gender,
    Source,
    Transaction,
    Vehicle,
)
from .recheck import NOTE_LENGTH
from .search import filter_customers

router = Router(tags=["customers"])

ClassificationCode = api_type(Customer, "classification")
Username = api_type(Staff, "username")
Code = api_type(Dealer, "code")


class CustomerOut(Schema):
    id: int
    kind: str
    name: str
    mobile: str = Field(description="Masked, e.g. 138****1234. Use the reveal endpoint to see it.")
    classification: str
    owner: str | None
    dealer: str
    city: str

    @staticmethod
    def resolve_mobile(obj):
        return mask_mobile(obj.mobile)

    @staticmethod
    def resolve_owner(obj):
        return obj.owner.username if obj.owner_id else None

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code


class CustomerDetail(CustomerOut):
    gender: str
    birthday: dt.date | None
    birthday_lunar: bool
    address: str
    email: str
    language: str = Field(description="Language of the customer's messages; empty: the dealer's default.")
    national_id: str = Field(description="Masked.")
    source: str
    classified_on: dt.date | None
    last_verified: dt.date | None = Field(description="The day the record was last confirmed with the customer; "
                                                      "null: never.")
    tags: list[str]
    status: str

    @staticmethod
    def resolve_national_id(obj):
        return obj.masked_national_id

    @staticmethod
    def resolve_tags(obj):
        return [t.name for t in obj.tags.all()]


C, V, T = Customer, Vehicle, Transaction


class CustomerCreate(Input):
    name: api_type(C, "name")
    mobile: api_type(C, "mobile", length=30) = Field(description="Any common format; stored in E.164.")
    kind: api_type(C, "kind") = CustomerKind.PERSON
    gender: api_type(C, "gender") = Gender.UNKNOWN
    birthday: api_type(C, "birthday") = None
    birthday_lunar: api_type(C, "birthday_lunar") = False
    city: api_type(C, "city") = ""
    address: api_type(C, "address") = ""
    email: api_type(C, "email") = ""
    language: api_type(C, "language") = ""
    national_id: api_type(C, "national_id", length=30) = ""
    source: api_type(C, "source") = Source.OTHER
    classification: api_type(C, "classification") = Classification.POTENTIAL
    dealer: Code | None = Field(None, description="Dealer code; defaults to the caller's dealer.")
    owner: Username | None = Field(None, description="Owner's username; consultants always own what they add.")
    confirm_duplicate: StrictBool = Field(False, description="Create even if the mobile is already on record.")


class CustomerUpdate(Input):
    """Only the fields sent change; a field sent as ``null`` is refused (send ``""`` to clear text)."""

    name: api_type(C, "name") = None
    mobile: api_type(C, "mobile", length=30) = None
    kind: api_type(C, "kind") = None
    gender: api_type(C, "gender") = None
    birthday: api_type(C, "birthday") = None
    birthday_lunar: api_type(C, "birthday_lunar") = None
    city: api_type(C, "city") = None
    address: api_type(C, "address") = None
    email: api_type(C, "email") = None
    language: api_type(C, "language") = None
    national_id: api_type(C, "national_id", length=30) = None
    source: api_type(C, "source") = None
    tags: Annotated[list[string(40)], Field(max_length=50)] = Field(None, description="Replaces the customer's tags.")
    confirm_duplicate: StrictBool = False


class VehicleIn(Input):
    vin: api_type(V, "vin", length=30) = Field(description="17 characters, no I, O or Q.")
    make: api_type(V, "make")
    model: api_type(V, "model")
    plate: api_type(V, "plate", length=12) = ""
    purchase_date: api_type(V, "purchase_date") = None
    sold_by_us: api_type(V, "sold_by_us") = False
    mileage_km: api_type(V, "mileage_km") = None
    insurance_expiry: api_type(V, "insurance_expiry") = None


class VehicleOut(Schema):
    id: int
    vin: str
    plate: str
    make: str
    model: str
    purchase_date: dt.date | None
    sold_by_us: bool
    mileage_km: int | None
    insurance_expiry: dt.date | None


class TransactionIn(Input):
    kind: api_type(T, "kind")
    date: api_type(T, "date")
    amount_cents: api_type(T, "amount_cents") = Field(description="Amount in integer cents (fen).")
    reference: api_type(T, "reference") = ""
    vehicle_id: Id | None = None
    mileage_km: api_type(T, "mileage_km") = Field(None, description="The odometer when the car came in.")


class TransactionOut(Schema):
    id: int
    kind: str
    date: dt.date
    amount_cents: int
    reference: str
    vehicle_id: int | None
    mileage_km: int | None
    dealer: str

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code


class RevealIn(Input):
    field: Literal["mobile", "national_id"] = "mobile"
    reason: string(200)


class RevealOut(Schema):
    field: str
    value: str


class ClassificationIn(Input):
    classification: api_type(ClassificationChange, "to_class")
    reason: api_type(ClassificationChange, "reason")


class VerifyIn(Input):
    note: string(NOTE_LENGTH) = Field("", description="How the record was checked, e.g. by phone.")


class MergeIn(Input):
    survivor_id: Id
    duplicate_id: Id
    note: string(500) = ""


class ReassignIn(Input):
    from_owner: Username
    to_owners: Annotated[list[Username], Field(min_length=1, max_length=50)]
    note: Annotated[string(500), Field(min_length=1)]
    customer_ids: IdList | None = None


def _staff_id(actor, username: str | None, field: str, action: str = Action.VIEW):
    """The staff member with this username at a dealer in the actor's scope. Someone outside the
    scope gets the same answer as a name nobody has: the API does not confirm who exists."""
    if username is None:
        return None
    staff = Staff.objects.filter(username=username, dealer__in=dealers_in_scope(actor, action)).first()
    if staff is None:
        raise ValidationError({field: _("No staff member “%(name)s”.") % {"name": username}})
    return staff.pk


def _dealer_id(actor, code: str | None, action: str = Action.VIEW):
    """The dealer with this code in the actor's scope; one outside it answers like an unknown code."""
    if code is None:
        return None
    dealer = dealers_in_scope(actor, action).filter(code=code).first()
    if dealer is None:
        raise ValidationError({"dealer": _("No dealer with code “%(code)s”.") % {"code": code}})
    return dealer.pk


@router.get("/customers", response=list[CustomerOut])
@paginate(Page)
def list_customers(request, q: string(100) = "", classification: ClassificationCode | None = None,
                   owner: Username | None = None, dealer: Code | None = None, tag: string(40) | None = None):
    """Customers the caller may see, newest first; `q` searches name, mobile (or its last digits), plate and VIN."""
    customers = filter_customers(
        visible_customers(request.user), q=q, classification=classification or "",
        owner="none" if owner == "none" else _staff_id(request.user, owner, "owner"),
        dealer=_dealer_id(request.user, dealer), tag=tag,
    )
    return customers.select_related("owner", "dealer")


@router.get("/customers/{int:customer_id}", response=CustomerDetail)
def get_customer(request, customer_id: int):
    """One customer's profile (personal data masked)."""
    return access_customer(request.user, customer_id)


@router.post("/customers", response={201: CustomerDetail})
def create_customer(request, payload: CustomerCreate):
    """Add a customer; only name and mobile are required. A duplicate mobile answers 422 unless confirmed."""
    if not allowed(request.user, Action.CREATE):  # refused before the names are looked up in the scope
        raise PermissionDenied(refusal(Action.CREATE))
    data = payload.dict(exclude={"dealer", "owner", "confirm_duplicate", "classification"}, exclude_unset=True)
    data.setdefault("name", payload.name)
    data.setdefault("mobile", payload.mobile)
    customer = services.create_customer(
        actor=request.user, dealer_id=_dealer_id(request.user, payload.dealer, Action.CREATE),
        owner_id=_staff_id(request.user, payload.owner, "owner", Action.CREATE),
        classification=payload.classification, confirm_duplicate=payload.confirm_duplicate, **data,
    )
    return Status(201, access_customer(request.user, customer.pk))


@router.patch("/customers/{int:customer_id}", response=CustomerDetail)
def update_customer(request, customer_id: int, payload: CustomerUpdate):
    """Change profile fields; only the fields sent are changed."""
    changes = payload.dict(exclude={"confirm_duplicate", "tags"}, exclude_unset=True)
    with transaction.atomic():
        services.update_customer(actor=request.user, customer_id=customer_id,
                                 confirm_duplicate=payload.confirm_duplicate, **changes)
        if payload.tags is not None:
            services.set_tags(actor=request.user, customer_id=customer_id, names=payload.tags)
    return access_customer(request.user, customer_id)


@router.post("/customers/{int:customer_id}/classification", response=CustomerDetail)
def classify_customer(request, customer_id: int, payload: ClassificationIn):
    """Move the customer to another class, with the reason."""
    services.change_classification(actor=request.user, customer_id=customer_id,
                                   to=payload.classification, reason=payload.reason)
    return access_customer(request.user, customer_id)


@router.post("/customers/{int:customer_id}/reveal", response=RevealOut)
def reveal(request, customer_id: int, payload: RevealIn):
    """See one personal field unmasked; needs the reveal permission and a reason, and is audit-logged."""
    value = services.reveal(actor=request.user, customer_id=customer_id, field=payload.field, reason=payload.reason)
    return {"field": payload.field, "value": value}


@router.post("/customers/{int:customer_id}/verify", response=CustomerDetail)
def verify_customer(request, customer_id: int, payload: VerifyIn):
    """Record that the customer's record was checked with them today (the base re-check); audit-logged."""
    services.verify_customer(actor=request.user, customer_id=customer_id, note=payload.note)
    return access_customer(request.user, customer_id)


@router.get("/customers/{int:customer_id}/vehicles", response=list[VehicleOut])
def list_vehicles(request, customer_id: int):
    """The customer's vehicles."""
    return access_customer(request.user, customer_id).vehicles.all()


@router.post("/customers/{int:customer_id}/vehicles", response={201: VehicleOut})
def add_vehicle(request, customer_id: int, payload: VehicleIn):
    """Add a vehicle (VIN: 17 characters, no I/O/Q)."""
    return Status(201, services.add_vehicle(actor=request.user, customer_id=customer_id, **payload.dict()))


@router.get("/customers/{int:customer_id}/transactions", response=list[TransactionOut])
def list_transactions(request, customer_id: int):
    """The customer's transactions, newest first."""
    return access_customer(request.user, customer_id).transactions.select_related("dealer")


@router.post("/customers/{int:customer_id}/transactions", response={201: TransactionOut})
def add_transaction(request, customer_id: int, payload: TransactionIn):
    """Record a transaction; the amount is in integer cents."""
    return Status(201, services.add_transaction(actor=request.user, customer_id=customer_id, **payload.dict()))


@router.post("/customers/merge", response=CustomerDetail)
def merge(request, payload: MergeIn):
    """Merge a duplicate into the survivor."""
    survivor = services.merge_customers(actor=request.user, survivor_id=payload.survivor_id,
                                        duplicate_id=payload.duplicate_id, note=payload.note)
    return access_customer(request.user, survivor.pk)


@router.post("/portfolios/reassign", response=dict[str, list[int]])
def reassign(request, payload: ReassignIn):
    """Move a consultant's customers (all or the listed ones) round-robin to colleagues."""
    if not allowed(request.user, Action.REASSIGN):
        raise PermissionDenied(refusal(Action.REASSIGN))
    plan = services.reassign_portfolio(
        actor=request.user, from_owner_id=_staff_id(request.user, payload.from_owner, "from_owner", Action.REASSIGN),
        to_owner_ids=[_staff_id(request.user, u, "to_owners", Action.REASSIGN) for u in payload.to_owners],
        note=payload.note, customer_ids=payload.customer_ids,
    )
    usernames = dict(Staff.objects.filter(pk__in=plan).values_list("pk", "username"))
    return {usernames[pk]: ids for pk, ids in plan.items()}
