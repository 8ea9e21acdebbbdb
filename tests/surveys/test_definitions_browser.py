"""The edit page in a real browser on a phone-sized window: no horizontal scrolling, and a
question added and saved by a dealer's marketing desk."""

import pytest

from retain.org.models import DealerGroup, Region, Role
from retain.surveys import presets
from retain.surveys.models import Survey
from tests.conftest import PASSWORD, make_staff
from tests.web.conftest import browser, page  # noqa: F401 (the shared Chromium fixtures)

pytestmark = pytest.mark.browser


def _no_horizontal_scroll(tab):
    return tab.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_edit_page_at_390_px_adds_a_question(live_server, page, transactional_db):  # noqa: F811
    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = region.dealers.create(code="D01", name="上海浦东4S店", city="上海")
    make_staff("marketing1", Role.MARKETING, group=group, dealer=dealer)
    survey = presets.install(group, dealer=dealer)[1]  # after-sales CSS, 12 questions
    violations = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_viewport_size({"width": 390, "height": 844})

    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "marketing1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")  # the start page, served at "/"
    page.goto(f"{live_server.url}/surveys/")
    assert _no_horizontal_scroll(page)
    page.get_by_role("link", name="售后满意度（CSS）调查").click()
    page.wait_for_url(f"{live_server.url}/surveys/{survey.pk}/")
    assert _no_horizontal_scroll(page)
    page.get_by_role("link", name="编辑").click()
    page.wait_for_url(f"{live_server.url}/surveys/{survey.pk}/edit/")
    assert page.locator("fieldset.question-form").count() == 12
    assert _no_horizontal_scroll(page)

    page.get_by_role("button", name="添加题目").click()
    page.locator("fieldset.question-form").nth(12).wait_for()
    assert page.locator("fieldset.question-form").count() == 13
    assert _no_horizontal_scroll(page)
    new = page.locator("#question-12")
    new.locator("input[name='q-12-code']").fill("waiting_time")
    new.locator("textarea[name='q-12-text_zh']").fill("您对等待时间满意吗？")
    new.locator("textarea[name='q-12-text_en']").fill("How satisfied are you with the waiting time?")
    new.locator("select[name='q-12-role']").select_option("outcome")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(f"{live_server.url}/surveys/{survey.pk}/")
    assert page.locator("#question-waiting_time").count() == 1
    survey = Survey.objects.get(pk=survey.pk)
    added = survey.current_version.questions.get(code="waiting_time")
    assert (added.position, added.scale_min, added.scale_max, added.role) == (13, 1, 10, "outcome")
    assert added.text == {"zh-hans": "您对等待时间满意吗？", "en": "How satisfied are you with the waiting time?"}
    assert violations == []
