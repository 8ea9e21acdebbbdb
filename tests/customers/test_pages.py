"""The customer pages as a person sees them, and their query counts (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from retain.customers import services
from retain.customers.models import Transaction, Vehicle
from tests.conftest import make_customer


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def _fill(org, n, start=0):
    for i in range(start, start + n):
        c = make_customer(dealer=org.d1, owner=org.staff["consultant"] if i % 2 else None, name=f"客户{i}")
        v = Vehicle.objects.create(customer=c, vin=f"LSVAU2180N{i:07d}", plate=f"沪A{i:05d}", make="大众", model="迈腾")
        Transaction.objects.create(customer=c, dealer=org.d1, vehicle=v, kind="service", date="2025-01-01",
                                   amount_cents=1000 * i)
    return c


def test_list_and_card_query_counts_do_not_grow_with_rows(org, client):
    client.force_login(org.staff["dealer_gm"])
    last = _fill(org, 3)
    few_list, few_card = _queries(client, "/customers/"), _queries(client, f"/customers/{last.pk}/")
    last = _fill(org, 30, start=3)
    assert _queries(client, "/customers/") == few_list
    assert _queries(client, f"/customers/{last.pk}/") == few_card


def test_list_shows_masked_rows_and_filters(org, client):
    _fill(org, 4)
    client.force_login(org.staff["dealer_gm"])
    page = client.get("/customers/?owner=none").content.decode()
    assert "客户0" in page and "客户2" in page and "客户1" not in page
    assert "Unassigned" in page


def test_htmx_request_gets_only_the_results(org, client):
    _fill(org, 2)
    client.force_login(org.staff["dealer_gm"])
    fragment = client.get("/customers/?q=客户1", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results").content.decode()
    assert "<html" not in fragment and "客户1" in fragment


def test_card_shows_profile_vehicles_transactions_consent_and_timeline(org, client):
    consultant = org.staff["consultant"]
    c = services.create_customer(actor=consultant, name="周杰", mobile="13612345678", city="上海")
    services.add_vehicle(actor=consultant, customer_id=c.pk, vin="LSVAU2180N2183294", make="大众", model="途观L",
                         plate="沪B54321")
    services.add_transaction(actor=consultant, customer_id=c.pk, kind="service", date="2025-02-01",
                             amount_cents=88800)
    services.record_consent(actor=consultant, customer_id=c.pk, purpose="service", granted=True, channel="paper",
                            notice_version="v2")
    client.force_login(consultant)
    page = client.get(f"/customers/{c.pk}/").content.decode()
    for expected in ("周杰", "136****5678", "途观L", "沪B54321", "888.00", "Service contact", "v2"):
        assert expected in page, expected
    # The timeline is the customer's audit log: the policy lets the owner's managers read it,
    # not the consultant (who may not read the audit log either).
    assert "Timeline of changes" not in page and "Customer added" not in page
    client.force_login(org.staff["showroom_manager"])
    page = client.get(f"/customers/{c.pk}/").content.decode()
    for expected in ("周杰", "Timeline of changes", "Customer added", "Vehicle added",
                     "VIN</span>: LSVAU2180N2183294"):
        assert expected in page, expected


def test_create_page_duplicate_warning_links_only_when_visible(org, client):
    other = make_customer(dealer=org.d1, owner=org.staff["colleague"], mobile="+8613612345678", name="旧客户")
    client.force_login(org.staff["consultant"])
    data = {"name": "新客户", "mobile": "13612345678", "kind": "person", "source": "walk_in",
            "classification": "potential", "dealer": org.d1.pk}
    page = client.post("/customers/new/", data).content.decode()
    # The colleague's customer is not theirs: neither named nor linked (issue 7, A1).
    assert "旧客户" not in page and f"/customers/{other.pk}/" not in page
    client.force_login(org.staff["dealer_gm"])
    page = client.post("/customers/new/", data).content.decode()
    assert f"/customers/{other.pk}/" in page
    response = client.post("/customers/new/", {**data, "confirm_duplicate": "on"})
    assert response.status_code == 302


def test_edit_keeps_mobile_when_left_empty(org, client):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"], mobile="+8613612345678")
    client.force_login(org.staff["consultant"])
    form = client.get(f"/customers/{c.pk}/edit/").content.decode()
    assert "13612345678" not in form
    client.post(f"/customers/{c.pk}/edit/", {"name": "改名", "mobile": "", "kind": "person", "source": "walk_in"})
    c.refresh_from_db()
    assert (c.name, c.mobile) == ("改名", "+8613612345678")


@pytest.mark.parametrize("username, visible", [("consultant", False), ("dealer_gm", True), ("region_manager", True)])
def test_navigation_follows_the_role(org, client, username, visible):
    client.force_login(org.staff[username])
    page = client.get("/customers/").content.decode()
    assert ('href="/org/audit/"' in page) == visible
    assert ('href="/customers/reassign/"' in page) == visible


def test_reassign_page(org, client):
    make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["showroom_manager"])
    response = client.post("/customers/reassign/", {"from_owner": org.staff["consultant"].pk,
                                                    "to_owners": [org.staff["colleague"].pk], "note": "离职"},
                           follow=True)
    assert "Reassigned 1 customers" in response.content.decode()
    response = client.post("/customers/reassign/", {"from_owner": org.staff["consultant"].pk,
                                                    "to_owners": [org.staff["colleague"].pk], "note": "again",
                                                    "customer_ids": "1, x"})
    assert "whole numbers" in response.content.decode()


def test_reassign_page_moved_to_customers_and_old_address_redirects(org, client):
    client.force_login(org.staff["showroom_manager"])
    response = client.get("/org/reassign/")
    assert (response.status_code, response["Location"]) == (301, "/customers/reassign/")
    assert client.get(response["Location"]).status_code == 200
    client.force_login(org.staff["consultant"])
    assert client.get("/customers/reassign/").status_code == 403


def test_language_switch(org, client):
    client.force_login(org.staff["consultant"])
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/customers/"})
    assert 'lang="zh-hans"' in client.get("/customers/").content.decode()
