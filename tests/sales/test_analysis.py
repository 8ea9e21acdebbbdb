"""The showroom's analysis tables: traffic statistics, the prospect contact-status table (and its
Excel file), the lost-sale analysis; their scope, the API and the pages.

Data are built through the services (today is ``timezone.localdate()``; visits cannot be in the
future), so the traffic uses yesterday and the contact-status table the previous month."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from retain.org.models import AuditEvent
from retain.sales import analysis, services
from retain.sales.models import GradeChange
from retain.sales.periods import month_end
from tests.conftest import make_customer

DAY = dt.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


def at(day, hour, minute=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)), timezone.get_default_timezone())


# --- 1. showroom traffic ----------------------------------------------------------------------

@pytest.fixture
def visits(org, today):
    """Yesterday at D1: four visits received by the consultant, one by the colleague; plus one
    visit three days ago (outside the period) and one at D2 (outside D1's managers' scope)."""
    y = today - DAY
    me, colleague = org.staff["consultant"], org.staff["colleague"]
    register = services.register_visit
    register(actor=me, arrived_at=at(y, 10, 15), left_at=at(y, 10, 45), source="walk_in",
             outcome="just_looking")                                                     # 30 min
    register(actor=me, arrived_at=at(y, 10, 40), left_at=at(y, 11, 40), source="vip",
             outcome="left_contact")                                                     # 60 min
    register(actor=me, arrived_at=at(y, 14, 5), kind="phone_in", source="walk_in", first_visit=False,
             outcome="prospect")                                                         # no time out
    register(actor=me, arrived_at=at(y, 19, 30), left_at=at(y, 21, 0), source="base_maintenance",
             first_visit=False, outcome="order")                                         # 90 min
    register(actor=colleague, arrived_at=at(y, 14, 20), source="walk_in", outcome="service")
    register(actor=me, arrived_at=at(today - 3 * DAY, 11), source="walk_in")             # before the period
    register(actor=org.staff["d2_consultant"], arrived_at=at(y, 11), source="walk_in")  # another dealer
    return y


def _by(rows, key):
    return {row[key]: row["count"] for row in rows}


def test_traffic_counts_by_source_hour_outcome_and_shares(org, visits):
    report = analysis.traffic(org.staff["sales_manager"], visits - DAY, visits)
    assert report["total"] == 5                                   # the five D1 visits of yesterday
    assert (report["first_visits"], report["return_visits"]) == (3, 2)
    by_source = _by(report["by_source"], "source")
    assert (by_source["walk_in"], by_source["vip"], by_source["base_maintenance"]) == (3, 1, 1)
    assert {row["source"]: row["code"] for row in report["by_source"]}["walk_in"] == 4
    hours = {h: c for h, c in _by(report["by_hour"], "hour").items() if c}
    assert hours == {10: 2, 14: 2, 19: 1}                         # local hours of arrival
    assert _by(report["by_outcome"], "outcome") == {"just_looking": 1, "left_contact": 1, "prospect": 1,
                                                      "order": 1, "service": 1}
    assert _by(report["by_kind"], "kind") == {"walk_in": 4, "phone_in": 1}
    # left contact: left_contact + prospect + order = 3 of 5; became prospects: prospect + order = 2 of 5
    assert (report["left_contact"], report["left_contact_share"]) == (3, 0.6)
    assert (report["became_prospect"], report["prospect_share"]) == (2, 0.4)
    assert (report["timed_visits"], report["average_minutes"]) == (3, 60.0)   # (30 + 60 + 90) / 3
    assert _by(report["by_day"], "date") == {visits - DAY: 0, visits: 5}
    consultants = {row["consultant_id"]: row for row in report["by_consultant"]}
    assert consultants[org.staff["consultant"].pk]["count"] == 4
    assert consultants[org.staff["consultant"].pk]["became_prospect"] == 2
    assert consultants[org.staff["colleague"].pk]["count"] == 1


def test_traffic_is_scoped(org, visits):
    assert analysis.traffic(org.staff["consultant"], visits, visits)["total"] == 4    # own visits only
    assert analysis.traffic(org.staff["colleague"], visits, visits)["total"] == 1
    region = org.staff["region_manager"]
    assert analysis.traffic(region, visits, visits)["total"] == 6                     # D1 5 + D2 1
    assert analysis.traffic(region, visits, visits, dealer=org.d1.pk)["total"] == 5
    assert analysis.traffic(org.staff["d4_consultant"], visits, visits)["total"] == 0
    assert analysis.traffic(org.staff["sales_manager"], visits, visits)["average_minutes"] == 60.0


def test_traffic_refuses_an_upside_down_period(org, today):
    with pytest.raises(ValidationError) as refused:
        analysis.traffic(org.staff["sales_manager"], today, today - DAY)
    assert "end" in refused.value.message_dict


# --- 2. prospect contact status ---------------------------------------------------------------

@pytest.fixture
def month(today):
    return (today.replace(day=1) - DAY).replace(day=1)


@pytest.fixture
def worked(org, month):
    """The consultant's prospect: first contact on the 3rd at grade C, a call on the 5th, raised
    to A on the 10th with a test drive and a message that day. The colleague's prospect (B from
    the 1st). A prospect opened today is not in last month's table."""
    me, colleague = org.staff["consultant"], org.staff["colleague"]
    customer = make_customer(dealer=org.d1, owner=me, name="王先生")
    prospect = services.open_prospect(actor=me, customer_id=customer.pk, grade="C", model_of_interest="途观L",
                                      source="walk_in", first_contact=month.replace(day=3))
    services.log_contact(actor=me, prospect_id=prospect.pk, kind="call", contacted_on=month.replace(day=5))
    services.change_grade(actor=me, prospect_id=prospect.pk, grade="A", reason="试驾后很满意")
    GradeChange.objects.filter(prospect=prospect, to_grade="A").update(changed_at=at(month.replace(day=10), 15))
    services.log_contact(actor=me, prospect_id=prospect.pk, kind="test_drive", contacted_on=month.replace(day=10))
    services.log_contact(actor=me, prospect_id=prospect.pk, kind="message", contacted_on=month.replace(day=10))
    theirs = make_customer(dealer=org.d1, owner=colleague, name="李女士")
    services.open_prospect(actor=colleague, customer_id=theirs.pk, grade="B", model_of_interest="帕萨特",
                           source="base_maintenance", first_contact=month)
    later = make_customer(dealer=org.d1, owner=me, name="新客户")
    services.open_prospect(actor=me, customer_id=later.pk, grade="H", model_of_interest="朗逸", source="vip")
    return prospect


def test_contact_status_grid_follows_the_grade_history(org, month, worked):
    rows = analysis.contact_status(org.staff["consultant"], month)
    assert [row["customer"] for row in rows] == ["王先生"]       # own prospects active last month
    row = rows[0]
    assert (row["source_code"], row["first_contact"], row["grade"], row["status"]) == (4, month.replace(day=3),
                                                                                       "A", "open")
    grades = [cell["grade"] for cell in row["days"]]
    assert grades[:2] == ["", ""]                                 # before the first contact
    assert grades[2:9] == ["C"] * 7                               # the 3rd to the 9th
    assert set(grades[9:]) == {"A"}                               # from the 10th to the month's end
    assert len(row["days"]) == month_end(month).day
    marks = {cell["day"]: cell["mark"] for cell in row["days"] if cell["mark"]}
    assert marks == {5: "☎", 10: "▲✉"}                           # call; test drive + message
    assert row["days"][9]["contacts"] == ["test_drive", "message"]
    assert row["contacts_in_month"] == 3
    assert "mobile" not in row


def test_contact_status_takes_three_queries(org, month, worked, django_assert_num_queries):
    with django_assert_num_queries(3):
        analysis.contact_status(org.staff["sales_manager"], month)


def test_contact_status_is_scoped(org, month, worked):
    manager = analysis.contact_status(org.staff["sales_manager"], month)
    assert sorted(row["customer"] for row in manager) == ["李女士", "王先生"]
    assert [row["customer"] for row in analysis.contact_status(org.staff["colleague"], month)] == ["李女士"]
    only_mine = analysis.contact_status(org.staff["sales_manager"], month, consultant=org.staff["consultant"].pk)
    assert [row["customer"] for row in only_mine] == ["王先生"]
    assert analysis.contact_status(org.staff["d2_consultant"], month) == []
    colleague_row = next(row for row in manager if row["customer"] == "李女士")
    assert colleague_row["source_code"] == 1 and colleague_row["days"][0]["grade"] == "B"


def test_contact_status_workbook_reads_back(org, month, worked, tmp_path):
    export = analysis.export_contact_status(org.staff["consultant"], month)
    content, filename = export.content, export.filename
    assert filename == f"contact-status-{month:%Y-%m}-consultant.xlsx"
    path = tmp_path / filename
    path.write_bytes(content)
    sheet = openpyxl.load_workbook(path).active
    assert sheet["A1"].value == "Prospect contact status"
    assert "Dealer 1" in sheet["A2"].value and month.strftime("%Y-%m") in sheet["A2"].value
    assert [sheet.cell(row=3, column=c).value for c in range(1, 7)] == ["No.", "Customer", "Model",
                                                                        "First contact", "Source", 1]
    last = month_end(month).day
    assert sheet.cell(row=3, column=5 + last).value == last
    assert sheet.cell(row=4, column=2).value == "王先生"
    assert sheet.cell(row=4, column=5).value == 4                  # source code: walk-in
    assert sheet.cell(row=4, column=5 + 2).value is None           # the 2nd: before the first contact
    assert sheet.cell(row=4, column=5 + 3).value == "C"
    assert sheet.cell(row=4, column=5 + 5).value == "C☎"
    assert sheet.cell(row=4, column=5 + 9).value == "C"
    assert sheet.cell(row=4, column=5 + 10).value == "A▲✉"
    assert sheet.cell(row=4, column=5 + last + 1).value == "A"
    assert sheet.freeze_panes == "F4"
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.column_dimensions["B"].width == 14
    events = AuditEvent.objects.filter(action="contact_status.export")
    assert events.count() == 1
    assert events.get().actor == org.staff["consultant"] and events.get().after["rows"] == 1


def test_export_rights(org, month, worked):
    consultant = org.staff["consultant"]
    with pytest.raises(PermissionDenied):                          # consultants: their own table only
        analysis.export_contact_status(consultant, month, consultant=org.staff["colleague"].pk)
    with pytest.raises(PermissionDenied):                          # no export scope, not a consultant
        analysis.export_contact_status(org.staff["service_advisor"], month)
    content = analysis.export_contact_status(org.staff["sales_manager"], month).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sorted(sheet.cell(row=r, column=2).value for r in (4, 5)) == ["李女士", "王先生"]
    assert AuditEvent.objects.filter(action="contact_status.export").count() == 1


# --- 3. lost sales ----------------------------------------------------------------------------

@pytest.fixture
def lost(org):
    """Approved today: the consultant's H (Toyota Camry, price), A (Toyota Camry, price),
    B (Honda Accord, product); the colleague's C (Honda Civic, price). Pending: the
    consultant's H (Buick Regal, service)."""
    me, colleague, manager = org.staff["consultant"], org.staff["colleague"], org.staff["sales_manager"]
    cases = [(me, "H", "Toyota", "Camry", "price", True), (me, "A", "Toyota", "Camry", "price", True),
             (me, "B", "Honda", "Accord", "product", True), (colleague, "C", "Honda", "Civic", "price", True),
             (me, "H", "Buick", "Regal", "service", False)]
    for i, (owner, grade, make, model, reason, approve) in enumerate(cases):
        customer = make_customer(dealer=org.d1, owner=owner, name=f"客户{i}")
        prospect = services.open_prospect(actor=owner, customer_id=customer.pk, grade=grade,
                                          model_of_interest="速腾", source="walk_in")
        services.apply_for_defeat(actor=owner, prospect_id=prospect.pk, competitor_make=make,
                                  competitor_model=model, reason=reason)
        if approve:
            services.decide_defeat(actor=manager, prospect_id=prospect.pk, approve=True)


def test_lost_sales_by_reason_competitor_stage_and_consultant(org, lost, today):
    report = analysis.lost_sales(org.staff["sales_manager"], today, today)
    assert report["total"] == 4 and report["won"] == 0 and report["defeat_rate"] == 1.0
    reasons = {row["reason"]: (row["count"], row["share"]) for row in report["by_reason"] if row["count"]}
    assert reasons == {"price": (3, 0.75), "product": (1, 0.25)}
    assert [(r["make"], r["model"], r["count"]) for r in report["by_competitor"]] == [
        ("Toyota", "Camry", 2), ("Honda", "Accord", 1), ("Honda", "Civic", 1)]
    assert {r["make"]: r["count"] for r in report["by_make"]} == {"Toyota": 2, "Honda": 2}
    assert _by(report["by_stage"], "grade") == {"O": 0, "H": 1, "A": 1, "B": 1, "C": 1}
    assert {r["consultant_id"]: r["count"] for r in report["by_consultant"]} == {
        org.staff["consultant"].pk: 3, org.staff["colleague"].pk: 1}
    assert [(p["make"], p["reason"], p["stage"]) for p in report["pending"]] == [("Buick", "service", "H")]


def test_lost_sales_is_scoped_and_dated(org, lost, today):
    mine = analysis.lost_sales(org.staff["consultant"], today, today)
    assert mine["total"] == 3 and len(mine["pending"]) == 1                # price 2, product 1
    assert {r["reason"]: r["count"] for r in mine["by_reason"] if r["count"]} == {"price": 2, "product": 1}
    theirs = analysis.lost_sales(org.staff["colleague"], today, today)
    assert theirs["total"] == 1 and theirs["pending"] == []
    assert analysis.lost_sales(org.staff["d2_consultant"], today, today)["total"] == 0
    assert analysis.lost_sales(org.staff["sales_manager"], today - 10 * DAY, today - DAY)["total"] == 0


# --- API and pages ----------------------------------------------------------------------------

def test_api_tables(org, client, visits, month, worked, lost, today):
    client.force_login(org.staff["consultant"])
    traffic = client.get(f"/api/v1/showroom/traffic?start={visits}&end={visits}")
    assert traffic.status_code == 200, traffic.content
    assert traffic.json()["total"] == 4 and traffic.json()["prospect_share"] == 0.5   # prospect + order of 4
    status = client.get(f"/api/v1/prospects/contact-status?month={month:%Y-%m}").json()
    assert [row["customer"] for row in status["rows"]] == ["王先生"]
    assert status["rows"][0]["days"][9] == {"day": 10, "grade": "A", "contacts": ["test_drive", "message"],
                                            "mark": "▲✉"}
    assert client.get(f"/api/v1/lost-sales?start={today}&end={today}").json()["total"] == 3
    client.force_login(org.staff["sales_manager"])
    assert client.get(f"/api/v1/showroom/traffic?start={visits}&end={visits}").json()["total"] == 5
    assert len(client.get(f"/api/v1/prospects/contact-status?month={month:%Y-%m}").json()["rows"]) == 2
    assert client.get(f"/api/v1/lost-sales?start={today}&end={today}").json()["total"] == 4


def test_api_excel_export_is_audited(org, client, month, worked):
    client.force_login(org.staff["consultant"])
    response = client.get(f"/api/v1/prospects/contact-status.xlsx?month={month:%Y-%m}")
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert openpyxl.load_workbook(io.BytesIO(response.content)).active["B4"].value == "王先生"
    assert AuditEvent.objects.filter(action="contact_status.export", actor=org.staff["consultant"]).count() == 1
    other = client.get(f"/api/v1/prospects/contact-status.xlsx?month={month:%Y-%m}"
                       f"&consultant={org.staff['colleague'].pk}")
    assert other.status_code == 403
    client.force_login(org.staff["service_advisor"])
    assert client.get(f"/api/v1/prospects/contact-status.xlsx?month={month:%Y-%m}").status_code == 403
    assert AuditEvent.objects.filter(action="contact_status.export").count() == 1


@pytest.mark.parametrize("url, parameter", [
    ("/api/v1/showroom/traffic?start=2025-03-10&end=2025-03-01", "end"),
    ("/api/v1/showroom/traffic?start=2024-01-01&end=2025-06-01", "end"),
    ("/api/v1/showroom/traffic?start=2025-02-30", "start"),
    ("/api/v1/prospects/contact-status?month=2025-13", "month"),
    ("/api/v1/prospects/contact-status?month=March", "month"),
    ("/api/v1/prospects/contact-status.xlsx?month=2025/03", "month"),
    ("/api/v1/lost-sales?start=2025-03-10&end=2025-03-09", "end"),
])
def test_api_bad_parameters_answer_422_naming_them(org, client, url, parameter):
    client.force_login(org.staff["sales_manager"])
    response = client.get(url)
    assert response.status_code == 422, response.content
    assert any(parameter in detail["loc"] for detail in response.json()["detail"])
    assert not AuditEvent.objects.filter(action="contact_status.export").exists()


def test_pages(org, client, visits, month, worked, lost, today):
    client.force_login(org.staff["consultant"])
    page = client.get("/sales/showroom/traffic/", {"start": visits, "end": visits})
    assert page.status_code == 200 and "Showroom traffic" in page.content.decode()
    page = client.get("/sales/prospects/contact-status/", {"month": f"{month:%Y-%m}"}).content.decode()
    assert "王先生" in page and "李女士" not in page and "web/retain.css" in page  # its print rules live there
    assert "/sales/prospects/contact-status.xlsx" in page
    download = client.get("/sales/prospects/contact-status.xlsx", {"month": f"{month:%Y-%m}"})
    assert download.status_code == 200 and download.content[:2] == b"PK"
    page = client.get("/sales/lost-sales/", {"start": today, "end": today}).content.decode()
    assert "Toyota" in page and "Civic" not in page                  # the colleague's defeat is not theirs
    bad = client.get("/sales/showroom/traffic/", {"start": today, "end": today - DAY}).content.decode()
    assert "The end date is before the start date." in bad
    client.force_login(org.staff["sales_manager"])
    page = client.get("/sales/prospects/contact-status/", {"month": f"{month:%Y-%m}", "consultant": ""}).content.decode()
    assert 'id="choose-consultant"' in page and "王先生" not in page  # "all consultants": a manager picks whose table
    colleague = org.staff["colleague"].pk
    page = client.get("/sales/prospects/contact-status/", {"month": f"{month:%Y-%m}", "consultant": colleague})
    assert "李女士" in page.content.decode() and "王先生" not in page.content.decode()
    assert "Civic" in client.get("/sales/lost-sales/", {"start": today, "end": today}).content.decode()
