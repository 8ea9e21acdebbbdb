"""The demo's points earned two dealers side by side, each in its own transaction on its own
connection (PostgreSQL, a build outside any transaction, as ``retain demo`` runs it): every record
the rules let earn has earned, once, and the members' tiers count what they earned.

The demo tests' shared build runs inside a transaction, where the dealers are earned one after the
other on the test's connection; this one commits, so it builds a group of its own, small."""

import datetime as dt

import pytest
from django.db import connection, connections
from django.db.models import Count, Exists, OuterRef, Sum

from retain.demo import build, points, truth
from retain.demo.generate import Scale
from retain.loyalty import verify
from retain.loyalty.models import AccountKind, Membership, Transfer, TransferKind
from retain.loyalty.services import tiers
from retain.org.models import Dealer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side on PostgreSQL only (SQLite has one writer)")
def test_dealers_earned_side_by_side_earn_everything_once():
    today = truth.OBSERVATION_END
    summary = build.build_demo(Scale(regions=1, dealers=3, customers=1_500), seed=3, today=today)
    assert not connection.in_atomic_block
    earned = Transfer.objects.filter(kind=TransferKind.EARN, source__startswith="txn:")
    assert summary["counts"]["loyalty.Transfer"] > earned.count() > 1_000
    assert not earned.values("source").annotate(n=Count("id")).filter(n__gt=1).exists()
    # one after the other, on this connection, finds nothing left to earn
    first = dt.date(today.year - 2, today.month, 1)
    again = [points._dealer(dealer_id, first, today) for dealer_id in Dealer.objects.order_by("pk").values_list("pk", flat=True)]
    assert [part["transfers"] for part in again] == [0, 0, 0]
    # each member's counted points (set-based) and the card's live count (one member) are the
    # ORM's count of the day they were counted, written apart
    for membership in Membership.objects.select_related("programme").order_by("pk")[::7]:
        apart = qualifying_by_the_orm(membership.programme, membership.counted_on, membership.customer_id)
        assert membership.qualifying_points == apart, membership.customer_id
        assert tiers.qualifying(membership.programme, membership.counted_on, membership.customer_id) == apart
    result = verify.run()
    assert result.ok, result.violation
    connections.close_all()


def qualifying_by_the_orm(programme, day, customer_id) -> int:
    """Qualifying points as the DOMAIN defines them, through the ORM: earnings credited to the
    member's accounts in the 365 local days to ``day``, less those voided or reversed."""
    since, until = tiers.window(programme, day)
    undone = Exists(Transfer.objects.filter(settles=OuterRef("pk"), kind=TransferKind.VOID_EARN)) | Exists(
        Transfer.objects.filter(reverses=OuterRef("pk")))
    earned = Transfer.objects.filter(
        kind=TransferKind.EARN, credit__programme=programme, credit__kind__in=[AccountKind.MEMBER, AccountKind.PENDING],
        credit__customer_id=customer_id, created_at__gte=since, created_at__lt=until).exclude(undone)
    return earned.aggregate(total=Sum("amount"))["total"] or 0
