"""``__any``: a scope's dealer ids as one array parameter on PostgreSQL (a list on SQLite); the
same rows as ``__in``."""

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from retain.customers.access import access_customer, visible_customers
from retain.customers.models import Customer
from retain.org.policy import Action

from ..conftest import make_customer


def test_any_selects_what_in_selects_and_nothing_for_no_ids(org):
    made = [make_customer(dealer=d, name=f"客户{d.code}") for d in (org.d1, org.d2, org.d3, org.d4)]
    for ids in ([org.d1.pk, org.d3.pk], [org.d4.pk], [], [10_000]):
        assert set(Customer.objects.filter(dealer__any=ids)) == set(Customer.objects.filter(dealer_id__in=ids))
    assert set(Customer.objects.filter(dealer__any=[org.d1.pk, org.d3.pk])) == {made[0], made[2]}
    assert not Customer.objects.filter(dealer__any=[]).exists()


def test_a_groups_scope_is_one_parameter_however_many_dealers_it_holds(org):
    ours = {make_customer(dealer=d, name=f"客户{d.code}") for d in (org.d1, org.d2, org.d3)}
    theirs = make_customer(dealer=org.d4, name="客户D4")
    admin = org.staff["group_admin"]
    assert set(visible_customers(admin)) == ours
    with CaptureQueriesContext(connection) as captured:
        access_customer(admin, next(iter(ours)).pk, asking=(Action.EDIT, Action.REVEAL, Action.MERGE))
    sql = captured.captured_queries[-1]["sql"]
    if connection.vendor == "postgresql":
        # the three dealers once per condition, as one array each, not three parameters each
        assert "= ANY(" in sql and f"IN ({org.d1.pk}, {org.d2.pk}" not in sql
    with pytest.raises(Http404):  # another group's: out of sight
        access_customer(admin, theirs.pk)
