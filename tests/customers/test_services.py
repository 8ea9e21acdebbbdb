"""Business actions on the customer base: duplicates, merge, reassignment, classification,
consent, and the audit rows that go with each."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from retain.customers import services
from retain.customers.models import ClassificationChange, Customer, Status, Transaction, Vehicle
from retain.org.models import AuditEvent
from tests.conftest import make_customer

VIN = "LSVAU2180N2183294"


def test_create_normalises_and_owns(org):
    consultant = org.staff["consultant"]
    c = services.create_customer(actor=consultant, name=" 李四 ", mobile="139 1234 5678")
    assert (c.name, c.mobile, c.owner, c.dealer) == ("李四", "+8613912345678", consultant, org.d1)
    assert ClassificationChange.objects.filter(customer=c, to_class="potential").exists()
    event = AuditEvent.objects.get(action="customer.create", object_id=str(c.pk))
    assert event.after["mobile"] == "139****5678"  # the log never holds the full number


def test_consultant_cannot_give_customer_to_someone_else(org):
    c = services.create_customer(actor=org.staff["consultant"], name="王五", mobile="13912345678",
                                 owner_id=org.staff["colleague"].pk)
    assert c.owner == org.staff["consultant"]


def test_duplicate_mobile_warns_then_confirmed_create_is_logged(org):
    existing = make_customer(dealer=org.d1, owner=org.staff["colleague"], mobile="+8613912345678")
    with pytest.raises(services.DuplicateCustomer) as raised:
        services.create_customer(actor=org.staff["consultant"], name="李四", mobile="13912345678")
    assert raised.value.existing is None  # outside the consultant's scope: said to exist, not whose
    assert Customer.objects.count() == 1
    with pytest.raises(services.DuplicateCustomer) as raised:
        services.create_customer(actor=org.staff["dealer_gm"], name="李四", mobile="13912345678")
    assert raised.value.existing == existing
    c = services.create_customer(actor=org.staff["consultant"], name="李四", mobile="13912345678",
                                 confirm_duplicate=True)
    event = AuditEvent.objects.get(object_id=str(c.pk))
    assert event.action == "customer.create_duplicate" and str(existing.pk) in event.note


def test_same_mobile_at_another_dealer_is_not_a_duplicate(org):
    make_customer(dealer=org.d2, mobile="+8613912345678")
    services.create_customer(actor=org.staff["consultant"], name="李四", mobile="13912345678")


def test_merge_moves_everything_and_hides_the_duplicate(org):
    gm = org.staff["dealer_gm"]
    survivor = make_customer(dealer=org.d1, name="张三")
    duplicate = make_customer(dealer=org.d1, name="张三 (重复)", city="上海", mobile=survivor.mobile)
    services.add_vehicle(actor=gm, customer_id=duplicate.pk, vin=VIN, make="大众", model="帕萨特")
    services.add_transaction(actor=gm, customer_id=duplicate.pk, kind="service", date="2025-01-02",
                             amount_cents=80000)
    services.merge_customers(actor=gm, survivor_id=survivor.pk, duplicate_id=duplicate.pk, note="同一人")
    duplicate.refresh_from_db()
    survivor.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into == survivor
    assert Vehicle.objects.get().customer == survivor and Transaction.objects.get().customer == survivor
    assert survivor.city == "上海"  # gaps in the survivor are filled from the duplicate
    from retain.customers.access import visible_customers

    assert list(visible_customers(gm)) == [survivor]
    actions = set(AuditEvent.objects.filter(action__startswith="customer.merge").values_list("action", "object_id"))
    assert actions == {("customer.merge", str(survivor.pk)), ("customer.merge_into", str(duplicate.pk))}


def test_merge_into_itself_is_refused(org):
    c = make_customer(dealer=org.d1)
    with pytest.raises(ValidationError):
        services.merge_customers(actor=org.staff["dealer_gm"], survivor_id=c.pk, duplicate_id=c.pk)


def test_reassign_round_robin_and_audit(org):
    gm, leaver = org.staff["dealer_gm"], org.staff["consultant"]
    customers = [make_customer(dealer=org.d1, owner=leaver, name=f"客户{i}") for i in range(5)]
    make_customer(dealer=org.d1, owner=org.staff["colleague"])  # not part of the move
    to = [org.staff["colleague"].pk, org.staff["service_advisor"].pk]
    plan = services.reassign_portfolio(actor=gm, from_owner_id=leaver.pk, to_owner_ids=to, note="离职")
    ids = [c.pk for c in customers]
    assert plan == {to[0]: ids[0::2], to[1]: ids[1::2]}
    assert not Customer.objects.filter(owner=leaver).exists()
    assert AuditEvent.objects.filter(action="customer.reassign").count() == 5
    assert AuditEvent.objects.get(action="portfolio.reassign").note == "离职"


def test_reassign_part_of_a_portfolio(org):
    leaver = org.staff["consultant"]
    a, b = make_customer(dealer=org.d1, owner=leaver), make_customer(dealer=org.d1, owner=leaver)
    services.reassign_portfolio(actor=org.staff["sales_manager"], from_owner_id=leaver.pk,
                                to_owner_ids=[org.staff["colleague"].pk], note="分流", customer_ids=[a.pk])
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.owner, b.owner) == (org.staff["colleague"], leaver)


@pytest.mark.parametrize("kwargs, field", [
    ({"to_owner_ids": [], "note": "x"}, "to_owners"),
    ({"to_owner_ids": ["colleague"], "note": " "}, "note"),
    ({"to_owner_ids": ["consultant"], "note": "x"}, "to_owners"),  # to the leaver themself
    ({"to_owner_ids": ["d2_consultant"], "note": "x"}, "to_owners"),  # another dealer
    ({"to_owner_ids": ["colleague"], "note": "x", "customer_ids": [999999]}, "customers"),
])
def test_reassign_bad_input_changes_nothing(org, kwargs, field):
    leaver = org.staff["consultant"]
    c = make_customer(dealer=org.d1, owner=leaver)
    kwargs["to_owner_ids"] = [org.staff[name].pk for name in kwargs["to_owner_ids"]]
    with pytest.raises(ValidationError) as raised:
        services.reassign_portfolio(actor=org.staff["dealer_gm"], from_owner_id=leaver.pk, **kwargs)
    assert field in raised.value.message_dict
    c.refresh_from_db()
    assert c.owner == leaver and not AuditEvent.objects.exists()


def test_classification_change_keeps_date_and_reason(org):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    services.change_classification(actor=org.staff["consultant"], customer_id=c.pk, to="prospect", reason="到店看车")
    change = ClassificationChange.objects.get(customer=c)
    assert (change.from_class, change.to_class, change.reason) == ("potential", "prospect", "到店看车")
    c.refresh_from_db()
    assert c.classification == "prospect" and c.classified_on is not None


def test_consent_history_and_current_state(org):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    actor = org.staff["consultant"]
    services.record_consent(actor=actor, customer_id=c.pk, purpose="marketing", granted=True, channel="paper",
                            notice_version="2024-01")
    services.record_consent(actor=actor, customer_id=c.pk, purpose="marketing", granted=False, channel="phone",
                            notice_version="2024-01")
    current = services.current_consents(c)
    assert current["marketing"].granted is False and c.consents.count() == 2


def test_audit_row_and_change_roll_back_together(org):
    """A change that fails after its audit row was written leaves neither."""
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"], city="上海")
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            services.update_customer(actor=org.staff["consultant"], customer_id=c.pk, city="杭州")
            raise RuntimeError("the request failed after the service wrote")
    c.refresh_from_db()
    assert c.city == "上海" and AuditEvent.objects.count() == before


def test_failing_write_inside_a_service_leaves_no_audit_row(org):
    """The unique reference is enforced by the database after validation: the race loser's
    transaction rolls back whole, audit row included."""
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    Transaction.objects.create(customer=c, dealer=org.d1, kind="service", date="2025-01-01", amount_cents=1,
                               reference="RO-1")
    before = AuditEvent.objects.count()
    with pytest.raises((ValidationError, IntegrityError)):
        services.add_transaction(actor=org.staff["consultant"], customer_id=c.pk, kind="parts",
                                 date="2025-01-02", amount_cents=100, reference="RO-1")
    assert Transaction.objects.count() == 1 and AuditEvent.objects.count() == before


def test_audit_log_is_append_only(org):
    c = make_customer(dealer=org.d1)
    with transaction.atomic():
        from retain.org import audit

        event = audit.record(actor=None, action="customer.update", obj=c)
    with pytest.raises(ValidationError):
        event.save()
    with pytest.raises(ValidationError):  # the ORM refuses; the database's own refusal is tested in tests/org
        with transaction.atomic():
            AuditEvent.objects.filter(pk=event.pk).update(action="tampered")
    event.refresh_from_db()
    assert event.action == "customer.update"


def test_audit_outside_a_transaction_is_refused(transactional_db):
    from retain.org import audit

    with pytest.raises(RuntimeError):
        audit.record(actor=None, action="customer.update", object_type="t", object_id="1")


def test_tags_are_replaced_created_in_the_group_and_logged(org, client):
    import json

    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    response = client.patch(f"/api/v1/customers/{c.pk}", json.dumps({"tags": ["车友会", " 高价值 ", ""]}),
                            content_type="application/json")
    assert response.json()["tags"] == ["车友会", "高价值"]
    assert AuditEvent.objects.get(action="customer.tag").after == {"tags": ["车友会", "高价值"]}
    response = client.patch(f"/api/v1/customers/{c.pk}", json.dumps({"tags": ["x" * 41]}),
                            content_type="application/json")
    assert response.status_code == 422 and list(c.tags.values_list("name", flat=True)) == ["车友会", "高价值"]


def test_tags_form_on_the_card(org, client):
    c = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    client.force_login(org.staff["consultant"])
    client.post(f"/customers/{c.pk}/tags/", {"tags": "车友会，高价值"})
    assert sorted(c.tags.values_list("name", flat=True)) == ["车友会", "高价值"]
