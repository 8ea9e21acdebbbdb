"""Coalition partners and the points liability over JSON (issue 11, items 7 and 9). Thin: reads
through the doors, writes through the services, each write once per ``Idempotency-Key``.

- ``GET /api/v1/loyalty/partners`` (``view_liability``), ``POST /api/v1/loyalty/partners``
  (``manage_partners``), ``PATCH /api/v1/loyalty/partners/{id}`` (``manage_partners``: the fields
  sent change; the code only while the partner has no movement);
- ``POST /api/v1/loyalty/partners/{id}/issue`` and ``.../accept`` ``{"customer_id", "points",
  "reference", "memo"?}``: the partner's movements (the dealer's managers, or the partner's
  agent), 201, 409 ``insufficient_points`` on an acceptance beyond the balance;
- ``GET /api/v1/loyalty/partners/{id}/movements`` (``view_liability``, paged, newest first) and
  ``POST .../movements/{transfer_id}/reverse {"reason"}`` (``reverse_partner_movements``, never
  the partner's agent): 201, 409 ``insufficient_points`` (an issue whose points were spent) or
  ``already_reversed``;
- ``GET /api/v1/loyalty/partners/{id}/settlements`` (the months), ``GET .../settlements/{YYYY-MM}``,
  ``POST .../settlements {"month"}`` (close a month, once: a second close is 422);
- ``GET /api/v1/loyalty/liability?dealer=&start=&end=``: month-ends per dealer and the totals."""

import datetime as dt
from typing import Annotated

from ninja import Query, Router, Schema
from ninja.pagination import paginate
from pydantic import Field, Strict

from retain.bounds import Id, Input, Month, Page, QueryId, api_type
from retain.org.policy import Action

from .. import liability
from ..models import MAX_POINTS, Partner, Transfer
from ..partners_access import access_partner, partners_in_scope
from ..services import partner_reversal, partners
from .idempotent import respond
from .members import ErrorOut, Key, ReasonIn, _settled, _written

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
    agent_id: int | None = Field(description="The staff account the partner's till calls the API as.")
    agent: str | None = Field(description="Its name (family name first).")
    balance: int = Field(description="The partner account's balance: points accepted minus points issued.")

    @staticmethod
    def resolve_dealer_id(obj):
        return obj.programme.dealer_id

    @staticmethod
    def resolve_agent(obj):
        return obj.agent.display_name if obj.agent_id else None

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
    agent_id: Id | None = None


class PartnerPatch(Input):
    """The fields sent change, the rest stay; ``active_until`` and ``agent_id`` may be sent as
    null (no end, no API caller)."""

    name: api_type(Partner, "name") = None
    kind: api_type(Partner, "kind") = None
    code: api_type(Partner, "code") = None
    issue_rate_cents: api_type(Partner, "issue_rate_cents") = None
    accept_rate_cents: api_type(Partner, "accept_rate_cents") = None
    active_from: api_type(Partner, "active_from") = None
    active_until: api_type(Partner, "active_until") = None
    agent_id: Id | None = None


class MovementOut(Schema):
    id: int
    direction: str = Field(description="issue (the partner credited the member) or accept (the member spent there).")
    customer_id: int
    points: int
    reference: str
    memo: str
    at: dt.datetime
    by: str | None
    origin: str
    reversal_id: int | None = Field(description="The transfer that reversed this movement, if any.")
    reversed_at: dt.datetime | None


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
    issued_reversed_points: int = Field(description="Issues reversed in the month (of this month or an earlier one).")
    accepted_reversed_points: int = Field(description="Acceptances reversed in the month.")
    net_issued_points: int = Field(description="Issued less issues reversed: what the partner pays for.")
    net_accepted_points: int = Field(description="Accepted less acceptances reversed: what it is paid for.")
    transfers: int = Field(description="Movements and reversals in the month.")
    due_from_partner_cents: int
    due_to_partner_cents: int
    net_cents: int = Field(description="Due from the partner minus due to it: positive, the partner pays.")
    ledger_net_points: int = Field(description="The partner account's transfers in the month, credits minus debits.")
    balanced: bool = Field(description="ledger_net_points equals net accepted minus net issued (and a closed "
                                       "month's figures are still the ledger's).")
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
    return {**{k: row[k] for k in ("issued_points", "accepted_points", "issued_reversed_points",
                                   "accepted_reversed_points", "net_issued_points", "net_accepted_points",
                                   "transfers", "due_from_partner_cents", "due_to_partner_cents", "net_cents",
                                   "ledger_net_points", "balanced")},
            "month": f"{row['month']:%Y-%m}", "closed": settled is not None,
            "closed_at": settled.closed_at if settled else None, "settlement_id": settled.pk if settled else None}


def _month_rows(rows: list[dict]) -> list[dict]:
    return [{**row, "month": f"{row['month']:%Y-%m}"} for row in rows]


@router.get("/loyalty/partners", response=list[PartnerOut])
def list_partners(request):
    """The coalition partners of the dealers in sight."""
    return list(partners_in_scope(request.user).select_related("agent").order_by("programme__dealer__name", "name"))


@router.post("/loyalty/partners", response={201: PartnerOut, 422: ErrorOut})
def create_partner(request, payload: PartnerIn, idempotency_key: Key = None):
    """Add a coalition partner (and its points account) to a dealer's programme (managers)."""
    body = payload.dict()
    return respond(request, payload.model_dump(mode="json"), lambda: PartnerOut.from_orm(partners.create_partner(
        actor=request.user, **body)).model_dump(mode="json"))


@router.patch("/loyalty/partners/{int:partner_id}", response={200: PartnerOut, 422: ErrorOut})
def update_partner(request, partner_id: int, payload: PartnerPatch):
    """Change a partner (managers): the fields sent; the code only while it has no movement."""
    partners.update_partner(actor=request.user, partner_id=partner_id, **payload.dict(exclude_unset=True))
    return access_partner(request.user, partner_id, Action.MANAGE_PARTNERS)


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


def _movement_out(transfer: Transfer, reversal: Transfer | None) -> dict:
    side = transfer.credit if partner_reversal.direction(transfer) == partner_reversal.ISSUE else transfer.debit
    return {"id": transfer.pk, "direction": partner_reversal.direction(transfer), "customer_id": side.customer_id,
            "points": transfer.amount, "reference": partner_reversal.reference(transfer), "memo": transfer.memo,
            "at": transfer.created_at, "by": transfer.actor.display_name if transfer.actor_id else None,
            "origin": transfer.origin, "reversal_id": reversal.pk if reversal else None,
            "reversed_at": reversal.created_at if reversal else None}


class _MovementPage:
    """The movements sliced by the pager, then shaped with their reversals (one query a page)."""

    def __init__(self, queryset):
        self.queryset = queryset

    def __len__(self):
        return self.queryset.count()

    def __getitem__(self, window):
        rows = list(self.queryset[window])
        found = partner_reversal.reversals(rows)
        return [_movement_out(row, found.get(row.pk)) for row in rows]


@router.get("/loyalty/partners/{int:partner_id}/movements", response=list[MovementOut])
@paginate(Page)
def list_movements(request, partner_id: int):
    """The partner's movements, newest first, each with its reversal if it was reversed."""
    return _MovementPage(partner_reversal.movements(access_partner(request.user, partner_id)))


@router.post("/loyalty/partners/{int:partner_id}/movements/{int:transfer_id}/reverse", response=WRITE)
def reverse_movement(request, partner_id: int, transfer_id: int, payload: ReasonIn, idempotency_key: Key = None):
    """Reverse the partner's movement with a reason (the dealer's managers, never the partner's
    agent), once: 409 ``already_reversed``, or ``insufficient_points`` if the member spent an issue's points."""
    body = payload.dict()
    return respond(request, body, lambda: _settled(partner_reversal.reverse_partner_movement(
        actor=request.user, partner_id=partner_id, transfer_id=transfer_id, origin="api", **body)))


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

