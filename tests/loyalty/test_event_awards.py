"""A scan's event points awarded at once (``awards.award_all``) are what awarding them one member
after the other in the same order through ``points.earn`` gives (``award``, below: the service as
it was before, the second implementation): on planted members
at two dealers with tier multipliers (gold, silver, one crossing into silver with the award), the
rule's cap per local day, the cap per year counting earlier awards and the scan's own, the
programme's largest movement, excluded kinds and tags, a member without accounts and a source
earned before, each run in its own rolled-back transaction: the same transfers, lots, balances,
memberships and tier changes. Then: a second scan awards nothing, and a scan writes one audit row
per programme."""

import datetime as dt

import pytest
from django.db import transaction
from django.db.models import Sum

from retain.customers.models import Customer, Tag
from retain.loyalty.models import (
    Account,
    EarningRule,
    EventKind,
    Lot,
    Membership,
    Programme,
    TierChange,
    Transfer,
    TransferKind,
)
from retain.loyalty.services import awards, ledger, points, rules
from retain.org.audit import AuditEvent
from tests.conftest import make_customer

UTC = dt.UTC
DAY = dt.date(2026, 6, 1)


def award(*, customer_id, event: str, source: str, day: dt.date) -> Transfer | None:
    """One member's event points through ``points.earn`` (spendable at once, dated the day's local
    noon), once per source; None when the rules give nothing (no active rule, excluded, capped)."""
    EventKind(event)
    if Transfer.objects.filter(kind=TransferKind.EARN, source=source).exists():
        return None
    customer = Customer.objects.get(pk=customer_id)
    programme = ledger.programme_for(customer.dealer_id)
    amount = _points_for(programme, customer, event, day)
    if amount < 1:
        return None
    return points.earn(actor=None, customer_id=customer.pk, points=amount, source=source, pending=False, trigger=event,
                       origin="job", now=dt.datetime.combine(day, dt.time(12), ledger.local_zone(programme)))


def _points_for(programme, customer, event: str, day: dt.date) -> int:
    rule = EarningRule.objects.filter(programme=programme, trigger=event, active=True, points__gt=0).first()
    excluded = (customer.status != "active" or customer.kind in programme.excluded_customer_kinds
                or customer.classification in programme.excluded_classifications
                or customer.tags.filter(name__in=programme.excluded_tags).exists())
    if rule is None or excluded:
        return 0
    membership = Membership.objects.filter(programme=programme, customer=customer).select_related("tier").first()
    amount = rule.points * (membership.tier.multiplier_percent if membership and membership.tier else 100) // 100
    zone = ledger.local_zone(programme)

    def earned(since, until):
        return Transfer.objects.filter(programme=programme, kind=TransferKind.EARN, trigger=event,
                                       credit__customer_id=customer.pk, created_at__gte=since,
                                       created_at__lt=until).aggregate(n=Sum("amount"))["n"] or 0

    if rule.day_cap:
        start = dt.datetime.combine(day, dt.time(), zone)
        amount = min(amount, rule.day_cap - earned(start, start + dt.timedelta(days=1)))
    if rule.year_cap:
        amount = min(amount, rule.year_cap - earned(*(dt.datetime.combine(dt.date(year, 1, 1), dt.time(), zone)
                                                      for year in (day.year, day.year + 1))))
    return max(0, min(amount, programme.max_points_per_transfer))


def _earn(customer, amount, day=dt.date(2026, 5, 1)):
    points.earn(actor=None, customer_id=customer.pk, points=amount, pending=False,
                now=dt.datetime.combine(day, dt.time(4), UTC))


@pytest.fixture
def scans(org):
    """(event, [(customer id, source)]) in the order a scan finds them."""
    rules.set_rules(actor=org.staff["dealer_gm"], dealer_id=org.d1.pk, rules={"birthday": {"day_cap": 250}})
    d1 = ledger.programme_for(org.d1.pk)
    Programme.objects.filter(pk=d1.pk).update(excluded_tags=["内部员工"])
    Programme.objects.filter(pk=ledger.programme_for(org.d2.pk).pk).update(max_points_per_transfer=150)
    gold, silver, crossing, plain = (make_customer(dealer=org.d1, name=name) for name in ("金卡", "银卡", "将升", "普通"))
    _earn(gold, 20_000)  # 150 %: 300, capped to the day's 250
    _earn(silver, 5_000)  # 120 %: 240
    _earn(crossing, 4_850)  # 200 takes them to 5,050: silver
    _earn(plain, 10)
    staff_member = make_customer(dealer=org.d1, name="员工")
    staff_member.tags.add(Tag.objects.create(group=org.groups[0], name="内部员工"))
    _earn(staff_member, 10)
    fleet = make_customer(dealer=org.d1, name="车队", kind="company")
    far = make_customer(dealer=org.d2, name="杭州车主")  # no account yet; 200 capped to 150
    surveyed = make_customer(dealer=org.d1, name="答卷人")  # no account yet
    earlier = make_customer(dealer=org.d1, name="老顾客")
    for n in range(2):  # 200 of the year's 300 survey points already
        award(customer_id=earlier.pk, event="survey_completed", source=f"survey:old{n}", day=dt.date(2026, 3, 1))
    award(customer_id=plain.pk, event="birthday", source=f"birthday:{plain.pk}:2026", day=DAY)
    birthdays = [(c.pk, f"birthday:{c.pk}:2026") for c in (gold, silver, crossing, plain, staff_member, fleet, far)]
    responses = [(surveyed.pk, "survey:1"), (earlier.pk, "survey:2"), (earlier.pk, "survey:3"), (surveyed.pk, "survey:4"),
                 (gold.pk, "survey:5")]
    return [("birthday", birthdays), ("survey_completed", responses)]


def _written() -> dict:
    transfers = {t.source: (t.kind, t.amount, t.created_at, t.credit.customer_id, t.credit.kind, t.debit.kind, t.origin,
                            t.memo, t.actor_id, t.available_on, t.trigger,
                            list(Lot.objects.filter(transfer=t).values_list("amount", "remaining", "earned_on",
                                                                            "expires_on")))
                 for t in Transfer.objects.select_related("credit", "debit").exclude(source="")}
    accounts = sorted(Account.objects.values_list("programme__dealer_id", "customer_id", "kind", "key", "balance"),
                      key=lambda row: tuple(str(value) for value in row))
    memberships = sorted(Membership.objects.values_list("customer_id", "tier__name", "tier_since", "joined_on",
                                                        "qualifying_points", "counted_on"))
    changes = sorted(TierChange.objects.values_list("membership__customer_id", "from_tier__name", "to_tier__name", "day",
                                                    "qualifying_points", "reason"), key=str)
    return {"transfers": transfers, "accounts": accounts, "memberships": memberships, "changes": changes}


class RolledBack(Exception):
    pass


def _run(award) -> dict:
    try:
        with transaction.atomic():
            award()
            written = _written()
            raise RolledBack
    except RolledBack:
        return written


@pytest.mark.parametrize("per_round", [awards.ROUND, 2])  # (2: the scans split into rounds)
def test_a_scan_at_once_awards_what_one_after_the_other_awards(scans, per_round, monkeypatch):
    monkeypatch.setattr(awards, "ROUND", per_round)

    def at_once():
        for event, found in scans:
            awards.award_all(event=event, day=DAY, found=found)

    def one_after_the_other():
        for event, found in scans:
            for customer_id, source in found:
                award(customer_id=customer_id, event=event, source=source, day=DAY)

    together, apart = _run(at_once), _run(one_after_the_other)
    assert together == apart
    new = {source: row[1] for source, row in together["transfers"].items() if source.startswith(("birthday", "survey:"))
           and not source.startswith("survey:old")}
    # birthdays: gold 300 capped to 250, silver 240, crossing 200, dealer 2's 150 (the plain member's
    # before); surveys: 100 twice, the earlier respondent's last 100 of the year, gold 150
    assert sorted(new.values()) == [100, 100, 100, 150, 150, 200, 200, 240, 250]
    assert ("将升", "银卡") in {(row[0], row[1]) for row in _named(together["memberships"])}


def _named(memberships):
    names = dict(Customer.objects.values_list("pk", "name"))
    return [(names[row[0]], *row[1:]) for row in memberships]


def test_a_second_scan_awards_nothing_and_a_scan_writes_one_audit_row_per_programme(scans):
    (event, birthdays), _surveys = scans
    rows = AuditEvent.objects.filter(action="points.earn_bulk")
    assert awards.award_all(event=event, day=DAY, found=birthdays) == 4  # not the plain member (before), nor two excluded
    assert sorted(row.after["transfers"] for row in rows) == [1, 3]  # dealer 2's one, dealer 1's three
    assert {row.after["event"] for row in rows} == {"birthday"} and rows.first().after["day"] == DAY.isoformat()
    assert awards.award_all(event=event, day=DAY, found=birthdays) == 0
    assert awards.award_all(event=event, day=DAY, found=[]) == 0
    assert rows.count() == 2
    with pytest.raises(ValueError):
        awards.award_all(event="moon_landing", day=DAY, found=birthdays)
