"""Expiry, first in first out by lot: a lot whose last day (``expires_on``, the end of a month in
the dealer's time zone) is before the day the job is told expires its remaining points. Spending
takes from the lots that expire first, so points already spent never expire.

Once per lot, whatever happens: the job works member by member, each in its own transaction that
locks the member's accounts and re-reads the lots; a lot already emptied is skipped, and the
expiry transfer's ``source`` (``lot:<id>``) is unique per kind, so two runs side by side, a second
run, or a run resumed after a crash expire each lot once."""

import datetime as dt

from django.db.models import Sum

from retain.org import audit
from retain.org.audit_codes import AuditCode

from .. import faults
from ..models import Account, AccountKind, Lot, TransferKind
from . import ledger
from .common import member
from .ledger import ledger_write


@ledger_write
def expire_member(*, actor, customer_id, day: dt.date, now: dt.datetime | None = None) -> dict:
    """Expire one member's lots that ended before ``day``; one audit row if any expired.
    (``now``: the time the expiry is dated, for a history written after the fact, as the demo's.)"""
    found = member(actor, customer_id, "adjust_points")
    account = found.accounts[AccountKind.MEMBER]
    lots = list(Lot.objects.select_for_update().filter(account=account, remaining__gt=0, expires_on__lt=day)
                .order_by("expires_on", "id"))
    expiry = ledger.system_account(found.programme, AccountKind.EXPIRY)
    made = []
    for lot in lots:
        transfer = ledger.post(programme=found.programme, kind=TransferKind.EXPIRE, debit=account, credit=expiry,
                               amount=lot.remaining, actor=actor, origin="job", source=f"lot:{lot.pk}",
                               memo=f"{lot.expires_on}", now=now)
        ledger.take_from_lots(account, transfer, lot.remaining, first=[lot])
        made.append((lot.pk, transfer.pk, lot.remaining))
    if made:
        audit.record(actor=actor, action=AuditCode.POINTS_EXPIRE, obj=found.customer,
                     dealer_id=found.customer.dealer_id, after={
                         "day": day, "points": sum(points for _lot, _t, points in made),
                         "lots": [lot for lot, _t, _p in made], "transfers": [t for _l, t, _p in made]})
        faults.checkpoint("audited")
    return {"lots": len(made), "points": sum(points for _lot, _t, points in made)}


def due_members(day: dt.date):
    """Members (customer ids) with points in lots that ended before ``day``."""
    return (Account.objects.filter(kind=AccountKind.MEMBER, lots__remaining__gt=0, lots__expires_on__lt=day)
            .values_list("customer_id", flat=True).distinct())


def expire_due(*, actor, day: dt.date) -> dict:
    """The job: every member with lots due, one transaction each (a crash keeps the members done)."""
    done = {"members": 0, "lots": 0, "points": 0}
    for customer_id in list(due_members(day).order_by("customer_id")):
        result = expire_member(actor=actor, customer_id=customer_id, day=day)
        if result["lots"]:
            done["members"] += 1
            done["lots"] += result["lots"]
            done["points"] += result["points"]
    return done


def expiring(account: Account, before: dt.date) -> int:
    """Points of the account that will expire before ``before`` unless spent (for the member card)."""
    return Lot.objects.filter(account=account, remaining__gt=0, expires_on__lt=before).aggregate(
        n=Sum("remaining"))["n"] or 0
