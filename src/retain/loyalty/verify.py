"""``retain loyalty verify``: the ledger's invariants, each checked by one aggregate query in the
database (no Python loop over entries), stopping at the first violation.

1. the balances of all accounts add up to zero, in each programme (double entry);
2. no member account (spendable, pending, reserved) is below zero;
3. each account's cached balance equals its credits minus its debits;
4. each lot's remaining points equal its points minus its uses, within 0 and its points;
5. each member's spendable balance equals the points left in their lots;
6. each pending account holds exactly its unsettled pending earns, and each hold account its
   unsettled reservations (a settlement happened once, and only once)."""

from dataclasses import dataclass

from django.db.models import Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from .models import MEMBER_KINDS, Account, AccountKind, Lot, LotUse, Programme, Transfer, TransferKind


@dataclass(frozen=True)
class Result:
    checked: dict
    violation: str | None = None

    @property
    def ok(self) -> bool:
        return self.violation is None


def _sum(queryset, field="amount"):
    return Coalesce(Subquery(queryset.values(group=Value(1)).annotate(total=Sum(field)).values("total")[:1]), 0)


def run() -> Result:
    counts = {"accounts": Account.objects.count(), "transfers": Transfer.objects.count(), "lots": Lot.objects.count()}

    unbalanced = Programme.objects.annotate(total=Coalesce(Sum("accounts__balance"), 0)).exclude(total=0).first()
    if unbalanced is not None:
        return Result(counts, f"programme {unbalanced.pk}: the balances add up to {unbalanced.total}, not 0")

    negative = Account.objects.filter(kind__in=MEMBER_KINDS, balance__lt=0).first()
    if negative is not None:
        return Result(counts, f"account {negative.pk} ({negative.kind} of customer {negative.customer_id}): "
                              f"balance {negative.balance} is below zero")

    credits = _sum(Transfer.objects.filter(credit=OuterRef("pk")))
    debits = _sum(Transfer.objects.filter(debit=OuterRef("pk")))
    wrong = (Account.objects.annotate(entries=credits - debits).exclude(balance=F("entries"))
             .order_by("id").first())
    if wrong is not None:
        return Result(counts, f"account {wrong.pk} ({wrong.kind}): cached balance {wrong.balance}, "
                              f"its entries add up to {wrong.entries}")

    used = _sum(LotUse.objects.filter(lot=OuterRef("pk")))
    lot = (Lot.objects.annotate(used=used).filter(
        ~Q(remaining=F("amount") - F("used")) | Q(remaining__lt=0) | Q(remaining__gt=F("amount")))
        .order_by("id").first())
    if lot is not None:
        return Result(counts, f"lot {lot.pk}: {lot.remaining} points left, but {lot.amount} minus its uses "
                              f"({lot.used}) is {lot.amount - lot.used}")

    in_lots = _sum(Lot.objects.filter(account=OuterRef("pk")), "remaining")
    member = (Account.objects.filter(kind=AccountKind.MEMBER).annotate(in_lots=in_lots)
              .exclude(balance=F("in_lots")).order_by("id").first())
    if member is not None:
        return Result(counts, f"account {member.pk} (customer {member.customer_id}): balance {member.balance}, "
                              f"its lots hold {member.in_lots}")

    unsettled = ~Exists(Transfer.objects.filter(settles=OuterRef("pk")))
    open_pending = _sum(Transfer.objects.filter(unsettled, credit=OuterRef("pk")))
    open_holds = _sum(Transfer.objects.filter(unsettled, credit=OuterRef("pk"), kind=TransferKind.RESERVE))
    for kind, expected in ((AccountKind.PENDING, open_pending), (AccountKind.HOLD, open_holds)):
        off = (Account.objects.filter(kind=kind).annotate(expected=expected).exclude(balance=F("expected"))
               .order_by("id").first())
        if off is not None:
            return Result(counts, f"account {off.pk} ({kind} of customer {off.customer_id}): balance {off.balance}, "
                                  f"its unsettled {'earns' if kind == AccountKind.PENDING else 'reservations'} "
                                  f"add up to {off.expected}")
    return Result(counts)
