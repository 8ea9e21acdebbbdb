"""Every answer under /api/v1/ is JSON ``{"detail": ...}``, whoever gives it (issue 7, A10);
an anonymous write is 401, not a CSRF 403; the OpenAPI document declares the refusals and the
bounds of every field (A2)."""

import json

import pytest
from django.test import Client

from retain.customers.models import Customer


def _json_detail(response):
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert set(body) == {"detail"}
    return body["detail"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/customers/1/nothing", "/api/v1/"])
def test_unknown_paths_answer_json_404(org, client, path):
    client.force_login(org.staff["dealer_gm"])
    response = client.get(path)
    assert response.status_code == 404 and _json_detail(response)


def test_wrong_method_answers_json_405(org, client):
    client.force_login(org.staff["dealer_gm"])
    response = client.delete("/api/v1/customers")
    assert response.status_code == 405 and _json_detail(response)


def test_malformed_json_answers_json_400(org, client):
    client.force_login(org.staff["dealer_gm"])
    response = client.post("/api/v1/customers", "{not json", content_type="application/json")
    assert response.status_code == 400 and _json_detail(response)
    assert not Customer.objects.exists()


def test_server_error_answers_json_500(org, client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("retain.customers.api.filter_customers", broken)
    client.force_login(org.staff["dealer_gm"])
    client.raise_request_exception = False
    response = client.get("/api/v1/customers")
    assert response.status_code == 500
    assert _json_detail(response) == "Internal Server Error"


def test_anonymous_write_is_401_not_csrf_403(org):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/v1/customers", json.dumps({"name": "x", "mobile": "13912345678"}),
                           content_type="application/json")
    assert response.status_code == 401 and _json_detail(response)
    assert not Customer.objects.exists()


def test_a_session_write_without_csrf_token_is_still_refused(org):
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.staff["dealer_gm"])
    response = client.post("/api/v1/customers", json.dumps({"name": "x", "mobile": "13912345678"}),
                           content_type="application/json")
    assert response.status_code == 403 and _json_detail(response)
    assert not Customer.objects.exists()


@pytest.fixture
def openapi(org, client):
    client.force_login(org.staff["dealer_gm"])
    return client.get("/api/v1/openapi.json").json()


def test_every_operation_declares_its_refusals(openapi):
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            declared = {int(code) for code in operation["responses"]}
            assert {401, 403, 404, 422} <= declared, (method, path, declared)
            if method != "get":
                assert 400 in declared, (method, path)


def _schema(openapi, name):
    return openapi["components"]["schemas"][name]["properties"]


def test_bounds_are_stated_in_the_openapi(openapi):
    amount = _schema(openapi, "TransactionIn")["amount_cents"]
    assert amount["minimum"] == 0 and amount["maximum"] == 10**10 - 1
    assert _schema(openapi, "CustomerCreate")["name"]["maxLength"] == 100
    visit = _schema(openapi, "VisitIn")["party_size"]
    assert visit["minimum"] == 1 and visit["maximum"] == 100
    ids = _schema(openapi, "InvitationsIn")["customer_ids"]
    assert ids["items"]["maximum"] == 2**63 - 1 and ids["maxItems"] == 5000
    limit = next(p for p in openapi["paths"]["/api/v1/customers"]["get"]["parameters"] if p["name"] == "limit")
    assert limit["schema"]["maximum"] == 1000
