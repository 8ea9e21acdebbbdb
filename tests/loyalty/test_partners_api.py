"""The partners' and the liability's API: movements once per Idempotency-Key, the settlement
months, closing once, the liability per dealer; errors as JSON naming the field."""

import datetime as dt

import pytest

from retain.loyalty import balances
from retain.loyalty.models import Settlement, Transfer
from retain.loyalty.services import partners, points

pytestmark = pytest.mark.django_db


@pytest.fixture
def wash(org, manager):
    return partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code="wash",
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2024, 1, 1))


def _post(client, url, body, key="k1"):
    return client.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": key})


def test_issue_and_accept_once_per_key(client, manager, wash, customer):
    client.force_login(manager)
    url = f"/api/v1/loyalty/partners/{wash.pk}/issue"
    body = {"customer_id": customer.pk, "points": 120, "reference": "R-1"}
    first, again = _post(client, url, body), _post(client, url, body)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json() == again.json() and first.json()["member"]["balance"] == 120
    assert _post(client, url, {**body, "points": 121}).status_code == 422  # the key with another body
    refused = _post(client, f"/api/v1/loyalty/partners/{wash.pk}/accept", {**body, "points": 500}, key="k2")
    assert refused.status_code == 409 and refused.json()["detail"][0]["type"] == "insufficient_points"
    spent = _post(client, f"/api/v1/loyalty/partners/{wash.pk}/accept", {**body, "points": 20}, key="k3")
    assert spent.status_code == 201 and spent.json()["member"]["balance"] == 100
    assert Transfer.objects.filter(kind="partner").count() == 2 and balances.of(customer.pk)["balance"] == 100


@pytest.mark.parametrize("body, field", [
    ({"points": 0}, "points"), ({"points": "5"}, "points"), ({"points": True}, "points"),
    ({"reference": ""}, "reference"), ({"reference": "x" * 61}, "reference"), ({"customer_id": 0}, "customer_id"),
    ({"extra": 1}, "extra"), ({"memo": "a\x00"}, "memo"),
])
def test_bad_movement_bodies(client, manager, wash, customer, body, field):
    client.force_login(manager)
    answer = _post(client, f"/api/v1/loyalty/partners/{wash.pk}/issue",
                   {"customer_id": customer.pk, "points": 5, "reference": "R", **body})
    assert answer.status_code == 422 and field in str(answer.json()["detail"])
    assert not Transfer.objects.filter(kind="partner").exists()


def test_a_missing_key_unknown_partner_and_a_desk_are_refused(client, manager, org, wash, customer):
    client.force_login(manager)
    body = {"customer_id": customer.pk, "points": 5, "reference": "R"}
    no_key = client.post(f"/api/v1/loyalty/partners/{wash.pk}/issue", data=body, content_type="application/json")
    assert no_key.status_code == 422
    assert _post(client, "/api/v1/loyalty/partners/999999/issue", body).status_code == 404
    client.force_login(org.staff["service_advisor"])
    assert _post(client, f"/api/v1/loyalty/partners/{wash.pk}/issue", body, key="k9").status_code == 403
    assert client.get(f"/api/v1/loyalty/partners/{wash.pk}/settlements").status_code == 403


def test_settlements_and_closing_once(client, manager, wash, customer):
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=300, reference="R",
                           now=dt.datetime(2025, 3, 10, 2, tzinfo=dt.UTC))
    client.force_login(manager)
    month = client.get(f"/api/v1/loyalty/partners/{wash.pk}/settlements/2025-03").json()
    assert (month["issued_points"], month["net_cents"], month["balanced"], month["closed"]) == (300, 1500, True, False)
    assert client.get(f"/api/v1/loyalty/partners/{wash.pk}/settlements/2025-13").status_code == 422
    url = f"/api/v1/loyalty/partners/{wash.pk}/settlements"
    closed = _post(client, url, {"month": "2025-03"})
    assert closed.status_code == 201 and closed.json()["closed"] and closed.json()["net_cents"] == 1500
    twice = _post(client, url, {"month": "2025-03"}, key="k2")
    assert twice.status_code == 422 and "month" in str(twice.json()["detail"])
    assert _post(client, url, {"month": "2099-01"}, key="k3").status_code == 422
    assert _post(client, url, {"month": "March"}, key="k4").status_code == 422
    assert Settlement.objects.count() == 1
    listed = client.get(url).json()
    assert {row["month"]: row["closed"] for row in listed}["2025-03"] is True
    assert client.get("/api/v1/loyalty/partners").json()[0]["balance"] == -300


def test_create_partner(client, manager, org):
    client.force_login(manager)
    body = {"dealer_id": org.d1.pk, "name": "保险公司", "kind": "insurer", "code": "ins", "issue_rate_cents": 2,
            "accept_rate_cents": 3, "active_from": "2025-01-01"}
    assert _post(client, "/api/v1/loyalty/partners", body).status_code == 201
    assert _post(client, "/api/v1/loyalty/partners", {**body, "code": "ins"}, key="k2").status_code == 422
    assert _post(client, "/api/v1/loyalty/partners", {**body, "code": "x", "dealer_id": org.d2.pk},
                 key="k3").status_code == 404


def test_liability_api(client, org, manager, customer):
    points.earn(actor=manager, customer_id=customer.pk, points=250, pending=False)
    client.force_login(org.staff["region_manager"])
    answer = client.get(f"/api/v1/loyalty/liability?dealer={org.d1.pk}")
    assert answer.status_code == 200
    data = answer.json()
    assert len(data["rows"]) == 12 and data["rows"][-1]["outstanding"] == 250 and data["totals"][-1]["outstanding"] == 250
    assert client.get(f"/api/v1/loyalty/liability?dealer={org.d3.pk}").status_code == 404
    for query in ("start=2025-13", "start=2026-05&end=2026-01", "start=1800-01", "end=x", "dealer=abc",
                  "start=2000-01&end=2026-01"):
        assert client.get(f"/api/v1/loyalty/liability?{query}").status_code == 422, query
    client.force_login(org.staff["consultant"])
    assert client.get("/api/v1/loyalty/liability").status_code == 403
