"""The demo's rewards: a catalogue per dealer and two years of orders written in bulk, with the
ledger's invariants intact (``retain loyalty verify``) and every voucher's reservation settled as
its status says."""

from collections import Counter

import pytest
from django.db.models import Count, F, Q

from retain.loyalty import verify
from retain.loyalty.models import Reward, Transfer, TransferKind, Voucher
from retain.loyalty.services import codes
from retain.org.models import Dealer

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

