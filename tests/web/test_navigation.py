"""Every menu entry a role is offered opens for that role: no entry leads to a refusal or a 404."""

import re

import pytest
from django.conf import settings
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


def _menu(html: str) -> str:
    return re.search(r"<nav [^>]*>(.*?)</nav>", html, re.S).group(1)


def test_the_written_menu_is_the_users_on_the_page_in_their_language(org, client):
    """The menu's HTML is written once per entries, page and language: each request still gets
    its own role's entries, the page it is on marked, in the language it asked for."""
    consultant, service = org.staff["consultant"], org.staff["service_advisor"]
    client.force_login(consultant)
    today = _menu(client.get("/sales/today/").content.decode())
    assert '<a href="/sales/today/" class="active" aria-current="page">Today</a>' in today
    customers = _menu(client.get("/customers/").content.decode())
    assert '<a href="/sales/today/">Today</a>' in customers and 'class="active"' in customers
    assert _menu(client.get("/sales/today/").content.decode()) == today
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert '<a href="/sales/today/" class="active" aria-current="page">今日</a>' in _menu(client.get("/sales/today/").content.decode())
    client.force_login(service)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    theirs = _menu(client.get("/customers/").content.decode())
    assert theirs != customers and [e.label for g in menu_for(service) for e in g["entries"]] == re.findall(
        r">([^<>]+)</a>", theirs)
