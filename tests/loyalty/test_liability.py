"""The liability report against a planted ledger: month-end outstanding points (spendable +
pending, reserved apart) against a second computation over the transfers in Python, the latest
month-end against the members' current balances, breakage and the redemption rate by hand."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.utils import timezone

from retain.loyalty import liability, months
from retain.loyalty.models import Account, AccountKind, Transfer
from retain.loyalty.services import expiry, partners, points, reservations
from retain.loyalty.services.ledger import programme_for
from tests.conftest import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def planted(org, manager):
    c1 = make_customer(dealer=org.d1, name="会员甲")
    c2 = make_customer(dealer=org.d1, name="会员乙")
    wash = partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code="wash",
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2024, 1, 1))

    def earn(customer, amount, at, pending=False):
        points.earn(actor=manager, customer_id=customer.pk, points=amount, pending=pending, now=at)

    earn(c1, 1000, local(2024, 1, 10, 10))                       # issued Jan 2024; its lot ends 31 Jan 2026
    points.redeem(actor=manager, customer_id=c1.pk, points=300, now=local(2025, 3, 5, 10))
    earn(c2, 400, local(2025, 3, 31, 23, 59))                    # March (23:59 local)
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=c2.pk, points=100, reference="P1",
                           now=local(2025, 4, 1, 0, 1))           # April (00:01 local)
    earn(c1, 200, local(2025, 6, 10, 10))
    earn(c1, 50, local(2025, 6, 20, 10), pending=True)           # pending, never activated here
    reservations.reserve(actor=manager, customer_id=c1.pk, points=100, now=local(2025, 7, 1, 10))
    partners.partner_accept(actor=manager, partner_id=wash.pk, customer_id=c2.pk, points=150, reference="A1",
                            now=local(2025, 8, 15, 10))
    earn(c2, 1000, local(2026, 6, 10, 10))
    expired = expiry.expire_due(actor=None, day=timezone.now().astimezone(SHANGHAI).date())  # now: this month
    assert expired["points"] == 600  # the 2024 lot: 1000 - 300 redeemed - 100 reserved
    return programme_for(org.d1.pk)


def _this_month():
    return months.first_of(timezone.now().astimezone(SHANGHAI).date())


def _by_python(programme, month):
    """The month-end balances and the month's flows, summed over every transfer in Python."""
    _start, end = months.bounds(SHANGHAI, month)
    held = dict.fromkeys(("member", "pending", "hold"), 0)
    issued = expired = 0
    for transfer in Transfer.objects.filter(programme_id=programme.pk).select_related("debit", "credit"):
        if transfer.created_at < end:
            if transfer.credit.kind in held:
                held[transfer.credit.kind] += transfer.amount
            if transfer.debit.kind in held:
                held[transfer.debit.kind] -= transfer.amount
        if _start <= transfer.created_at < end:
            if transfer.kind in ("earn", "goodwill") or (transfer.kind == "partner" and transfer.credit.customer_id):
                issued += transfer.amount
            if transfer.kind == "expire":
                expired += transfer.amount
    return held, issued, expired


def test_month_ends_against_a_second_computation(planted):
    rows = {row["month"]: row for row in liability.for_programme(planted, dt.date(2024, 1, 1), _this_month())}
    assert list(rows) == months.span(dt.date(2024, 1, 1), _this_month())
    for month, row in rows.items():
        held, issued, expired = _by_python(planted, month)
        assert (row["spendable"], row["pending"], row["reserved"]) == (held["member"], held["pending"], held["hold"])
        assert row["outstanding"] == held["member"] + held["pending"] and (row["issued"], row["expired"]) == (
            issued, expired), month


def test_month_ends_by_hand(planted):
    rows = {row["month"]: row for row in liability.for_programme(planted, dt.date(2024, 12, 1), _this_month())}
    figures = {m: (r["spendable"], r["pending"], r["reserved"], r["outstanding"]) for m, r in rows.items()}
    assert figures[dt.date(2024, 12, 1)] == (1000, 0, 0, 1000)
    assert figures[dt.date(2025, 3, 1)] == (1100, 0, 0, 1100)
    assert figures[dt.date(2025, 4, 1)] == (1200, 0, 0, 1200)
    assert figures[dt.date(2025, 6, 1)] == (1400, 50, 0, 1450)
    assert figures[dt.date(2025, 7, 1)] == (1300, 50, 100, 1350)
    assert figures[dt.date(2025, 8, 1)] == (1150, 50, 100, 1200)
    assert figures[dt.date(2026, 6, 1)] == (2150, 50, 100, 2200)
    assert figures[_this_month()] == (1550, 50, 100, 1600)
    assert rows[_this_month()]["value_cents"] == 1600 * planted.point_value_cents
    # the monthly flows
    assert [(rows[m]["issued"], rows[m]["redeemed"], rows[m]["expired"]) for m in (
        dt.date(2025, 3, 1), dt.date(2025, 4, 1), dt.date(2025, 6, 1), dt.date(2025, 8, 1))] == [
        (400, 300, 0), (100, 0, 0), (250, 0, 0), (0, 150, 0)]
    assert rows[_this_month()]["expired"] == 600


def test_rates_over_the_trailing_twelve_months_by_hand(planted):
    rows = {row["month"]: row for row in liability.for_programme(planted, dt.date(2025, 1, 1), _this_month())}
    august = rows[dt.date(2025, 8, 1)]  # Sep 2024 - Aug 2025: issued 400 + 100 + 250, redeemed 300 + 150
    assert (august["issued_12"], august["redeemed_12"], august["expired_12"]) == (750, 450, 0)
    assert august["redemption_rate"] == pytest.approx(0.6) and august["breakage_rate"] == 0
    june = rows[dt.date(2026, 6, 1)]  # Jul 2025 - Jun 2026: issued 1000, redeemed 150 (at the partner)
    assert (june["redemption_rate"], june["breakage_rate"]) == (pytest.approx(0.15), 0)
    now = rows[_this_month()]
    window = [rows[months.add_months(_this_month(), -k)] for k in range(12)]
    assert now["issued_12"] == sum(r["issued"] for r in window)
    assert now["breakage_rate"] == pytest.approx(600 / now["issued_12"])
    assert rows[dt.date(2025, 1, 1)]["redemption_rate"] is None  # nothing issued in the 12 months before: no rate


def test_the_latest_month_end_equals_the_current_balances(planted):
    latest = liability.for_programme(planted, _this_month(), _this_month())[-1]
    current = Account.objects.filter(programme=planted, kind__in=[AccountKind.MEMBER, AccountKind.PENDING]).aggregate(
        n=Sum("balance"))["n"]
    reserved = Account.objects.filter(programme=planted, kind=AccountKind.HOLD).aggregate(n=Sum("balance"))["n"]
    assert latest["outstanding"] == current == 1600 and latest["reserved"] == reserved == 100


def test_the_report_sums_dealers_and_reads_with_few_queries(planted, org, django_assert_max_num_queries):
    points.earn(actor=None, customer_id=make_customer(dealer=org.d2, name="二店会员").pk, points=70, pending=False)
    from retain.org.models import Dealer

    with django_assert_max_num_queries(8):
        report = liability.report(Dealer.objects.filter(pk__in=[org.d1.pk, org.d2.pk]), _this_month(), _this_month())
    assert [(row["dealer_id"], row["outstanding"]) for row in report["rows"]] == [(org.d1.pk, 1600), (org.d2.pk, 70)]
    assert report["totals"][0]["outstanding"] == 1670
