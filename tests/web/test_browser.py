"""A consultant's session in a real browser (Debian's Chromium driven by Playwright):
log in, search a customer, open the information card, reveal the mobile with a reason, and
fail to open a colleague's customer."""

import pytest

from retain.org.models import AuditEvent, Role
from tests.conftest import PASSWORD, make_customer, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def showroom(transactional_db):
    from retain.org.models import Dealer, DealerGroup, Region

    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = Dealer.objects.create(region=region, code="D01", name="上海浦东4S店", city="上海")
    consultant1 = make_staff("consultant1", Role.CONSULTANT, group=group, dealer=dealer)
    consultant2 = make_staff("consultant2", Role.CONSULTANT, group=group, dealer=dealer)
    mine = make_customer(dealer=dealer, owner=consultant1, name="王建国", mobile="+8613812341234")
    theirs = make_customer(dealer=dealer, owner=consultant2, name="李秀英", mobile="+8613956785678")
    return mine, theirs


def test_consultant_finds_own_customer_and_cannot_open_a_colleagues(live_server, page, showroom):
    mine, theirs = showroom
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "consultant1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")  # a consultant lands on today's work, served at "/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    page.goto(f"{live_server.url}/customers/")

    # Search by the mobile's last four digits; htmx swaps in the results without a reload.
    page.fill("input[name=q]", "1234")
    page.locator("#results").get_by_text("王建国").wait_for()
    assert page.locator("#results").get_by_text("李秀英").count() == 0
    page.locator("#results").get_by_text("王建国").click()

    page.wait_for_url(f"{live_server.url}/customers/{mine.pk}/")
    assert page.locator("#reveal-mobile").inner_text() == "138****1234"
    page.fill("#profile form.reveal input[name=reason]", "客户来电要求回拨")
    page.click("#profile form.reveal button")
    page.locator("#reveal-mobile a.tel").wait_for()
    assert page.locator("#reveal-mobile a.tel").inner_text() == "138 1234 1234"
    assert page.locator("#reveal-mobile a.tel").get_attribute("href") == "tel:+8613812341234"
    assert AuditEvent.objects.filter(action="customer.reveal", object_id=str(mine.pk)).count() == 1

    response = page.goto(f"{live_server.url}/customers/{theirs.pk}/")
    assert response.status == 404
    assert "李秀英" not in page.content()
    assert "13956785678" not in page.content()


def test_pages_work_under_the_content_security_policy(live_server, page, showroom):
    """htmx search and reveal, and the language switch (a static script, no inline handler), with
    the CSP on: the browser reports no violation."""
    mine, _theirs = showroom
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "consultant1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")  # a consultant lands on today's work, served at "/"
    page.goto(f"{live_server.url}/customers/")
    page.fill("input[name=q]", "1234")
    page.locator("#results").get_by_text("王建国").click()
    page.wait_for_url(f"{live_server.url}/customers/{mine.pk}/")
    page.fill("#profile form.reveal input[name=reason]", "客户来电要求回拨")
    page.click("#profile form.reveal button")
    page.locator("#reveal-mobile a.tel").wait_for()
    page.select_option("select[name=language]", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert violations == []


def test_a_folded_card_form_opens_and_records(live_server, page, showroom):
    """The card renders no forms; opening a fold fetches its form (htmx), which then posts as
    before and lands back on the card with the new row."""
    mine, _ = showroom
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "consultant1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/customers/{mine.pk}/")
    assert page.locator("#vehicles input[name=vin]").count() == 0
    page.locator("#vehicles details summary").click()
    page.locator("#vehicles input[name=vin]").fill("LSVAU2180N2183294")
    page.locator("#vehicles input[name=make]").fill("大众")
    page.locator("#vehicles input[name=model]").fill("途观L")
    page.locator("#vehicles form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/customers/{mine.pk}/")
    page.locator("#vehicles td.mono", has_text="LSVAU2180N2183294").wait_for()
    assert mine.vehicles.get().model == "途观L"
