"""The guarantees under load, through the real API served by a multi-worker server (gunicorn,
``server.serving``), each request on its own connection:

- 50 simultaneous redemptions of 100 points on a balance of 1,000: exactly 10 succeed, 40 answer
  409 ``insufficient_points``, the balance ends at 0; repeated (100 times on PostgreSQL, 5 on
  SQLite, one server for all), with the ledger verified after each;
- 20 simultaneous requests with one Idempotency-Key: one set of entries, 20 identical answers;
  the key with another body: 422.

On PostgreSQL the member's accounts are row-locked for the transaction; on SQLite every
transaction takes the write lock at its start (``BEGIN IMMEDIATE``) and waits (busy timeout,
then the service's retry) rather than failing: no request may answer 5xx."""

import time
import uuid
from collections import Counter

import pytest
from django.db import connection

from retain.loyalty import verify
from retain.loyalty.models import Transfer
from retain.loyalty.services import points
from retain.org import services as org_services
from tests.conftest import make_customer

from .server import request, together

pytestmark = pytest.mark.django_db(transaction=True)




def test_fifty_simultaneous_redemptions_never_overspend(server, org):
    desk = org.staff["service_advisor"]
    _row, token = org_services.issue_token(actor=None, staff=desk)
    rounds = 100 if connection.vendor == "postgresql" else 5
    started, outcomes = time.monotonic(), Counter()
    for round_ in range(rounds):
        customer = make_customer(dealer=org.d1, name=f"会员{round_}")
        points.earn(actor=desk, customer_id=customer.pk, points=1000, pending=False)
        path = f"/api/v1/loyalty/members/{customer.pk}/redeem"
        answers = together(50, lambda i, path=path, round_=round_: request(
            server, "POST", path, {"points": 100}, token=token, key=f"{round_}-{i}"))
        statuses = Counter(status for status, _body in answers)
        assert statuses == {201: 10, 409: 40}, (round_, statuses, [b for s, b in answers if s not in (201, 409)][:3])
        refused = [body for status, body in answers if status == 409]
        assert all(body["detail"][0]["type"] == "insufficient_points" for body in refused)
        status, member = request(server, "GET", f"/api/v1/loyalty/members/{customer.pk}", token=token)
        assert (status, member["balance"], member["reserved"]) == (200, 0, 0)
        result = verify.run()
        assert result.ok, (round_, result.violation)
        outcomes.update(statuses)
    elapsed = time.monotonic() - started
    print(f"\n{rounds} rounds of 50 simultaneous redemptions on {connection.vendor}: {outcomes[201]} succeeded, "
          f"{outcomes[409]} refused insufficient_points, {elapsed:.1f} s ({rounds * 50 / elapsed:.0f} requests/s)")


def test_one_key_twenty_times_at_once_writes_once(server, org):
    desk = org.staff["service_advisor"]
    _row, token = org_services.issue_token(actor=None, staff=desk)
    customer = make_customer(dealer=org.d1, name="同键会员")
    points.earn(actor=desk, customer_id=customer.pk, points=1000, pending=False)
    path, key = f"/api/v1/loyalty/members/{customer.pk}/redeem", str(uuid.uuid4())
    answers = together(20, lambda i: request(server, "POST", path, {"points": 100, "memo": "洗车"}, token=token,
                                              key=key))
    assert {status for status, _body in answers} == {201}
    assert all(body == answers[0][1] for _status, body in answers)
    assert Transfer.objects.filter(kind="redeem", debit__customer=customer).count() == 1
    status, body = request(server, "POST", path, {"points": 200}, token=token, key=key)
    assert status == 422 and body["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    status, member = request(server, "GET", f"/api/v1/loyalty/members/{customer.pk}", token=token)
    assert member["balance"] == 900
