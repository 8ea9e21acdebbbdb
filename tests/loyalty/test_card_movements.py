"""The card's points section lists the member's latest movements in or out of any of their
accounts, newest first, with the change to the spendable balance signed (``loyalty.cards``:
a prepared query called with three account ids, padded for a member with fewer, as the bulk
earning leaves them). Checked against the plain queryset over the member's accounts."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import Q

from retain.customers.models import Transaction
from retain.loyalty import cards
from retain.loyalty.models import Account, Transfer
from retain.loyalty.services import points, reservations
from retain.loyalty.services.bulk import earn_from_transactions
from tests.conftest import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
START = dt.datetime(2026, 3, 1, 10, 0, tzinfo=SHANGHAI)


def _expected(customer) -> list[tuple[int, int]]:
    accounts = list(Account.objects.filter(customer=customer))
    spendable = next((a.pk for a in accounts if a.kind == "member"), None)
    latest = (Transfer.objects.filter(Q(debit__in=accounts) | Q(credit__in=accounts))
              .order_by("-created_at", "-id")[:cards.SHOWN])
    return [(t.pk, (t.amount if t.credit_id == spendable else 0) - (t.amount if t.debit_id == spendable else 0))
            for t in latest]


def _shown(actor, customer) -> list[tuple[int, int]]:
    return [(row["transfer"].pk, row["change"]) for row in cards.points_section(actor, customer).context["rows"]]


def test_the_cards_movements_are_the_latest_of_all_the_members_accounts_newest_first(org, desk):
    member, other = (make_customer(dealer=org.d1, name=name) for name in ("王芳", "李四"))
    for day in range(10):  # more than the card shows, for both
        for customer in (member, other):
            points.earn(actor=desk, customer_id=customer.pk, points=100 + day, pending=False,
                        now=START + dt.timedelta(days=day))
    reservations.reserve(actor=desk, customer_id=member.pk, points=150, memo="精品车模",
                         now=START + dt.timedelta(days=20))  # out of the spendable account, into the hold
    points.earn(actor=desk, customer_id=member.pk, points=70, pending=True,
                now=START + dt.timedelta(days=21))  # into the pending account alone
    assert Account.objects.filter(customer=member).count() == 3
    shown = _shown(desk, member)
    assert shown == _expected(member) and len(shown) == cards.SHOWN
    assert shown[:3] == [(shown[0][0], 0), (shown[1][0], -150), (shown[2][0], 109)]  # pending, reserved, earned


def test_a_member_with_fewer_accounts_has_their_movements_and_no_one_elses(org, desk):
    """The bulk earning makes the spendable account alone (and a pending one only for records in
    the returns window): one or two ids, padded to three with ids no account has."""
    member, other = (make_customer(dealer=org.d1, name=name) for name in ("王芳", "李四"))
    for n, customer in enumerate((member, other, member)):
        Transaction.objects.create(customer=customer, dealer=org.d1, kind="service", date=dt.date(2026, 1, 5 + n),
                                   amount_cents=150_000 + n * 10_000)
    earn_from_transactions(actor=None, dealer_id=org.d1.pk, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31),
                           as_of=dt.date(2026, 6, 30))
    assert list(Account.objects.filter(customer=member).values_list("kind", flat=True)) == ["member"]
    shown = _shown(desk, member)
    assert shown == _expected(member) and len(shown) == 2 and all(change > 0 for _pk, change in shown)
    assert {pk for pk, _change in shown}.isdisjoint(pk for pk, _change in _expected(other))
