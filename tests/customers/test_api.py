"""The JSON API: authentication, the list's shape and search, creation with the minimum."""

import json

import pytest

from retain.customers.models import Vehicle
from retain.org import services as org_services
from retain.org.models import ApiToken
from tests.conftest import make_customer


def _bearer(staff):
    return {"HTTP_AUTHORIZATION": f"Bearer {org_services.issue_token(actor=None, staff=staff)[1]}"}


def test_anonymous_gets_401(org, client):
    assert client.get("/api/v1/customers").status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 401


def test_bad_or_inactive_token_gets_401(org, client):
    headers = _bearer(org.staff["consultant"])
    org.staff["consultant"].is_active = False
    org.staff["consultant"].save()
    assert client.get("/api/v1/customers", **headers).status_code == 401
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION="Bearer rt_nonsense").status_code == 401


def test_token_lists_only_own_customers_masked(org, client):
    mine = make_customer(dealer=org.d1, owner=org.staff["consultant"], mobile="+8613812341234", name="甲")
    make_customer(dealer=org.d1, owner=org.staff["colleague"], name="乙")
    body = client.get("/api/v1/customers", **_bearer(org.staff["consultant"])).json()
    assert body["count"] == 1
    assert body["items"] == [{"id": mine.pk, "kind": "person", "name": "甲", "mobile": "138****1234",
                              "classification": "potential", "owner": "consultant", "dealer": "D1", "city": ""}]


def test_token_is_stored_hashed(org):
    raw = org_services.issue_token(actor=None, staff=org.staff["consultant"])[1]
    assert not ApiToken.objects.filter(digest=raw).exists()
    assert ApiToken.staff_for(raw) == org.staff["consultant"]


def test_openapi_for_logged_in_staff(org, client):
    response = client.get("/api/v1/openapi.json", **_bearer(org.staff["marketing"]))
    assert response.status_code == 200 and "/api/v1/customers" in response.json()["paths"]
    client.force_login(org.staff["consultant"])
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_pagination(org, client):
    for i in range(7):
        make_customer(dealer=org.d1, name=f"客户{i}")
    client.force_login(org.staff["dealer_gm"])
    body = client.get("/api/v1/customers?limit=3&offset=3").json()
    assert body["count"] == 7 and len(body["items"]) == 3


@pytest.mark.parametrize("query", ["13812341234", "+86 138 1234 1234", "1234", "沪A12345", "a12345",
                                   "LSVAU2180N2183294", "lsvau2180n2183294", "欧阳"])
def test_search_by_mobile_tail_plate_vin_and_name(org, client, query):
    target = make_customer(dealer=org.d1, name="欧阳娜娜", mobile="+8613812341234")
    Vehicle.objects.create(customer=target, vin="LSVAU2180N2183294", plate="沪A12345", make="大众", model="途观L")
    make_customer(dealer=org.d1, name="李雷", mobile="+8613900000000")
    client.force_login(org.staff["dealer_gm"])
    body = client.get("/api/v1/customers", {"q": query}).json()
    assert [item["id"] for item in body["items"]] == [target.pk]


def test_search_never_crosses_the_door(org, client):
    other = make_customer(dealer=org.d2, name="欧阳", mobile="+8613812341234")
    client.force_login(org.staff["consultant"])
    assert client.get("/api/v1/customers", {"q": "13812341234"}).json()["count"] == 0
    assert other.pk


def test_create_with_only_name_and_mobile(org, client):
    response = client.post("/api/v1/customers", json.dumps({"name": "孙八", "mobile": "13712345678"}),
                           content_type="application/json", **_bearer(org.staff["consultant"]))
    assert response.status_code == 201
    body = response.json()
    assert body["mobile"] == "137****5678" and body["owner"] == "consultant" and body["dealer"] == "D1"


def test_create_duplicate_needs_confirmation(org, client):
    make_customer(dealer=org.d1, owner=org.staff["colleague"], mobile="+8613712345678")
    headers = _bearer(org.staff["consultant"])
    payload = {"name": "孙八", "mobile": "13712345678"}
    first = client.post("/api/v1/customers", json.dumps(payload), content_type="application/json", **headers)
    assert first.status_code == 422 and first.json()["detail"][0]["loc"][-1] == "mobile"
    payload["confirm_duplicate"] = True
    second = client.post("/api/v1/customers", json.dumps(payload), content_type="application/json", **headers)
    assert second.status_code == 201


def test_vehicles_and_transactions_round_trip(org, client):
    c = make_customer(dealer=org.d1, owner=org.staff["service_advisor"])
    headers = _bearer(org.staff["service_advisor"])
    v = client.post(f"/api/v1/customers/{c.pk}/vehicles", json.dumps(
        {"vin": "lsvau2180n2183294", "make": "大众", "model": "帕萨特", "plate": "沪a 12345", "mileage_km": 12000}),
        content_type="application/json", **headers)
    assert v.status_code == 201 and v.json()["vin"] == "LSVAU2180N2183294" and v.json()["plate"] == "沪A12345"
    t = client.post(f"/api/v1/customers/{c.pk}/transactions", json.dumps(
        {"kind": "service", "date": "2025-05-01", "amount_cents": 123456, "reference": "RO-9",
         "vehicle_id": v.json()["id"]}), content_type="application/json", **headers)
    assert t.status_code == 201
    listed = client.get(f"/api/v1/customers/{c.pk}/transactions", **headers).json()
    assert listed[0]["amount_cents"] == 123456 and listed[0]["dealer"] == "D1"
    assert client.get(f"/api/v1/customers/{c.pk}/vehicles", **headers).json()[0]["mileage_km"] == 12000


def test_update_only_changes_what_is_sent(org, client):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"], city="上海", address="人民路1号")
    client.force_login(org.staff["consultant"])
    response = client.patch(f"/api/v1/customers/{c.pk}", json.dumps({"city": "苏州"}), content_type="application/json")
    assert response.status_code == 200 and response.json()["city"] == "苏州"
    c.refresh_from_db()
    assert c.address == "人民路1号"


def test_reassign_through_the_api(org, client):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["sales_manager"])
    response = client.post("/api/v1/portfolios/reassign", json.dumps(
        {"from_owner": "consultant", "to_owners": ["colleague"], "note": "离职交接"}), content_type="application/json")
    assert response.json() == {"colleague": [c.pk]}
    client.force_login(org.staff["consultant"])
    assert client.post("/api/v1/portfolios/reassign", json.dumps(
        {"from_owner": "colleague", "to_owners": ["consultant"], "note": "拿回来"}),
        content_type="application/json").status_code == 403
