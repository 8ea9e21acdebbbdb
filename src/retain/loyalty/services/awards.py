"""Event points for a scan's members at once (the daily scans of ``events``), set-based.

A scan finds hundreds to thousands of members (a day's birthdays are a 365th of a group's
members). Awarding them one at a time through ``points.earn`` was some forty queries each (the
member, the rule, both caps, the transfer, the balances, the lot, its audit row, the tier
refresh): 35 ms, a minute a day for a group of a million customers, and most of the large demo's
event phase. Here a scan is a few statements per programme and gives what awarding the members one
after the other in the order found gives (``tests/loyalty/test_event_awards.py`` keeps the one at
a time award as the second implementation and compares the two):

- the event's rule (active, with points) of the member's programme, nothing for an excluded member
  (not active, or of an excluded kind, classification or tag);
- its points times the member's tier multiplier when the scan starts (as the bulk earning from
  records takes it: a member upgraded by one award of the scan earns the next at the old rate);
- capped per local day and per calendar year by what the member earned under the rule before and
  the scan's own earlier awards, and by the programme's largest movement; capped to nothing, none;
- spendable at once, dated the day's local noon, in a lot; once per ``source`` (the database's
  unique index on the kind and source refuses a second);
- the members' accounts made where missing, the balances moved by the sums (the issuance account
  last, as the bulk earning does), the tiers refreshed once for the scan's members, and one audit
  row per programme (``points.earn_bulk``, naming the event and the day).
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Sum
from django.db.models.functions import TruncDate

from retain import bulk
from retain.customers.models import Customer
from retain.org import audit
from retain.org.audit_codes import AuditCode

from ..models import Account, AccountKind, EarningRule, EventKind, Lot, Membership, Transfer, TransferKind
from . import ledger, tiers
from .ledger import ledger_write

#: Members awarded per round of statements: a first scan of complete profiles finds a group's
#: whole base, and each round's lists of ids stay well under SQLite's 32,766 parameters.
ROUND = 5_000


@ledger_write
def award_all(*, event: str, day: dt.date, found) -> int:
    """Award ``event`` on ``day`` to each (customer id, source) in ``found`` not yet earned, in
    that order; the number of awards."""
    EventKind(event)  # ValueError for an unknown event
    found = list(found)
    return sum(_round(event, day, found[start:start + ROUND]) for start in range(0, len(found), ROUND))


def _round(event: str, day: dt.date, found: list) -> int:
    wanted = list(dict((source, customer_id) for customer_id, source in found if source).items())
    earned = set(Transfer.objects.filter(kind=TransferKind.EARN, source__in=[s for s, _c in wanted])
                 .exclude(source="").values_list("source", flat=True)) if wanted else set()
    wanted = [(int(customer_id), source) for source, customer_id in wanted if source not in earned]
    people = {row[0]: row for row in Customer.objects.filter(pk__in={c for c, _s in wanted})
              .values_list("pk", "dealer_id", "status", "kind", "classification")}
    by_dealer = defaultdict(list)
    for customer_id, source in wanted:
        if customer_id in people:
            by_dealer[people[customer_id][1]].append((customer_id, source))
    return sum(_programme(ledger.programme_for(dealer_id), event, day, rows, people)
               for dealer_id, rows in sorted(by_dealer.items()))


def _programme(programme, event: str, day: dt.date, rows: list, people: dict) -> int:
    rule = EarningRule.objects.filter(programme=programme, trigger=event, active=True, points__gt=0).first()
    if rule is None:
        return 0
    members = {customer_id for customer_id, _s in rows}
    tagged = set(Customer.tags.through.objects.filter(customer_id__in=members, tag__name__in=programme.excluded_tags)
                 .values_list("customer_id", flat=True)) if programme.excluded_tags else set()
    multipliers = dict(Membership.objects.filter(programme=programme, customer_id__in=members, tier__isnull=False)
                       .values_list("customer_id", "tier__multiplier_percent"))
    zone = ledger.local_zone(programme)
    on_day, in_year = _earned_before(programme, event, members, day, zone)
    plans = []
    for customer_id, source in rows:
        _pk, _dealer, status, kind, classification = people[customer_id]
        if (status != "active" or kind in programme.excluded_customer_kinds
                or classification in programme.excluded_classifications or customer_id in tagged):
            continue
        amount = rule.points * multipliers.get(customer_id, 100) // 100
        if rule.day_cap:
            amount = min(amount, rule.day_cap - on_day[customer_id])
        if rule.year_cap:
            amount = min(amount, rule.year_cap - in_year[customer_id])
        amount = max(0, min(amount, programme.max_points_per_transfer))
        if amount < 1:
            continue
        on_day[customer_id] += amount
        in_year[customer_id] += amount
        plans.append((customer_id, source, amount))
    if not plans:
        return 0
    accounts = ledger.member_account_ids(programme, {customer_id for customer_id, _s, _a in plans})
    issuance = ledger.system_account(programme, AccountKind.ISSUANCE)
    noon = dt.datetime.combine(day, dt.time(12), zone)
    transfers = Transfer.objects.bulk_create([
        Transfer(programme=programme, kind=TransferKind.EARN, debit=issuance, credit_id=accounts[customer_id],
                 amount=amount, origin="job", created_at=noon, source=source, trigger=event)
        for customer_id, source, amount in plans])
    expiry = ledger.expires_on(programme, day)
    Lot.objects.bulk_create([Lot(account_id=t.credit_id, transfer=t, amount=t.amount, remaining=t.amount,
                                 earned_on=day, expires_on=expiry) for t in transfers])
    moved = defaultdict(int)
    for transfer in transfers:
        moved[transfer.credit_id] += transfer.amount
    bulk.update_by_pk(Account, "balance", dict(moved), add=True)
    total = sum(moved.values())
    upgraded = tiers.refresh(programme, day, sorted({c for c, _s, _a in plans}))["upgraded"]
    bulk.update_by_pk(Account, "balance", {issuance.pk: -total}, add=True)  # last, as the bulk earning
    audit.record(actor=None, action=AuditCode.POINTS_EARN_BULK, object_type="programme", object_id=programme.pk,
                 dealer_id=programme.dealer_id, after={"event": event, "day": day, "transfers": len(transfers),
                                                       "points": total, "upgraded": upgraded})
    return len(transfers)


def _earned_before(programme, event: str, members: set[int], day: dt.date, zone) -> tuple[defaultdict, defaultdict]:
    """What each member earned under the event's rule on the local ``day`` and in its calendar
    year, before the scan (what the caps count)."""
    start, end = (dt.datetime.combine(dt.date(year, 1, 1), dt.time(), zone) for year in (day.year, day.year + 1))
    earnings = (Transfer.objects.filter(programme=programme, kind=TransferKind.EARN, trigger=event,
                                        credit__customer_id__in=members, created_at__gte=start, created_at__lt=end)
                .annotate(on=TruncDate("created_at", tzinfo=zone)).values("credit__customer_id", "on")
                .annotate(total=Sum("amount")).values_list("credit__customer_id", "on", "total"))
    on_day, in_year = defaultdict(int), defaultdict(int)
    for customer_id, on, total in earnings:
        in_year[customer_id] += total
        if on == day:
            on_day[customer_id] += total
    return on_day, in_year

