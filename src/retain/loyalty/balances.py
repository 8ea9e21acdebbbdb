"""What a member holds, read from the cached balances (one query): spendable, pending, reserved,
and the qualifying points that tiers will read (earned in the last 12 months, not voided or
reversed). Reads only; no account is made by looking."""

import datetime as dt

from django.db.models import Exists, OuterRef, Sum
from django.utils import timezone

from .models import Account, AccountKind, Transfer, TransferKind

EARNING = (TransferKind.EARN, TransferKind.GOODWILL)


def qualifying_points(customer_id: int, now: dt.datetime | None = None) -> int:
    since = (now or timezone.now()) - dt.timedelta(days=365)
    undone = Exists(Transfer.objects.filter(settles=OuterRef("pk"), kind=TransferKind.VOID_EARN)) | Exists(
        Transfer.objects.filter(reverses=OuterRef("pk")))
    return Transfer.objects.filter(kind__in=EARNING, credit__customer_id=customer_id, created_at__gte=since).exclude(
        undone).aggregate(n=Sum("amount"))["n"] or 0


def of(customer_id: int) -> dict:
    held = dict(Account.objects.filter(customer_id=customer_id).values_list("kind").annotate(n=Sum("balance")))
    return {
        "balance": held.get(AccountKind.MEMBER, 0),
        "pending": held.get(AccountKind.PENDING, 0),
        "reserved": held.get(AccountKind.HOLD, 0),
        "tier": None,  # tiers come with the programme's next part
        "qualifying_points": qualifying_points(customer_id),
    }
