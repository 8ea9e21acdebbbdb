"""A partner's movement reversed and the partner changed in a real browser (Chromium via
Playwright): the reverse form folds open under its movement, refuses without the tick, reverses
with it; the edit page picks the API caller by name; nothing wider than a phone (390 px), no
Content-Security-Policy violation."""

import datetime as dt

import pytest

from retain.loyalty.models import Partner, Transfer
from retain.loyalty.services import partners
from tests.conftest import make_customer
from tests.web.conftest import browser, page  # noqa: F401 (the shared Chromium fixtures)

from .test_liability_browser import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_reversing_a_movement_and_editing_the_partner_in_a_browser(live_server, page, org):  # noqa: F811
    manager = org.staff["service_manager"]
    customer = make_customer(dealer=org.d1, name="浏览器会员")
    wash = partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code="wash",
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2025, 1, 1))
    issued = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=300,
                                    reference="R-1")
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/loyalty/partners/{wash.pk}/")
    row = page.locator(f"#movement-{issued.pk}")
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("收银重复录入")
    row.locator("button[type=submit]").click()  # the tick is required: the browser keeps the form
    page.wait_for_load_state()
    assert not Transfer.objects.filter(kind="reverse").exists()
    row = page.locator(f"#movement-{issued.pk}")
    row.locator("input[name=confirm]").check()
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/#movements")
    assert Transfer.objects.get(kind="reverse").reverses_id == issued.pk
    assert "收银重复录入" in page.locator(f"#movement-{issued.pk}").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click(f"a[href='/loyalty/partners/{wash.pk}/edit/']")
    page.wait_for_load_state()
    page.select_option("select[name=agent_id]", label=org.staff["consultant"].display_name)
    page.fill("input[name=issue_rate_cents]", "6")
    page.click("section.card form button[type=submit]")
    page.wait_for_url(f"**/loyalty/partners/{wash.pk}/")
    wash = Partner.objects.get(pk=wash.pk)
    assert (wash.agent_id, wash.issue_rate_cents) == (org.staff["consultant"].pk, 6)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations == []
