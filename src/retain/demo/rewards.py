"""The demo's rewards: a catalogue per dealer (gifts, services and vouchers a 4S dealer offers for
points), and two years of orders by members who had the points, written in bulk: each order a
``reserve`` transfer taking points from the member's lots first-to-expire first, then handed over
(the reservation posted), cancelled or expired (released: the points back with their expiry, the
stock given back), or still open. The ledger's invariants hold after it (``retain loyalty
verify``); the services are not called per order (the small demo has thousands, the large one
165,000), and the rows go in by COPY as columns (``bulk.insert``).

Who orders: about one member in six of those whose spendable points reach the cheapest reward,
one to three different rewards each (so no member limit is passed), each on a day after the
points it spends were earned. Of vouchers past their last day three in four were handed over, one
in ten cancelled, the rest expired; of those still valid half are handed over already."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from django.db import transaction
from django.db.models import F, Sum, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Coalesce

from retain import bulk
from retain.loyalty.models import (
    Account,
    AccountKind,
    Lot,
    LotUse,
    Reward,
    Transfer,
    TransferKind,
    Voucher,
    VoucherStatus,
)
from retain.loyalty.services import codes, ledger

#: name, kind, points, stock (None: unlimited), limit per member, limit period, days valid
CATALOGUE = [
    ("精洗洗车券", "service", 300, None, 12, "year", 30),
    ("空调清洗服务", "service", 600, None, 2, "year", 60),
    ("保养工时券", "service", 800, None, 2, "year", 90),
    ("原厂机油 4L", "gift", 1200, 400, 2, "year", 60),
    ("雨刮片一对", "gift", 500, 300, 2, "year", 60),
    ("行车记录仪", "gift", 2500, 80, 1, "ever", 60),
    ("品牌车模 1:18", "gift", 3000, 50, 1, "ever", 60),
    ("充电卡 200 元", "voucher", 2000, 200, 4, "year", 90),
    ("钣喷代金券 300 元", "voucher", 1500, None, 2, "year", 120),
    ("四轮定位服务", "service", 700, None, 2, "year", 60),
]
SHARE_ORDERING = 1 / 6
MOST_ORDERS = 3  # rewards one member orders, at most


@dataclass
class LotLeft:
    """A lot's points left as the orders are drawn (``remaining`` goes down)."""
    pk: int
    account_id: int
    remaining: int
    earned_on: dt.date
    expires_on: dt.date


class Move(NamedTuple):
    """A transfer to write (``_transfers``); ``debit_id``, ``credit_id`` and ``amount`` as
    ``ledger.move_balances`` reads them."""
    kind: str
    debit_id: int
    credit_id: int
    amount: int
    memo: str
    origin: str
    created_at: dt.datetime
    settles_id: int | None


def _transfers(programme, moves: list[Move]) -> list[int]:
    """Write the programme's transfers; their ids, in order."""
    columns = _columns(("kind", "debit_id", "credit_id", "amount", "memo", "origin", "created_at", "settles_id"),
                       [(str(move.kind), *move[1:]) for move in moves])
    return bulk.insert(Transfer, {"programme_id": [programme.pk] * len(moves), **columns}).tolist()


def _columns(names: tuple[str, ...], rows: list[tuple]) -> dict[str, list]:
    return {name: [row[k] for row in rows] for k, name in enumerate(names)}


def _code(rng) -> str:
    body = "".join(codes.ALPHABET[i] for i in rng.integers(0, codes.BASE, codes.RANDOM_LENGTH))
    return body + codes.check_character(body)


def add_rewards(today: dt.date, rng: np.random.Generator) -> dict:
    with transaction.atomic():
        done = {"rewards": 0, "vouchers": 0, "used": 0, "open": 0, "cancelled": 0, "expired": 0, "points": 0}
        for programme in ledger.Programme.objects.select_related("dealer").order_by("pk"):
            _dealer(programme, today, rng, done)
        return done


def _moment(day: dt.date, rng, zone) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9 + int(rng.integers(0, 9)), int(rng.integers(0, 60))), zone)


def _dealer(programme, today: dt.date, rng, done: dict) -> None:
    zone = ledger.local_zone(programme)
    rewards = Reward.objects.bulk_create([
        Reward(programme=programme, name=name, kind=kind, points=points, stock=stock, member_limit=limit,
               limit_period=period, valid_days=days, description="限本店使用")
        for name, kind, points, stock, limit, period, days in CATALOGUE])
    done["rewards"] += len(rewards)
    cheapest = min(r.points for r in rewards)
    # (rows as named tuples and the lots as small records, not model instances: the large demo's
    # members' lots are millions)
    members = list(Account.objects.filter(programme=programme, kind=AccountKind.MEMBER, balance__gte=cheapest)
                   .order_by("pk").values_list("pk", "customer_id", "balance", named=True))
    chosen = [a for a, pick in zip(members, rng.random(len(members)) < SHARE_ORDERING) if pick]
    if not chosen:
        return
    # a member's first order makes their accounts where missing (bulk earning makes no hold account)
    holds = ledger.member_account_ids(programme, (a.customer_id for a in chosen), AccountKind.HOLD)
    # Each member orders at most ``MOST_ORDERS`` rewards, taken from the lots that expire first:
    # only the lots before which less than that many of the dearest rewards' points are left are
    # ever reached. Two years of earning are thousands of lots for some members (0.3 s of the
    # build for each dealer read them all into Python); the database cuts each queue short.
    reach = MOST_ORDERS * max(r.points for r in rewards)
    before = Window(Sum("remaining"), partition_by=[F("account_id")], order_by=[F("expires_on"), F("id")],
                    frame=RowRange(start=None, end=-1))
    lots = defaultdict(list)
    for row in (Lot.objects.filter(account__any=[a.pk for a in chosen], remaining__gt=0)
                .annotate(before=Coalesce(before, 0)).filter(before__lt=reach)
                .order_by("account_id", "expires_on", "id")
                .values_list("pk", "account_id", "remaining", "earned_on", "expires_on")):
        lots[row[1]].append(LotLeft(*row))
    redemption = ledger.system_account(programme, AccountKind.REDEMPTION)
    plans = []  # (member, hold account id, reward, day, taken [(lot, part)])
    for account in chosen:
        balance, queue = account.balance, lots[account.pk]
        for index in rng.permutation(len(rewards))[:int(rng.integers(1, MOST_ORDERS + 1))]:
            reward = rewards[int(index)]
            if reward.points > balance:
                continue
            taken, left = [], reward.points
            for lot in queue:
                if left == 0:
                    break
                part = min(left, lot.remaining)
                if part:
                    taken.append((lot, part))
                    lot.remaining -= part
                    left -= part
            balance -= reward.points
            earliest = max(lot.earned_on for lot, _part in taken) + dt.timedelta(days=1)
            if earliest >= today:
                earliest = today - dt.timedelta(days=1)
            day = earliest + dt.timedelta(days=int(rng.integers(0, max(1, (today - earliest).days))))
            plans.append((account, holds[account.customer_id], reward, day, taken))
    # The rows as columns, not model instances (900,000 of them at large: most of the phase's
    # Python time went in their making); the ids come back from the inserts.
    reserves = [Move(TransferKind.RESERVE, account.pk, hold, reward.points, reward.name, "page",
                     _moment(day, rng, zone), None) for account, hold, reward, day, _taken in plans]
    reserve_ids = _transfers(programme, reserves)
    bulk.insert(LotUse, _columns(("lot_id", "transfer_id", "amount"), [
        (lot.pk, reserve, part) for reserve, (*_rest, taken) in zip(reserve_ids, plans) for lot, part in taken]))
    settlements, outcomes, vouchers = [], [], []
    for reserve, made, (account, hold, reward, day, _taken) in zip(reserve_ids, reserves, plans):
        last = day + dt.timedelta(days=reward.valid_days)
        roll = rng.random()
        if last < today:
            status = VoucherStatus.USED if roll < 0.75 else VoucherStatus.CANCELLED if roll < 0.85 else VoucherStatus.EXPIRED
        else:
            status = VoucherStatus.USED if roll < 0.5 else VoucherStatus.OPEN
        closed = None
        if status == VoucherStatus.USED:
            closed = day + dt.timedelta(days=int(rng.integers(0, min(reward.valid_days, max(1, (today - day).days)))))
        elif status == VoucherStatus.CANCELLED:
            closed = day + dt.timedelta(days=int(rng.integers(0, reward.valid_days)))
        elif status == VoucherStatus.EXPIRED:
            closed = last + dt.timedelta(days=1)
        closed_at = max(_moment(closed, rng, zone), made.created_at + dt.timedelta(minutes=1)) if closed else None
        if status == VoucherStatus.USED:
            settlements.append(Move(TransferKind.POST_RESERVATION, hold, redemption.pk, reward.points, reward.name,
                                    "page", closed_at, reserve))
        elif status != VoucherStatus.OPEN:
            expired = status == VoucherStatus.EXPIRED
            settlements.append(Move(TransferKind.VOID_RESERVATION, hold, account.pk, reward.points,
                                    "券已过期" if expired else "顾客取消", "job" if expired else "page", closed_at, reserve))
        outcomes.append(status)
        vouchers.append((reward.pk, account.customer_id, _code(rng), reserve, reward.points, status.value,
                         made.created_at, day, last, closed_at))
    settled = dict(zip((move.settles_id for move in settlements), _transfers(programme, settlements)))
    # released points come back with the expiry they had: a lot per lot the reservation took from
    bulk.insert(Lot, _columns(("account_id", "transfer_id", "amount", "remaining", "earned_on", "expires_on"), [
        (account.pk, settled[reserve], part, part, lot.earned_on, lot.expires_on)
        for reserve, (account, _h, _r, _d, taken), status in zip(reserve_ids, plans, outcomes)
        if status in (VoucherStatus.CANCELLED, VoucherStatus.EXPIRED) for lot, part in taken]))
    bulk.update_by_pk(Lot, "remaining", {lot.pk: lot.remaining for _a, _h, _r, _d, taken in plans for lot, _p in taken})
    bulk.insert(Voucher, _columns(("reward_id", "customer_id", "code", "reservation_id", "points", "status",
                                   "ordered_at", "ordered_on", "expires_on", "closed_at"), vouchers))
    ledger.move_balances(reserves + settlements)  # the cached balances, by the sums of the new transfers
    stock = {}
    for reward in rewards:
        if reward.stock is not None:
            stock[reward.pk] = int(rng.integers(0, 3)) if rng.random() < 0.2 else int(rng.integers(5, 40))  # a few run out
    bulk.update_by_pk(Reward, "stock", stock)
    for status in outcomes:
        done[str(status)] += 1
    done["vouchers"] += len(vouchers)
    done["points"] += sum(r.points for _a, _h, r, _d, _t in plans)
