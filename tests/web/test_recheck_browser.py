"""The base re-check in a real browser: the list's button verifies one record in place (htmx,
with the CSRF header from the page and the Content-Security-Policy on)."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.customers.models import Customer
from retain.org.models import DealerGroup, Region, Role
from tests.conftest import PASSWORD, make_customer, make_staff

pytestmark = pytest.mark.browser


def test_verifying_from_the_list_swaps_in_the_row(live_server, page, transactional_db):
    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = region.dealers.create(code="D01", name="上海浦东4S店", city="上海")
    consultant = make_staff("consultant1", Role.CONSULTANT, group=group, dealer=dealer)
    first = make_customer(dealer=dealer, owner=consultant, name="王建国")
    second = make_customer(dealer=dealer, owner=consultant, name="李秀英",
                           last_verified=timezone.localdate() - dt.timedelta(days=800))
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "consultant1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")  # the start page, served at "/"
    page.get_by_role("link", name="基盘盘点").click()
    page.wait_for_url(f"{live_server.url}/customers/recheck/")
    assert page.locator(f"#recheck-{first.pk}").get_by_text("从未核实").count() == 1

    page.locator(f"#recheck-{first.pk} button").click()
    page.locator(f"#recheck-{first.pk}").get_by_text("今日已核实").wait_for()
    assert page.url == f"{live_server.url}/customers/recheck/"  # swapped in place, no reload
    assert Customer.objects.get(pk=first.pk).last_verified == timezone.localdate()
    assert Customer.objects.get(pk=second.pk).last_verified == timezone.localdate() - dt.timedelta(days=800)
    assert page.locator(f"#recheck-{second.pk} button").count() == 1
    assert violations == []
