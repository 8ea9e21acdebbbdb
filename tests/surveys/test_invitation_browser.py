"""The card's "invite to a survey" in a real browser (Debian's Chromium through Playwright): the
card holds no form until the fold is opened (htmx fetches it), the invitation posts, and the
page shows the link once."""

import pytest

from retain.org.models import Dealer, DealerGroup, Region, Role
from retain.surveys.models import Invitation
from tests.conftest import PASSWORD, make_customer, make_staff
from tests.web.conftest import browser, page  # noqa: F401 (the shared Chromium fixtures)

from .factories_invite import make_survey

pytestmark = pytest.mark.browser


@pytest.fixture
def service_desk(transactional_db):
    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = Dealer.objects.create(region=region, code="D01", name="上海浦东4S店", city="上海")
    manager = make_staff("svm1", Role.SERVICE_MANAGER, group=group, dealer=dealer)
    customer = make_customer(dealer=dealer, owner=None, name="王建国", mobile="+8613812341234")
    return manager, customer, make_survey(group)


def test_invite_from_the_card_fold(live_server, page, service_desk):  # noqa: F811
    manager, customer, survey = service_desk
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "svm1")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/customers/{customer.pk}/")
    assert page.locator("#surveys select[name=survey_id]").count() == 0
    page.locator("#surveys details summary").click()
    page.locator("#surveys select[name=survey_id]").select_option(str(survey.pk))
    page.locator("#surveys form button[type=submit]").click()
    page.locator("#survey-link").wait_for()
    link = page.locator("#survey-link").input_value()
    assert "/s/" in link and Invitation.objects.get().customer_id == customer.pk
