"""Tiers and event points: an upgrade at once, a downgrade only on the day the anniversary's grace
period ends (and once), qualifying points kept apart from the balance (goodwill, adjustments and
redemptions do not move them); events earn once per source under their rule's caps and the
tier multiplier; the daily scans (birthdays, surveys, profiles, referrals)."""

import datetime as dt

import pytest
from django.db import connection, transaction

from retain.customers.models import Customer, Transaction
from retain.jobs.registry import job
from retain.loyalty import balances
from retain.loyalty.models import Membership, TierChange, Transfer
from retain.loyalty.services import awards, bulk, ledger, points, rules, tiers
from retain.sales.models import Prospect
from tests.conftest import make_customer

UTC = dt.UTC


@pytest.fixture
def programme(org):
    found = ledger.programme_for(org.d1.pk)  # the defaults: 普卡 0, 银卡 5,000 (120 %), 金卡 20,000 (150 %)
    return found


def _earn(customer, amount, day):
    return points.earn(actor=None, customer_id=customer.pk, points=amount, pending=False,
                       now=dt.datetime.combine(day, dt.time(4), UTC))


def test_upgrade_at_once_and_qualifying_apart_from_the_balance(org, programme):
    one = make_customer(dealer=org.d1, name="甲")
    _earn(one, 4_000, dt.date(2026, 1, 10))
    assert balances.of(one.pk)["tier"] == "普卡"
    points.adjust(actor=org.staff["service_manager"], customer_id=one.pk, points=3_000, reason="补录")
    points.redeem(actor=None, customer_id=one.pk, points=2_000)
    held = balances.of(one.pk)
    assert (held["tier"], held["qualifying_points"], held["balance"]) == ("普卡", 4_000, 5_000)  # adjust: no
    _earn(one, 1_000, dt.date(2026, 1, 11))
    membership = Membership.objects.get(customer=one)
    assert (membership.tier.name, membership.tier_since, membership.qualifying_points) == (
        "银卡", dt.date(2026, 1, 11), 5_000)
    assert list(TierChange.objects.values_list("from_tier__name", "to_tier__name", "reason")) == [
        ("普卡", "银卡", "upgrade")]


def test_downgrade_only_when_the_anniversarys_grace_ends_and_once(org, programme):
    one = make_customer(dealer=org.d1, name="甲")
    Transaction.objects.create(customer=one, dealer=org.d1, kind="vehicle_sale", date=dt.date(2025, 3, 1),
                               amount_cents=25_000_000, reference="")  # 250,000 yuan: 25,000 points
    bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31),
                                as_of=dt.date(2025, 3, 31))
    membership = Membership.objects.get(customer=one)
    assert (membership.tier.name, membership.joined_on) == ("金卡", dt.date(2025, 3, 1))
    # the anniversary is 1 March 2026; 30 days' grace: lowered on 31 March 2026, not before nor after
    for day in (dt.date(2026, 3, 1), dt.date(2026, 3, 30), dt.date(2026, 4, 1)):
        assert tiers.lower_at_anniversary(programme, day)["lowered"] == 0, day
        assert Membership.objects.get(customer=one).tier.name == "金卡"
    run = job("loyalty.tiers").run
    assert "1 members lowered" in run(dt.date(2026, 3, 31))
    assert "0 members lowered" in run(dt.date(2026, 3, 31))  # idempotent
    membership.refresh_from_db()
    assert (membership.tier.name, membership.tier_since, membership.qualifying_points) == (
        "普卡", dt.date(2026, 3, 31), 0)
    assert list(TierChange.objects.order_by("id").values_list("to_tier__name", "reason")) == [
        ("金卡", "upgrade"), ("普卡", "downgrade")]


def test_the_live_count_is_the_windows_earnings_less_those_undone(org, programme):
    """Planted: earnings inside and just outside the 365 local days to the day, one reversed, a
    pending one voided and one still pending, goodwill and an adjustment; the live count (the card,
    the API) is what the definition keeps."""
    from retain.loyalty.services import pending, reverse

    one, day = make_customer(dealer=org.d1, name="甲"), dt.date(2026, 6, 30)
    manager = org.staff["service_manager"]
    for amount, on in ((100, day - dt.timedelta(days=364)), (200, day - dt.timedelta(days=365)), (400, day),
                       (800, day + dt.timedelta(days=1))):
        _earn(one, amount, on)
    reversed_ = _earn(one, 1_600, day - dt.timedelta(days=10))
    reverse.reverse(actor=manager, transfer_id=reversed_.pk, reason="退货")
    at = dt.datetime.combine(day - dt.timedelta(days=5), dt.time(4), UTC)
    voided = points.earn(actor=None, customer_id=one.pk, points=3_200, pending=True, now=at)
    pending.void(actor=manager, transfer_id=voided.pk, reason="退货")
    points.earn(actor=None, customer_id=one.pk, points=6_400, pending=True, now=at)
    points.adjust(actor=manager, customer_id=one.pk, points=12_800, reason="补录")
    assert tiers.qualifying(programme, day, one.pk) == 100 + 400 + 6_400
    assert tiers.qualifying(programme, day - dt.timedelta(days=1), one.pk) == 200 + 100 + 6_400
    assert tiers.qualifying(programme, day, make_customer(dealer=org.d1, name="乙").pk) == 0


def test_a_member_who_still_qualifies_keeps_the_tier_at_the_anniversary(org, programme):
    one = make_customer(dealer=org.d1, name="甲")
    Transaction.objects.create(customer=one, dealer=org.d1, kind="service", date=dt.date(2025, 3, 1),
                               amount_cents=600_000, reference="")  # 6,000 points: 银卡
    bulk.earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2025, 3, 1), end=dt.date(2025, 3, 31),
                                as_of=dt.date(2025, 3, 31))
    _earn(one, 5_500, dt.date(2026, 2, 1))
    assert tiers.lower_at_anniversary(programme, dt.date(2026, 3, 31))["lowered"] == 0
    assert Membership.objects.get(customer=one).tier.name == "银卡"


def test_events_once_per_source_with_caps_and_multiplier(org, programme):
    one = make_customer(dealer=org.d1, name="甲")
    day = dt.date(2026, 6, 1)

    def award(event, *sources):
        before = set(Transfer.objects.values_list("pk", flat=True))
        done = awards.award_all(event=event, day=day, found=[(one.pk, source) for source in sources])
        made = list(Transfer.objects.exclude(pk__in=before).order_by("pk"))
        assert done == len(made)
        return made

    [first] = award("birthday", f"birthday:{one.pk}:2026")
    assert award("birthday", f"birthday:{one.pk}:2026") == []  # once per source
    assert first.amount == 200 and first.trigger == "birthday"
    # surveys: 100 each, at most 300 a year
    assert [t.amount for t in award("survey_completed", *(f"survey:{n}" for n in range(4)))] == [100, 100, 100]
    # a gold member earns 150 %: a referral's 2,000 is 3,000
    _earn(one, 20_000, day)
    assert balances.of(one.pk)["tier"] == "金卡"
    assert [t.amount for t in award("referral_delivered", "referral:1")] == [3_000]
    # excluded customers earn nothing from events either
    fleet = make_customer(dealer=org.d1, name="车队", kind="company")
    assert awards.award_all(event="birthday", day=day, found=[(fleet.pk, "birthday:x")]) == 0
    # an inactive rule gives nothing
    rules.set_rules(actor=org.staff["dealer_gm"], dealer_id=org.d1.pk, rules={"profile_completed": {"active": False}})
    assert award("profile_completed", "profile:x") == []
    with pytest.raises(ValueError):
        award("moon_landing", "m")


def test_the_daily_scans_award_birthdays_profiles_and_referrals_once(org, programme):
    day = dt.date(2026, 6, 1)
    born = make_customer(dealer=org.d1, name="寿星", birthday=dt.date(1990, 6, 1), gender="F", city="上海",
                         address="浦东新区世纪大道1号")
    not_member = make_customer(dealer=org.d1, name="路人", birthday=dt.date(1990, 6, 1))
    _earn(born, 10, dt.date(2026, 5, 1))  # a member: has an account
    referrer = make_customer(dealer=org.d1, name="老车主")
    _earn(referrer, 10, dt.date(2026, 5, 1))
    bought = make_customer(dealer=org.d1, name="新车主", referred_by=referrer)
    prospect = Prospect.objects.create(customer=bought, dealer=org.d1, grade="O", status="won", source="vip",
                                       model_of_interest="A6L", first_contact=day, last_contact=day,
                                       next_follow_up=day, delivered_on=day)
    run = job("loyalty.events").run
    assert "1 birthdays, 0 surveys, 1 profiles, 1 referrals" in run(day)
    assert "0 birthdays, 0 surveys, 0 profiles, 0 referrals" in run(day)
    assert Transfer.objects.get(source=f"birthday:{born.pk}:2026").amount == 200
    assert Transfer.objects.get(source=f"profile:{born.pk}").amount == 300
    assert Transfer.objects.get(source=f"referral:{prospect.pk}").credit.customer_id == referrer.pk
    assert not Transfer.objects.filter(credit__customer=not_member).exists()
    assert Customer.objects.count() == 4


def test_the_card_shows_the_tier_and_the_progress_in_few_queries(org, programme, client,
                                                                django_assert_max_num_queries):
    from retain.customers.models import Customer as Member
    from retain.loyalty.cards import points_section

    one = make_customer(dealer=org.d1, name="甲", owner=org.staff["consultant"])
    _earn(one, 6_500, dt.date.today())
    for _n in range(10):
        points.redeem(actor=None, customer_id=one.pk, points=10)
    reader, member = org.staff["dealer_gm"], Member.objects.get(pk=one.pk)
    with django_assert_max_num_queries(4):  # accounts (with the dealer's zone), transfers, membership with tiers, qualifying
        section = points_section(reader, member)
    assert (section.context["tier"].name, section.context["qualifying"], section.context["to_next"]) == (
        "银卡", 6_500, 20_000 - 6_500)
    assert section.context["progress"] == (6_500 - 5_000) * 100 // (20_000 - 5_000)
    client.force_login(reader)
    card = client.get(f"/customers/{one.pk}/").content.decode()
    points_html = card[card.index('id="points"'):]
    assert "银卡" in points_html and "13500" in points_html and "<progress" in points_html


def test_the_card_shows_no_tier_to_an_account_holder_without_a_membership(org, programme,
                                                                        django_assert_max_num_queries):
    """The membership and the ladder are one statement: no membership, no rows, no tier, and
    the qualifying points (shown only beside a tier) are not counted."""
    from retain.customers.models import Customer as Member
    from retain.loyalty.cards import points_section

    one = make_customer(dealer=org.d1, name="甲", owner=org.staff["consultant"])
    _earn(one, 6_500, dt.date.today())
    Membership.objects.filter(customer=one).delete()
    reader, member = org.staff["dealer_gm"], Member.objects.get(pk=one.pk)
    with django_assert_max_num_queries(3):  # accounts, transfers, membership with tiers
        section = points_section(reader, member)
    assert section.context["tier"] is None and "qualifying" not in section.context
    assert section.context["balance"] == 6_500


@pytest.mark.parametrize("zone", [None, "Europe/Berlin"])
def test_the_card_reads_the_dealers_zone_with_the_accounts(org, programme, zone, django_assert_num_queries):
    """The points section reads the programme with its dealer's channel settings, so the zone its
    qualifying window is cut in costs no query of its own: the dealer's zone, or the default."""
    from zoneinfo import ZoneInfo

    from django.conf import settings

    from retain.channels.models import ChannelSettings
    from retain.loyalty.models import Account

    if zone:
        ChannelSettings.objects.create(dealer=org.d1, time_zone=zone)
    one = make_customer(dealer=org.d1, name="甲", owner=org.staff["consultant"])
    _earn(one, 100, dt.date.today())
    account = Account.objects.select_related(f"programme__{ledger.ZONE_WITH}").get(customer=one, kind="member")
    with django_assert_num_queries(0):
        assert ledger.local_zone(account.programme) == ZoneInfo(zone or settings.TIME_ZONE)
    plain = Account.objects.select_related("programme").get(customer=one, kind="member")
    with django_assert_num_queries(1):  # read on its own otherwise
        assert ledger.local_zone(plain.programme) == ZoneInfo(zone or settings.TIME_ZONE)


def test_many_single_earns_in_one_transaction_hold_no_more_locks_than_one(org, programme):
    """A recount's keyed tables are made once per connection: made and dropped per earn, a
    transaction of thousands of single earns (the events job's birthdays, the demo's) held a lock
    on every table it had made, until PostgreSQL's lock table was full ("out of shared memory")."""
    customers = [make_customer(dealer=org.d1, name=f"甲{n}") for n in range(12)]

    def held() -> int:
        with connection.cursor() as cursor:
            if connection.vendor != "postgresql":
                return 0
            cursor.execute("SELECT COUNT(*) FROM pg_locks WHERE pid = pg_backend_pid()")
            return cursor.fetchone()[0]

    with transaction.atomic():
        _earn(customers[0], 100, dt.date(2026, 1, 10))
        after_one = held()
        for customer in customers[1:]:
            _earn(customer, 100, dt.date(2026, 1, 10))
        assert held() <= after_one
    assert Membership.objects.filter(customer__in=customers).count() == 12
