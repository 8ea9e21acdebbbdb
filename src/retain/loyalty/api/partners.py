"""Coalition partners and the points liability over JSON (issue 11, items 7 and 9). Thin: reads
through the doors, writes through the services, each write once per ``Idempotency-Key``.

- ``GET /api/v1/loyalty/partners`` (``view_liability``), ``POST /api/v1/loyalty/partners``
  (``manage_partners``);
- ``POST /api/v1/loyalty/partners/{id}/issue`` and ``.../accept`` ``{"customer_id", "points",
  "reference", "memo"?}``: the partner's movements (the dealer's managers, or the partner's
  agent), 201, 409 ``insufficient_points`` on an acceptance beyond the balance;
- ``GET /api/v1/loyalty/partners/{id}/settlements`` (the months), ``GET .../settlements/{YYYY-MM}``,
  ``POST .../settlements {"month"}`` (close a month, once: a second close is 422);
- ``GET /api/v1/loyalty/liability?dealer=&start=&end=``: month-ends per dealer and the totals."""

import datetime as dt
from typing import Annotated

from ninja import Query, Router, Schema
from pydantic import Field, Strict

from retain.bounds import Id, Input, Month, QueryId, api_type

from .. import liability
from ..models import MAX_POINTS, Partner, Transfer
from ..partners_access import access_partner, partners_in_scope
from ..services import partners
from .idempotent import respond
from .members import ErrorOut, Key, _written

router = Router(tags=["loyalty"])

Points = Annotated[int, Strict(), Field(ge=1, le=MAX_POINTS)]


class PartnerOut(Schema):
    id: int
    dealer_id: int
    name: str
    kind: str
    code: str
    issue_rate_cents: int
    accept_rate_cents: int
    active_from: dt.date
    active_until: dt.date | None
    balance: int = Field(description="The partner account's balance: points accepted minus points issued.")

    @staticmethod
    def resolve_dealer_id(obj):
        return obj.programme.dealer_id

    @staticmethod
    def resolve_balance(obj):
        return partners.account_of(obj, create=False).balance


class PartnerIn(Input):
    dealer_id: Id
    name: api_type(Partner, "name")
    kind: api_type(Partner, "kind")
    code: api_type(Partner, "code")
    issue_rate_cents: api_type(Partner, "issue_rate_cents")
    accept_rate_cents: api_type(Partner, "accept_rate_cents")
    active_from: api_type(Partner, "active_from")
    active_until: api_type(Partner, "active_until") = None


class MovementIn(Input):
    customer_id: Id
    points: Points
    reference: Annotated[str, Strict(), Field(min_length=1, max_length=partners.MAX_REFERENCE)]
    memo: api_type(Transfer, "memo") = ""


class CloseIn(Input):
    month: Month


class SettlementOut(Schema):
    month: str
    issued_points: int
    accepted_points: int
    transfers: int
    due_from_partner_cents: int
    due_to_partner_cents: int
    net_cents: int = Field(description="Due from the partner minus due to it: positive, the partner pays.")
    ledger_net_points: int = Field(description="The partner account's transfers in the month, credits minus debits.")
    balanced: bool = Field(description="ledger_net_points equals accepted minus issued (and a closed month's "
                                       "figures are still the ledger's).")
    closed: bool
    closed_at: dt.datetime | None
    settlement_id: int | None


class LiabilityRow(Schema):
    month: str
    dealer_id: int | None = None
    spendable: int
    pending: int
    reserved: int
    outstanding: int
    value_cents: int
    issued: int
    redeemed: int
    expired: int
    breakage_rate: float | None
    redemption_rate: float | None


class LiabilityOut(Schema):
    start: str
    end: str
    rows: list[LiabilityRow]
    totals: list[LiabilityRow]


class LiabilityQuery(Schema):
    dealer: QueryId | None = None
    start: Month | None = None
    end: Month | None = None


def _settlement(row: dict) -> dict:
    settled = row["settlement"]
    return {**{k: row[k] for k in ("issued_points", "accepted_points", "transfers", "due_from_partner_cents",
                                   "due_to_partner_cents", "net_cents", "ledger_net_points", "balanced")},
            "month": f"{row['month']:%Y-%m}", "closed": settled is not None,
            "closed_at": settled.closed_at if settled else None, "settlement_id": settled.pk if settled else None}


def _month_rows(rows: list[dict]) -> list[dict]:
    return [{**row, "month": f"{row['month']:%Y-%m}"} for row in rows]


@router.get("/loyalty/partners", response=list[PartnerOut])
def list_partners(request):
    """The coalition partners of the dealers in sight."""
    return list(partners_in_scope(request.user).order_by("programme__dealer__name", "name"))


@router.post("/loyalty/partners", response={201: PartnerOut, 422: ErrorOut})
def create_partner(request, payload: PartnerIn, idempotency_key: Key = None):
    """Add a coalition partner (and its points account) to a dealer's programme (managers)."""
    body = payload.dict()
    return respond(request, payload.model_dump(mode="json"), lambda: PartnerOut.from_orm(partners.create_partner(
        actor=request.user, **body)).model_dump(mode="json"))


def _movement(request, partner_id, payload, service):
    body = payload.dict()
    return respond(request, body, lambda: _written(service(
        actor=request.user, partner_id=partner_id, origin="api", **body), body["customer_id"]))


WRITE = {201: dict, 409: ErrorOut, 422: ErrorOut}


@router.post("/loyalty/partners/{int:partner_id}/issue", response=WRITE)
def issue(request, partner_id: int, payload: MovementIn, idempotency_key: Key = None):
    """The partner credits a member (a receipt ``reference`` earns once per partner)."""
    return _movement(request, partner_id, payload, partners.partner_issue)


@router.post("/loyalty/partners/{int:partner_id}/accept", response=WRITE)
def accept(request, partner_id: int, payload: MovementIn, idempotency_key: Key = None):
    """A member spends points at the partner; 409 ``insufficient_points`` beyond the spendable balance."""
    return _movement(request, partner_id, payload, partners.partner_accept)


@router.get("/loyalty/partners/{int:partner_id}/settlements", response=list[SettlementOut])
def list_settlements(request, partner_id: int):
    """The partner's months, newest first, closed or not."""
    partner = access_partner(request.user, partner_id)
    return [_settlement(row) for row in partners.history(partner)]


@router.get("/loyalty/partners/{int:partner_id}/settlements/{month}", response={200: SettlementOut, 422: ErrorOut})
def get_settlement(request, partner_id: int, month: str):
    """One month (``YYYY-MM``) of the partner."""
    partner = access_partner(request.user, partner_id)
    return _settlement(partners.settlement(partner, month))


@router.post("/loyalty/partners/{int:partner_id}/settlements", response={201: SettlementOut, 422: ErrorOut})
def close_month(request, partner_id: int, payload: CloseIn, idempotency_key: Key = None):
    """Close an ended month: the settlement is recorded once (a second close is 422)."""
    body = payload.dict()

    def write():
        made = partners.close_month(actor=request.user, partner_id=partner_id, month=body["month"])
        return SettlementOut(**_settlement(partners.settlement(made.partner, made.month))).model_dump(mode="json")

    return respond(request, body, write)


@router.get("/loyalty/liability", response={200: LiabilityOut, 422: ErrorOut})
def get_liability(request, query: Query[LiabilityQuery]):
    """Outstanding points (spendable + pending; reserved apart) and their value per dealer at each
    month-end, points issued, redeemed and expired in the month, and the breakage and redemption
    rates over the trailing twelve months; ``totals`` across the dealers."""
    found = liability.for_actor(request.user, dealer_id=query.dealer, start=query.start, end=query.end)
    return {"start": f"{found['start']:%Y-%m}", "end": f"{found['end']:%Y-%m}", "rows": _month_rows(found["rows"]),
            "totals": _month_rows(found["totals"])}

