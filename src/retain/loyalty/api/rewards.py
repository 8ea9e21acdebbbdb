"""The rewards catalogue and vouchers over JSON (issue 11, items 4 and 11). Thin: reads through the
doors, writes through ``services.rewards``, each write once per ``Idempotency-Key``.

- ``GET /api/v1/loyalty/rewards?dealer_id=&orderable=``: a dealer's catalogue (those the caller
  serves members of; 404 outside);
- ``GET /api/v1/loyalty/vouchers/{code}``: one voucher (404 unknown or out of sight, 422 a
  malformed code or a typo: ``bad_check_character``);
- ``POST /api/v1/loyalty/vouchers/{code}/use {}``: handed over at the desk (200; 409
  ``voucher_used`` with when and by whom, 409 ``voucher_closed`` if cancelled or expired);
- ``POST /api/v1/loyalty/vouchers/{code}/cancel {"reason"}``: the points and the stock back (200);
- ordering is ``POST /api/v1/loyalty/members/{id}/redeem {"points", "reward_id"}`` (``members.py``).
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import JsonResponse
from ninja import Router, Schema
from ninja.pagination import paginate

from retain.bounds import Input, Page, string

from ..models import Voucher
from ..services import codes, rewards
from .idempotent import answer_for, respond
from .members import EmptyIn, ErrorOut, Key

router = Router(tags=["loyalty"])


class RewardOut(Schema):
    id: int
    dealer_id: int
    name: str
    description: str
    kind: str
    points: int
    stock: int | None
    member_limit: int | None
    limit_period: str
    valid_days: int
    active: bool
    valid_from: dt.date | None
    valid_until: dt.date | None

    @staticmethod
    def resolve_dealer_id(obj):
        return obj.programme.dealer_id


class VoucherOut(Schema):
    code: str
    printed: str
    reward_id: int
    reward: str
    customer_id: int
    points: int
    status: str
    ordered_at: dt.datetime
    expires_on: dt.date
    closed_at: dt.datetime | None
    closed_by: str | None
    reservation_id: int

    @staticmethod
    def resolve_printed(obj):
        return codes.grouped(obj.code)

    @staticmethod
    def resolve_reward(obj):
        return obj.reward.name

    @staticmethod
    def resolve_closed_by(obj):
        return obj.closed_by.display_name if obj.closed_by_id else None


def voucher_json(voucher: Voucher) -> dict:
    voucher = Voucher.objects.select_related("reward", "closed_by").get(pk=voucher.pk)
    return VoucherOut.from_orm(voucher).model_dump(mode="json")


class CancelIn(Input):
    reason: string(10_000)


@router.get("/loyalty/rewards", response=list[RewardOut])
@paginate(Page)
def list_rewards(request, dealer_id: int | None = None, orderable: bool = False):
    """The catalogue: rewards of the dealers whose members the caller serves, cheapest first."""
    return rewards.catalogue(request.user, dealer_id, only_orderable=orderable).order_by("points", "name", "id")


@router.get("/loyalty/vouchers/{code}", response={200: VoucherOut, 422: ErrorOut})
def get_voucher(request, code: str):
    """One voucher by its code (dashes, spaces and lower case accepted)."""
    try:
        return rewards.find(request.user, code)
    except ValidationError as error:
        status, body = answer_for(error)
        return JsonResponse(body, status=status)


@router.post("/loyalty/vouchers/{code}/use", response={200: VoucherOut, 409: ErrorOut, 422: ErrorOut})
def use_voucher(request, code: str, payload: EmptyIn, idempotency_key: Key = None):
    """Hand the reward over: the reserved points are redeemed, the voucher used (once)."""
    return respond(request, payload.dict(), lambda: voucher_json(rewards.use(
        actor=request.user, code=code, origin="api")), status=200)


@router.post("/loyalty/vouchers/{code}/cancel", response={200: VoucherOut, 409: ErrorOut, 422: ErrorOut})
def cancel_voucher(request, code: str, payload: CancelIn, idempotency_key: Key = None):
    """Cancel an open voucher: its points come back, the reward goes back in stock (once)."""
    body = payload.dict()
    return respond(request, body, lambda: voucher_json(rewards.cancel(
        actor=request.user, code=code, origin="api", **body)), status=200)
