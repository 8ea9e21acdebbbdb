"""The demo's points programme, on one build of the small demo: the rewards (a catalogue per
dealer and two years of orders written in bulk, every voucher's reservation settled as its status
says), the referrals and clubs (the influence-centre ranking finds the planted owners, in order, at
every dealer; each club has its members and three events with attendance) and the coalition
partners (a year of movements, every ended month closed and balanced to the ledger, breakage on
the liability, the latest month-end equal to the members' balances); ``retain loyalty verify``
clean."""

import datetime as dt
from collections import Counter

import pytest
from dateutil.relativedelta import relativedelta
from django.db.models import Count, F, Q, Sum

from retain.demo import clubs as demo_clubs
from retain.demo import truth
from retain.loyalty import liability, months, verify
from retain.loyalty.models import (
    Account,
    AccountKind,
    Club,
    Partner,
    Programme,
    Referral,
    Reward,
    Settlement,
    Transfer,
    TransferKind,
    Voucher,
)
from retain.loyalty.services import clubs, codes, partners, referrals
from retain.org.models import Dealer, Role, Staff

pytestmark = pytest.mark.django_db


def test_catalogues_and_two_years_of_vouchers(small):
    dealers = Dealer.objects.count()
    assert Reward.objects.count() == 10 * dealers == small["counts"]["loyalty.Reward"]
    statuses = Counter(Voucher.objects.values_list("status", flat=True))
    print(f"\nsmall demo vouchers: {dict(statuses)}")
    assert set(statuses) == {"open", "used", "cancelled", "expired"}
    assert statuses["used"] > statuses["cancelled"] + statuses["expired"]
    assert sum(statuses.values()) == small["counts"]["loyalty.Voucher"]
    assert all(codes.valid(code) for code in Voucher.objects.values_list("code", flat=True)[:2000])
    settled = Voucher.objects.annotate(
        posted=Count("reservation__settlements", filter=Q(reservation__settlements__kind=TransferKind.POST_RESERVATION)),
        released=Count("reservation__settlements",
                       filter=Q(reservation__settlements__kind=TransferKind.VOID_RESERVATION)))
    for status, posted, released in settled.values_list("status", "posted", "released"):
        assert (posted, released) == {"used": (1, 0), "open": (0, 0), "cancelled": (0, 1), "expired": (0, 1)}[status]
    assert not Voucher.objects.filter(closed_at__lt=F("ordered_at")).exists()
    assert Transfer.objects.filter(kind=TransferKind.RESERVE).count() >= Voucher.objects.count()
    assert not Reward.objects.filter(stock__lt=0).exists()
    result = verify.run()
    assert result.ok, result.violation


def test_the_ranking_recovers_the_planted_influence_centres(small):
    planted = small["influence_centres"]
    assert planted, "a planted referrer at every dealer"
    today = truth.OBSERVATION_END
    start = today - relativedelta(months=24) + dt.timedelta(days=1)
    for dealer_id, centres in planted.items():
        gm = Staff.objects.filter(dealer_id=dealer_id, role=Role.DEALER_GM).first()
        rows = referrals.influence_centres(gm, dealer=gm.dealer, start=start, end=today)
        top = [(r["customer"].pk, r["won"], r["referred"]) for r in rows[:demo_clubs.PLANTED_PER_DEALER]]
        expected = [(pk, won, won + demo_clubs.PLANTED_OPEN) for pk, won in zip(centres, demo_clubs.PLANTED_WON)]
        assert top == expected, dealer_id
        assert all(r["won"] <= demo_clubs.OTHERS_MAX for r in rows[demo_clubs.PLANTED_PER_DEALER:])
    # every referral agrees with the customer record
    assert not Referral.objects.exclude(customer__referred_by=F("referrer")).exists()




def test_each_dealer_has_a_club_with_events_and_attendance(small):
    assert Club.objects.count() == len(small["influence_centres"])
    for club in Club.objects.all():
        assert clubs.active_members(club).count() == demo_clubs.CLUB_MEMBERS
        rows = clubs.club_events(club)
        assert len(rows) == len(demo_clubs.EVENTS) and all(r["invited"] == demo_clubs.CLUB_MEMBERS for r in rows)
        rate = clubs.attendance(club)["rate"]
        assert 0.3 < rate < 0.6


def test_the_demos_partners_settlements_and_breakage(small):
    dealers = Programme.objects.count()
    assert Partner.objects.count() == 2 * dealers and small["counts"]["loyalty.Settlement"] == 2 * dealers * 27
    assert Settlement.objects.count() == 2 * dealers * 27
    assert Transfer.objects.filter(kind="partner").count() > 2 * dealers * 12 * 3
    last = months.add_months(months.first_of(truth.OBSERVATION_END), -1)
    for partner in Partner.objects.select_related("programme")[:4]:
        rows = partners.history(partner, through=truth.OBSERVATION_END)
        assert all(row["balanced"] for row in rows)
        closed = [row for row in rows if row["settlement"]]
        assert len(closed) == 27 and closed[0]["month"] == last and closed[0]["issued_points"] > 0
    end = months.first_of(truth.OBSERVATION_END)
    for programme in Programme.objects.select_related("dealer")[:3]:
        rows = liability.for_programme(programme, months.add_months(end, -11), end)
        assert sum(row["expired"] for row in rows) > 0
        assert rows[-1]["breakage_rate"] > 0 and 0 < rows[-1]["redemption_rate"] < 1
        current = Account.objects.filter(programme=programme, kind__in=[AccountKind.MEMBER, AccountKind.PENDING])
        later = Transfer.objects.filter(programme_id=programme.pk, created_at__gte=months.bounds(
            liability.local_zone(programme), end)[1]).exists()
        if not later:
            assert rows[-1]["outstanding"] == current.aggregate(n=Sum("balance"))["n"]
    assert verify.run().ok
    assert dt.date(2026, 6, 30) == truth.OBSERVATION_END
