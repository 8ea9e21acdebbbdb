"""The demo's referrals and clubs: the influence-centre ranking finds the planted owners, in
order, at every dealer; each club has its members and three events with attendance."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta
from django.db.models import F

from retain.demo import clubs as demo_clubs
from retain.demo import truth
from retain.loyalty.models import Club, Referral
from retain.loyalty.services import clubs, referrals
from retain.org.models import Role, Staff

pytestmark = pytest.mark.django_db


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
