"""Every menu entry a role is offered opens for that role: no entry leads to a refusal or a 404."""

import pytest
from django.urls import reverse

from retain.web.context import menu_for

ROLES = ("consultant", "showroom_manager", "sales_manager", "service_advisor", "service_manager", "marketing",
         "dealer_gm", "region_manager", "group_admin")


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_entry_opens(org, client, role):
    user = org.staff[role]
    client.force_login(user)
    entries = [entry for group in menu_for(user) for entry in group["entries"]]
    assert entries, f"{role} is offered no page"
    for entry in entries:
        response = client.get(reverse(entry.url_name))
        assert response.status_code == 200, (role, entry.url_name, response.status_code)
