"""Escalation of cases past a deadline, on a fixed clock in the dealer's time zone: the department's
manager at the breach, the general manager ``escalate_gm_hours`` later, once each however often
the hourly job runs; notices in the app and by e-mail through a real local SMTP server."""

import datetime as dt
import email
import zoneinfo

import pytest

from retain.cases.models import CaseEscalation, CaseSettings, Deadline, Level
from retain.cases.services import cases as service
from retain.cases.services import escalation
from retain.channels.models import ChannelSettings, NoticeEmail, StaffNotice
from retain.jobs import runner
from retain.org.audit import AuditEvent
from retain.org.models import Role
from tests.channels.conftest import smtp_server  # noqa: F401 (the fixture)
from tests.conftest import PASSWORD, make_customer, make_staff

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
OPENED = dt.datetime(2026, 6, 30, 10, 0, tzinfo=SHANGHAI)  # Tuesday 10:00 in Shanghai


def at(day, hour, minute=10):
    return dt.datetime(2026, 6, day, hour, minute, tzinfo=SHANGHAI) if day <= 30 else \
        dt.datetime(2026, 7, day - 30, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture
def case(org):
    ChannelSettings.objects.create(dealer=org.d1, time_zone="Asia/Shanghai", default_language="zh-hans")
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五",
                             service_advisor=org.staff["service_advisor"])
    return service.open_case(actor=org.staff["service_advisor"], customer_id=customer.pk, description="异响没修好",
                             department="service", severity="critical", now=OPENED)


def _rows(case):
    return [(r.deadline, r.level, sorted(p.username for p in r.recipients.all()))
            for r in CaseEscalation.objects.filter(case=case).order_by("at", "id")]


def test_first_contact_escalates_to_the_manager_at_24_hours_then_the_gm_a_day_later(org, case):
    assert case.first_contact_due == OPENED + dt.timedelta(hours=24)
    assert escalation.escalate(moment=at(31, 9, 59)) == {}  # 23 h 59 min: not yet
    assert escalation.escalate(moment=at(31, 10, 0)) == {"manager": 1}  # the boundary itself
    assert _rows(case) == [("first_contact", "manager", ["service_manager"])]
    for hour in (11, 12, 23):  # the manager has the next 24 hours; nothing more meanwhile
        assert escalation.escalate(moment=at(31, hour)) == {}
    assert escalation.escalate(moment=at(32, 9, 59)) == {}
    assert escalation.escalate(moment=at(32, 10, 0)) == {"gm": 1}
    assert _rows(case) == [("first_contact", "manager", ["service_manager"]),
                           ("first_contact", "gm", ["dealer_gm"])]
    # First contact told to the top: done. Critical, so the resolution was due at the end of 2 July.
    assert escalation.escalate(moment=at(33, 10)) == {"manager": 1}
    assert _rows(case)[-1] == ("resolution", "manager", ["service_manager"])


def test_the_resolution_deadline_is_midnight_where_the_dealer_is(org, case):
    """Critical: two days, so due at the end of Thursday 2 July in Shanghai (16:00 UTC)."""
    service.record_step(actor=org.staff["service_advisor"], case_id=case.pk, step="listen", notes="已致电",
                        now=OPENED + dt.timedelta(hours=1))
    assert escalation.escalate(moment=at(32, 23, 59)) == {}
    assert escalation.escalate(moment=dt.datetime(2026, 7, 2, 16, 0, tzinfo=dt.UTC)) == {"manager": 1}
    assert _rows(case) == [("resolution", "manager", ["service_manager"])]


def test_a_contact_made_before_the_deadline_or_a_closed_case_is_not_escalated(org, case):
    service.record_step(actor=org.staff["service_advisor"], case_id=case.pk, step="share", notes="安抚",
                        now=OPENED + dt.timedelta(hours=23))
    assert escalation.escalate(moment=at(31, 12)) == {}
    assert not CaseEscalation.objects.exists() and not StaffNotice.objects.exists()


def test_a_second_run_of_the_hour_escalates_nothing_more(org, case):
    assert runner.execute("cases.escalate", dt.date(2026, 7, 1), 10) == \
        "2026-07-01 10:10: 1 cases escalated to a department manager, 0 to the general manager"
    assert runner.execute("cases.escalate", dt.date(2026, 7, 1), 10).endswith(": 0 cases escalated to a "
                                                                              "department manager, 0 to the general manager")
    assert CaseEscalation.objects.count() == 1 and StaffNotice.objects.count() == 1
    assert AuditEvent.objects.filter(action="case.escalate").count() == 1


def test_the_general_manager_waits_as_long_as_the_dealer_says(org, case):
    CaseSettings.objects.create(dealer=org.d1, escalate_gm_hours=4)
    escalation.escalate(moment=at(31, 10))
    assert escalation.escalate(moment=at(31, 13, 59)) == {}
    assert escalation.escalate(moment=at(31, 14)) == {"gm": 1}


def test_a_sales_case_goes_to_both_sales_managers_and_an_owner_is_never_told_of_their_own_case(org):
    ChannelSettings.objects.create(dealer=org.d1, time_zone="Asia/Shanghai")
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="李四")
    sales = service.open_case(actor=org.staff["consultant"], customer_id=customer.pk, description="承诺未兑现",
                              department="sales", now=OPENED)
    owned = service.open_case(actor=org.staff["sales_manager"], customer_id=customer.pk, description="交车延误",
                              department="sales", now=OPENED)
    escalation.escalate(moment=at(31, 10))
    assert _rows(sales) == [("first_contact", "manager", ["sales_manager", "showroom_manager"])]
    assert _rows(owned) == [("first_contact", "manager", ["showroom_manager"])]


def test_no_manager_for_the_department_goes_straight_to_the_general_manager(org, case):
    org.staff["service_manager"].is_active = False
    org.staff["service_manager"].save()
    assert escalation.escalate(moment=at(31, 10)) == {"gm": 1}
    assert _rows(case) == [("first_contact", "gm", ["dealer_gm"])]


def test_a_dealer_with_nobody_to_tell_keeps_the_record_and_is_not_looked_at_again(org, case):
    for role in ("service_manager", "dealer_gm"):
        org.staff[role].is_active = False
        org.staff[role].save()
    assert escalation.escalate(moment=at(31, 10)) == {"gm": 1}
    assert _rows(case) == [("first_contact", "gm", [])] and not StaffNotice.objects.exists()
    assert escalation.escalate(moment=at(31, 11)) == {}


def test_the_notice_is_in_the_dealers_language_links_the_case_and_is_e_mailed(
        org, case, smtp_server, django_capture_on_commit_callbacks):  # noqa: F811
    manager = org.staff["service_manager"]
    manager.email = "manager@d1.example"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        escalation.escalate(moment=at(31, 10))
    notice = StaffNotice.objects.get()
    assert notice.staff == manager and notice.link == f"/cases/{case.pk}/"
    assert notice.subject == f"投诉案件 #{case.pk}：超过首次联系期限仍未联系客户"
    assert "王五" in notice.body and "2026-07-01 10:00" in notice.body
    notice.refresh_from_db()
    assert notice.email == NoticeEmail.SENT and notice.emailed_at is not None
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["manager@d1.example"]
    assert email.message_from_bytes(envelope.content)["Subject"]


def test_the_escalation_is_audited_with_whom_it_told(org, case):
    escalation.escalate(moment=at(31, 10))
    event = AuditEvent.objects.get(action="case.escalate")
    assert event.actor is None and event.object_id == str(case.pk) and event.dealer_id == org.d1.pk
    assert event.after["told"] == [org.staff["service_manager"].pk]
    assert event.after["deadline"] == Deadline.FIRST_CONTACT and event.after["level"] == Level.MANAGER


def test_another_dealers_general_manager_is_never_told(org, case):
    make_staff("d2_gm", Role.DEALER_GM, group=org.groups[0], dealer=org.d2)
    org.staff["service_manager"].is_active = False
    org.staff["service_manager"].save()
    escalation.escalate(moment=at(31, 10))
    assert _rows(case) == [("first_contact", "gm", ["dealer_gm"])]


def test_the_case_page_and_the_api_show_the_escalation_history(org, case, client):
    escalation.escalate(moment=at(31, 10))
    client.login(username="service_manager", password=PASSWORD)
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "First contact deadline missed: escalated to the department manager" in page
    assert org.staff["service_manager"].display_name in page
    detail = client.get(f"/api/v1/cases/{case.pk}").json()
    assert [(e["deadline"], e["level"], e["told"]) for e in detail["escalations"]] == [
        ("first_contact", "manager", [org.staff["service_manager"].display_name])]
