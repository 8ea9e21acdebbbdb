"""Bad input gets a clear error naming the field, and changes nothing: through the service
(as imports will use it), the JSON API and the HTML forms."""

import json

import pytest

from retain.customers.models import Consent, Customer, Transaction, Vehicle
from retain.org.models import AuditEvent
from tests.conftest import make_customer

GOOD_VIN = "LSVAU2180N2183294"

CUSTOMER_CASES = [
    ({"mobile": ""}, "mobile", "Enter a mobile number"),
    ({"mobile": "hello"}, "mobile", "not a phone number"),
    ({"mobile": "1391234567"}, "mobile", "not a valid phone number"),  # one digit short
    ({"mobile": "021 6234 5678"}, "mobile", "not a mobile number"),  # a Shanghai landline
    ({"name": ""}, "name", ""),
    ({"national_id": "11010519491231002"}, "national_id", "18 characters"),
    ({"national_id": "11010519491231002A"}, "national_id", "17 digits followed by a digit or X"),
    ({"national_id": "110105194912310022"}, "national_id", "check digit"),
    ({"birthday": "2099-01-01"}, "birthday", "future"),
    ({"birthday": "1850-01-01"}, "birthday", "1900-01-01"),
    ({"gender": "X"}, "gender", ""),
    ({"kind": "robot"}, "kind", ""),
    ({"source": "moon"}, "source", ""),
    ({"classification": "friend"}, "classification", ""),
]

VEHICLE_CASES = [
    ({"vin": "LSVAU2180N218329"}, "vin", "17 characters"),
    ({"vin": "LSVAU2180N218329O"}, "vin", "without I, O and Q"),
    ({"vin": "LSVAU2180N218329I"}, "vin", "without I, O and Q"),
    ({"plate": "ABC"}, "plate", "licence plate"),
    ({"purchase_date": "2099-01-01"}, "purchase_date", "future"),
    ({"mileage_km": -5}, "mileage_km", ""),
    ({"make": ""}, "make", ""),
]

TRANSACTION_CASES = [
    ({"amount_cents": -100}, "amount_cents", ""),
    ({"amount_cents": "lots"}, "amount_cents", ""),
    ({"kind": "gift"}, "kind", ""),
    ({"date": "2099-01-01"}, "date", "future"),
    ({"date": "yesterday"}, "date", ""),
    ({"vehicle_id": 999999}, "vehicle_id", "does not belong"),
]


def _customer_payload(**override):
    return {"name": "李四", "mobile": "13912345678", **override}


def _errors_for(response):
    return {str(e["loc"][-1]): e["msg"] for e in response.json()["detail"]}


def _nothing_written(before_customers=0):
    assert Customer.objects.count() == before_customers
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("override, field, message", CUSTOMER_CASES)
def test_api_create_customer_rejects(org, client, override, field, message):
    client.force_login(org.staff["dealer_gm"])
    response = client.post("/api/v1/customers", json.dumps(_customer_payload(**override)),
                           content_type="application/json")
    assert response.status_code == 422, response.content
    errors = _errors_for(response)
    assert field in errors and message in errors[field]
    _nothing_written()


@pytest.mark.parametrize("override, field, message", CUSTOMER_CASES)
def test_form_create_customer_rejects(org, client, override, field, message):
    client.force_login(org.staff["dealer_gm"])
    data = {"kind": "person", "source": "walk_in", "classification": "potential", "dealer": org.d1.pk,
            **_customer_payload(**override)}
    response = client.post("/customers/new/", data)
    assert response.status_code == 200  # the form again, with the error next to the field
    form = response.context["form"]
    assert field in form.errors and message in " ".join(form.errors[field])
    _nothing_written()


@pytest.mark.parametrize("override, field, message", [c for c in CUSTOMER_CASES if c[1] != "classification"])
def test_api_update_customer_rejects(org, client, override, field, message):
    """(Classification changes through its own action, with a reason: tested below.)"""
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"], city="上海")
    client.force_login(org.staff["consultant"])
    response = client.patch(f"/api/v1/customers/{c.pk}", json.dumps(override), content_type="application/json")
    assert response.status_code == 422, response.content
    assert field in _errors_for(response)
    refreshed = Customer.objects.get(pk=c.pk)
    assert (refreshed.name, refreshed.mobile, refreshed.national_id) == (c.name, c.mobile, c.national_id)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("override, field, message", VEHICLE_CASES)
def test_api_add_vehicle_rejects(org, client, override, field, message):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    payload = {"vin": GOOD_VIN, "make": "大众", "model": "帕萨特", "plate": "沪A12345", **override}
    response = client.post(f"/api/v1/customers/{c.pk}/vehicles", json.dumps(payload), content_type="application/json")
    assert response.status_code == 422, response.content
    errors = _errors_for(response)
    assert field in errors and message in errors[field]
    assert not Vehicle.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("override, field, message", VEHICLE_CASES)
def test_form_add_vehicle_rejects(org, client, override, field, message):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    data = {"vin": GOOD_VIN, "make": "大众", "model": "帕萨特", "plate": "沪A12345", **override}
    response = client.post(f"/customers/{c.pk}/vehicles/new/", data, follow=True)
    shown = " ".join(str(m) for m in response.context["messages"])
    assert message in shown
    assert not Vehicle.objects.exists() and not AuditEvent.objects.exists()


def test_duplicate_vin_is_refused(org, client):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    Vehicle.objects.create(customer=c, vin=GOOD_VIN, make="大众", model="迈腾")
    client.force_login(org.staff["consultant"])
    response = client.post(f"/api/v1/customers/{c.pk}/vehicles",
                           json.dumps({"vin": GOOD_VIN.lower(), "make": "大众", "model": "帕萨特"}),
                           content_type="application/json")
    assert response.status_code == 422 and "vin" in _errors_for(response)
    assert Vehicle.objects.count() == 1


@pytest.mark.parametrize("override, field, message", TRANSACTION_CASES)
def test_api_add_transaction_rejects(org, client, override, field, message):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    payload = {"kind": "service", "date": "2025-03-01", "amount_cents": 80000, **override}
    response = client.post(f"/api/v1/customers/{c.pk}/transactions", json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 422, response.content
    errors = _errors_for(response)
    assert field in errors and message in errors[field]
    assert not Transaction.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("amount, message", [("-5", "negative"), ("12.345", "two decimals"), ("很多", "1280.50")])
def test_form_transaction_amount_rejects(org, client, amount, message):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.post(f"/customers/{c.pk}/transactions/new/",
                           {"kind": "service", "date": "2025-03-01", "amount": amount}, follow=True)
    assert message in " ".join(str(m) for m in response.context["messages"])
    assert not Transaction.objects.exists()


def test_form_transaction_amount_in_yuan_becomes_cents(org, client):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    client.post(f"/customers/{c.pk}/transactions/new/", {"kind": "service", "date": "2025-03-01", "amount": "1,280.50"})
    assert Transaction.objects.get().amount_cents == 128050


@pytest.mark.parametrize("payload, field", [
    ({"classification": "friend", "reason": "x"}, "classification"),
    ({"classification": "vip", "reason": ""}, "reason"),
])
def test_api_classification_rejects(org, client, payload, field):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.post(f"/api/v1/customers/{c.pk}/classification", json.dumps(payload),
                           content_type="application/json")
    assert response.status_code == 422 and field in _errors_for(response)
    assert Customer.objects.get().classification == "potential" and not AuditEvent.objects.exists()


@pytest.mark.parametrize("data", [
    {"purpose": "spam", "granted": "yes", "channel": "paper", "notice_version": "v1"},
    {"purpose": "marketing", "granted": "yes", "channel": "pigeon", "notice_version": "v1"},
    {"purpose": "marketing", "granted": "yes", "channel": "paper", "notice_version": ""},
])
def test_form_consent_rejects(org, client, data):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.post(f"/customers/{c.pk}/consent/", data, follow=True)
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not Consent.objects.exists()


@pytest.mark.parametrize("payload, field", [
    ({"field": "mobile", "reason": ""}, "reason"),
    ({"field": "address", "reason": "x"}, "field"),
])
def test_api_reveal_rejects(org, client, payload, field):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.post(f"/api/v1/customers/{c.pk}/reveal", json.dumps(payload), content_type="application/json")
    assert response.status_code == 422 and field in _errors_for(response)
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[]", '{"name": 5, "mobile": []}'])
def test_api_malformed_body(org, client, body):
    client.force_login(org.staff["dealer_gm"])
    response = client.post("/api/v1/customers", body, content_type="application/json")
    assert response.status_code in (400, 422)
    assert Customer.objects.count() == 0


def test_list_filters_with_bad_values_are_ignored_not_crashing(org, client):
    make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["dealer_gm"])
    for query in ("?owner=abc", "?dealer=xyz", "?classification=nope", "?page=-3"):
        assert client.get("/customers/" + query).status_code == 200
    assert client.get("/api/v1/customers?owner=nobody").status_code == 422
    assert client.get("/api/v1/customers?classification=nope").status_code == 422
