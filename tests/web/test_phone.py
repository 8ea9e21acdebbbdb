"""The screens on a phone and in a real browser (Debian's Chromium driven by Playwright): no page
wider than a 390 px phone, a due prospect called in two taps from today, a manager's start page
with its charts drawn, and the contact-status table opened on today."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.org.models import Dealer, DealerGroup, Region, Role
from retain.sales import services
from retain.sales.models import Prospect
from retain.sales.services import daily_report
from tests.conftest import PASSWORD, make_customer, make_staff

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def showroom(transactional_db):
    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = Dealer.objects.create(region=region, code="D01", name="上海浦东4S店", city="上海")
    consultant = make_staff("consultant1", Role.CONSULTANT, group=group, dealer=dealer)
    consultant.first_name, consultant.last_name = "新志", "周"
    consultant.save()
    manager = make_staff("sales1", Role.SALES_MANAGER, group=group, dealer=dealer)
    today = timezone.localdate()
    prospects = []
    for i, name in enumerate(["王建国", "欧阳娜娜", "李秀英"]):
        customer = make_customer(dealer=dealer, owner=consultant, name=name, mobile=f"+861381234123{i}",
                                 address="上海市浦东新区张江高科技园区碧波路690号" * 2)
        customer.vehicles.create(vin=f"LSVAA4182E200000{i}", make="大众", model="途观L", plate=f"沪A1234{i}")
        prospect = services.open_prospect(actor=consultant, customer_id=customer.pk, grade="H",
                                          model_of_interest="途观L 380TSI 四驱豪华版", source="walk_in",
                                          first_contact=today - dt.timedelta(days=3))
        services.log_contact(actor=consultant, prospect_id=prospect.pk, kind="call",
                             notes="客户想周六带家人来试驾，关心置换补贴和金融方案" * 3, contacted_on=today - dt.timedelta(days=1))
        prospects.append(prospect)
    Prospect.objects.filter(pk=prospects[0].pk).update(next_follow_up=today)  # due today
    report = daily_report.prepare(actor=consultant)
    daily_report.submit(actor=consultant, report_id=report.pk, visit_notes="拜访三位客户", tomorrow_plan="回访王建国")
    return {"consultant": consultant, "manager": manager, "prospects": prospects}


def _login(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _width(page):
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_consultants_pages_fit_a_phone_and_a_due_prospect_is_called_in_two_taps(live_server, phone, showroom):
    _login(phone, live_server.url, "consultant1")
    assert phone.url == f"{live_server.url}/"  # the consultant lands on today, served at "/"
    assert phone.locator("nav a.active").get_attribute("href") == "/sales/today/"
    assert phone.locator("header.top").bounding_box()["height"] < 80  # a compact header
    assert _width(phone) <= 390

    # Tap 1: "拨打" on the due prospect reveals the number (audit-logged); tap 2 is the tel: link.
    phone.locator("#due button.call-button").first.click()
    link = phone.locator("#due a.tel").first
    link.wait_for()
    assert link.get_attribute("href") == "tel:+8613812341230"
    assert link.inner_text() == "138 1234 1230"
    assert link.is_visible() and _width(phone) <= 390

    prospect = showroom["prospects"][0]
    for path in ("/sales/prospects/", f"/sales/prospects/{prospect.pk}/", f"/customers/{prospect.customer_id}/"):
        phone.goto(f"{live_server.url}{path}")
        phone.wait_for_load_state()
        assert _width(phone) <= 390, path
        assert "周新志" in phone.content(), path


def test_the_managers_start_page_draws_its_charts_and_fits_a_phone(live_server, browser, phone, showroom):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, live_server.url, "sales1")
    assert page.url == f"{live_server.url}/"  # the manager's today, served at "/"
    page.locator("#chart-targets[data-drawn]").wait_for(timeout=30_000)
    assert page.locator("#chart-targets svg.main-svg").count() > 0  # Plotly drew it
    assert page.locator("#to-sign").get_by_text("周新志").count() == 1
    context.close()

    _login(phone, live_server.url, "sales1")
    assert _width(phone) <= 390
    phone.goto(f"{live_server.url}/sales/prospects/contact-status/")
    phone.wait_for_load_state()
    today = phone.locator("#today")
    box, frame = today.bounding_box(), phone.locator(".status-wrap").bounding_box()
    assert frame["x"] <= box["x"] and box["x"] + box["width"] <= frame["x"] + frame["width"]  # today in view
    assert _width(phone) <= 390


def test_the_audit_log_fits_a_phone_whatever_its_longest_action(live_server, browser, showroom):
    """The action picker lists every audit code's label, some long in English (a message stopped
    by a send-time rule): the picker narrows to the phone, the page does not widen."""
    context = browser.new_context(locale="en-US", viewport=PHONE)
    page = context.new_page()
    _login(page, live_server.url, "sales1")
    page.goto(f"{live_server.url}/org/audit/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert _width(page) <= 390
    context.close()
