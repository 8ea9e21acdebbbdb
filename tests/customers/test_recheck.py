"""The base re-check: the last-verified date, verifying as a recorded action, the list of records
not verified for N months (page and door), and the verify endpoint."""

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.customers import services
from retain.customers.models import Customer, Status
from retain.customers.recheck import due_for_recheck, months_before
from retain.org.models import AuditEvent
from tests.conftest import make_customer


def _ago(**kwargs) -> dt.date:
    return timezone.localdate() - dt.timedelta(**kwargs)


def _audit_rows(customer):
    return AuditEvent.objects.filter(action="customer.verify", object_id=str(customer.pk))


# --- the rule ------------------------------------------------------------------------------------

@pytest.mark.parametrize("day, months, expected", [
    (dt.date(2026, 11, 30), 12, dt.date(2025, 11, 30)),
    (dt.date(2026, 3, 31), 1, dt.date(2026, 2, 28)),  # a shorter month: its last day
    (dt.date(2024, 3, 31), 1, dt.date(2024, 2, 29)),  # leap year
    (dt.date(2026, 1, 15), 1, dt.date(2025, 12, 15)),  # across the year
    (dt.date(2026, 12, 31), 120, dt.date(2016, 12, 31)),
])
def test_months_before(day, months, expected):
    assert months_before(day, months) == expected


def test_due_are_the_never_verified_and_those_verified_n_months_ago_or_more(org):
    today = dt.date(2026, 11, 30)
    never = make_customer(dealer=org.d1, name="从未")
    long_ago = make_customer(dealer=org.d1, name="很久", last_verified=dt.date(2024, 5, 1))
    exactly = make_customer(dealer=org.d1, name="整一年", last_verified=dt.date(2025, 11, 30))
    recent = make_customer(dealer=org.d1, name="最近", last_verified=dt.date(2025, 12, 1))
    due = set(due_for_recheck(Customer.objects.all(), months=12, today=today))
    assert due == {never, long_ago, exactly} and recent not in due
    assert set(due_for_recheck(Customer.objects.all(), months=36, today=today)) == {never}


# --- verifying: the service ------------------------------------------------------------------------

def test_verifying_sets_today_and_records_who_and_how(org):
    consultant = org.staff["consultant"]
    customer = make_customer(dealer=org.d1, owner=consultant, last_verified=dt.date(2024, 1, 2))
    services.verify_customer(actor=consultant, customer_id=customer.pk, note="  电话核实  ")
    customer.refresh_from_db()
    assert customer.last_verified == timezone.localdate()
    row = _audit_rows(customer).get()
    assert row.actor == consultant and row.note == "电话核实" and row.dealer_id == org.d1.pk
    assert row.before == {"last_verified": "2024-01-02"} and row.after == {"last_verified": timezone.localdate().isoformat()}


def test_verifying_twice_on_one_day_records_once(org):
    manager = org.staff["sales_manager"]
    customer = make_customer(dealer=org.d1)
    services.verify_customer(actor=manager, customer_id=customer.pk)
    services.verify_customer(actor=manager, customer_id=customer.pk, note="again")
    assert _audit_rows(customer).count() == 1


@pytest.mark.parametrize("who, whose, refusal", [
    ("consultant", "colleague", Http404),  # a colleague's customer: out of a consultant's sight
    ("sales_manager", "d2_consultant", Http404),  # another dealer's
    ("marketing", "consultant", PermissionDenied),  # seen, but marketing edits no records
])
def test_verifying_outside_the_edit_scope_is_refused_and_writes_nothing(org, who, whose, refusal):
    whose = org.staff[whose]
    customer = make_customer(dealer=whose.dealer, owner=whose)
    with pytest.raises(refusal):
        services.verify_customer(actor=org.staff[who], customer_id=customer.pk)
    customer.refresh_from_db()
    assert customer.last_verified is None and not _audit_rows(customer).exists()


def test_a_merged_record_cannot_be_verified(org):
    survivor = make_customer(dealer=org.d1)
    merged = make_customer(dealer=org.d1, status=Status.MERGED, merged_into=survivor)
    with pytest.raises(Http404):
        services.verify_customer(actor=org.staff["dealer_gm"], customer_id=merged.pk)


@pytest.mark.parametrize("note, message", [("电话\x00核实", "null"), ("长" * 201, "200 characters")])
def test_a_bad_note_is_refused_naming_the_field(org, note, message):
    customer = make_customer(dealer=org.d1)
    with pytest.raises(ValidationError) as refused:
        services.verify_customer(actor=org.staff["dealer_gm"], customer_id=customer.pk, note=note)
    assert list(refused.value.message_dict) == ["note"] and message in " ".join(refused.value.messages).lower()
    customer.refresh_from_db()
    assert customer.last_verified is None


# --- the page -----------------------------------------------------------------------------------

def test_a_consultant_sees_only_their_own_records_due(org, client):
    consultant = org.staff["consultant"]
    mine_due = make_customer(dealer=org.d1, owner=consultant, name="我的待核")
    make_customer(dealer=org.d1, owner=consultant, name="我的已核", last_verified=_ago(days=30))
    make_customer(dealer=org.d1, owner=org.staff["colleague"], name="同事的")
    make_customer(dealer=org.d2, owner=org.staff["d2_consultant"], name="别店的")
    client.force_login(consultant)
    page = client.get("/customers/recheck/").content.decode()
    assert "我的待核" in page and "我的已核" not in page and "同事的" not in page and "别店的" not in page
    assert f'action="/customers/{mine_due.pk}/verify/"' in page and "Never" in page
    assert 'name="owner"' not in page  # every record they may verify is their own


def test_a_manager_filters_by_owner_and_by_months(org, client):
    make_customer(dealer=org.d1, owner=org.staff["consultant"], name="甲客户", last_verified=_ago(days=400))
    make_customer(dealer=org.d1, owner=org.staff["colleague"], name="乙客户", last_verified=_ago(days=200))
    make_customer(dealer=org.d1, owner=None, name="丙客户")
    client.force_login(org.staff["sales_manager"])
    page = client.get("/customers/recheck/").content.decode()
    assert "甲客户" in page and "丙客户" in page and "乙客户" not in page and "2 customers" in page
    page = client.get("/customers/recheck/", {"months": 6}).content.decode()
    assert "乙客户" in page and "3 customers" in page
    page = client.get("/customers/recheck/", {"owner": org.staff["consultant"].pk}).content.decode()
    assert "甲客户" in page and "丙客户" not in page
    page = client.get("/customers/recheck/", {"owner": "none"}).content.decode()
    assert "丙客户" in page and "甲客户" not in page


def test_the_list_pages_by_keyset(org, client):
    for i in range(30):
        make_customer(dealer=org.d1, name=f"待核{i:02d}")
    client.force_login(org.staff["dealer_gm"])
    first = client.get("/customers/recheck/").content.decode()
    assert "30 customers" in first and "待核00" in first and "待核24" in first and "待核25" not in first
    cursor = first.split("after=")[1].split('"')[0]
    second = client.get(f"/customers/recheck/?after={cursor}").content.decode()
    assert "待核25" in second and "待核29" in second and "待核24" not in second


@pytest.mark.parametrize("months", ["0", "121", "x", "1.5"])
def test_bad_months_answer_422_naming_the_field(org, client, months):
    make_customer(dealer=org.d1, name="待核")
    client.force_login(org.staff["dealer_gm"])
    response = client.get("/customers/recheck/", {"months": months})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-field="months"' in page and "Not verified for (months)" in page and "待核" not in page


def test_marketing_may_not_open_the_list(org, client):
    client.force_login(org.staff["marketing"])
    assert client.get("/customers/recheck/").status_code == 403


def test_the_list_button_verifies_and_answers_the_row_to_htmx(org, client):
    customer = make_customer(dealer=org.d1, name="待核")
    client.force_login(org.staff["dealer_gm"])
    response = client.post(f"/customers/{customer.pk}/verify/", {"list_query": "months=12"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    row = response.content.decode()
    assert row.startswith("<tr") and "Verified today" in row and "<form" not in row
    customer.refresh_from_db()
    assert customer.last_verified == timezone.localdate()
    assert "待核" not in client.get("/customers/recheck/").content.decode()


def test_without_htmx_the_list_button_returns_to_the_same_list(org, client):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["dealer_gm"])
    query = f"months=6&owner={org.staff['consultant'].pk}"
    response = client.post(f"/customers/{customer.pk}/verify/", {"list_query": query})
    assert response.status_code == 302 and response["Location"] == f"/customers/recheck/?{query}"
    response = client.post(f"/customers/{customer.pk}/verify/", {"list_query": "//evil.example/?x=1"})
    assert response["Location"].startswith("/customers/recheck/?")


def test_the_card_shows_the_date_and_verifies_with_a_note(org, client):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Last verified" in card and "Never" in card and 'id="verify"' in card and 'name="list_query"' not in card
    response = client.post(f"/customers/{customer.pk}/verify/", {"note": "到店核对"})
    assert response.status_code == 302 and response["Location"] == f"/customers/{customer.pk}/"
    assert _audit_rows(customer).get().note == "到店核对"
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert timezone.localdate().isoformat() in card.split("Last verified")[1][:200]


def test_the_card_offers_no_verify_button_to_whom_may_not_verify(org, client):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["marketing"])
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Last verified" in card and 'id="verify"' not in card


@pytest.mark.parametrize("who, status", [("colleague", 404), ("d2_consultant", 404), ("marketing", 403)])
def test_the_page_button_outside_scope_is_refused(org, client, who, status):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff[who])
    assert client.post(f"/customers/{customer.pk}/verify/", {}).status_code == status
    assert client.post(f"/customers/{customer.pk}/verify/", {"note": "x" * 500}).status_code == status
    customer.refresh_from_db()
    assert customer.last_verified is None


def test_a_too_long_note_on_the_card_is_shown_and_writes_nothing(org, client):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.post(f"/customers/{customer.pk}/verify/", {"note": "x" * 201}, follow=True)
    assert "How it was checked" in response.content.decode()
    customer.refresh_from_db()
    assert customer.last_verified is None and not _audit_rows(customer).exists()


def test_get_on_the_verify_address_is_refused(org, client):
    customer = make_customer(dealer=org.d1)
    client.force_login(org.staff["dealer_gm"])
    assert client.get(f"/customers/{customer.pk}/verify/").status_code == 405


# --- the API ----------------------------------------------------------------------------------------

def _post(client, url, body):
    return client.post(url, data=body if isinstance(body, str) else json.dumps(body), content_type="application/json")


def test_the_api_verifies_and_answers_the_record(org, client):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = _post(client, f"/api/v1/customers/{customer.pk}/verify", {"note": "电话核实"})
    assert response.status_code == 200
    assert response.json()["last_verified"] == timezone.localdate().isoformat()
    assert _audit_rows(customer).get().note == "电话核实"
    assert _post(client, f"/api/v1/customers/{customer.pk}/verify", {}).status_code == 200
    assert client.get(f"/api/v1/customers/{customer.pk}").json()["last_verified"] == timezone.localdate().isoformat()


@pytest.mark.parametrize("who, status", [("colleague", 404), ("d4_consultant", 404), ("marketing", 403)])
def test_the_api_outside_scope_is_refused(org, client, who, status):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff[who])
    response = _post(client, f"/api/v1/customers/{customer.pk}/verify", {})
    assert response.status_code == status and "detail" in response.json()
    assert _post(client, "/api/v1/customers/999999999/verify", {}).status_code == 404


@pytest.mark.parametrize("body, field", [
    ({"note": "x" * 201}, "note"),
    ({"note": "a\x00b"}, "note"),
    ({"note": 5}, "note"),
    ({"note": None}, "note"),
    ({"verified_on": "2020-01-01"}, "verified_on"),  # the day is always today: no field for it
])
def test_bad_api_input_answers_422_naming_the_field(org, client, body, field):
    customer = make_customer(dealer=org.d1)
    client.force_login(org.staff["dealer_gm"])
    response = _post(client, f"/api/v1/customers/{customer.pk}/verify", body)
    assert response.status_code == 422
    assert field in json.dumps(response.json()["detail"])
    customer.refresh_from_db()
    assert customer.last_verified is None


@pytest.mark.parametrize("body", ["[]", "not json", '"x"'])
def test_a_body_that_is_not_an_object_is_refused(org, client, body):
    customer = make_customer(dealer=org.d1)
    client.force_login(org.staff["dealer_gm"])
    assert _post(client, f"/api/v1/customers/{customer.pk}/verify", body).status_code in (400, 422)
    customer.refresh_from_db()
    assert customer.last_verified is None
