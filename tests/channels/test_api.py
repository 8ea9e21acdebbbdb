"""GET /api/v1/messages and friends: the scope, filters, bounded paging, the error shape."""

import pytest

from retain.channels.models import Message, MessageStatus
from tests.api.conftest import JsonClient, fields_named
from tests.conftest import make_customer


@pytest.fixture
def as_role(org, client):
    def login(role):
        client.force_login(org.staff[role])
        return JsonClient(client)

    return login


def _message(customer, **extra):
    values = {"dealer": customer.dealer, "customer": customer, "purpose": "service", "channel": "outbox",
              "language": "zh-hans", "body": "您好"} | extra
    values.setdefault("key", f"api:{Message.objects.count()}")
    return Message.objects.create(**values)


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王先生", mobile="+8613912345678")


def test_list_in_scope_with_filters(org, as_role, customer):
    mine = _message(customer, address="+8613912345678", status=MessageStatus.SENT)
    other = _message(make_customer(dealer=org.d2))
    api = as_role("consultant")
    body = api.get("/messages").json()
    assert [item["id"] for item in body["items"]] == [mine.pk] and body["count"] == 1
    item = body["items"][0]
    assert item["address"] == "139****5678" and item["customer_name"] == "王先生" and item["dealer"] == "D1"
    assert item["queued_by"] is None and item["text"] == "您好"
    gm = as_role("dealer_gm")
    assert [i["id"] for i in gm.get("/messages", {"status": "sent"}).json()["items"]] == [mine.pk]
    stopped = _message(customer, status=MessageStatus.SUPPRESSED, suppression_code="no_consent")
    (item,) = gm.get("/messages", {"status": "suppressed"}).json()["items"]
    assert (item["id"], item["suppression_code"]) == (stopped.pk, "no_consent")
    assert item["suppression_reason"] == "No marketing consent on record"
    assert gm.get("/messages", {"status": "queued"}).json()["items"] == []
    assert gm.get("/messages", {"customer_id": customer.pk, "channel": "outbox"}).json()["count"] == 2
    assert gm.get("/messages", {"dealer": "D2"}).json()["count"] == 0  # out of scope answers like unknown
    assert other.pk


def test_detail_with_attempts_and_404_outside(org, as_role, customer):
    mine = _message(customer)
    other = _message(make_customer(dealer=org.d1, owner=org.staff["colleague"]))
    api = as_role("consultant")
    detail = api.get(f"/messages/{mine.pk}").json()
    assert detail["attempts_made"] == [] and detail["status"] == "queued"
    assert api.get(f"/messages/{other.pk}").status_code == 404
    assert api.get("/messages/0").status_code == 404


def test_mark_sent_and_its_refusals(org, as_role, customer, no_quiet_hours):
    message = _message(customer)
    api = as_role("consultant")
    sent = api.post(f"/messages/{message.pk}/sent")
    assert sent.status_code == 200 and sent.json()["status"] == "sent"
    again = api.post(f"/messages/{message.pk}/sent")
    assert again.status_code == 422 and fields_named(again) == {"message"}
    assert as_role("region_manager").post(f"/messages/{message.pk}/sent").status_code == 403
    assert as_role("d2_consultant").post(f"/messages/{message.pk}/sent").status_code == 404


def test_retry_only_a_dead_letter(org, as_role, customer):
    message = _message(customer)
    response = as_role("consultant").post(f"/messages/{message.pk}/retry")
    assert response.status_code == 422 and fields_named(response) == {"message"}


@pytest.mark.parametrize("params, field", [
    ({"limit": 1001}, "limit"), ({"offset": -1}, "offset"), ({"status": "bogus"}, "status"),
    ({"purpose": "spam"}, "purpose"), ({"channel": "fax"}, "channel"), ({"customer_id": 0}, "customer_id"),
    ({"customer_id": "abc"}, "customer_id"), ({"dealer": "x" * 21}, "dealer"),
])
def test_bad_query_is_422_naming_the_parameter(as_role, params, field):
    response = as_role("dealer_gm").get("/messages", params)
    assert response.status_code == 422 and fields_named(response) == {field}


def test_anonymous_is_401(client):
    assert client.get("/api/v1/messages").status_code == 401
