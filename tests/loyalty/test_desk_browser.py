"""The points desk on a 390 px phone in a real browser (Debian's Chromium through Playwright):
find a member by their full mobile (htmx), order a reward, see its voucher with the QR code,
hand it over; no page wider than the phone."""

import pytest

from retain.loyalty.models import Voucher
from retain.loyalty.services import points, rewards
from retain.org.models import Dealer, DealerGroup, Region, Role
from tests.conftest import PASSWORD, make_customer, make_staff
from tests.web.conftest import browser  # noqa: F401 (the shared Chromium)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def counter(transactional_db):
    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = Dealer.objects.create(region=region, code="D01", name="上海浦东4S店", city="上海")
    make_staff("advisor1", Role.SERVICE_ADVISOR, group=group, dealer=dealer)
    customer = make_customer(dealer=dealer, name="欧阳娜娜", mobile="+8613812345678")
    points.earn(actor=None, customer_id=customer.pk, points=5000, pending=False)
    for name, cost in (("洗车券（精洗一次，含内饰清洁与轮毂护理）", 300), ("保养工时券", 800), ("原厂机油 4L", 1200)):
        rewards.create_reward(actor=None, dealer_id=dealer.pk, name=name, kind="service", points=cost, stock=10,
                              description="限本店使用，不与其他优惠同享" * 3)
    return {"customer": customer}


def _width(page):
    return page.evaluate("document.documentElement.scrollWidth")


def test_the_desk_on_a_phone(live_server, phone, counter):
    base = live_server.url
    phone.goto(f"{base}/login/")
    phone.fill("input[name=username]", "advisor1")
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_load_state()

    phone.goto(f"{base}/loyalty/desk/")
    assert _width(phone) <= 390
    phone.fill("input[name=q]", "138 1234 5678")
    phone.click("#find button[type=submit]")
    member = phone.locator("#members a").first
    member.wait_for()
    member.click()
    phone.wait_for_url(f"**/loyalty/desk/members/{counter['customer'].pk}/")
    assert phone.locator("#balances").inner_text().count("5000") == 1
    assert _width(phone) <= 390

    phone.select_option("#order select[name=reward]", index=1)
    phone.click("#order button[type=submit]")
    phone.wait_for_url("**/loyalty/vouchers/*/")
    voucher = Voucher.objects.get()
    assert phone.locator("#voucher .qr svg").count() == 1 and phone.locator("#voucher .qr svg").is_visible()
    assert _width(phone) <= 390

    phone.click("#hand-over")
    phone.wait_for_url(f"**/loyalty/desk/members/{counter['customer'].pk}/")
    voucher.refresh_from_db()
    assert voucher.status == "used"
    assert phone.locator("ul.messages li").count() >= 1

    for path in ("/loyalty/rewards/", f"/loyalty/vouchers/{voucher.code}/", f"/customers/{counter['customer'].pk}/"):
        phone.goto(f"{base}{path}")
        phone.wait_for_load_state()
        assert _width(phone) <= 390, path
