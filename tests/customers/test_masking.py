"""No unmasked mobile leaves the system except through an explicit, logged reveal: not in a
list, page, API response, export or the audit log, for any role."""

import json

import pytest

from retain.org.models import AuditEvent, Role
from tests.conftest import make_customer

FULL_MOBILE = "13987654321"
FULL_ID = "11010519491231002X"


def _pages_and_responses(client, customer):
    yield client.get("/customers/").content.decode()
    yield client.get("/customers/?q=4321").content.decode()  # search by the last digits (尾号)
    yield client.get(f"/customers/{customer.pk}/").content.decode()
    yield client.get(f"/customers/{customer.pk}/edit/").content.decode()
    yield client.get("/api/v1/customers").content.decode()
    yield client.get(f"/api/v1/customers/{customer.pk}").content.decode()
    yield b"".join(client.get("/customers/export.csv").streaming_content).decode() \
        if client.get("/customers/export.csv").status_code == 200 else ""
    yield client.get("/org/audit/").content.decode()


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_no_role_sees_a_full_mobile_without_revealing(org, client, role):
    actor = org.staff[role]
    customer = make_customer(dealer=org.d1, owner=actor, mobile=f"+86{FULL_MOBILE}", national_id=FULL_ID,
                             name="赵六")
    client.force_login(actor)
    # Leave a trail in the audit log that mentions the number.
    client.patch(f"/api/v1/customers/{customer.pk}", json.dumps({"city": "苏州"}), content_type="application/json")
    seen = "\n".join(_pages_and_responses(client, customer))
    assert "赵六" in seen  # the pages really showed the customer
    assert "139****4321" in seen
    assert FULL_MOBILE not in seen and FULL_ID not in seen and FULL_ID[:17] not in seen


def test_reveal_shows_number_and_is_logged(org, client):
    actor = org.staff["consultant"]
    customer = make_customer(dealer=org.d1, owner=actor, mobile=f"+86{FULL_MOBILE}")
    client.force_login(actor)
    response = client.post(f"/api/v1/customers/{customer.pk}/reveal",
                           json.dumps({"field": "mobile", "reason": "客户来电要求回拨"}), content_type="application/json")
    assert response.json() == {"field": "mobile", "value": f"+86{FULL_MOBILE}"}
    event = AuditEvent.objects.get(action="customer.reveal")
    assert (event.actor, event.object_id, event.note) == (actor, str(customer.pk), "mobile: 客户来电要求回拨")
    assert event.client_address == "127.0.0.1"


def test_reveal_from_the_card_with_htmx(org, client):
    actor = org.staff["service_advisor"]
    customer = make_customer(dealer=org.d1, mobile=f"+86{FULL_MOBILE}", national_id=FULL_ID)
    client.force_login(actor)
    response = client.post(f"/customers/{customer.pk}/reveal/", {"field": "national_id", "reason": "开发票"},
                           HTTP_HX_REQUEST="true")
    assert FULL_ID in response.content.decode()
    assert AuditEvent.objects.filter(action="customer.reveal", note__startswith="national_id").count() == 1


def test_national_id_is_encrypted_at_rest(org):
    from django.db import connection

    customer = make_customer(dealer=org.d1, national_id=FULL_ID)
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM customers_customer WHERE id = %s", [customer.pk])
        stored = cursor.fetchone()[0]
    assert FULL_ID not in stored and stored.startswith("gAAAA")  # a Fernet token
    customer.refresh_from_db()
    assert customer.national_id == FULL_ID


def test_export_is_masked_and_logged(org, client):
    gm = org.staff["dealer_gm"]
    make_customer(dealer=org.d1, mobile=f"+86{FULL_MOBILE}", name="钱七")
    make_customer(dealer=org.d2, name="别家客户")
    client.force_login(gm)
    body = b"".join(client.get("/customers/export.csv").streaming_content).decode("utf-8-sig")
    assert "钱七" in body and "139****4321" in body and FULL_MOBILE not in body
    assert "别家客户" not in body  # the export goes through the same door as the list
    event = AuditEvent.objects.get(action="customer.export")
    assert event.after["rows"] == 1 and event.actor == gm
