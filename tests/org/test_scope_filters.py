"""``scope_filter`` for region and group scopes: a list of the scope's dealer ids, or "has a
dealer" when the scope holds every dealer there is; either way the same records."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from retain.customers.access import access_customer, visible_customers
from retain.org.models import Dealer, Staff
from retain.org.policy import Action, Scope, scope_filter

from ..conftest import make_customer


def _customers_everywhere(org):
    return {d.code: make_customer(dealer=d, name=f"客户{d.code}") for d in (org.d1, org.d2, org.d3, org.d4)}


def test_a_group_beside_another_is_its_dealers_and_not_the_others(org):
    customers = _customers_everywhere(org)
    admin = org.staff["group_admin"]
    condition = scope_filter(admin, Action.VIEW)
    assert dict(condition.children)["dealer_id__in"] == [org.d1.pk, org.d2.pk, org.d3.pk]
    assert set(visible_customers(admin)) == {customers["D1"], customers["D2"], customers["D3"]}


def test_a_group_holding_every_dealer_is_no_list_of_ids_and_sees_the_same_customers(org):
    customers = _customers_everywhere(org)
    customers.pop("D4").delete()
    org.staff["d4_consultant"].delete()
    Dealer.objects.filter(pk=org.d4.pk).delete()
    admin = Staff.objects.get(pk=org.staff["group_admin"].pk)
    assert scope_filter(admin, Action.VIEW).children == [("dealer_id__isnull", False)]
    assert set(visible_customers(admin)) == set(customers.values())
    # a region holding some of the dealers still names them
    manager = Staff.objects.get(pk=org.staff["region_manager"].pk)
    assert dict(scope_filter(manager, Action.VIEW).children)["dealer_id__in"] == [org.d1.pk, org.d2.pk]
    # and the card's one query for the record and what the reader may do with it carries no list
    with CaptureQueriesContext(connection) as captured:
        found = access_customer(admin, customers["D3"].pk, asking=(Action.EDIT, Action.REVEAL))
    assert found == customers["D3"]
    assert all(f"{org.d1.pk}, {org.d2.pk}" not in query["sql"] for query in captured.captured_queries)


def test_the_dealers_are_read_once_per_request_for_every_action(org, django_assert_num_queries):
    admin = Staff.objects.get(pk=org.staff["group_admin"].pk)
    with django_assert_num_queries(1):
        for action in (Action.VIEW, Action.EDIT, Action.REVEAL, Action.MERGE):
            assert scope_filter(admin, action) is not None
    assert admin.__dict__["_dealer_ids_by_scope"][Scope.GROUP][1] is False  # G2 has a dealer too
