"""The demo's goodwill credits: each approved goodwill compensation of the demo's cases credited at
the time it was approved, oldest first, as approving it would have done (``goodwill.credit``
through ``cases.services.compensation.credit_goodwill``), written in bulk.

The service is a dozen queries a credit (the member, the programme, both caps' sums, the
transfer, the balances, the lot, the compensation): 22 ms each, 70 s of the large demo's build for
its 3,100 credits. Here the caps are counted in memory over the compensations in the service's
order, and the rows written in a few statements: the same transfers (source, memo, actor, time),
lots, balances and links (``tests/demo/test_goodwill_in_bulk.py`` compares the two on planted
compensations). A compensation the service would refuse (beyond a cap or the programme's largest
transfer) stays uncredited, as its approval would have been refused."""

import datetime as dt
from collections import defaultdict

from django.utils.translation import gettext as _

from retain import bulk
from retain.cases.models import Compensation, CompensationKind, CompensationStatus
from retain.loyalty.models import AccountKind, Lot, Transfer, TransferKind
from retain.loyalty.services import goodwill, ledger


def credit_approved() -> int:
    """Credit every approved goodwill compensation without its transfer; the number credited.
    Inside the caller's transaction."""
    approved = list(Compensation.objects.filter(kind=CompensationKind.GOODWILL_POINTS, status=CompensationStatus.APPROVED,
                                                transfer__isnull=True)
                    .order_by("offered_at", "pk")
                    .values_list("pk", "case_id", "case__customer_id", "case__customer__dealer_id", "points",
                                 "decided_at", "offered_at", "decided_by_id", "offered_by_id", named=True))
    if not approved:
        return 0
    programmes = {dealer_id: ledger.programme_for(dealer_id) for dealer_id in {c.case__customer__dealer_id for c in approved}}
    members = {c.case__customer_id for c in approved}
    credited_in_case, credited_in_month = _credited_before(members, programmes)
    plans = []  # (compensation, programme, points, moment)
    for compensation in approved:
        programme = programmes[compensation.case__customer__dealer_id]
        customer, points = compensation.case__customer_id, compensation.points
        moment = compensation.decided_at or compensation.offered_at
        month = _month(programme, moment)
        room = min(programme.goodwill_case_cap - credited_in_case[customer, compensation.case_id],
                   programme.goodwill_month_cap - credited_in_month[customer, month])
        if not isinstance(points, int) or not 0 < points <= min(room, programme.max_points_per_transfer):
            continue  # the service would have refused it
        credited_in_case[customer, compensation.case_id] += points
        credited_in_month[customer, month] += points
        plans.append((compensation, programme, points, moment))
    if not plans:
        return 0
    members = defaultdict(set)
    for c, programme, _p, _m in plans:
        members[programme].add(c.case__customer_id)
    accounts = {(programme.pk, customer): pk for programme, customers in members.items()
                for customer, pk in ledger.member_account_ids(programme, customers).items()}
    issuers = {programme.pk: ledger.system_account(programme, AccountKind.GOODWILL) for _c, programme, _p, _m in plans}
    transfers = Transfer.objects.bulk_create([
        Transfer(programme=programme, kind=TransferKind.GOODWILL, debit=issuers[programme.pk],
                 credit_id=accounts[programme.pk, c.case__customer_id], amount=points,
                 memo=(_("Goodwill for case #%(number)s") % {"number": c.case_id})[:500],
                 actor_id=c.decided_by_id or c.offered_by_id, origin="system", created_at=moment,
                 source=goodwill.source_of(c.case_id, c.pk))
        for c, programme, points, moment in plans])
    Lot.objects.bulk_create([
        Lot(account_id=transfer.credit_id, transfer=transfer, amount=points, remaining=points,
            earned_on=(day := ledger.local_day(programme, moment)), expires_on=ledger.expires_on(programme, day))
        for transfer, (_c, programme, points, moment) in zip(transfers, plans)])
    ledger.move_balances(transfers)
    bulk.update_by_pk(Compensation, "transfer", {c.pk: transfer.pk for transfer, (c, _p, _n, _m) in zip(transfers, plans)})
    return len(transfers)


def _month(programme, moment: dt.datetime) -> tuple[int, int]:
    day = ledger.local_day(programme, moment)
    return day.year, day.month


def _credited_before(members: set[int], programmes: dict) -> tuple[defaultdict, defaultdict]:
    """The goodwill the members were credited before (not reversed), per (member, case) and per
    (member, local month): what the service's caps count."""
    in_case, in_month = defaultdict(int), defaultdict(int)
    by_pk = {programme.pk: programme for programme in programmes.values()}
    earlier = (Transfer.objects.filter(kind=TransferKind.GOODWILL, reversals__isnull=True, credit__customer_id__in=members,
                                       programme_id__in=list(by_pk))
               .values_list("programme_id", "credit__customer_id", "source", "created_at", "amount"))
    for programme_id, customer, source, moment, amount in earlier:
        parts = source.split(":")
        if parts[0] == "case" and len(parts) > 1 and parts[1].isdigit():
            in_case[customer, int(parts[1])] += amount
        in_month[customer, _month(by_pk[programme_id], moment)] += amount
    return in_case, in_month

