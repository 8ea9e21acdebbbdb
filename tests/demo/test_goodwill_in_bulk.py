"""The demo's goodwill credits written in bulk (``demo.goodwill``) are what the service writes
credit by credit (``cases.services.compensation.credit_goodwill``, kept here as the second
implementation): on planted compensations that reach the cap per case, the cap per member in a
local month (crossing midnight into the next month in Shanghai), the programme's largest movement,
a member with no accounts yet and an earlier credit counted in the caps, each run in its own
rolled-back transaction, the same compensations are credited, with the same transfers, lots,
accounts and balances; the ledger's invariants hold after the bulk run."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from retain.cases.models import Compensation, CompensationKind, CompensationStatus
from retain.cases.services import cases as case_service
from retain.cases.services.compensation import credit_goodwill
from retain.demo import goodwill
from retain.loyalty import verify
from retain.loyalty.models import Account, Lot, Programme
from retain.loyalty.services import ledger, points
from retain.org.models import Role
from tests.conftest import make_customer, make_staff

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def _at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def planted(org):
    """Approved goodwill compensations, none credited yet, and the points credited before them."""
    adviser = org.staff["service_advisor"]
    earning = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五")
    points.earn(actor=None, customer_id=earning.pk, points=300, source="planted", pending=False)  # has accounts
    new = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="李四")  # no account yet
    other = make_customer(dealer=org.d2, owner=org.staff["d2_consultant"], name="赵六")
    Programme.objects.filter(pk=ledger.programme_for(org.d2.pk).pk).update(max_points_per_transfer=1_000)

    d2_adviser = make_staff("d2_adviser", Role.SERVICE_ADVISOR, group=org.groups[0], dealer=org.d2)

    def case(customer):
        return case_service.open_case(actor=d2_adviser if customer.dealer_id == org.d2.pk else adviser,
                                      customer_id=customer.pk, description="返修")

    def approved(on, points_, offered_at, decided_at=None, decided_by=None):
        return Compensation.objects.create(
            case=on, kind=CompensationKind.GOODWILL_POINTS, value_cents=0, points=points_, description="致歉",
            status=CompensationStatus.APPROVED, offered_by=adviser, offered_at=offered_at, decided_at=decided_at,
            decided_by=decided_by)

    first, second, third, fourth = (case(earning) for _ in range(4))
    # credited before: counts in May's cap
    earlier = approved(fourth, 1_000, _at(5, 2))
    credit_goodwill(earlier, actor=adviser, now=_at(5, 2))
    approved(first, 1_500, _at(3, 10))
    approved(first, 800, _at(3, 11))  # the case's cap leaves 500: refused
    approved(first, 500, _at(3, 12), _at(3, 13), org.staff["service_manager"])  # fills the case's 2,000
    approved(second, 2_000, _at(3, 20))  # March: 4,000 of 5,000
    approved(third, 1_500, _at(3, 31, 23, 30))  # March has 1,000 left: refused
    approved(third, 1_000, _at(3, 31, 23, 40), _at(4, 1, 0, 30), org.staff["service_manager"])  # decided in April
    approved(fourth, 4_500, _at(5, 20))  # May has 4,000 left after the earlier credit: refused
    approved(case(new), 700, _at(6, 1))  # the member's accounts are made
    approved(case(other), 1_200, _at(6, 2))  # beyond dealer 2's largest movement: refused
    approved(case(other), 900, _at(6, 3))
    return [earning, new, other]


def _written(customers) -> dict:
    """What each credit wrote, keyed by compensation, and the members' and programmes' accounts."""
    credits = {}
    for compensation in Compensation.objects.select_related("transfer__credit", "transfer__debit").order_by("pk"):
        transfer = compensation.transfer
        credits[compensation.pk] = transfer and (
            transfer.kind, transfer.amount, transfer.source, transfer.memo, transfer.actor_id, transfer.origin,
            transfer.created_at, transfer.credit.customer_id, transfer.credit.kind, transfer.debit.kind,
            list(Lot.objects.filter(transfer=transfer).values_list("account__customer_id", "account__kind", "amount",
                                                                     "remaining", "earned_on", "expires_on")))
    accounts = sorted(Account.objects.filter(programme__dealer__in=[c.dealer_id for c in customers])
                      .values_list("programme__dealer_id", "customer_id", "kind", "key", "balance"),
                      key=lambda row: tuple(str(value) for value in row))
    return {"credits": credits, "accounts": accounts}


class RolledBack(Exception):
    pass


def _run(write, customers) -> dict:
    try:
        with transaction.atomic():
            write()
            result = verify.run()
            assert result.ok, result.violation
            written = _written(customers)
            raise RolledBack
    except RolledBack:
        return written


def _by_the_service():
    """The demo's credits as they were made before: the service, credit by credit, oldest first."""
    approved = (Compensation.objects.filter(kind=CompensationKind.GOODWILL_POINTS, status=CompensationStatus.APPROVED,
                                            transfer__isnull=True).select_related("case").order_by("offered_at", "pk"))
    for compensation in approved:
        try:
            credit_goodwill(compensation, actor=compensation.decided_by or compensation.offered_by,
                            now=compensation.decided_at or compensation.offered_at)
        except ValidationError:
            continue


def test_the_bulk_credits_are_the_services_credits(planted):
    in_bulk = _run(goodwill.credit_approved, planted)
    one_by_one = _run(_by_the_service, planted)
    assert in_bulk == one_by_one
    credited = [row for row in in_bulk["credits"].values() if row]
    assert [row[1] for row in credited] == [1_000, 1_500, 500, 2_000, 1_000, 700, 900]  # four refused
    assert {row[7] for row in credited} == {customer.pk for customer in planted}


def test_nothing_left_to_credit_writes_nothing(planted):
    def twice():
        assert goodwill.credit_approved() == 7 - 1  # the earlier one was credited already
        assert goodwill.credit_approved() == 0

    _run(twice, planted)
