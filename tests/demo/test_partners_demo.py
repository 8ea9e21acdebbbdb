"""The demo's coalition partners: two per dealer with a year of movements, every ended month
closed and balanced to the ledger, breakage on the liability, and the latest month-end equal to
the members' balances; ``retain loyalty verify`` clean."""

import datetime as dt

import pytest
from django.db.models import Sum

from retain.demo import truth
from retain.loyalty import liability, months, verify
from retain.loyalty.models import Account, AccountKind, Partner, Programme, Settlement, Transfer
from retain.loyalty.services import partners

pytestmark = pytest.mark.django_db


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
