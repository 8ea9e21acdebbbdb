"""A consultant's day in a real browser (Debian's Chromium through Playwright): register a
walk-in, make the visitor a customer and a prospect graded H, log a contact, see the next
follow-up two days later, and submit the daily report, which a showroom manager signs."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.org.models import Role
from retain.sales.models import DailyReport, Prospect, ShowroomVisit
from tests.conftest import PASSWORD, make_staff

pytestmark = pytest.mark.browser


@pytest.fixture
def showroom(transactional_db):
    from retain.org.models import Dealer, DealerGroup, Region

    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = Dealer.objects.create(region=region, code="D01", name="上海浦东4S店", city="上海")
    return (make_staff("consultant1", Role.CONSULTANT, group=group, dealer=dealer),
            make_staff("showroom1", Role.SHOWROOM_MANAGER, group=group, dealer=dealer))


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)  # each role lands on its own start page


def test_a_consultants_day(live_server, page, showroom):
    consultant, manager = showroom
    today = timezone.localdate()
    _login(page, live_server, "consultant1")

    # 1. A walk-in: two people asking about the 途观L; they leave details.
    page.goto(f"{live_server.url}/sales/visits/")
    page.select_option("#visit-form select[name=outcome]", "prospect")
    page.fill("#visit-form input[name=party_size]", "2")
    page.fill("#visit-form input[name=model_of_interest]", "途观L")
    page.click("#visit-form button[type=submit]")
    page.locator("tr.visit").first.wait_for()
    assert ShowroomVisit.objects.get().consultant == consultant

    # 2. The visitor becomes a customer...
    page.goto(f"{live_server.url}/customers/new/")
    page.fill("input[name=name]", "赵先生")
    page.fill("input[name=mobile]", "13912345678")
    page.click("form[novalidate] button[type=submit]")
    page.wait_for_url(f"{live_server.url}/customers/*/")
    # ... and a prospect graded H, linked to this morning's register line.
    page.click("#make-prospect")
    page.select_option("select[name=visit]", index=1)
    page.select_option("select[name=grade]", "H")
    page.fill("input[name=model_of_interest]", "途观L")
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/sales/prospects/*/")
    two_days = (today + dt.timedelta(days=2)).isoformat()
    assert page.locator("#next-follow-up").inner_text() == two_days

    # 3. A call the same day: last contact today, next follow-up still two days on (grade H).
    page.select_option("#contact-form select[name=kind]", "call")
    page.fill("#contact-form textarea[name=notes]", "约周六试驾")
    page.click("#contact-form button[type=submit]")
    page.get_by_text("约周六试驾").wait_for()
    assert page.locator("#last-contact").inner_text() == today.isoformat()
    assert page.locator("#next-follow-up").inner_text() == two_days
    prospect = Prospect.objects.get()
    assert (prospect.grade, prospect.next_follow_up) == ("H", today + dt.timedelta(days=2))
    assert ShowroomVisit.objects.get().customer_id == prospect.customer_id

    # 4. The daily report: the figures come from the day's records; the consultant submits it.
    page.goto(f"{live_server.url}/sales/reports/daily/")
    page.fill("#submit-form textarea[name=visit_notes]", "赵先生对途观L很感兴趣")
    page.fill("#submit-form textarea[name=tomorrow_plan]", "回访赵先生，确认试驾时间")
    page.click("#submit-form button[type=submit]")
    page.wait_for_function("document.querySelector('#report-status') && !document.querySelector('#submit-form')")
    report = DailyReport.objects.get(consultant=consultant, date=today)
    assert report.status == "submitted"
    assert report.figures["unregistered_new_prospects"] == []

    # 5. The showroom manager signs it with an instruction.
    page.context.clear_cookies()
    _login(page, live_server, "showroom1")
    page.goto(f"{live_server.url}/sales/reports/daily/{report.pk}/")
    page.fill("#sign-form textarea[name=instruction]", "周六安排试驾车")
    page.click("#sign-form button[type=submit]")
    page.wait_for_function("!document.querySelector('#sign-form')")
    report.refresh_from_db()
    assert (report.status, report.signed_by, report.instruction) == ("signed", manager, "周六安排试驾车")
