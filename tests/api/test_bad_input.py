"""Bad input at the API's edge (issue 7, A2, A6, A7): each answers 422 (400 for a body that is
not JSON) naming the field, and writes nothing. Each case answered 500 or was stored before."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.customers.models import Customer, Transaction, Vehicle
from retain.customers.views import TRANSACTIONS_SHOWN
from retain.org.models import AuditEvent
from retain.sales import services
from retain.sales.models import Contact, Invitation, Prospect, ShowroomVisit
from retain.sales.services import planning
from tests.conftest import make_customer

from .conftest import fields_named

HUGE = 10**19  # past a signed 64-bit integer
BIG = 2**63 - 1  # the largest signed 64-bit integer: fits the column, absurd as money


@pytest.fixture
def prospect(org, customer):
    return services.open_prospect(actor=org.staff["consultant"], customer_id=customer.pk, grade="H",
                                  model_of_interest="途观L", source="walk_in")


@pytest.fixture
def event(org):
    today = timezone.localdate()
    return planning.create_event(actor=org.staff["dealer_gm"], name="新车发布会", starts_on=today, ends_on=today)


def _unchanged():
    """Snapshot of what a refused request must not change."""
    return (Customer.objects.count(), Transaction.objects.count(), Vehicle.objects.count(),
            Prospect.objects.count(), ShowroomVisit.objects.count(), Contact.objects.count(),
            Invitation.objects.count(), AuditEvent.objects.count())


@pytest.mark.parametrize("path", ["/customers", "/prospects", "/visits", "/reports/daily"])
@pytest.mark.parametrize("param", ["limit", "offset"])
def test_huge_page_window_names_the_parameter(as_role, path, param):
    response = as_role("dealer_gm").get(path, {param: str(HUGE)})
    assert response.status_code == 422, response.content
    assert param in fields_named(response)


@pytest.mark.parametrize("path, params, field", [
    ("/visits", {"date": "0001-01-01"}, "date"),
    ("/visits", {"date": "5621-01-01"}, "date"),
    ("/visits", {"date": "1700000000"}, "date"),
    ("/prospects/contact-status", {"consultant": str(HUGE)}, "consultant"),
    ("/prospects/contact-status.xlsx", {"consultant": str(HUGE)}, "consultant"),
    ("/showroom/traffic", {"dealer": str(HUGE)}, "dealer"),
    ("/showroom/traffic", {"start": "0001-01-01"}, "start"),
    ("/targets/actual", {"month": "2025-01", "dealer": str(HUGE)}, "dealer"),
    ("/funnel", {"start": "0001-01-01", "end": "2025-01-01"}, "start"),
    ("/events", {"start": "0001-01-01"}, "start"),
    ("/reports/daily", {"date": "0001-01-01"}, "date"),
])
def test_bad_query_parameters_are_422(as_role, path, params, field):
    response = as_role("dealer_gm").get(path, params)
    assert response.status_code == 422, response.content
    assert field in fields_named(response)


def _customer_cases():
    return [
        ({"address": None}, "address"),
        ({"gender": None}, "gender"),
        ({"city": None}, "city"),
        ({"name": None}, "name"),
        ({"name": "王\x00五"}, "name"),
        ({"address": "上" * 201}, "address"),
        ({"birthday": "0001-01-01"}, "birthday"),
        ({"birthday": 1700000000}, "birthday"),
    ]


@pytest.mark.parametrize("body, field", _customer_cases())
def test_patch_customer_refuses(as_role, customer, body, field):
    before = _unchanged()
    response = as_role("consultant").patch(f"/customers/{customer.pk}", body)
    assert response.status_code == 422, response.content
    assert field in fields_named(response)
    assert _unchanged() == before
    assert Customer.objects.get(pk=customer.pk).name == "王先生"


@pytest.mark.parametrize("body", ["[]", '["name", "x"]', "5", '"text"', "null"])
def test_patch_body_must_be_an_object(as_role, customer, body):
    response = as_role("consultant").patch(f"/customers/{customer.pk}", body, raw=True)
    assert response.status_code in (400, 422), response.content
    assert "detail" in response.json()
    assert not AuditEvent.objects.exists()


def test_create_customer_refuses_nul_and_long_text(as_role):
    client = as_role("dealer_gm")
    for body, field in [({"name": "a\x00b", "mobile": "13912345678"}, "name"),
                        ({"name": "x" * 101, "mobile": "13912345678"}, "name"),
                        ({"name": "x", "mobile": "13912345678", "city": "c\x00"}, "city")]:
        response = client.post("/customers", body)
        assert response.status_code == 422 and field in fields_named(response), response.content
    assert not Customer.objects.exists()


@pytest.mark.parametrize("override, field", [
    ({"amount_cents": BIG}, "amount_cents"),
    ({"amount_cents": HUGE}, "amount_cents"),
    ({"amount_cents": 10**10}, "amount_cents"),
    ({"amount_cents": True}, "amount_cents"),
    ({"amount_cents": 100.0}, "amount_cents"),
    ({"amount_cents": "100"}, "amount_cents"),
    ({"vehicle_id": 0}, "vehicle_id"),
    ({"vehicle_id": False}, "vehicle_id"),
    ({"vehicle_id": HUGE}, "vehicle_id"),
    ({"date": "0001-01-01"}, "date"),
    ({"date": 1700000000}, "date"),
    ({"reference": "r\x00"}, "reference"),
])
def test_transaction_refuses(as_role, customer, override, field):
    before = _unchanged()
    body = {"kind": "service", "date": "2025-03-01", "amount_cents": 80000, **override}
    response = as_role("consultant").post(f"/customers/{customer.pk}/transactions", body)
    assert response.status_code == 422, response.content
    assert field in fields_named(response)
    assert _unchanged() == before


def test_largest_allowed_amount_is_stored_and_the_card_still_opens(as_role, customer, client):
    response = as_role("consultant").post(f"/customers/{customer.pk}/transactions",
                                          {"kind": "vehicle_sale", "date": "2025-03-01", "amount_cents": 10**10 - 1})
    assert response.status_code == 201, response.content
    assert client.get(f"/customers/{customer.pk}/").status_code == 200


@pytest.mark.parametrize("override, field", [
    ({"model": "途" * 10_000}, "model"),
    ({"make": "a\x00"}, "make"),
    ({"mileage_km": HUGE}, "mileage_km"),
    ({"mileage_km": True}, "mileage_km"),
    ({"purchase_date": "5621-01-01"}, "purchase_date"),
    ({"insurance_expiry": "5621-01-01"}, "insurance_expiry"),
    ({"sold_by_us": "yes"}, "sold_by_us"),
])
def test_vehicle_refuses(as_role, customer, override, field):
    body = {"vin": "LSVAU2180N2183294", "make": "大众", "model": "帕萨特", **override}
    response = as_role("consultant").post(f"/customers/{customer.pk}/vehicles", body)
    assert response.status_code == 422, response.content
    assert field in fields_named(response)
    assert not Vehicle.objects.exists()


@pytest.mark.parametrize("override, field", [
    ({"budget_cents": 1e20}, "budget_cents"),
    ({"budget_cents": HUGE}, "budget_cents"),
    ({"budget_cents": True}, "budget_cents"),
    ({"purchase_by": "5621-01-01"}, "purchase_by"),
    ({"customer_id": HUGE}, "customer_id"),
    ({"customer_id": 0}, "customer_id"),
    ({"model_of_interest": "x" * 61}, "model_of_interest"),
    ({"owner_id": HUGE}, "owner_id"),
])
def test_prospect_refuses(as_role, customer, override, field):
    body = {"customer_id": customer.pk, "grade": "H", "model_of_interest": "途观L", **override}
    response = as_role("dealer_gm").post("/prospects", body)
    assert response.status_code == 422, response.content
    assert field in fields_named(response)
    assert not Prospect.objects.exists()


def test_contact_notes_are_bounded(as_role, prospect):
    before = _unchanged()
    response = as_role("consultant").post(f"/prospects/{prospect.pk}/contacts",
                                          {"kind": "call", "notes": "x" * 1_000_000})
    assert response.status_code == 422 and "notes" in fields_named(response)
    assert _unchanged() == before


def test_a_body_past_the_upload_limit_is_400_json(as_role, prospect):
    response = as_role("consultant").post(f"/prospects/{prospect.pk}/contacts",
                                          {"kind": "call", "notes": "长" * 1_000_000})
    assert response.status_code == 400 and response.json() == {"detail": "The request body is too large."}
    assert not Contact.objects.exists()


@pytest.mark.parametrize("override, field", [
    ({"party_size": HUGE}, "party_size"),
    ({"party_size": 70_000}, "party_size"),
    ({"party_size": 0}, "party_size"),
    ({"arrived_at": "0001-01-01T10:00:00"}, "arrived_at"),
    ({"arrived_at": 1700000000}, "arrived_at"),
    ({"consultant_id": HUGE}, "consultant_id"),
    ({"note": "n\x00"}, "note"),
])
def test_visit_refuses(as_role, override, field):
    body = {"arrived_at": timezone.now().isoformat(), **override}
    response = as_role("dealer_gm").post("/visits", body)
    assert response.status_code == 422, response.content
    assert field in fields_named(response)
    assert not ShowroomVisit.objects.exists()


def test_invitation_ids_are_bounded(as_role, event):
    response = as_role("dealer_gm").post(f"/events/{event.pk}/invitations", {"customer_ids": [HUGE]})
    assert response.status_code == 422 and "customer_ids" in {str(x) for e in response.json()["detail"]
                                                               for x in e["loc"]}
    assert not Invitation.objects.exists()


def test_reassign_ids_are_bounded(org, as_role, customer):
    response = as_role("dealer_gm").post("/portfolios/reassign", {
        "from_owner": "consultant", "to_owners": ["colleague"], "note": "离职", "customer_ids": [HUGE]})
    assert response.status_code == 422, response.content
    assert Customer.objects.get(pk=customer.pk).owner == org.staff["consultant"]


@pytest.mark.parametrize("body, field", [
    ({"month": "2025-01", "walk_ins": HUGE}, "walk_ins"),
    ({"month": "2025-01", "orders": True}, "orders"),
    ({"month": "2025-01", "dealer_id": HUGE}, "dealer_id"),
])
def test_targets_refuse(as_role, body, field):
    response = as_role("dealer_gm").put("/targets", body)
    assert response.status_code == 422, response.content
    assert field in fields_named(response)


@pytest.mark.parametrize("days", [HUGE, True, 0, 91])
def test_cadence_days_bounded(as_role, days):
    response = as_role("dealer_gm").put("/cadence", {"dealer": "D1", "grade": "H", "days": days})
    assert response.status_code == 422 and "days" in fields_named(response), response.content


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "sNaN", "1e30", "100000000.00"])
def test_form_transaction_amount_special_values(org, client, amount):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.post(f"/customers/{c.pk}/transactions/new/",
                           {"kind": "service", "date": "2025-03-01", "amount": amount}, follow=True)
    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])
    assert not Transaction.objects.exists()


@pytest.mark.parametrize("data, field", [
    ({"date": "0001-01-01"}, "Date"),
    ({"reference": "r\x00x"}, "Reference"),
])
def test_form_transaction_other_fields(org, client, data, field):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.post(f"/customers/{c.pk}/transactions/new/",
                           {"kind": "service", "date": "2025-03-01", "amount": "10", **data}, follow=True)
    assert any(m.level_tag == "error" and field in str(m) for m in response.context["messages"])
    assert not Transaction.objects.exists()


def test_form_visit_party_size_bounded(org, client):
    client.force_login(org.staff["consultant"])
    response = client.post("/sales/visits/", {
        "kind": "walk_in", "arrived_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"), "source": "walk_in",
        "party_size": "70000", "outcome": "just_looking"})
    assert response.status_code in (200, 422)
    assert not ShowroomVisit.objects.exists()


def test_form_customer_birthday_bounded(org, client):
    client.force_login(org.staff["dealer_gm"])
    response = client.post("/customers/new/", {"name": "李四", "mobile": "13912345678", "kind": "person",
                                               "source": "walk_in", "classification": "potential",
                                               "dealer": org.d1.pk, "birthday": "0001-01-01"})
    assert "birthday" in response.context["form"].errors
    assert not Customer.objects.exists()
    assert dt.date(1900, 1, 1)  # the lower bound the message states


def test_card_total_survives_amounts_stored_before_the_bounds(org, client):
    """Rows written before the bounds (or by a loader) can hold absurd amounts: the card's
    total must still open, not crash SQLite's integer SUM."""
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    for reference in ("a", "b"):
        Transaction.objects.create(customer=c, dealer=org.d1, kind="other", date=dt.date(2025, 1, 1),
                                   amount_cents=BIG - 10, reference=reference)
    client.force_login(org.staff["consultant"])
    assert client.get(f"/customers/{c.pk}/").status_code == 200  # two rows: added up from those shown
    for i in range(TRANSACTIONS_SHOWN):
        Transaction.objects.create(customer=c, dealer=org.d1, kind="other", date=dt.date(2025, 1, 2),
                                   amount_cents=BIG - 10, reference=f"c{i}")
    assert client.get(f"/customers/{c.pk}/").status_code == 200  # more than a page: summed by the database


def test_service_refuses_nul_as_imports_would_send_it(org):
    """Imports call the services without a form or a schema in front: the service refuses too."""
    from django.core.exceptions import ValidationError

    from retain.customers import services as customer_services

    with pytest.raises(ValidationError) as refused:
        customer_services.create_customer(actor=org.staff["dealer_gm"], name="王\x00五", mobile="13912345678")
    assert "name" in refused.value.message_dict
    assert not Customer.objects.exists()


@pytest.mark.parametrize("form, model, field", [
    ("retain.customers.forms.CustomerForm", Customer, "name"),
    ("retain.customers.forms.VehicleForm", Vehicle, "model"),
    ("retain.sales.forms.ContactForm", Contact, "notes"),
    ("retain.sales.forms.VisitForm", ShowroomVisit, "party_size"),
])
def test_forms_take_their_bounds_from_the_model(form, model, field):
    """Pages and API agree because both read the model field (bounds.form_limits / api_type)."""
    from django.utils.module_loading import import_string

    from retain import bounds

    form_field = import_string(form).base_fields[field]
    model_field = model._meta.get_field(field)
    if hasattr(form_field, "max_length") and form_field.max_length:
        assert form_field.max_length == bounds.max_length(model_field)
    else:
        assert (form_field.min_value, form_field.max_value) == bounds.limits(model_field)


def test_purchase_summary_survives_amounts_stored_before_the_bounds(org):
    """``retain analyze`` sums each customer's amounts in the database: two huge rows stored
    before the bounds must not overflow SQLite's integer SUM."""
    from retain.warehouse import purchases, source

    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    for day, reference in ((dt.date(2025, 1, 1), "a"), (dt.date(2025, 1, 1), "b"), (dt.date(2025, 2, 1), "c")):
        Transaction.objects.create(customer=c, dealer=org.d1, kind="service", date=day,
                                   amount_cents=BIG // 2, reference=reference)
    frame = purchases.summary(source.connect(), as_of=dt.date(2025, 3, 1))
    assert frame.loc[c.pk, "total"] == pytest.approx(3 * (BIG // 2) / 100)
