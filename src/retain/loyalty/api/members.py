"""Members' points over JSON (issue 11, item 11). Thin: reads through the door, writes through the
services, each write once per ``Idempotency-Key`` (``idempotent.respond``). A customer outside the
caller's sight is 404, whatever the operation.

- ``GET /api/v1/loyalty/members/{customer_id}`` -> ``{"balance", "pending", "reserved", "tier",
  "qualifying_points"}``;
- ``GET /api/v1/loyalty/members/{customer_id}/entries``: the member's movements, newest first, paged;
- ``POST .../earn {"points", "memo"?, "pending"?}``, ``POST .../redeem {"points", "reward_id"?,
  "memo"?}`` (409 ``insufficient_points``), ``POST .../adjust {"points", "reason"}`` (managers;
  positive or negative), ``POST .../reservations {"points", "reward_id"?, "memo"?}``,
  ``POST .../transfer {"to_customer_id", "points", "reason"}``: 201 with the transfer and the
  member's balances after it;
- ``POST /api/v1/loyalty/reservations/{id}/post``, ``POST .../release {"reason"}`` (409
  ``reservation_settled`` if it was posted or released before, ``reservation_timed_out`` if it
  timed out: posting it after its ``held_until``, or anything once the job voided it),
  ``POST /api/v1/loyalty/pending/{id}/activate``, ``POST .../void {"reason"}``,
  ``POST /api/v1/loyalty/transfers/{id}/reverse {"reason"}``.
"""

import datetime as dt
from typing import Annotated

from django.db.models import Q, Sum, Value
from ninja import Header, Router, Schema
from ninja.pagination import paginate
from pydantic import Field, Strict

from retain.bounds import Id, Input, Page, api_type, string
from retain.org.policy import Action

from .. import balances
from ..access import access_member
from ..models import MAX_POINTS, Account, AccountKind, Transfer
from ..services import pending, points, reservations
from ..services.reverse import reverse
from .idempotent import HEADER, respond

router = Router(tags=["loyalty"])

Points = Annotated[int, Strict(), Field(ge=1, le=MAX_POINTS)]
SignedPoints = Annotated[int, Strict(), Field(ge=-MAX_POINTS, le=MAX_POINTS)]
Memo = api_type(Transfer, "memo")
Reason = string(10_000)
Key = Annotated[str | None, Header(None, alias=HEADER, description="A new random text per write (at most 255 "
                                   "characters); sent again with the same body, the first answer is replayed.")]


class MemberOut(Schema):
    customer_id: int
    balance: int
    pending: int
    reserved: int
    tier: str | None
    qualifying_points: int = Field(description="Points earned from purchases and events in the last 12 months "
                                   "(what the tier rests on; not the spendable balance).")
    tier_since: dt.date | None
    member_since: dt.date | None = Field(description="The membership anniversary: a tier is lowered only after it.")
    next_tier: str | None
    points_to_next_tier: int | None


class EntryOut(Schema):
    """One movement as the member sees it (``viewer``: the member's customer id, annotated)."""

    id: int
    kind: str
    points: int
    change: int = Field(description="What this movement did to the member's spendable balance.")
    debit: str
    credit: str
    memo: str
    at: dt.datetime
    by: str | None
    available_on: dt.date | None
    held_until: dt.datetime | None = Field(description="A reservation made without a voucher: when it times out "
                                           "(not redeemable from then; the daily job loyalty.release_stale "
                                           "then releases it). None for other movements.")
    reverses_id: int | None
    settles_id: int | None

    @staticmethod
    def resolve_points(obj):
        return obj.amount

    @staticmethod
    def resolve_at(obj):
        return obj.created_at

    @staticmethod
    def resolve_change(obj):
        change = 0
        if obj.credit.kind == AccountKind.MEMBER and obj.credit.customer_id == obj.viewer:
            change += obj.amount
        if obj.debit.kind == AccountKind.MEMBER and obj.debit.customer_id == obj.viewer:
            change -= obj.amount
        return change

    @staticmethod
    def _side(account, viewer):
        return account.kind if account.customer_id in (viewer, None) else "other_member"

    @staticmethod
    def resolve_debit(obj):
        return EntryOut._side(obj.debit, obj.viewer)

    @staticmethod
    def resolve_credit(obj):
        return EntryOut._side(obj.credit, obj.viewer)

    @staticmethod
    def resolve_by(obj):
        return obj.actor.display_name if obj.actor_id else None


class BalancesOut(Schema):
    customer_id: int
    balance: int
    pending: int
    reserved: int


class WrittenOut(Schema):
    transfer: EntryOut
    member: BalancesOut


class ErrorOut(Schema):
    detail: list[dict]


class EarnIn(Input):
    points: Points
    memo: Memo = ""
    pending: Annotated[bool, Strict()] | None = None


class RedeemIn(Input):
    points: Points
    reward_id: Id | None = None
    memo: Memo = ""


class AdjustIn(Input):
    points: SignedPoints
    reason: Reason


class TransferIn(Input):
    to_customer_id: Id
    points: Points
    reason: Reason


class ReasonIn(Input):
    reason: Reason


class EmptyIn(Input):
    pass


def _member(customer_id: int) -> dict:
    return {"customer_id": customer_id, **balances.of(customer_id)}


def _entries(customer_id: int):
    return (Transfer.objects.filter(Q(debit__customer_id=customer_id) | Q(credit__customer_id=customer_id))
            .annotate(viewer=Value(customer_id)).select_related("debit", "credit", "actor"))


def _written(made: Transfer, customer_id: int) -> dict:
    """The answer to a write: the transfer as the member sees it and their balances after it, read
    inside the write's transaction (the member's accounts are still locked)."""
    made.viewer = customer_id
    entry = EntryOut.from_orm(made).model_dump(mode="json")
    held = dict(Account.objects.filter(customer_id=customer_id).values_list("kind").annotate(n=Sum("balance")))
    member = {"customer_id": customer_id, "balance": held.get(AccountKind.MEMBER, 0),
              "pending": held.get(AccountKind.PENDING, 0), "reserved": held.get(AccountKind.HOLD, 0)}
    return {"transfer": entry, "member": member}


WRITE = {201: WrittenOut, 409: ErrorOut}


@router.get("/loyalty/members/{int:customer_id}", response=MemberOut)
def get_member(request, customer_id: int):
    """A member's spendable, pending and reserved points, and the qualifying points tiers will read."""
    customer = access_member(request.user, customer_id, Action.VIEW_POINTS)
    return _member(customer.pk)


@router.get("/loyalty/members/{int:customer_id}/entries", response=list[EntryOut])
@paginate(Page)
def list_entries(request, customer_id: int):
    """The member's movements, newest first."""
    customer = access_member(request.user, customer_id, Action.VIEW_POINTS)
    return _entries(customer.pk).order_by("-id")


def _member_write(request, customer_id: int, payload, service):
    """One write on a member: the service called with the body, once per idempotency key."""
    body = payload.dict()
    return respond(request, body, lambda: _written(service(
        actor=request.user, customer_id=customer_id, origin="api", **body), customer_id))


@router.post("/loyalty/members/{int:customer_id}/earn", response=WRITE)
def earn(request, customer_id: int, payload: EarnIn, idempotency_key: Key = None):
    """Credit points earned at the desk (pending through the returns window unless ``pending`` is false)."""
    return _member_write(request, customer_id, payload, points.earn)


class RedeemOut(WrittenOut):
    voucher: dict | None = Field(None, description="With ``reward_id``: the voucher issued (its code, status, "
                                 "last day), as ``GET /api/v1/loyalty/vouchers/{code}`` answers it.")


def _order(request, customer_id: int, body: dict) -> dict:
    from ..services import rewards
    from .rewards import voucher_json

    voucher = rewards.order(actor=request.user, customer_id=customer_id, reward_id=body["reward_id"],
                            points=body["points"], origin="api")
    return {**_written(voucher.reservation, customer_id), "voucher": voucher_json(voucher)}


@router.post("/loyalty/members/{int:customer_id}/redeem", response={201: RedeemOut, 409: ErrorOut})
def redeem(request, customer_id: int, payload: RedeemIn, idempotency_key: Key = None):
    """Spend points at once; 409 ``insufficient_points`` beyond the spendable balance. With
    ``reward_id``, order that reward instead (``points`` must be its cost): the points are
    reserved, one is taken from stock and a voucher issued (409 ``out_of_stock``,
    ``limit_reached``); the voucher is handed over or cancelled by its code. ``memo`` is not used
    for an order (the reservation is memoed with the reward's name)."""
    if payload.reward_id is not None:
        body = payload.dict()
        return respond(request, body, lambda: _order(request, customer_id, body))
    return _member_write(request, customer_id, payload, points.redeem)


@router.post("/loyalty/members/{int:customer_id}/adjust", response=WRITE)
def adjust(request, customer_id: int, payload: AdjustIn, idempotency_key: Key = None):
    """A manager's correction, positive or negative, with a reason."""
    return _member_write(request, customer_id, payload, points.adjust)


@router.post("/loyalty/members/{int:customer_id}/transfer", response=WRITE)
def transfer(request, customer_id: int, payload: TransferIn, idempotency_key: Key = None):
    """Move spendable points to another member of the same programme (managers)."""
    return _member_write(request, customer_id, payload, points.transfer)


@router.post("/loyalty/members/{int:customer_id}/reservations", response=WRITE)
def reserve(request, customer_id: int, payload: RedeemIn, idempotency_key: Key = None):
    """Reserve points for a reward ordered (no longer spendable); post or release it later. It is
    held until ``transfer.held_until`` (the programme's ``reservation_hours`` from now): not posted
    after it, and released by the daily job ``loyalty.release_stale``."""
    return _member_write(request, customer_id, payload, reservations.reserve)


def _settled(made: Transfer) -> dict:
    customer_id = made.debit.customer_id or made.credit.customer_id
    return _written(made, customer_id)


@router.post("/loyalty/reservations/{int:transfer_id}/post", response=WRITE)
def post_reservation(request, transfer_id: int, payload: EmptyIn, idempotency_key: Key = None):
    """The reward was handed over: the reserved points are redeemed (once; 409 ``reservation_settled``,
    or ``reservation_timed_out`` from its ``held_until`` on)."""
    return respond(request, payload.dict(), lambda: _settled(reservations.post(
        actor=request.user, transfer_id=transfer_id, origin="api")))


@router.post("/loyalty/reservations/{int:transfer_id}/release", response=WRITE)
def release_reservation(request, transfer_id: int, payload: ReasonIn, idempotency_key: Key = None):
    """The order was cancelled: the reserved points return to the member (once; 409
    ``reservation_settled``, or ``reservation_timed_out`` once the job released it)."""
    body = payload.dict()
    return respond(request, body, lambda: _settled(reservations.release(
        actor=request.user, transfer_id=transfer_id, origin="api", **body)))


@router.post("/loyalty/pending/{int:transfer_id}/activate", response=WRITE)
def activate(request, transfer_id: int, payload: EmptyIn, idempotency_key: Key = None):
    """Make pending points spendable now, before their day (once)."""
    return respond(request, payload.dict(), lambda: _settled(pending.activate(
        actor=request.user, transfer_id=transfer_id, origin="api")))


@router.post("/loyalty/pending/{int:transfer_id}/void", response=WRITE)
def void(request, transfer_id: int, payload: ReasonIn, idempotency_key: Key = None):
    """Take pending points back (the purchase was returned), once."""
    body = payload.dict()
    return respond(request, body, lambda: _settled(pending.void(
        actor=request.user, transfer_id=transfer_id, origin="api", **body)))


@router.post("/loyalty/transfers/{int:transfer_id}/reverse", response=WRITE)
def reverse_transfer(request, transfer_id: int, payload: ReasonIn, idempotency_key: Key = None):
    """Reverse a transfer with a reason (managers): a new transfer the other way, once."""
    body = payload.dict()
    return respond(request, body, lambda: _settled(reverse(
        actor=request.user, transfer_id=transfer_id, origin="api", **body)))
