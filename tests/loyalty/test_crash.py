"""Crash injection: an error raised at each point inside a ledger write (the transfer written, the
debit applied, the credit applied, the lots moved, the audit row written, the idempotency key's
answer stored: all before commit) leaves no trace (no orphan entry, lot use, balance change, audit
row or key), and a retry with the same key then completes once."""

import pytest
from django.db import connection

from retain.loyalty import balances, faults
from retain.loyalty.models import IdempotencyKey, Lot, LotUse, Transfer
from retain.loyalty.services import points
from retain.org.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)


class Crash(Exception):
    pass


@pytest.fixture
def crash_at():
    def arm(name):
        def hook(reached):
            if reached == name:
                faults.hook = None  # once: the retry goes through
                raise Crash(name)
        faults.hook = hook

    yield arm
    faults.hook = None


def _state(customer):
    return (Transfer.objects.count(), LotUse.objects.count(), list(Lot.objects.order_by("id").values_list("remaining")),
            balances.of(customer.pk), AuditEvent.objects.count(), IdempotencyKey.objects.count())


@pytest.mark.parametrize("point", faults.POINTS)
def test_a_crash_in_a_service_write_leaves_nothing_and_the_retry_completes_once(desk, customer, crash_at, point):
    assert not connection.in_atomic_block  # the service's own transaction is the outermost one
    points.earn(actor=desk, customer_id=customer.pk, points=500, pending=False)
    before = _state(customer)
    crash_at(point)
    with pytest.raises(Crash):
        points.redeem(actor=desk, customer_id=customer.pk, points=200, idempotency_key="once")
    assert _state(customer) == before
    made = points.redeem(actor=desk, customer_id=customer.pk, points=200, idempotency_key="once")
    again = points.redeem(actor=desk, customer_id=customer.pk, points=200, idempotency_key="once")
    assert made.pk == again.pk
    assert balances.of(customer.pk)["balance"] == 300
    assert Transfer.objects.filter(kind="redeem").count() == 1


@pytest.mark.parametrize("point", faults.POINTS)
def test_a_crash_in_an_api_write_leaves_nothing_and_the_retry_completes_once(client, desk, customer, crash_at,
                                                                              point):
    client.raise_request_exception = False
    client.force_login(desk)
    url, body = f"/api/v1/loyalty/members/{customer.pk}/earn", {"points": 300, "pending": False}
    before = _state(customer)
    crash_at(point)
    crashed = client.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": "k"})
    assert crashed.status_code == 500 and crashed.json() == {"detail": "Internal Server Error"}
    assert _state(customer) == before
    first = client.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": "k"})
    second = client.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": "k"})
    assert first.status_code == second.status_code == 201 and first.json() == second.json()
    assert Transfer.objects.filter(kind="earn").count() == 1 and balances.of(customer.pk)["balance"] == 300
