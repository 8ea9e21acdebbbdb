"""The ledger's primitives, used by the business services (never by views): the programme and its
accounts, posting one transfer with its balances, and taking points from (or giving them to)
a member's lots. They write no audit row and open no transaction of their own: the business
service around them does both, once.

Concurrency: a service locks the member's accounts (``select_for_update``, in id order) before it
reads a balance it will spend from, so two redemptions on one member queue on PostgreSQL; on SQLite
every transaction is ``BEGIN IMMEDIATE`` (settings), which holds the database's one write lock for
the whole transaction. System accounts' cached balances are changed with ``balance = balance + x``
(a row lock until commit), never read-modify-write."""

import calendar
import datetime as dt
import functools
import time
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from retain import bulk
from retain.channels.models import settings_for as channel_settings_for
from retain.channels.models import settings_of as channel_settings_of

from .. import faults
from ..models import MAX_POINTS, MEMBER_KINDS, SYSTEM_KINDS, Account, AccountKind, Lot, LotUse, Programme, Transfer


class InsufficientPoints(ValidationError):
    """The member has fewer spendable points than asked (the API answers 409
    ``insufficient_points``; a form shows it on the field)."""

    code = "insufficient_points"

    def __init__(self, field: str, available: int, asked: int):
        self.available, self.asked, self.field = available, asked, field
        super().__init__({field: [ValidationError(
            _("Only %(available)d points can be spent, %(asked)d asked.") % {"available": available, "asked": asked},
            code=self.code)]})


# -- retries: no "database is locked" reaches a person -------------------------------------------

RETRIES = 8


def retryable(error: OperationalError) -> bool:
    text = str(error).lower()
    return ("database is locked" in text or "deadlock detected" in text
            or "could not serialize" in text or "database table is locked" in text)


def ledger_write(function):
    """One transaction around a business service, retried (with a short back-off) when the
    database refuses it for a lock it could not get in time (SQLite's busy timeout, PostgreSQL's
    deadlock detector): the whole transaction is retried, so nothing half-done is kept. Inside an
    outer transaction it joins that one and is not retried (the outer caller owns the retry)."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():
                return function(*args, **kwargs)
        for attempt in range(RETRIES):
            try:
                with transaction.atomic():
                    return function(*args, **kwargs)
            except OperationalError as error:
                if not retryable(error) or attempt == RETRIES - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


# -- the programme and its accounts ---------------------------------------------------------------

def programme_for(dealer_id: int, *, create: bool = True) -> Programme | None:
    """The dealer's programme, made with the defaults (and its system accounts) on first use."""
    found = Programme.objects.filter(dealer_id=dealer_id).select_related("dealer").first()
    if found is not None or not create:
        return found
    try:
        with transaction.atomic():
            found = Programme.objects.create(dealer_id=dealer_id, name=_("Points programme"))
            Account.objects.bulk_create([Account(programme=found, kind=kind) for kind in SYSTEM_KINDS])
            from .rules import seed  # noqa: PLC0415 (rules imports this module)

            seed(found)  # the default earning rules, tiers and exclusions
    except IntegrityError:  # made meanwhile by another request
        pass
    return Programme.objects.select_related("dealer").get(dealer_id=dealer_id)


def system_account(programme: Programme, kind: str, key: str = "") -> Account:
    found = Account.objects.filter(programme=programme, kind=kind, key=key, customer__isnull=True).first()
    if found is None:
        try:
            with transaction.atomic():
                found = Account.objects.create(programme=programme, kind=kind, key=key)
        except IntegrityError:
            found = Account.objects.get(programme=programme, kind=kind, key=key, customer__isnull=True)
    return found


def member_accounts(programme: Programme, customer_id: int, *, lock: bool = True) -> dict[str, Account]:
    """The member's three accounts (made on first use), locked for the transaction in id order."""
    wanted = MEMBER_KINDS
    found = Account.objects.filter(programme=programme, customer_id=customer_id, kind__in=wanted).order_by("id")
    if lock:
        found = found.select_for_update()
    accounts = {account.kind: account for account in found}
    if len(accounts) == len(wanted):
        return accounts
    for kind in wanted:  # first use: made here (a concurrent first use makes them once: unique)
        try:
            with transaction.atomic():
                Account.objects.get_or_create(programme=programme, customer_id=customer_id, kind=kind)
        except IntegrityError:
            pass
    return {account.kind: account for account in found.all()}


def member_account_ids(programme: Programme, customers, kind: str = AccountKind.MEMBER) -> dict[int, int]:
    """Customer -> the id of their account of ``kind`` (the spendable one by default), for many
    members at once (the writers in bulk: the scans' awards, the demo's goodwill and orders),
    their three accounts made where missing as ``member_accounts`` makes them on a first use.
    Only the missing ones are made (the demo's orders name 100,000 members, most with some
    accounts already); one made meanwhile by another writer is kept (``ignore_conflicts``)."""
    customers = sorted(set(customers))
    have = set(Account.objects.filter(programme=programme, customer__any=customers, kind__in=MEMBER_KINDS)
               .values_list("customer_id", "kind"))
    Account.objects.bulk_create([Account(programme=programme, customer_id=customer, kind=made)
                                 for customer in customers for made in MEMBER_KINDS if (customer, made) not in have],
                                ignore_conflicts=True)
    return dict(Account.objects.filter(programme=programme, kind=kind, customer__any=customers)
                .values_list("customer_id", "pk"))


def move_balances(transfers) -> int:
    """Move the cached balances by transfers written in bulk (each debit down, each credit up),
    a statement per few thousand accounts; the points moved."""
    moved = defaultdict(int)
    for transfer in transfers:
        moved[transfer.debit_id] -= transfer.amount
        moved[transfer.credit_id] += transfer.amount
    bulk.update_by_pk(Account, "balance", {pk: change for pk, change in moved.items() if change}, add=True)
    return sum(transfer.amount for transfer in transfers)


# -- posting ------------------------------------------------------------------------------------

def local_zone(programme: Programme) -> ZoneInfo:
    """The dealer's time zone (the channels' setting, Asia/Shanghai by default), read once per
    programme object (a write asks it several times), and not at all when the programme was read
    with its dealer and the dealer's settings (``ZONE_WITH``)."""
    zone = getattr(programme, "_local_zone", None)
    if zone is None:
        settings = (channel_settings_of(programme.dealer) if Programme.dealer.is_cached(programme)
                    else channel_settings_for(programme.dealer_id))
        zone = programme._local_zone = ZoneInfo(settings.time_zone)
    return zone


#: What a programme is read with (``select_related``) for ``local_zone`` to need no query of its
#: own, and the one column of it that is used (for ``only``).
ZONE_WITH, ZONE_COLUMN = "dealer__channel_settings", "dealer__channel_settings__time_zone"


def local_day(programme: Programme, moment: dt.datetime) -> dt.date:
    return moment.astimezone(local_zone(programme)).date()


def expires_on(programme: Programme, earned_on: dt.date) -> dt.date:
    """The last day of the ``expiry_months``-th month after the month ``earned_on`` falls in:
    points earned on any day of January 2025 expire at the end of January 2027 (24 months)."""
    months = earned_on.year * 12 + earned_on.month - 1 + programme.expiry_months
    year, month = divmod(months, 12)
    return dt.date(year, month + 1, calendar.monthrange(year, month + 1)[1])


def check_points(value, programme: Programme | None = None, field: str = "points", *, signed: bool = False) -> int:
    """A whole number of points from 1 to the programme's bound (or its negative, ``signed``)."""
    high = programme.max_points_per_transfer if programme is not None else MAX_POINTS
    ok = isinstance(value, int) and not isinstance(value, bool) and 0 < (abs(value) if signed else value) <= high
    if not ok:
        raise ValidationError({field: _("Enter a whole number of points from 1 to %(high)d%(sign)s.") % {
            "high": high, "sign": _(", or its negative") if signed else ""}})
    return value


def post(*, programme: Programme, kind: str, debit: Account, credit: Account, amount: int, actor=None,
         origin: str = "system", memo: str = "", source: str = "", reverses=None, settles=None,
         available_on=None, held_until=None, now=None, trigger: str = "") -> Transfer:
    """Write one transfer and move the two cached balances. A member account is debited only
    within its balance (the caller holds its lock), else ``InsufficientPoints``."""
    if debit.kind not in SYSTEM_KINDS and debit.balance < amount:
        raise InsufficientPoints("points", debit.balance, amount)
    transfer = Transfer.objects.create(
        programme=programme, kind=kind, debit=debit, credit=credit, amount=amount, memo=memo,
        actor=actor if getattr(actor, "pk", None) else None, origin=origin, created_at=now or timezone.now(),
        reverses=reverses, settles=settles, source=source, available_on=available_on, held_until=held_until,
        trigger=trigger)
    faults.checkpoint("transfer_written")
    for account, change in sorted(((debit, -amount), (credit, amount)), key=lambda pair: pair[0].pk):
        Account.objects.filter(pk=account.pk).update(balance=F("balance") + change)
        account.balance += change
        faults.checkpoint("debit_applied" if change < 0 else "credit_applied")
    return transfer


def take_from_lots(account: Account, transfer: Transfer, amount: int, *, first=()) -> list[tuple[Lot, int]]:
    """Take ``amount`` points out of the account's lots: those in ``first`` before the others,
    then the lot that expires first (FIFO). Returns what was taken from each lot."""
    taken, left = [], amount
    preferred = list(Lot.objects.select_for_update().filter(pk__in=[lot.pk for lot in first], remaining__gt=0)
                     .order_by("expires_on", "id")) if first else []
    others = Lot.objects.select_for_update().filter(account=account, remaining__gt=0).exclude(
        pk__in=[lot.pk for lot in preferred]).order_by("expires_on", "id")
    candidates = [*preferred, *others[:50]]
    while True:
        for lot in candidates:
            if left == 0:
                break
            part = min(left, lot.remaining)
            taken.append((lot, part))
            left -= part
        if left == 0 or len(candidates) < len(preferred) + 50:
            break
        candidates = list(others.exclude(pk__in=[lot.pk for lot, _part in taken]))  # a large debit: the rest
    if left:
        raise AssertionError(f"account {account.pk}: lots hold {amount - left} points, the balance said {amount}")
    LotUse.objects.bulk_create([LotUse(lot=lot, transfer=transfer, amount=part) for lot, part in taken])
    for lot, part in taken:
        Lot.objects.filter(pk=lot.pk).update(remaining=F("remaining") - part)
    faults.checkpoint("lots_applied")
    return taken


def add_lot(account: Account, transfer: Transfer, amount: int, *, earned_on: dt.date, expiry: dt.date) -> Lot:
    lot = Lot.objects.create(account=account, transfer=transfer, amount=amount, remaining=amount,
                             earned_on=earned_on, expires_on=expiry)
    faults.checkpoint("lots_applied")
    return lot


def restore_lots(account: Account, transfer: Transfer, original: Transfer) -> None:
    """Points coming back to a member (a reservation released, a redemption reversed) return
    with the expiry they had: a new lot for each lot the original transfer took from."""
    for use in LotUse.objects.filter(transfer=original).select_related("lot").order_by("id"):
        add_lot(account, transfer, use.amount, earned_on=use.lot.earned_on, expiry=use.lot.expires_on)


def carry_lots(account: Account, transfer: Transfer, taken: list[tuple[Lot, int]]) -> None:
    """Points moved to another member keep their expiry: a lot per lot they came from."""
    for lot, part in taken:
        add_lot(account, transfer, part, earned_on=lot.earned_on, expiry=lot.expires_on)
