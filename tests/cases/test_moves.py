"""Cases, blacklist entries and lost owners follow a merged customer and a reassigned portfolio;
a merge that would leave a customer with two open entries (or two open lost records) is refused
and writes nothing."""

import pytest
from django.core.exceptions import ValidationError

from retain.cases.models import BlacklistEntry, Case, LostOwner
from retain.cases.services import cases, lost
from retain.customers import services as customer_services
from retain.customers.models import Customer

from .blacklist_factories import active, customer_of, proposed


def _case(org, customer):
    return cases.open_case(actor=org.staff["consultant"], customer_id=customer.pk, description="交车时间一拖再拖")


def _merge(org, survivor, duplicate):
    return customer_services.merge_customers(actor=org.staff["dealer_gm"], survivor_id=survivor.pk,
                                             duplicate_id=duplicate.pk, note="同一人")


def test_a_merged_duplicates_cases_entries_and_lost_records_move_to_the_survivor(org):
    survivor, duplicate = customer_of(org, name="王五"), customer_of(org, name="王五", mobile="13900000001")
    case = _case(org, duplicate)
    entry = active(org, duplicate)
    record = lost.record(actor=org.staff["consultant"], customer_id=duplicate.pk, reason="moved")
    _merge(org, survivor, duplicate)
    for row in (case, entry, record):
        row.refresh_from_db()
        assert row.customer_id == survivor.pk


@pytest.mark.parametrize("kind", ["blacklist", "lost"])
def test_two_open_records_refuse_the_merge_and_nothing_moves(org, kind):
    survivor, duplicate = customer_of(org, name="王五"), customer_of(org, name="王五", mobile="13900000001")
    case = _case(org, duplicate)
    for customer in (survivor, duplicate):
        if kind == "blacklist":
            proposed(org, customer)
        else:
            lost.record(actor=org.staff["consultant"], customer_id=customer.pk, reason="moved")
    with pytest.raises(ValidationError) as refused:
        _merge(org, survivor, duplicate)
    assert "duplicate" in refused.value.message_dict
    case.refresh_from_db()
    duplicate.refresh_from_db()
    assert case.customer_id == duplicate.pk and duplicate.status != "merged"
    model = BlacklistEntry if kind == "blacklist" else LostOwner
    assert model.objects.filter(customer=duplicate).count() == 1


def test_a_departing_owners_open_cases_go_to_the_customers_new_owner(org):
    customer = customer_of(org)
    open_case, closed_case = _case(org, customer), _case(org, customer)
    Case.objects.filter(pk=closed_case.pk).update(status="closed", outcome="satisfied", closed_at=open_case.opened_at)
    customer_services.reassign_portfolio(actor=org.staff["sales_manager"], from_owner_id=org.staff["consultant"].pk,
                                         to_owner_ids=[org.staff["colleague"].pk], note="离职")
    assert Customer.objects.get(pk=customer.pk).owner == org.staff["colleague"]
    open_case.refresh_from_db()
    closed_case.refresh_from_db()
    assert open_case.owner == org.staff["colleague"] and closed_case.owner == org.staff["consultant"]
