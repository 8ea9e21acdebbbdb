"""Working the tasks: outcomes and their effects (consent, the daily report), manual tasks,
reassignment and merge, the pages, the API, and every kind of bad input."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from retain.care import services, worklist
from retain.care.models import CareRule, Outcome, Task, TaskKind, TaskStatus, VipFile
from retain.customers import services as customer_services
from retain.customers.models import Consent, Vehicle
from retain.org.models import AuditEvent
from retain.sales.services import daily_report
from tests.conftest import make_customer


def task_for(customer, owner, *, kind=TaskKind.BIRTHDAY, due_on=None, **extra):
    return Task.objects.create(dealer=customer.dealer, customer=customer, kind=kind, owner=owner,
                               due_on=due_on or timezone.localdate(), department="sales",
                               created_at=timezone.now(), **extra)


@pytest.fixture
def mine(org):
    """The fixture consultant's own-sold owner with a task due today and one overdue."""
    me = org.staff["consultant"]
    customer = make_customer(dealer=org.d1, owner=me, name="车主甲", classification="own_sold")
    today = timezone.localdate()
    return customer, task_for(customer, me), task_for(customer, me, kind=TaskKind.SERVICE_DUE,
                                                      due_on=today - dt.timedelta(days=3))


# --- outcomes ---------------------------------------------------------------------------------

def test_an_outcome_closes_the_task_and_is_audited(org, mine):
    _customer, task, _ = mine
    done = services.record_outcome(actor=org.staff["consultant"], task_id=task.pk, outcome="reached", notes="很满意")
    assert (done.status, done.outcome, done.done_by, done.done_on) == ("done", "reached", org.staff["consultant"],
                                                                        timezone.localdate())
    assert AuditEvent.objects.filter(action="task.outcome", object_id=str(task.pk)).count() == 1
    with pytest.raises(ValidationError) as closed:
        services.record_outcome(actor=org.staff["consultant"], task_id=task.pk, outcome="reached")
    assert "status" in closed.value.message_dict


def test_asked_not_to_be_contacted_withdraws_marketing_consent(org, mine):
    customer, task, _ = mine
    Consent.objects.create(customer=customer, purpose="marketing", granted=True, channel="paper", notice_version="1")
    services.record_outcome(actor=org.staff["consultant"], task_id=task.pk, outcome=Outcome.DO_NOT_CONTACT)
    latest = customer_services.current_consents(customer)["marketing"]
    assert latest.granted is False and latest.channel == "phone" and latest.recorded_by == org.staff["consultant"]
    assert AuditEvent.objects.filter(action="customer.record_consent", object_id=str(customer.pk)).exists()
    assert customer_services.current_consents(customer).get("service") is None  # service contact untouched


def test_a_reached_owner_counts_on_the_daily_report(org, mine):
    customer, task, overdue = mine
    me = org.staff["consultant"]
    before = daily_report.figures(me, timezone.localdate())["contacts"]
    services.record_outcome(actor=me, task_id=task.pk, outcome="reached")
    services.record_outcome(actor=me, task_id=overdue.pk, outcome="no_answer")  # nobody reached: not a contact
    after = daily_report.figures(me, timezone.localdate())["contacts"]
    assert after["owners"]["own_sold"] == before["owners"]["own_sold"] + 1
    assert after["total"] == before["total"] + 1
    assert after["by_purpose"]["maintenance"] == before["by_purpose"]["maintenance"] + 1


def test_someone_elses_task_is_not_found(org, mine):
    _customer, task, _ = mine
    with pytest.raises(Http404):
        services.record_outcome(actor=org.staff["colleague"], task_id=task.pk, outcome="reached")
    with pytest.raises(PermissionDenied):  # marketing sees the dealer's tasks but does not work them
        services.record_outcome(actor=org.staff["marketing"], task_id=task.pk, outcome="reached")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


@pytest.mark.parametrize("outcome", ["", "called", "REACHED", "reached\x00"])
def test_a_bad_outcome_is_refused_naming_it(org, mine, outcome):
    _customer, task, _ = mine
    with pytest.raises(ValidationError) as refused:
        services.record_outcome(actor=org.staff["consultant"], task_id=task.pk, outcome=outcome)
    assert "outcome" in refused.value.message_dict
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_an_outcome_cannot_be_dated_in_the_future(org, mine):
    _customer, task, _ = mine
    with pytest.raises(ValidationError) as refused:
        services.record_outcome(actor=org.staff["consultant"], task_id=task.pk, outcome="reached",
                                done_on=timezone.localdate() + dt.timedelta(days=1))
    assert "done_on" in refused.value.message_dict


# --- manual tasks ------------------------------------------------------------------------------

def test_a_manual_task(org, mine):
    customer, *_ = mine
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    task = services.create_task(actor=org.staff["consultant"], customer_id=customer.pk, due_on=tomorrow,
                                notes="送保养券")
    assert (task.kind, task.owner, task.department) == ("manual", org.staff["consultant"], "sales")
    given = services.create_task(actor=org.staff["sales_manager"], customer_id=customer.pk, due_on=tomorrow,
                                 notes="回访", owner_id=org.staff["service_advisor"].pk, channel="visit")
    assert (given.owner, given.department) == (org.staff["service_advisor"], "service")
    with pytest.raises(ValidationError) as refused:
        services.create_task(actor=org.staff["consultant"], customer_id=customer.pk,
                             due_on=timezone.localdate() - dt.timedelta(days=1), notes="", channel="fax")
    assert set(refused.value.message_dict) == {"due_on", "notes", "channel"}
    with pytest.raises(ValidationError) as outsider:
        services.create_task(actor=org.staff["sales_manager"], customer_id=customer.pk, due_on=tomorrow,
                             notes="回访", owner_id=org.staff["d2_consultant"].pk)
    assert "owner" in outsider.value.message_dict


# --- moves -------------------------------------------------------------------------------------

def test_reassignment_moves_the_open_tasks(org, mine):
    customer, task, overdue = mine
    me = org.staff["consultant"]
    done = task_for(customer, me, kind=TaskKind.DELIVERY_D1)
    services.record_outcome(actor=me, task_id=done.pk, outcome="reached")
    advisors = task_for(customer, org.staff["service_advisor"], kind=TaskKind.INSPECTION)
    vip = VipFile.objects.create(customer=customer, dealer=org.d1, source="bank", consultant=me,
                                 manager=org.staff["sales_manager"], opened_on=timezone.localdate())
    plan = customer_services.reassign_portfolio(actor=org.staff["sales_manager"], from_owner_id=me.pk,
                                                to_owner_ids=[org.staff["colleague"].pk], note="离职交接")
    assert plan == {org.staff["colleague"].pk: [customer.pk]}
    for t in (task, overdue, done, advisors):
        t.refresh_from_db()
    vip.refresh_from_db()
    assert task.owner == overdue.owner == org.staff["colleague"]
    assert done.owner == me  # a done task stays with who did it
    assert advisors.owner == org.staff["service_advisor"]
    assert vip.consultant == org.staff["colleague"]
    assert AuditEvent.objects.filter(action="task.reassign").count() == 2
    reassigned = AuditEvent.objects.get(action="portfolio.reassign")
    assert reassigned.after["care_tasks"] == 2 and reassigned.after["vip_files"] == 1


def test_merge_moves_tasks_and_cancels_a_duplicate_occurrence(org):
    me = org.staff["consultant"]
    generate_day = dt.date(2024, 7, 3)
    survivor = make_customer(dealer=org.d1, owner=me, classification="own_sold", birthday=dt.date(1985, 7, 3))
    duplicate = make_customer(dealer=org.d1, owner=me, classification="own_sold", birthday=dt.date(1985, 7, 3))
    services.generate_tasks(day=generate_day, dealer_ids=[org.d1.pk])
    manual = task_for(duplicate, me, kind=TaskKind.MANUAL)
    customer_services.merge_customers(actor=org.staff["sales_manager"], survivor_id=survivor.pk,
                                      duplicate_id=duplicate.pk)
    assert set(Task.objects.filter(customer=survivor).values_list("kind", flat=True)) == {"birthday", "manual"}
    clashing = Task.objects.get(customer=duplicate, kind="birthday")
    assert clashing.status == TaskStatus.CANCELLED
    manual.refresh_from_db()
    assert manual.customer == survivor


# --- rules -------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"lead_days": -1}, "lead_days"), ({"lead_days": 91}, "lead_days"), ({"lead_days": "3"}, "lead_days"),
    ({"channel": "fax"}, "channel"), ({"assignee": "boss"}, "assignee"), ({"enabled": "yes"}, "enabled"),
    ({"colour": "red"}, "colour"), ({"channel": "message", "template_code": ""}, "template_code"),
    ({"template_code": "x" * 41}, "template_code"),
])
def test_a_bad_rule_is_refused_and_nothing_written(org, changes, field):
    with pytest.raises(ValidationError) as refused:
        services.set_rule(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, kind="birthday", **changes)
    assert field in refused.value.message_dict
    assert not CareRule.objects.filter(dealer=org.d1, kind="birthday", lead_days__lt=0).exists()
    assert not AuditEvent.objects.filter(action="care_rule.set").exists()


def test_a_rule_is_changed_and_audited(org):
    rule = services.set_rule(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, kind="service_due", lead_days=10,
                             channel="message", template_code="service_due")
    assert (rule.lead_days, rule.channel) == (10, "message")
    event = AuditEvent.objects.get(action="care_rule.set")
    assert event.before == {"kind": "service_due", "lead_days": 7, "channel": "phone", "template_code": ""}
    with pytest.raises(ValidationError):
        services.set_rule(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, kind="haircut", lead_days=1)
    with pytest.raises(Http404):
        services.set_rule(actor=org.staff["sales_manager"], dealer_id=org.d2.pk, kind="birthday", lead_days=1)
    with pytest.raises(PermissionDenied):
        services.set_rule(actor=org.staff["consultant"], dealer_id=org.d1.pk, kind="birthday", lead_days=1)


def test_settings_are_bounded(org):
    with pytest.raises(ValidationError) as refused:
        services.set_settings(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, service_months=0,
                              replacement_km=True)
    assert set(refused.value.message_dict) == {"service_months", "replacement_km"}
    settings = services.set_settings(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, service_months=9)
    assert settings.service_months == 9 and settings.pk


# --- VIP files ---------------------------------------------------------------------------------

def test_a_vip_file_and_its_referrals(org, client):
    manager, me = org.staff["sales_manager"], org.staff["consultant"]
    vip_customer = make_customer(dealer=org.d1, owner=me, name="驾校王校长", classification="vip")
    vip = services.open_vip_file(actor=manager, customer_id=vip_customer.pk, source="driving_school",
                                 organisation="安达驾校", consultant_id=me.pk, manager_id=manager.pk)
    with pytest.raises(ValidationError):  # one file per customer
        services.open_vip_file(actor=manager, customer_id=vip_customer.pk, source="bank", consultant_id=me.pk,
                               manager_id=manager.pk)
    with pytest.raises(ValidationError) as bad:
        services.open_vip_file(actor=manager, customer_id=make_customer(dealer=org.d1).pk, source="casino",
                               consultant_id=org.staff["d2_consultant"].pk, manager_id=manager.pk)
    assert set(bad.value.message_dict) == {"source", "consultant"}
    referred = make_customer(dealer=org.d1, owner=me, name="学员小李", classification="prospect")
    client.force_login(me)
    response = client.post(f"/care/vip/{vip_customer.pk}/referral/", {"customer_id": referred.pk})
    assert response.status_code == 302
    referred.refresh_from_db()
    assert referred.referred_by == vip_customer
    page = client.get(f"/care/vip/{vip_customer.pk}/").content.decode()
    assert "学员小李" in page and "安达驾校" in page
    assert client.post(f"/care/vip/{vip_customer.pk}/referral/", {"customer_id": vip_customer.pk}).status_code == 422
    client.force_login(org.staff["d2_consultant"])
    assert client.get(f"/care/vip/{vip.customer_id}/").status_code == 404


# --- pages -------------------------------------------------------------------------------------

def test_the_today_page_shows_care_tasks_beside_follow_ups(org, client, mine):
    customer, task, overdue = mine
    client.force_login(org.staff["consultant"])
    page = client.get("/sales/today/").content.decode()
    assert 'id="care-tasks"' in page and f"/care/tasks/{task.pk}/" in page and f"/care/tasks/{overdue.pk}/" in page
    response = client.post(f"/care/tasks/{task.pk}/outcome/", {"outcome": "reached", "next": "/sales/today/"})
    assert response.status_code == 302 and response["Location"] == "/sales/today/"
    response = client.post(f"/care/tasks/{overdue.pk}/outcome/", {"outcome": "bogus", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == f"/care/tasks/{overdue.pk}/"


def test_the_task_list_and_its_filters(org, client, mine):
    customer, task, overdue = mine
    colleague_task = task_for(make_customer(dealer=org.d1, owner=org.staff["colleague"], name="同事的客户"),
                              org.staff["colleague"])
    client.force_login(org.staff["consultant"])
    page = client.get("/care/tasks/").content.decode()
    assert "车主甲" in page and "同事的客户" not in page
    overdue_only = client.get("/care/tasks/?due=overdue").content.decode()
    assert f"/care/tasks/{overdue.pk}/" in overdue_only and f"/care/tasks/{task.pk}/" not in overdue_only
    client.force_login(org.staff["sales_manager"])
    everyone = client.get("/care/tasks/?due=open").content.decode()
    assert "同事的客户" in everyone and "车主甲" in everyone
    one = client.get(f"/care/tasks/?due=open&owner={org.staff['colleague'].pk}").content.decode()
    assert "同事的客户" in one and "车主甲" not in one
    assert client.get(f"/care/tasks/{colleague_task.pk}/").status_code == 200


def test_the_outcome_form_shows_the_error(org, client, mine):
    _customer, task, _ = mine
    client.force_login(org.staff["consultant"])
    response = client.post(f"/care/tasks/{task.pk}/outcome/", {"outcome": "bogus"})
    assert response.status_code == 422 and 'id="outcome-error"' in response.content.decode()


def test_the_team_page_has_a_table_and_its_chart(org, client, mine):
    client.force_login(org.staff["sales_manager"])
    page = client.get("/care/team/").content.decode()
    assert 'id="by-person"' in page and "chart-care-team" in page and org.staff["consultant"].display_name in page
    assert client.get("/care/team/?start=2024-05-01&end=2024-04-01").status_code == 422
    client.force_login(org.staff["consultant"])
    assert client.get("/care/team/").status_code == 404


def test_the_rules_page_refuses_negative_lead_days(org, client):
    client.force_login(org.staff["sales_manager"])
    assert client.get("/care/rules/").status_code == 200
    response = client.post("/care/rules/", {"dealer": org.d1.code, "kind": "birthday", "birthday-enabled": "on",
                                            "birthday-lead_days": "-3", "birthday-channel": "message",
                                            "birthday-template_code": "birthday",
                                            "birthday-assignee": "consultant"})
    page = response.content.decode()
    assert response.status_code == 422 and "greater than or equal to 0" in page
    assert 'name="birthday-lead_days" value="-3"' in page
    assert not CareRule.objects.filter(lead_days__lt=0).exists()
    response = client.post("/care/rules/", {"dealer": org.d1.code, "kind": "unknown"})
    assert response.status_code == 422


def test_the_customer_card_shows_care(org, client, mine):
    customer, task, _ = mine
    client.force_login(org.staff["consultant"])
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="care"' in page and f"/care/tasks/{task.pk}/" in page


def test_exports_are_masked_unless_the_role_may_reveal(org, client, mine):
    customer, *_ = mine
    client.force_login(org.staff["consultant"])
    csv_text = b"".join(client.get("/care/tasks/export.csv?due=all").streaming_content).decode("utf-8")
    assert csv_text.startswith("\ufeff") and customer.mobile in csv_text
    client.force_login(org.staff["marketing"])
    response = client.get("/care/tasks/export.xlsx?due=all")
    cells = [c.value for row in load_workbook(io.BytesIO(response.content)).active.iter_rows() for c in row]
    assert customer.name in cells and customer.mobile not in cells
    assert AuditEvent.objects.filter(action="task.export").count() == 2


# --- the API -------------------------------------------------------------------------------------

def test_the_api_lists_my_tasks_and_takes_an_outcome(org, client, mine):
    customer, task, overdue = mine
    client.force_login(org.staff["consultant"])
    listed = client.get("/api/v1/tasks?due=today").json()
    assert [item["id"] for item in listed["items"]] == [task.pk] and listed["items"][0]["customer"] == "车主甲"
    assert [i["id"] for i in client.get("/api/v1/tasks?due=overdue").json()["items"]] == [overdue.pk]
    response = client.post(f"/api/v1/tasks/{task.pk}/outcome", {"outcome": "booked_service", "notes": "周六来"},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["outcome"] == "booked_service"


@pytest.mark.parametrize("body, status, where", [
    ({"outcome": "called"}, 422, "outcome"), ({}, 422, "outcome"), ({"outcome": 1}, 422, "outcome"),
    ({"outcome": "reached", "done_on": "2999-01-01"}, 422, "done_on"),
    ({"outcome": "reached", "extra": 1}, 422, "extra"),
])
def test_the_api_refuses_bad_outcomes_naming_the_field(org, client, mine, body, status, where):
    _customer, task, _ = mine
    client.force_login(org.staff["consultant"])
    response = client.post(f"/api/v1/tasks/{task.pk}/outcome", body, content_type="application/json")
    assert response.status_code == status
    assert any(where in detail["loc"] for detail in response.json()["detail"])


def test_the_api_hides_other_peoples_tasks(org, client, mine):
    _customer, task, _ = mine
    client.force_login(org.staff["colleague"])
    response = client.post(f"/api/v1/tasks/{task.pk}/outcome", {"outcome": "reached"},
                           content_type="application/json")
    assert response.status_code == 404 and "detail" in response.json()
    assert client.get("/api/v1/tasks?due=all").json()["items"] == []
    assert client.get("/api/v1/tasks?due=someday").status_code == 422
    assert client.get("/api/v1/tasks?limit=100000").status_code == 422


def test_the_today_page_lists_twenty_care_tasks_and_counts_them_all(org, client):
    """A festival gives a consultant hundreds of greetings: the page shows the first 20 of each
    list with the full counts, and renders the outcome picker once."""
    consultant, today = org.staff["consultant"], timezone.localdate()
    for i in range(worklist.DAY_LIMIT + 5):
        customer = make_customer(dealer=org.d1, owner=consultant, name=f"关怀{i:02d}", classification="own_sold")
        task_for(customer, consultant, due_on=today)
    work = worklist.my_day(consultant, today)
    assert (len(work["due"]), work["due_count"], work["overdue_count"]) == (20, 25, 0)
    client.force_login(consultant)
    page = client.get("/sales/today/").content.decode()
    section = page[page.index('id="care-tasks"'):]
    assert section.count('class="task"') == 20 and '<span class="badge">25</span>' in section


def test_the_start_pages_read_the_task_rows_shown_in_their_queries(org, client, django_assert_max_num_queries):
    """The rows read only the columns they show (``worklist.ROW_COLUMNS``): each one's task, reason,
    customer and vehicle are on the page, and more rows cost no more queries."""
    consultant, today = org.staff["consultant"], timezone.localdate()
    client.force_login(consultant)

    def add(i):
        customer = make_customer(dealer=org.d1, owner=consultant, name=f"行{i:02d}", classification="own_sold")
        vehicle = Vehicle.objects.create(customer=customer, vin=f"LSVAA4182E{i:07d}", plate=f"沪A{i:05d}",
                                         make="大众", model="途观L")
        task_for(customer, consultant, kind=TaskKind.SERVICE_DUE, due_on=today - dt.timedelta(days=1 + i),
                 vehicle=vehicle, reason="km", channel="visit")

    add(0)
    with CaptureQueriesContext(connection) as few:
        page = client.get("/sales/today/").content.decode()
    section = page[page.index('id="care-tasks"'):]
    assert all(text in section for text in ("行00", "沪A00000", "by mileage", "Visit"))
    for i in range(1, 8):
        add(i)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/sales/today/").content.decode().count('class="task"') == 8
