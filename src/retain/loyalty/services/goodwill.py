"""Goodwill points from a complaint case (issue 11, item 8: complaint handling and loyalty in one
loop). A case's compensation of kind goodwill points, once approved (as offered up to the dealer's
threshold, else by a manager other than the offerer: the cases app decides), is credited here to
the member's spendable points, from the programme's goodwill account.

Capped per case (``Programme.goodwill_case_cap``) and per member per local month
(``goodwill_month_cap``), so complaints cannot become a points mine. The transfer's ``source``
names the case and the compensation (``case:12:compensation:40``), and the compensation keeps the
transfer: each record links to the other, and a compensation is credited once however often the
call is repeated.

``credit`` runs inside the cases service's transaction and writes no audit row of its own: the
compensation's row (``compensation.offer`` or ``compensation.decide``) names the transfer. The
caller has already passed the case's door; the member is found directly.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org.policy import Action

from ..models import AccountKind, Programme, Transfer, TransferKind
from . import ledger
from .common import member
from .ledger import ledger_write


def source_of(case_id: int, compensation_id: int) -> str:
    return f"case:{int(case_id)}:compensation:{int(compensation_id)}"


def _credited(transfers) -> int:
    return transfers.filter(kind=TransferKind.GOODWILL, reversals__isnull=True).aggregate(
        total=Sum("amount"))["total"] or 0


def room(programme: Programme, customer_id: int, case_id: int, now: dt.datetime | None = None) -> int:
    """How many goodwill points the case may still give the member this month."""
    now = now or timezone.now()
    month_start = ledger.local_day(programme, now).replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    zone = ledger.local_zone(programme)
    since, until = (dt.datetime.combine(day, dt.time(), tzinfo=zone) for day in (month_start, next_month))
    # Both sums start from the member's own accounts (their credit index): a case's goodwill is
    # credited to the case's customer, and a prefix match on ``source`` over the whole ledger would
    # read every transfer (a second or more a credit on a ledger of millions).
    member_goodwill = Transfer.objects.filter(programme=programme, credit__customer_id=customer_id)
    left_in_case = programme.goodwill_case_cap - _credited(
        member_goodwill.filter(source__startswith=f"case:{int(case_id)}:"))
    left_in_month = programme.goodwill_month_cap - _credited(member_goodwill.filter(created_at__gte=since, created_at__lt=until))
    return max(0, min(left_in_case, left_in_month))


def check(*, customer_id: int, dealer_id: int, case_id: int, points: int, field: str = "points",
          now: dt.datetime | None = None) -> None:
    """Refuse (on ``field``) goodwill beyond what the caps leave (in the month of ``now``), naming
    what is left."""
    programme = ledger.programme_for(dealer_id)
    left = room(programme, customer_id, case_id, now)
    if points > left:
        raise ValidationError({field: _(
            "At most %(left)d goodwill points are left for this case this month (at most %(case)d a case, "
            "%(month)d a member a month).") % {"left": left, "case": programme.goodwill_case_cap,
                                                "month": programme.goodwill_month_cap}})


@ledger_write
def credit(*, actor, customer_id, case_id: int, compensation_id: int, points, memo: str = "",
           now: dt.datetime | None = None) -> Transfer:
    """Credit an approved compensation's goodwill points (once: a second call answers the first
    transfer). Raises ``ValidationError`` on ``points`` beyond the caps."""
    source = source_of(case_id, compensation_id)
    earlier = Transfer.objects.filter(kind=TransferKind.GOODWILL, source=source).first()
    if earlier is not None:
        return earlier
    found = member(None, customer_id, Action.EARN_POINTS)  # locks the member's accounts
    programme = found.programme
    points = ledger.check_points(points, programme)
    now = now or timezone.now()
    check(customer_id=found.customer.pk, dealer_id=found.customer.dealer_id, case_id=case_id, points=points, now=now)
    today = ledger.local_day(programme, now)
    account = found.accounts[AccountKind.MEMBER]
    transfer = ledger.post(programme=programme, kind=TransferKind.GOODWILL,
                           debit=ledger.system_account(programme, AccountKind.GOODWILL), credit=account,
                           amount=points, actor=actor, memo=memo[:500], source=source, now=now)
    ledger.add_lot(account, transfer, points, earned_on=today, expiry=ledger.expires_on(programme, today))
    return transfer
