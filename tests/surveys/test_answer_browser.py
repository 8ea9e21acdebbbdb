"""The public answer page in a real browser (Debian's Chromium through Playwright) at a phone's
390 px: no horizontal scrolling, answered with the keyboard alone (a visible focus on every
stop), submitted, and the thank-you page; no Content-Security-Policy violation on the way."""

import datetime as dt

import pytest

from retain.org.models import Dealer, DealerGroup, Region, Role
from retain.surveys.models import InvitationStatus, Response
from tests.conftest import make_customer, make_staff
from tests.surveys.factories_answer import ITEMS, make_invitation, make_survey, make_visit
from tests.web.conftest import browser  # noqa: F401 - the shared Chromium fixture

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def link(transactional_db):
    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = Dealer.objects.create(region=region, code="D01", name="上海浦东大众4S店", city="上海")
    advisor = make_staff("advisor1", Role.SERVICE_ADVISOR, group=group, dealer=dealer)
    advisor.first_name, advisor.last_name = "建华", "欧阳"
    advisor.save()
    customer = make_customer(dealer=dealer, owner=advisor, name="王建国", language="zh-hans")
    _vehicle, visit = make_visit(customer, day=dt.date(2026, 3, 14))
    survey = make_survey(group)
    return make_invitation(survey, dealer=dealer, customer=customer, transaction=visit, staff=advisor)


@pytest.fixture
def phone(browser):  # noqa: F811
    context = browser.new_context(locale="zh-CN", viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def _focus_is_visible(page) -> bool:
    """The focused control, or the box drawn for a hidden radio, shows an outline."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        const shown = el.matches('.score input') ? el.nextElementSibling : el;
        const style = getComputedStyle(shown);
        return style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
    }""")


def test_a_customer_answers_on_a_phone_with_the_keyboard_only(live_server, phone, link):
    invitation, token = link
    violations = []
    phone.on("console", lambda message: violations.append(message.text)
             if "Content Security Policy" in message.text else None)
    phone.goto(f"{live_server.url}/s/{token}/")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    assert "上海浦东大众4S店" in phone.content() and "欧阳建华" in phone.content()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # Every scored question: Tab into its radio group, arrows to the score (arrows pick in a group).
    scores = {code: 6 + i % 4 for i, code in enumerate(ITEMS)} | {"overall": 8, "recommend": 9}
    phone.keyboard.press("Tab")  # the language switch comes first
    assert phone.evaluate("document.activeElement.textContent") == "English" and _focus_is_visible(phone)
    for code, score in scores.items():
        phone.keyboard.press("Tab")
        assert phone.evaluate("document.activeElement.name") == code
        assert _focus_is_visible(phone), code
        low = 0 if code == "recommend" else 1
        phone.keyboard.press("Space")  # the first score
        for _ in range(score - low):
            phone.keyboard.press("ArrowRight")
        assert phone.locator(f"input[name={code}]:checked").get_attribute("value") == str(score)
    # The optional allocation: 100 points, the running total follows (the static script).
    phone.keyboard.press("Tab")
    phone.keyboard.type("60")
    phone.keyboard.press("Tab")
    phone.keyboard.type("40")
    assert phone.locator("output[data-total-for=importance]").inner_text() == "100"
    for _ in range(len(ITEMS) - 2):
        phone.keyboard.press("Tab")
    # The comment, with its character count.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.name") == "comment"
    phone.keyboard.type("师傅很专业")
    assert phone.locator("#comment-count").inner_text() == "5 / 2000"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # On to "send", and Enter.
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.value") == "submit" and _focus_is_visible(phone)
    phone.keyboard.press("Enter")
    phone.wait_for_url(f"{live_server.url}/s/{token}/thanks/**")
    assert phone.locator("h1").inner_text() == "感谢您的参与"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    response = Response.objects.get()
    assert response.submitted_at is not None
    stored = {a.question.code: a.number for a in response.answers.select_related("question") if a.number is not None}
    assert stored == {code: float(score) for code, score in scores.items()}
    assert response.answers.get(question__code="importance").value["fixed_first_time"] == 60
    assert response.answers.get(question__code="comment").text == "师傅很专业"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    assert violations == []


def test_a_used_link_on_a_phone_is_a_clear_page(live_server, phone, link):
    invitation, token = link
    invitation.status = InvitationStatus.ANSWERED
    invitation.save()
    answer = phone.goto(f"{live_server.url}/s/{token}/")
    assert answer.status == 409
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("link", name="English").click()
    assert phone.locator("h1").inner_text() == "Already answered"
