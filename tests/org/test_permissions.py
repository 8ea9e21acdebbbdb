"""The permission matrix: every role x action x whose-record cell of policy_expected.csv is a test.

Record actions are exercised through the real door (services, pages and the API), so a
view that bypassed the door would fail here, not only the policy table.
"""

import csv
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from retain.customers import services
from retain.customers.access import access_customer, visible_customers
from retain.org import audit
from retain.org.policy import Action
from retain.org.views import visible_audit_events
from tests.conftest import make_customer

EXPECTED = Path(__file__).with_name("policy_expected.csv")
POSITIONS = ("own", "colleague", "unassigned", "same_region", "other_region", "other_group")


def _cells():
    lines = [line for line in EXPECTED.read_text().splitlines() if line and not line.startswith("#")]
    for row in csv.DictReader(lines):
        for position in POSITIONS:
            if row[position] == "-":
                continue
            yield pytest.param(row["role"], row["action"], position, row[position],
                               id=f"{row['role']}-{row['action']}-{position}")


def _target(org, actor, position):
    staff = org.staff
    dealer, owner = {
        "own": (org.d1, actor),
        "colleague": (org.d1, staff["colleague"]),
        "unassigned": (org.d1, None),
        "same_region": (org.d2, staff["d2_consultant"]),
        "other_region": (org.d3, staff["d3_consultant"]),
        "other_group": (org.d4, staff["d4_consultant"]),
    }[position]
    return make_customer(dealer=dealer, owner=owner, name="目标客户")


def _outcome(call):
    try:
        call()
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    return "Y"


def test_matrix_covers_every_role_and_action():
    from retain.org.models import Role

    cells = {(p.values[0], p.values[1]) for p in _cells()}
    assert cells == {(role.value, action) for role in Role for action in Action.ALL}


@pytest.mark.parametrize("role, action, position, expected", list(_cells()))
def test_permission_cell(org, client, role, action, position, expected):
    actor = org.staff[role]
    customer = _target(org, actor, position)

    if action == Action.VIEW:
        assert _outcome(lambda: access_customer(actor, customer.pk)) == expected
        in_list = visible_customers(actor).filter(pk=customer.pk).exists()
        assert in_list == (expected == "Y")
        client.force_login(actor)
        assert client.get(f"/customers/{customer.pk}/").status_code == (200 if expected == "Y" else 404)
        api = client.get(f"/api/v1/customers/{customer.pk}")
        assert api.status_code == (200 if expected == "Y" else 404)
        listed = {item["id"] for item in client.get("/api/v1/customers?limit=1000").json()["items"]}
        assert (customer.pk in listed) == (expected == "Y")
    elif action == Action.EDIT:
        assert _outcome(lambda: services.update_customer(actor=actor, customer_id=customer.pk, city="新城")) == expected
        customer.refresh_from_db()
        assert (customer.city == "新城") == (expected == "Y")
    elif action == Action.REVEAL:
        assert _outcome(lambda: services.reveal(actor=actor, customer_id=customer.pk, field="mobile",
                                                reason="回访")) == expected
    elif action == Action.MERGE:
        assert _outcome(lambda: access_customer(actor, customer.pk, Action.MERGE)) == expected
    elif action == Action.CREATE:
        try:
            services.create_customer(actor=actor, dealer_id=customer.dealer_id, name="新客户", mobile="13912345678")
            outcome = "Y"
        except (PermissionDenied, ValidationError):
            outcome = "N"
        assert outcome == expected
    elif action in (Action.EXPORT, Action.REASSIGN):
        assert visible_customers(actor, action).filter(pk=customer.pk).exists() == (expected == "Y")
    elif action == Action.AUDIT:
        from django.db import transaction

        with transaction.atomic():
            event = audit.record(actor=None, action="customer.update", obj=customer)
        assert visible_audit_events(actor).filter(pk=event.pk).exists() == (expected == "Y")
    else:  # pragma: no cover - the coverage test above keeps this unreachable
        pytest.fail(f"untested action {action}")
