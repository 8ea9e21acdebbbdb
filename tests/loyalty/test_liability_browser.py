"""The liability and partner pages in a real browser (Chromium via Playwright): Plotly draws the
charts under the Content-Security-Policy, a manager closes a month by the button, and nothing is
wider than a phone's screen (390 px)."""

import datetime as dt

import pytest

from retain.loyalty.models import Settlement
from retain.loyalty.services import partners, points
from tests.conftest import PASSWORD, make_customer
from tests.web.conftest import browser, page  # noqa: F401 (the shared Chromium fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _login(tab, url, username):
    tab.goto(f"{url}/login/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_load_state()


def test_liability_and_partner_pages_in_a_browser(live_server, page, org):  # noqa: F811 (the fixture)
    manager = org.staff["service_manager"]
    customer = make_customer(dealer=org.d1, name="浏览器会员")
    points.earn(actor=manager, customer_id=customer.pk, points=400, pending=False)
    wash = partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code="wash",
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2025, 1, 1))
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=300, reference="R",
                           now=dt.datetime(2025, 3, 10, 2, tzinfo=dt.UTC))
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, live_server.url, manager.username)
    page.goto(f"{live_server.url}/loyalty/liability/")
    for chart in ("chart-outstanding", "chart-flows", "chart-rates"):
        page.locator(f"#{chart} svg.main-svg").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"{live_server.url}/loyalty/partners/{wash.pk}/")
    page.locator("#chart-partner svg.main-svg").first.wait_for()
    page.locator("form[action$='/close/']:has(input[value='2025-03']) button").click()
    page.wait_for_load_state()
    assert Settlement.objects.filter(partner=wash, month=dt.date(2025, 3, 1)).exists()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert violations == []
