"""Customers, their vehicles and transactions over JSON. Thin: every call goes through the
access door and the services; mobile numbers leave masked."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from retain.org.masking import mask_mobile
from retain.org.models import Dealer, Staff

from . import services
from .access import access_customer, visible_customers
from .models import Classification, CustomerKind, Gender, Source, TransactionKind
from .search import filter_customers

router = Router(tags=["customers"])

ClassificationCode = Literal[tuple(Classification.values)]  # type: ignore[valid-type]
SourceCode = Literal[tuple(Source.values)]  # type: ignore[valid-type]
KindCode = Literal[tuple(CustomerKind.values)]  # type: ignore[valid-type]
GenderCode = Literal[tuple(Gender.values)]  # type: ignore[valid-type]
TransactionKindCode = Literal[tuple(TransactionKind.values)]  # type: ignore[valid-type]


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
    address: str
    national_id: str = Field(description="Masked.")
    source: str
    classified_on: dt.date | None
    tags: list[str]
    status: str

    @staticmethod
    def resolve_national_id(obj):
        return obj.masked_national_id

    @staticmethod
    def resolve_tags(obj):
        return [t.name for t in obj.tags.all()]


class CustomerCreate(Schema):
    name: str = Field(max_length=100)
    mobile: str = Field(max_length=30)
    kind: KindCode = CustomerKind.PERSON
    gender: GenderCode = Gender.UNKNOWN
    birthday: dt.date | None = None
    city: str = Field("", max_length=50)
    address: str = Field("", max_length=200)
    national_id: str = Field("", max_length=30)
    source: SourceCode = Source.OTHER
    classification: ClassificationCode = Classification.POTENTIAL
    dealer: str | None = Field(None, description="Dealer code; defaults to the caller's dealer.")
    owner: str | None = Field(None, description="Owner's username; consultants always own what they add.")
    confirm_duplicate: bool = Field(False, description="Create even if the mobile is already on record.")


class CustomerUpdate(Schema):
    name: str | None = Field(None, max_length=100)
    mobile: str | None = Field(None, max_length=30)
    kind: KindCode | None = None
    gender: GenderCode | None = None
    birthday: dt.date | None = None
    city: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=200)
    national_id: str | None = Field(None, max_length=30)
    source: SourceCode | None = None
    tags: list[str] | None = Field(None, description="Replaces the customer's tags.")
    confirm_duplicate: bool = False


class VehicleIn(Schema):
    vin: str = Field(max_length=30)
    make: str = Field(max_length=40)
    model: str = Field(max_length=60)
    plate: str = Field("", max_length=12)
    purchase_date: dt.date | None = None
    sold_by_us: bool = False
    mileage_km: int | None = Field(None, ge=0)
    insurance_expiry: dt.date | None = None


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


class TransactionIn(Schema):
    kind: TransactionKindCode
    date: dt.date
    amount_cents: int = Field(ge=0, description="Amount in integer cents (fen).")
    reference: str = Field("", max_length=40)
    vehicle_id: int | None = None


class TransactionOut(Schema):
    id: int
    kind: str
    date: dt.date
    amount_cents: int
    reference: str
    vehicle_id: int | None
    dealer: str

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code


class RevealIn(Schema):
    field: Literal["mobile", "national_id"] = "mobile"
    reason: str = Field(max_length=200)


class RevealOut(Schema):
    field: str
    value: str


class ClassificationIn(Schema):
    classification: ClassificationCode
    reason: str = Field(max_length=200)


class MergeIn(Schema):
    survivor_id: int
    duplicate_id: int
    note: str = Field("", max_length=500)


class ReassignIn(Schema):
    from_owner: str
    to_owners: list[str] = Field(min_length=1)
    note: str = Field(min_length=1, max_length=500)
    customer_ids: list[int] | None = None


def _staff_id(username: str | None, field: str):
    if username is None:
        return None
    staff = Staff.objects.filter(username=username).first()
    if staff is None:
        raise ValidationError({field: _("No staff member “%(name)s”.") % {"name": username}})
    return staff.pk


def _dealer_id(code: str | None):
    if code is None:
        return None
    dealer = Dealer.objects.filter(code=code).first()
    if dealer is None:
        raise ValidationError({"dealer": _("No dealer with code “%(code)s”.") % {"code": code}})
    return dealer.pk


@router.get("/customers", response=list[CustomerOut])
@paginate(LimitOffsetPagination)
def list_customers(request, q: str = "", classification: ClassificationCode | None = None,
                   owner: str | None = None, dealer: str | None = None, tag: str | None = None):
    """Customers the caller may see, newest first; `q` searches name, mobile (or its last digits), plate and VIN."""
    customers = filter_customers(
        visible_customers(request.user), q=q, classification=classification or "",
        owner="none" if owner == "none" else _staff_id(owner, "owner"), dealer=_dealer_id(dealer), tag=tag,
    )
    return customers.select_related("owner", "dealer")


@router.get("/customers/{int:customer_id}", response=CustomerDetail)
def get_customer(request, customer_id: int):
    """One customer's profile (personal data masked)."""
    return access_customer(request.user, customer_id)


@router.post("/customers", response={201: CustomerDetail})
def create_customer(request, payload: CustomerCreate):
    """Add a customer; only name and mobile are required. A duplicate mobile answers 422 unless confirmed."""
    data = payload.dict(exclude={"dealer", "owner", "confirm_duplicate", "classification"}, exclude_unset=True)
    data.setdefault("name", payload.name)
    data.setdefault("mobile", payload.mobile)
    customer = services.create_customer(
        actor=request.user, dealer_id=_dealer_id(payload.dealer), owner_id=_staff_id(payload.owner, "owner"),
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
    plan = services.reassign_portfolio(
        actor=request.user, from_owner_id=_staff_id(payload.from_owner, "from_owner"),
        to_owner_ids=[_staff_id(u, "to_owners") for u in payload.to_owners],
        note=payload.note, customer_ids=payload.customer_ids,
    )
    usernames = dict(Staff.objects.filter(pk__in=plan).values_list("pk", "username"))
    return {usernames[pk]: ids for pk, ids in plan.items()}
