"""Expiry by lot, first in first out, at the dealer's local midnight (Asia/Shanghai): points expire
at the end of the 24th month after the month they were earned in; spent points never expire; the
job expires each lot once when run twice, side by side, or again after a crash. Activation of
pending points likewise settles each earn once."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from retain.jobs.registry import job
from retain.loyalty import balances, faults
from retain.loyalty.models import Lot, Transfer
from retain.loyalty.services import expiry, pending, points
from retain.loyalty.services.ledger import expires_on, programme_for
from tests.conftest import make_customer

UTC = dt.UTC


def _earn(actor, customer, amount, at):
    return points.earn(actor=actor, customer_id=customer.pk, points=amount, pending=False, now=at)


@pytest.mark.parametrize("earned, last_day", [
    (dt.date(2025, 1, 1), dt.date(2027, 1, 31)),
    (dt.date(2025, 1, 31), dt.date(2027, 1, 31)),
    (dt.date(2024, 2, 29), dt.date(2026, 2, 28)),
    (dt.date(2024, 12, 15), dt.date(2026, 12, 31)),
    (dt.date(2025, 11, 30), dt.date(2027, 11, 30)),
])
def test_the_last_day_is_the_end_of_the_24th_month_after(org, earned, last_day):
    assert expires_on(programme_for(org.d1.pk), earned) == last_day


def test_the_month_earned_is_the_dealers_local_month(db, desk, customer):
    before_midnight = _earn(desk, customer, 100, dt.datetime(2024, 1, 31, 15, 59, tzinfo=UTC))  # 23:59 in Shanghai
    after_midnight = _earn(desk, customer, 10, dt.datetime(2024, 1, 31, 16, 0, tzinfo=UTC))  # 00:00 on 1 Feb
    assert Lot.objects.get(transfer=before_midnight).expires_on == dt.date(2026, 1, 31)
    assert Lot.objects.get(transfer=after_midnight).expires_on == dt.date(2026, 2, 28)
    assert expiry.expire_due(actor=None, day=dt.date(2026, 1, 31))["lots"] == 0  # still its last day
    assert expiry.expire_due(actor=None, day=dt.date(2026, 2, 1)) == {"members": 1, "lots": 1, "points": 100}
    assert balances.of(customer.pk)["balance"] == 10


def test_spent_points_never_expire(db, desk, customer):
    _earn(desk, customer, 100, dt.datetime(2024, 1, 10, tzinfo=UTC))
    _earn(desk, customer, 100, dt.datetime(2024, 3, 10, tzinfo=UTC))
    points.redeem(actor=desk, customer_id=customer.pk, points=150)  # all of January's lot, half of March's
    assert expiry.expire_due(actor=None, day=dt.date(2026, 2, 1))["points"] == 0
    assert expiry.expire_due(actor=None, day=dt.date(2026, 4, 1))["points"] == 50
    assert balances.of(customer.pk)["balance"] == 0


def test_the_job_twice_expires_each_lot_once(db, desk, customer):
    _earn(desk, customer, 100, dt.datetime(2024, 1, 10, tzinfo=UTC))
    run = job("loyalty.expire").run
    assert "1 lots expired, 100 points" in run(dt.date(2026, 2, 1))
    assert "0 lots expired" in run(dt.date(2026, 2, 1))
    assert "0 lots expired" in run(dt.date(2026, 3, 1))
    assert Transfer.objects.filter(kind="expire").count() == 1


def test_activation_job_settles_each_earn_once(db, desk, customer):
    earned = points.earn(actor=desk, customer_id=customer.pk, points=40, pending=True)
    run = job("loyalty.activate").run
    assert "0 pending" in run(earned.available_on - dt.timedelta(days=1))
    assert "1 pending earns made spendable, 40 points" in run(earned.available_on)
    assert "0 pending" in run(earned.available_on)
    assert balances.of(customer.pk)["balance"] == 40


def _side_by_side(work, count=2):
    errors = []

    def run():
        try:
            work()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors


@pytest.mark.django_db(transaction=True)
def test_two_runs_side_by_side_expire_and_activate_each_once(org, desk):
    customers = [make_customer(dealer=org.d1, name=f"会员{n}") for n in range(6)]
    for customer in customers:
        _earn(desk, customer, 100, dt.datetime(2024, 1, 10, tzinfo=UTC))
        _earn(desk, customer, 30, dt.datetime(2024, 5, 10, tzinfo=UTC))
        points.earn(actor=desk, customer_id=customer.pk, points=7, pending=True)
    _side_by_side(lambda: expiry.expire_due(actor=None, day=dt.date(2026, 7, 1)))
    assert Transfer.objects.filter(kind="expire").count() == 12
    assert sum(balances.of(c.pk)["balance"] for c in customers) == 0
    _side_by_side(lambda: pending.activate_due(actor=None, day=dt.date(2100, 1, 1)))
    assert Transfer.objects.filter(kind="activate").count() == 6
    assert sum(balances.of(c.pk)["balance"] for c in customers) == 42
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db(transaction=True)
def test_a_run_resumed_after_a_crash_expires_each_lot_once(org, desk):
    customers = [make_customer(dealer=org.d1, name=f"会员{n}") for n in range(3)]
    for customer in customers:
        _earn(desk, customer, 100, dt.datetime(2024, 1, 10, tzinfo=UTC))
    calls = []

    def crash_on_the_second_member(name):
        if name == "audited":
            calls.append(name)
            if len(calls) == 2:
                raise RuntimeError("the worker died")

    faults.hook = crash_on_the_second_member
    try:
        with pytest.raises(RuntimeError):
            expiry.expire_due(actor=None, day=dt.date(2026, 2, 1))
    finally:
        faults.hook = None
    assert Transfer.objects.filter(kind="expire").count() == 1  # the first member's, committed
    assert expiry.expire_due(actor=None, day=dt.date(2026, 2, 1)) == {"members": 2, "lots": 2, "points": 200}
    assert Transfer.objects.filter(kind="expire").count() == 3
    assert expiry.expire_due(actor=None, day=dt.date(2026, 2, 1))["lots"] == 0
