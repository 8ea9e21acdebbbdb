"""Coalition partners: issue and accept on the ledger, the monthly settlement against a
hand-computed month (movements at 23:59 and 00:01 local time on both of its boundaries),
balanced to the ledger, closed once; acceptance under concurrency never overspends; bad input."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.http import Http404

from retain.loyalty import balances, months
from retain.loyalty.models import AccountKind, Lot, Settlement, Transfer
from retain.loyalty.services import partners
from retain.loyalty.services.ledger import InsufficientPoints
from tests.conftest import make_customer, make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def _partner(org, actor=None, **extra):
    values = {"name": "洗车店", "kind": "car_wash", "code": "wash", "issue_rate_cents": 5, "accept_rate_cents": 4,
              "active_from": dt.date(2026, 1, 1)}
    values.update(extra)
    return partners.create_partner(actor=actor, dealer_id=org.d1.pk, **values)


@pytest.fixture
def wash(org, manager):
    return _partner(org, manager)


def _account(partner):
    return partners.account_of(partner)


@pytest.fixture
def march(wash, manager, customer):
    """The planted month: March 2026 in Shanghai, with movements a minute either side of both ends."""
    def issue(points, at, ref):
        return partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=points,
                                      reference=ref, now=at)

    def accept(points, at, ref):
        return partners.partner_accept(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=points,
                                       reference=ref, now=at)

    issue(1000, local(2026, 2, 28, 23, 59), "R1")   # February
    issue(300, local(2026, 3, 1, 0, 1), "R2")       # March
    accept(200, local(2026, 3, 15, 10, 0), "A1")    # March
    issue(500, local(2026, 3, 31, 23, 59), "R3")    # March
    accept(100, local(2026, 4, 1, 0, 1), "A2")      # April
    return wash


def test_the_settlement_of_a_planted_month(march):
    report = partners.settlement(march, "2026-03")
    # by hand: March issued 300 + 500, accepted 200; 5 cents a point issued, 4 a point accepted
    assert (report["issued_points"], report["accepted_points"], report["transfers"]) == (800, 200, 3)
    assert (report["due_from_partner_cents"], report["due_to_partner_cents"], report["net_cents"]) == (4000, 800, 3200)
    assert report["ledger_net_points"] == 200 - 800 and report["balanced"]
    february, april = partners.settlement(march, "2026-02"), partners.settlement(march, dt.date(2026, 4, 9))
    assert (february["issued_points"], february["accepted_points"], february["net_cents"]) == (1000, 0, 5000)
    assert (april["issued_points"], april["accepted_points"], april["net_cents"]) == (0, 100, -400)


def test_the_settlement_balances_to_the_partner_accounts_transfers(march):
    """A second computation: the partner account's transfers, summed in Python by local month."""
    account = _account(march)
    by_month = {}
    for transfer in Transfer.objects.filter(programme_id=march.programme_id):
        sign = (transfer.credit_id == account.pk) - (transfer.debit_id == account.pk)
        month = transfer.created_at.astimezone(SHANGHAI).date().replace(day=1)
        by_month[month] = by_month.get(month, 0) + sign * transfer.amount
    for month, net in by_month.items():
        report = partners.settlement(march, month)
        assert report["accepted_points"] - report["issued_points"] == net == report["ledger_net_points"]
    assert sum(by_month.values()) == account.balance == -1800 + 300
    history = {row["month"]: row for row in partners.history(march, through=dt.date(2026, 4, 1))}
    assert list(history) == [dt.date(2026, 4, 1), dt.date(2026, 3, 1), dt.date(2026, 2, 1), dt.date(2026, 1, 1)]
    assert all(history[m]["accepted_points"] - history[m]["issued_points"] == by_month.get(m, 0) for m in history)
    assert history[dt.date(2026, 3, 1)]["net_cents"] == 3200 and history[dt.date(2026, 3, 1)]["closable"]
    assert not history[dt.date(2026, 4, 1)]["closable"]


def test_closing_records_the_month_once(march, manager):
    made = partners.close_month(actor=manager, partner_id=march.pk, month="2026-03", now=local(2026, 4, 2, 9, 0))
    assert (made.issued_points, made.accepted_points, made.net_cents, made.closed_by_id) == (800, 200, 3200,
                                                                                              manager.pk)
    with pytest.raises(ValidationError, match="already closed"):
        partners.close_month(actor=manager, partner_id=march.pk, month="2026-03", now=local(2026, 4, 3))
    with pytest.raises(ValidationError, match="ended"):
        partners.close_month(actor=manager, partner_id=march.pk, month="2026-04", now=local(2026, 4, 30, 23, 59))
    assert Settlement.objects.count() == 1
    with pytest.raises(TypeError):
        made.save()
    with pytest.raises(TypeError):
        Settlement.objects.filter(pk=made.pk).update(net_cents=0)
    # the rates change later: a closed month keeps the ones it was closed with
    type(march).objects.filter(pk=march.pk).update(issue_rate_cents=9)
    march.refresh_from_db()
    assert partners.settlement(march, "2026-03")["net_cents"] == 3200
    assert partners.settlement(march, "2026-02")["net_cents"] == 9000


def test_issue_earns_a_lot_and_accept_spends_first_to_expire(march, customer):
    lots = Lot.objects.filter(account__customer=customer).order_by("expires_on", "id")
    assert [(lot.amount, lot.remaining, lot.expires_on) for lot in lots] == [
        (1000, 700, dt.date(2028, 2, 29)), (300, 300, dt.date(2028, 3, 31)), (500, 500, dt.date(2028, 3, 31))]
    assert balances.of(customer.pk)["balance"] == 1500


def test_a_reference_earns_once(wash, manager, customer):
    first = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=50,
                                   reference="X-1")
    again = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=50,
                                   reference="X-1")
    assert again.pk == first.pk and balances.of(customer.pk)["balance"] == 50
    with pytest.raises(ValidationError, match="another movement"):
        partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=60,
                               reference="X-1")
    keyed = partners.partner_accept(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=20,
                                    reference="Y-1", idempotency_key="k1")
    assert partners.partner_accept(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=20,
                                   reference="Y-1", idempotency_key="k1").pk == keyed.pk
    assert balances.of(customer.pk)["balance"] == 30


def test_accepting_more_than_the_balance_is_refused(wash, manager, customer):
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=50, reference="I")
    with pytest.raises(InsufficientPoints):
        partners.partner_accept(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=51, reference="A")
    assert balances.of(customer.pk)["balance"] == 50


@pytest.mark.django_db(transaction=True)
def test_simultaneous_acceptances_never_overspend(org):
    manager = org.staff["service_manager"]
    wash = _partner(org, manager)
    customer = make_customer(dealer=org.d1, name="并发会员")
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=500, reference="I")
    outcomes, barrier = [], threading.Barrier(12)

    def run(i):
        try:
            barrier.wait()
            partners.partner_accept(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=100,
                                    reference=f"A{i}")
            outcomes.append("ok")
        except InsufficientPoints:
            outcomes.append("insufficient")
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["insufficient"] * 7 + ["ok"] * 5
    assert balances.of(customer.pk)["balance"] == 0
    assert _account(wash).balance == 0


def test_who_records_partner_movements(org, wash, customer):
    agent = make_staff("wash_till", "consultant", group=org.d1.region.group, dealer=org.d1)
    type(wash).objects.filter(pk=wash.pk).update(agent=agent)
    made = partners.partner_issue(actor=agent, partner_id=wash.pk, customer_id=customer.pk, points=10, reference="T1")
    assert made.actor_id == agent.pk
    with pytest.raises(PermissionDenied):
        partners.partner_issue(actor=org.staff["consultant"], partner_id=wash.pk, customer_id=customer.pk, points=10,
                               reference="T2")
    with pytest.raises(Http404):
        partners.partner_issue(actor=make_staff("d2mgr", "service_manager", group=org.d2.region.group, dealer=org.d2),
                               partner_id=wash.pk, customer_id=customer.pk, points=10, reference="T3")
    # a customer of another dealer is not the partner's programme's member
    other = make_customer(dealer=org.d2, name="别家客户")
    with pytest.raises(Http404):
        partners.partner_issue(actor=agent, partner_id=wash.pk, customer_id=other.pk, points=10, reference="T4")


@pytest.mark.parametrize("field, value", [
    ("points", 0), ("points", -5), ("points", True), ("points", "10"), ("points", 10**12),
    ("reference", ""), ("reference", "  "), ("reference", "x" * 61), ("reference", "a\x00b"), ("reference", None),
    ("memo", "m\x00"), ("memo", 5),
])
def test_bad_movement_input(wash, manager, customer, field, value):
    values = {"points": 10, "reference": "B1", "memo": ""}
    values[field] = value
    with pytest.raises(ValidationError) as caught:
        partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, **values)
    assert field in caught.value.message_dict
    assert not Transfer.objects.filter(kind="partner").exists()


def test_movements_outside_the_active_dates_and_unknown_records(org, manager, customer):
    old = _partner(org, manager, code="old", active_from=dt.date(2025, 1, 1), active_until=dt.date(2025, 12, 31))
    with pytest.raises(ValidationError, match="not active"):
        partners.partner_issue(actor=manager, partner_id=old.pk, customer_id=customer.pk, points=10, reference="O")
    for partner_id in (10**9, "x", None, 2**70):
        with pytest.raises(Http404):
            partners.partner_issue(actor=manager, partner_id=partner_id, customer_id=customer.pk, points=10,
                                   reference="O")
    with pytest.raises(Http404):
        partners.partner_issue(actor=manager, partner_id=old.pk, customer_id=10**9, points=10, reference="O")


@pytest.mark.parametrize("values, field", [
    ({"code": "Bad Code"}, "code"), ({"code": ""}, "code"), ({"name": ""}, "name"), ({"name": "x" * 101}, "name"),
    ({"kind": "bank"}, "kind"), ({"issue_rate_cents": -1}, "issue_rate_cents"), ({"name": "a\x00"}, "name"),
    ({"accept_rate_cents": 10_001}, "accept_rate_cents"), ({"active_from": dt.date(1800, 1, 1)}, "active_from"),
    ({"active_until": dt.date(2025, 1, 1)}, "__all__"), ({"code": "wash"}, "code"),
])
def test_bad_partner_input(org, manager, wash, values, field):
    with pytest.raises(ValidationError) as caught:
        _partner(org, manager, **{"code": "new", **values})
    assert field in caught.value.message_dict


def test_partners_are_a_managers_act_at_their_dealer(org):
    with pytest.raises(PermissionDenied):
        _partner(org, org.staff["service_advisor"])
    with pytest.raises(Http404):
        partners.create_partner(actor=org.staff["service_manager"], dealer_id=org.d2.pk, name="x", kind="other",
                                code="x", issue_rate_cents=1, accept_rate_cents=1, active_from=dt.date(2026, 1, 1))
    made = _partner(org, org.staff["dealer_gm"])
    assert made.programme.dealer_id == org.d1.pk and _account(made).kind == AccountKind.PARTNER


@pytest.mark.parametrize("value", ["2026-13", "26-03", "", "2026/03", None, "2201-01", "1899-12"])
def test_bad_months(march, value):
    with pytest.raises(ValidationError):
        partners.settlement(march, value)


def test_month_bounds_are_local_midnights():
    start, end = months.bounds(SHANGHAI, dt.date(2026, 3, 1))
    assert start == dt.datetime(2026, 2, 28, 16, 0, tzinfo=dt.UTC) and end == dt.datetime(2026, 3, 31, 16, 0,
                                                                                          tzinfo=dt.UTC)
    assert months.add_months(dt.date(2026, 11, 1), 3) == dt.date(2027, 2, 1)


def test_a_settlement_is_append_only_in_the_database(march, manager):
    from django.db import DatabaseError, connection, transaction

    made = partners.close_month(actor=manager, partner_id=march.pk, month="2026-03", now=local(2026, 4, 2, 9, 0))
    for sql in ("UPDATE loyalty_settlement SET net_cents = 0 WHERE id = %s", "DELETE FROM loyalty_settlement WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [made.pk])
    assert Settlement.objects.get(pk=made.pk).net_cents == 3200
