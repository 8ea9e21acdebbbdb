"""Audit rows read as sentences (issue 7, B4): the audit page and the card's timeline show the
action's label, field names and ``before → after`` in the reader's language, never a code or a
Python dict."""

import pytest
from django.utils import translation

from retain.customers import services
from retain.org.audit_codes import AuditCode
from retain.sales import services as sales
from tests.conftest import make_customer


@pytest.fixture
def changed(org):
    consultant = org.staff["consultant"]
    customer = make_customer(dealer=org.d1, owner=consultant, name="周杰", city="上海")
    services.update_customer(actor=consultant, customer_id=customer.pk, city="杭州", gender="M")
    prospect = sales.open_prospect(actor=consultant, customer_id=customer.pk, grade="C", model_of_interest="途观L",
                                   source="walk_in")
    sales.change_grade(actor=consultant, prospect_id=prospect.pk, grade="A", reason="试驾后很满意")
    return customer


def test_audit_page_reads_as_sentences(org, client, changed):
    client.force_login(org.staff["dealer_gm"])
    page = client.get("/org/audit/").content.decode()
    assert "Customer details changed" in page and "Prospect grade changed" in page
    assert "city</span>: 上海 → 杭州" in page
    assert "grade</span>: C – " in page and "→ A – " in page          # grade labels, not letters
    assert "customer.update" not in page.replace('value="customer.update"', "")  # only as a filter value
    assert "{&#x27;" not in page and "{'" not in page                    # no Python dicts
    assert "prospect #" in page


def test_audit_page_in_chinese(org, client, changed):
    client.force_login(org.staff["dealer_gm"])
    page = client.get("/org/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    with translation.override("zh-hans"):
        label = str(AuditCode.CUSTOMER_UPDATE.label)
    assert label != "Customer details changed" and label in page
    assert "城市</span>: 上海 → 杭州" in page


def test_audit_page_filters_by_code(org, client, changed):
    client.force_login(org.staff["dealer_gm"])
    page = client.get("/org/audit/", {"action": "prospect.grade"}).content.decode()
    assert "Prospect grade changed" in page and "Customer details changed</td>" not in page


def test_card_timeline_shows_labels_and_changes(org, client, changed):
    client.force_login(org.staff["showroom_manager"])  # the policy gives consultants no history
    page = client.get(f"/customers/{changed.pk}/").content.decode()
    timeline = page[page.index('id="timeline"'):]
    assert "Customer details changed" in timeline and "city</span>: 上海 → 杭州" in timeline
    assert "customer.update" not in timeline and "{&#x27;" not in timeline


def test_merge_counts_and_owner_names_read_as_such(org, client):
    gm = org.staff["dealer_gm"]
    survivor = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="张三")
    duplicate = make_customer(dealer=org.d1, name="张三", city="上海", mobile=survivor.mobile)
    services.add_vehicle(actor=gm, customer_id=duplicate.pk, vin="LSVAU2180N2183294", make="大众", model="帕萨特")
    services.merge_customers(actor=gm, survivor_id=survivor.pk, duplicate_id=duplicate.pk, note="同一人")
    client.force_login(gm)
    page = client.get("/org/audit/", {"action": "customer.merge"}).content.decode()
    assert "vehicles</span>: 1" in page and "#1</li>" not in page       # a count, not a vehicle id
    services.create_customer(actor=gm, dealer_id=org.d1.pk, owner_id=org.staff["consultant"].pk, name="李四",
                             mobile="13900000001")
    page = client.get("/org/audit/", {"action": "customer.create"}).content.decode()
    assert "owner</span>: consultant" in page                          # the owner's name, not an id
    page = client.get("/org/audit/", {"action": "customer.merge_into"}).content.decode()
    assert "merged into</span>: — → 张三" in page
