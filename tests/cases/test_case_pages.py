"""The case pages: the list by urgency, a case with its progress line and clock, opening a case
from the card, recording steps, closing and assigning through the forms, and the refusals."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.cases.models import Case, CaseSettings, CaseStatus, CaseStep
from retain.cases.services import cases as service
from tests.conftest import make_customer


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五")


def _login(client, org, role="service_advisor"):
    client.force_login(org.staff[role])
    return client


def test_open_from_the_card_then_work_the_case_through_its_forms(client, org, customer):
    _login(client, org)
    form = client.get(f"/cases/open/{customer.pk}/")
    assert form.status_code == 200 and "王五" in form.content.decode()
    made = client.post(f"/cases/open/{customer.pk}/", {
        "kind": "complaint", "channel": "walk_in", "department": "service", "category": "waiting_time",
        "severity": "minor", "motive": "venting", "description": "等了三个小时"})
    case = Case.objects.get()
    assert made.status_code == 302 and made["Location"] == f"/cases/{case.pk}/"
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "等了三个小时" in page and 'class="progress"' in page and "clock" in page
    assert client.post(f"/cases/{case.pk}/step/", {"step": "listen", "notes": "客户情绪激动"}).status_code == 302
    assert client.post(f"/cases/{case.pk}/close/", {"outcome": "satisfied"}).status_code == 422  # no Check yet
    client.post(f"/cases/{case.pk}/step/", {"step": "check", "customer_confirmed": "true",
                                            "internally_confirmed": "true"})
    client.post(f"/cases/{case.pk}/step/", {"step": "satisfy", "satisfied": "true"})
    assert client.post(f"/cases/{case.pk}/close/", {"outcome": "satisfied"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and CaseStep.objects.count() == 3
    closed = client.get("/cases/", {"show": "closed"}).content.decode()
    assert f"#{case.pk}" in closed


def test_bad_posts_show_the_form_again_with_nothing_written(client, org, customer):
    _login(client, org)
    assert client.post(f"/cases/open/{customer.pk}/", {"description": "", "severity": "minor"}).status_code == 422
    assert not Case.objects.exists()
    case = service.open_case(actor=org.staff["service_advisor"], customer_id=customer.pk, description="x")
    assert client.post(f"/cases/{case.pk}/step/", {"step": "probe", "root_cause": "外星人"}).status_code == 422
    assert client.post(f"/cases/{case.pk}/step/", {"step": "action", "plan_due_on": "5621-01-01"}).status_code == 422
    assert not CaseStep.objects.exists()
    assert client.get(f"/cases/{case.pk}/step/").status_code == 405  # no GET writes


def test_the_list_orders_by_urgency_and_marks_what_is_late(client, org, customer):
    advisor = org.staff["service_advisor"]
    long_ago = timezone.now() - dt.timedelta(days=30)
    late = service.open_case(actor=advisor, customer_id=customer.pk, description="早", now=long_ago)
    fresh = service.open_case(actor=advisor, customer_id=customer.pk, description="新")
    page = _login(client, org).get("/cases/").content.decode()
    assert page.index(f"#{late.pk} ") < page.index(f"#{fresh.pk} ") and 'class="overdue"' in page
    overdue = client.get("/cases/", {"show": "overdue"}).content.decode()
    assert f"#{late.pk} " in overdue and f"#{fresh.pk} " not in overdue
    assert client.get("/cases/", {"show": "everything"}).status_code == 422


def test_pages_keep_to_the_door(client, org, customer):
    case = service.open_case(actor=org.staff["service_advisor"], customer_id=customer.pk, description="x")
    assert _login(client, org, "d2_consultant").get(f"/cases/{case.pk}/").status_code == 404
    assert client.post(f"/cases/{case.pk}/step/", {"step": "listen"}).status_code == 404
    region = _login(client, org, "region_manager").get(f"/cases/{case.pk}/")
    assert region.status_code == 200 and "record-step" not in region.content.decode()
    assert client.post(f"/cases/{case.pk}/step/", {"step": "listen"}).status_code == 403
    manager = _login(client, org, "service_manager")
    assert 'id="assign"' in manager.get(f"/cases/{case.pk}/").content.decode()
    moved = manager.post(f"/cases/{case.pk}/assign/", {"owner_id": org.staff["colleague"].pk})
    assert moved.status_code == 302 and Case.objects.get().owner == org.staff["colleague"]
    assert _login(client, org, "consultant").get(f"/cases/open/{make_customer(dealer=org.d2).pk}/").status_code == 404


def test_the_settings_page_saves_and_refuses(client, org):
    _login(client, org, "service_manager")
    assert client.get("/cases/settings/").status_code == 200
    saved = client.post("/cases/settings/", {
        "dealer": org.d1.code, "first_contact_hours": 12, "minor_days": 9, "major_days": 4, "critical_days": 1,
        "escalate_gm_hours": 8, "lost_p_alive_percent": 15, "lost_no_visit_months": 24, "item_threshold": 4, "recurrence_days": 30, "compensation_approval": "500.00",
        "detractor_cases": "on", "root_causes": "漏检"})
    assert saved.status_code == 302
    assert CaseSettings.objects.get(dealer=org.d1).escalate_gm_hours == 8
    assert client.post("/cases/settings/", {"dealer": org.d1.code, "first_contact_hours": 0, "minor_days": 9,
                                            "major_days": 4, "critical_days": 1, "item_threshold": 4, "recurrence_days": 30,
                                            "compensation_approval": "500"}).status_code == 422
    assert client.get("/cases/settings/", {"dealer": org.d2.code}).status_code == 404
    assert _login(client, org, "consultant").get("/cases/settings/").status_code == 403
    answer = client.put("/api/v1/cases/settings", data={"dealer_id": org.d1.pk, "major_days": 3},
                        content_type="application/json")
    assert answer.status_code == 403
    _login(client, org, "service_manager")
    answer = client.put("/api/v1/cases/settings", data={"dealer_id": org.d1.pk, "major_days": 3},
                        content_type="application/json")
    assert answer.status_code == 200 and answer.json()["major_days"] == 3 and answer.json()["root_causes"] == ["漏检"]


def test_the_analysis_page_counts_times_and_paretos(client, org, customer):
    from retain.cases.analysis import complaint_analysis

    advisor = org.staff["service_advisor"]
    opened = timezone.now() - dt.timedelta(days=10)
    late = service.open_case(actor=advisor, customer_id=customer.pk, description="a", category="waiting_time",
                             now=opened)
    service.record_step(actor=advisor, case_id=late.pk, step="listen", now=opened + dt.timedelta(hours=30))
    quick = service.open_case(actor=advisor, customer_id=customer.pk, description="b", category="waiting_time",
                              now=opened)
    service.record_step(actor=advisor, case_id=quick.pk, step="listen", now=opened + dt.timedelta(hours=2))
    service.open_case(actor=advisor, customer_id=customer.pk, description="c", category="price", now=opened)
    today = timezone.localdate()
    report = complaint_analysis(org.staff["service_manager"], start=today - dt.timedelta(days=30), end=today)
    assert report["total"] == 3 and report["open"] == 3
    assert report["first_contact"]["n"] == 2 and report["first_contact"]["median"] == 16.0  # (2 + 30) / 2 hours
    # one contact in time, one late, one never made and long due: 1 of 3
    assert (report["first_contact"]["in_time"]["k"], report["first_contact"]["in_time"]["n"]) == (1, 3)
    assert [(row["code"], row["count"]) for row in report["categories"]] == [("waiting_time", 2), ("price", 1)]
    assert report["categories"][-1]["cumulative"] == 1.0
    assert report["recurrence"]["k"] == 1 and report["recurrence"]["n"] == 1  # one customer, three cases
    page = _login(client, org, "service_manager").get("/cases/analysis/")
    assert page.status_code == 200 and "chart-categories" in page.content.decode()
    assert client.get("/cases/analysis/", {"start": "2026-05-01", "end": "2026-04-01"}).status_code == 422
    assert client.get("/cases/analysis/", {"start": "5621-01-01"}).status_code == 422


def test_recurrence_checks_due_are_listed_and_recorded_on_the_page_and_the_api(client, org, customer):
    advisor = org.staff["service_advisor"]
    case = service.open_case(actor=advisor, customer_id=customer.pk, description="x")
    service.record_step(actor=advisor, case_id=case.pk, step="check", customer_confirmed=True,
                        internally_confirmed=True)
    service.record_step(actor=advisor, case_id=case.pk, step="satisfy", satisfied=True)
    service.close(actor=advisor, case_id=case.pk, outcome="satisfied", now=timezone.now() - dt.timedelta(days=40))
    _login(client, org)
    assert f"#{case.pk} " in client.get("/cases/", {"show": "recheck"}).content.decode()
    assert 'id="recurrence"' in client.get(f"/cases/{case.pk}/").content.decode()
    assert client.post(f"/cases/{case.pk}/recurrence/", {"recurred": "yes"}).status_code == 422  # no notes
    done = client.post(f"/cases/{case.pk}/recurrence/", {"recurred": "yes", "notes": "异响又出现"})
    assert done.status_code == 302 and Case.objects.get().recurred is True
    assert f"#{case.pk} " not in client.get("/cases/", {"show": "recheck"}).content.decode()
    again = client.post(f"/api/v1/cases/{case.pk}/recurrence", data={"recurred": False},
                        content_type="application/json")
    assert again.status_code == 422
    assert client.get(f"/api/v1/cases/{case.pk}").json()["recurred"] is True


def test_the_analysis_exports_its_tables_formula_safe_and_audited(client, org, customer):
    import io

    from openpyxl import load_workbook

    from retain.cases.models import CaseSettings
    from retain.org.audit import AuditEvent

    CaseSettings.objects.create(dealer=org.d1, root_causes='=HYPERLINK("http://x","y")\n漏检')
    advisor = org.staff["service_advisor"]
    case = service.open_case(actor=advisor, customer_id=customer.pk, description="x", category="price")
    service.record_step(actor=advisor, case_id=case.pk, step="probe", root_cause='=HYPERLINK("http://x","y")')
    answer = _login(client, org, "service_manager").get("/cases/analysis/export.xlsx")
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    book = load_workbook(io.BytesIO(answer.content))
    assert len(book.sheetnames) == 5
    causes = [row for row in book.worksheets[2].iter_rows(values_only=True)]
    assert causes[1][0].startswith("'=") and causes[1][1] == 1  # neutralised, not a live formula
    assert book.worksheets[1]["A2"].value == "Price and invoice" and book.worksheets[1]["B2"].value == 1
    assert AuditEvent.objects.filter(action="cases_analysis.export", actor=org.staff["service_manager"]).count() == 1
    assert client.get("/cases/analysis/export.xlsx", {"start": "5621-01-01"}).status_code == 422
    assert _login(client, org, "d2_consultant").get("/cases/analysis/export.xlsx").status_code == 200  # theirs: none


def test_an_open_case_shows_the_playbook_of_its_category_and_the_customers_motive(client, org, customer):
    from retain.cases.models import Category
    from retain.cases.playbooks import PLAYBOOKS

    case = service.open_case(actor=org.staff["service_advisor"], customer_id=customer.pk, description="x",
                             category="repair_quality", motive="respect")
    page = _login(client, org).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="playbook"' in page and "seeks respect" in page
    assert str(PLAYBOOKS["repair_quality"][0])[:30] in page
    assert set(PLAYBOOKS) == set(Category.values)  # every category has its playbook
