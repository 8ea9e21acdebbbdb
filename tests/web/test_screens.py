"""The screens each role would choose (issue 7, section C), through Django's test client: names,
start pages, navigation, charts and their tables, the delivery form, the contact-status table's
default, money and date formats, and no repeated column heading."""

import csv
import datetime as dt
import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.utils import timezone

from retain.org.models import Role, Staff, person_name
from retain.sales import services
from retain.sales.models import Prospect, ProspectStatus
from retain.sales.services import daily_report
from retain.web import charts
from retain.web.context import menu_for
from retain.web.finders import PATH as PLOTLY_PATH
from retain.web.templatetags.retain import DATE_FORMAT, DATETIME_FORMAT, day, moment, money, phone, tel
from tests.conftest import make_customer

TODAY = timezone.localdate


def _name(staff, family, given):
    staff.last_name, staff.first_name = family, given
    staff.save()
    return staff


@pytest.fixture
def named(org):
    """D1's consultant and manager with Chinese names (the fixture's staff are named after their usernames)."""
    _name(org.staff["consultant"], "周", "新志")
    _name(org.staff["colleague"], "李", "明")
    _name(org.staff["sales_manager"], "梁", "欣平")
    return org


@pytest.fixture
def showroom(named):
    """A day at D1: an overdue follow-up, a submitted daily report, a defeat awaiting a decision and an order."""
    org, consultant = named, named.staff["consultant"]
    today = TODAY()
    late = make_customer(dealer=org.d1, owner=consultant, name="逾期客户", mobile="+8613812341234")
    overdue = services.open_prospect(actor=consultant, customer_id=late.pk, grade="H", model_of_interest="朗逸",
                                     source="walk_in", first_contact=today - dt.timedelta(days=5))
    lost = make_customer(dealer=org.d1, owner=consultant, name="战败客户")
    defeat = services.open_prospect(actor=consultant, customer_id=lost.pk, grade="B", model_of_interest="帕萨特",
                                    source="walk_in")
    services.apply_for_defeat(actor=consultant, prospect_id=defeat.pk, competitor_make="丰田",
                              competitor_model="凯美瑞", reason="price")
    buyer = make_customer(dealer=org.d1, owner=consultant, name="订车客户")
    ordered = services.open_prospect(actor=consultant, customer_id=buyer.pk, grade="A", model_of_interest="途观L",
                                     source="walk_in", first_contact=today - dt.timedelta(days=2))
    services.record_order(actor=consultant, prospect_id=ordered.pk, deposit_cents=500000)
    report = daily_report.prepare(actor=consultant)
    daily_report.submit(actor=consultant, report_id=report.pk, visit_notes="拜访两位客户", tomorrow_plan="明天回访")
    return {"overdue": overdue, "defeat": defeat, "ordered": ordered, "report": report}


# -- C1 names ------------------------------------------------------------------------------------

def test_a_chinese_name_reads_family_name_first_without_a_space():
    assert person_name("新志", "周") == "周新志"
    assert person_name("Anna", "Schmidt") == "Anna Schmidt"  # a name in Latin letters keeps its own order
    assert person_name("", "") == ""
    assert Staff(username="u1", first_name="新志", last_name="周").display_name == "周新志"
    assert str(Staff(username="u1", first_name="新志", last_name="周")) == "周新志"
    assert Staff(username="u1").display_name == "u1"  # no name on file: the login is all there is


def test_pages_and_exports_name_people_not_usernames(named, showroom, client):
    org = named
    client.force_login(org.staff["sales_manager"])
    for url in ("/sales/prospects/", f"/sales/prospects/{showroom['overdue'].pk}/", "/sales/today/",
                f"/customers/{showroom['overdue'].customer_id}/", "/home/manager/"):
        page = client.get(url).content.decode()
        assert "周新志" in page, url
        assert not re.search(r">\s*consultant\s*<", page), url  # the username is not shown as a name
    export = client.get("/customers/export.csv").getvalue().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(export)))
    mine = next(r for r in rows if r[1] == "逾期客户")
    assert "周新志" in mine and "Dealer 1" in mine and "consultant" not in mine and "D1" not in mine
    form = client.get("/customers/new/").content.decode()
    assert "周新志" in form and "(consultant)" not in form


# -- C2 start pages and navigation -------------------------------------------------------------

@pytest.mark.parametrize("role, home", [
    ("consultant", "/sales/today/"), ("sales_manager", "/home/manager/"), ("showroom_manager", "/home/manager/"),
    ("dealer_gm", "/home/manager/"), ("service_advisor", "/home/service/"), ("service_manager", "/home/service/"),
    ("marketing", "/home/marketing/"), ("region_manager", "/home/dealers/"), ("group_admin", "/home/dealers/"),
])
def test_each_role_lands_on_its_own_work(org, client, role, home):
    staff = org.staff[role]
    response = client.post("/login/", {"username": staff.username, "password": "correct-horse-42"})
    assert response.status_code == 302 and response["Location"] == "/"
    landed, own = client.get("/"), client.get(home)
    # the start page itself, at "/" (no second round trip), marked as that page in the menu
    assert landed.status_code == own.status_code == 200
    assert own.templates[0].name in [t.name for t in landed.templates]
    def marked(response):
        return re.findall(r'href="([^"]+)" class="active" aria-current="page"', response.content.decode())

    assert marked(landed) == marked(own)
    assert client.post("/").status_code == 405  # nothing is posted to "/"


def test_the_managers_today_shows_what_waits_for_them(named, showroom, client):
    org = named
    client.force_login(org.staff["sales_manager"])
    page = client.get("/home/manager/").content.decode()
    assert f"/sales/reports/daily/{showroom['report'].pk}/" in page  # a report to sign
    assert f"/sales/prospects/{showroom['defeat'].pk}/" in page and "凯美瑞" in page  # a defeat to decide
    consultant = org.staff["consultant"].pk
    assert f"/sales/prospects/?owner={consultant}&amp;overdue=1" in page  # overdue, clickable
    assert 'id="chart-hours"' in page and 'id="chart-targets"' in page
    listed = client.get("/sales/prospects/", {"owner": consultant, "overdue": "1"}).content.decode()
    assert "逾期客户" in listed and "订车客户" not in listed
    # A consultant has no manager's page and no colleague's prospects through the filter.
    client.force_login(org.staff["colleague"])
    assert client.get("/home/manager/").status_code == 404
    assert "逾期客户" not in client.get("/sales/prospects/", {"owner": consultant}).content.decode()


def test_service_marketing_and_group_desks_show_their_work(named, showroom, client):
    org = named
    customer = make_customer(dealer=org.d1, name="保险客户")
    customer.vehicles.create(vin="LSVAA4182E2000001", make="大众", model="朗逸",
                             insurance_expiry=TODAY() + dt.timedelta(days=10))
    client.force_login(org.staff["service_advisor"])
    assert "保险客户" in client.get("/home/service/").content.decode()
    client.force_login(org.staff["marketing"])
    assert client.get("/home/marketing/").status_code == 200
    client.force_login(org.staff["region_manager"])
    page = client.get("/home/dealers/").content.decode()
    assert "Dealer 1" in page and "Dealer 2" in page and "Dealer 3" not in page  # the region's dealers only
    assert client.get("/home/manager/").status_code == 404
    client.force_login(org.staff["consultant"])
    assert client.get("/home/dealers/").status_code == 404


def test_navigation_offers_each_role_its_departments_pages(org):
    def pages(role):
        return {e.url_name for group in menu_for(org.staff[role]) for e in group["entries"]}

    for role in ("service_advisor", "marketing"):
        sales_pages = {p for p in pages(role) if p.startswith("sales:") and p != "sales:events"}
        assert sales_pages == set(), role
    assert "sales:events" in pages("marketing")
    assert {"sales:today", "sales:lost_sales", "sales:prospects"} <= pages("sales_manager")
    assert "org:audit" not in pages("consultant") and "org:audit" in pages("dealer_gm")


# -- C3 charts -----------------------------------------------------------------------------------

def test_plotly_is_served_from_the_wheel_with_a_versioned_path():
    found = finders.find(PLOTLY_PATH)
    assert found and found.endswith("package_data/plotly.min.js")
    assert re.search(r"^vendor/plotly-[0-9.]+/plotly\.min\.js$", PLOTLY_PATH)


def test_pareto_sorts_causes_and_accumulates_their_share():
    c = charts.pareto("p", "t", ["a", "b", "c", "d"], [2, 5, 0, 3], count_name="n", share_name="%")
    bars, line = c.figure["data"]
    assert bars["x"] == ["b", "d", "a"] and bars["y"] == [5, 3, 2]  # the empty cause is left out
    assert line["y"] == [50.0, 80.0, 100.0] and line["yaxis"] == "y2"


def _chart_data(page, chart_id):
    match = re.search(rf'<script id="{chart_id}-data" type="application/json">(.*?)</script>', page, re.S)
    assert match, chart_id
    import json

    return json.loads(match.group(1))


def test_chart_pages_draw_the_numbers_of_their_tables_without_inline_script(named, showroom, client):
    client.force_login(named.staff["sales_manager"])
    today = TODAY()
    pages = {
        "/sales/showroom/traffic/": ["chart-days", "chart-hours"],
        "/sales/funnel/": ["chart-funnel"],
        "/sales/targets/": ["chart-targets"],
        f"/sales/lost-sales/?start={today - dt.timedelta(days=30)}&end={today}": ["chart-reasons"],
        "/home/manager/": ["chart-hours", "chart-targets"],
    }
    for url, ids in pages.items():
        page = client.get(url).content.decode()
        assert f"data-plotly=\"/static/{PLOTLY_PATH}\"" in page and "web/charts.js" in page, url
        scripts = re.findall(r"<script([^>]*)>", page)
        assert all("src=" in attrs or 'type="application/json"' in attrs for attrs in scripts), url
        assert not re.search(r"\son[a-z]+=", page), url  # no inline event handlers either
        for chart_id in ids:
            assert f'data-chart="{chart_id}-data"' in page
            _chart_data(page, chart_id)
    funnel = _chart_data(client.get("/sales/funnel/").content.decode(), "chart-funnel")
    assert funnel["data"][0]["x"][1] == Prospect.objects.filter(first_contact__gte=today.replace(day=1)).count()


# -- C4 the call from today, the delivery form ---------------------------------------------------

def test_today_reveals_a_due_number_as_a_tel_link(named, showroom, client):
    client.force_login(named.staff["consultant"])
    page = client.get("/sales/today/").content.decode()
    customer = showroom["overdue"].customer_id
    assert f'hx-post="/customers/{customer}/reveal/"' in page
    revealed = client.post(f"/customers/{customer}/reveal/", {"field": "mobile", "reason": "Follow-up call"})
    assert 'href="tel:+8613812341234"' in revealed.content.decode()
    assert "138 1234 1234" in revealed.content.decode()


def test_filters_write_money_dates_and_numbers_one_way():
    assert money(20565600) == "¥205,656.00"
    assert money(-150) == "-¥1.50" and money(None) == "—"
    assert day(dt.date(2026, 6, 30)) == "2026-06-30"
    assert phone("+8613812341234") == "138 1234 1234" and tel("+8613812341234") == "tel:+8613812341234"


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_day_and_moment_write_what_djangos_date_filter_writes(language):
    """The two filters write their formats directly (Django's ``date`` costs 12 to 23 µs a value):
    the same text for dates and date-times, aware (shown in the local zone) or naive, at the ends
    of the years the project accepts and past them."""
    from django.template.defaultfilters import date as date_filter
    from django.utils import translation

    days = [dt.date(1900, 1, 1), dt.date(2026, 6, 30), dt.date(2100, 12, 31), dt.date(999, 3, 4)]
    naive = [dt.datetime(2026, 6, 30, 23, 59, 59), dt.datetime(1900, 1, 1, 0, 0), dt.datetime(999, 12, 31, 16, 5)]
    aware = [dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=dt.UTC), dt.datetime(2025, 1, 1, 8, 0, tzinfo=dt.UTC)]
    with translation.override(language), timezone.override("Asia/Shanghai"):
        for value in days:
            assert day(value) == date_filter(value, DATE_FORMAT), value
        for value in naive + aware:
            local = timezone.localtime(value) if timezone.is_aware(value) else value
            assert day(value) == date_filter(local, DATE_FORMAT), value
            assert moment(value) == date_filter(local, DATETIME_FORMAT), value
        assert moment(aware[0]) == "2026-07-01 07:59" and day(aware[0]) == "2026-07-01"
        assert day(None) == moment(None) == day("") == "—"


def test_a_delivery_is_recorded_from_the_prospect_page(named, showroom, client):
    client.force_login(named.staff["consultant"])
    ordered = showroom["ordered"]
    assert "订车客户" in client.get("/sales/prospects/", {"ordered": "1"}).content.decode()
    page = client.get(f"/sales/prospects/{ordered.pk}/").content.decode()
    assert f"/sales/prospects/{ordered.pk}/delivery/" in page
    bad = client.post(f"/sales/prospects/{ordered.pk}/delivery/", {"vin": "short", "make": "大众", "model": "途观L"})
    assert bad.status_code == 422 and Prospect.objects.get(pk=ordered.pk).status == ProspectStatus.OPEN
    done = client.post(f"/sales/prospects/{ordered.pk}/delivery/", {
        "vin": "LSVAA4182E2000002", "make": "大众", "model": "途观L", "price": "205656.00"})
    assert done.status_code == 302
    assert Prospect.objects.get(pk=ordered.pk).status == ProspectStatus.WON
    card = client.get(f"/customers/{ordered.customer_id}/").content.decode()
    assert "¥205,656.00" in card


# -- C5 the contact-status table opens on today -----------------------------------------------

def test_contact_status_opens_on_this_month_and_the_first_consultant(named, showroom, client):
    client.force_login(named.staff["sales_manager"])
    page = client.get("/sales/prospects/contact-status/").content.decode()
    assert 'id="choose-consultant"' not in page
    assert TODAY().strftime("%Y-%m") in page
    assert 'id="today" data-scroll-into-view' in page
    first = Staff.objects.filter(role=Role.CONSULTANT, dealer=named.d1).order_by("username").first()
    assert f'<option value="{first.pk}" selected>' in page


# -- C7 headings --------------------------------------------------------------------------------

def test_no_table_repeats_a_column_heading(named, showroom, client):
    client.force_login(named.staff["sales_manager"])
    for url in ("/sales/targets/", f"/sales/reports/daily/{showroom['report'].pk}/", "/sales/events/",
                "/home/manager/", "/sales/funnel/"):
        page = client.get(url).content.decode()
        for head in re.findall(r"<thead.*?</thead>", page, re.S):
            heads = [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
            heads = [h for h in heads if h]
            assert len(heads) == len(set(heads)), (url, heads)


def test_the_chart_helper_imports_nothing_of_the_project():
    """Every app's pages may use ``retain.web.charts`` (as they use ``retain.web.pages``) only while it
    stands on no app: it turns numbers into figures and nothing else."""
    import ast
    from pathlib import Path

    source = Path(charts.__file__).read_text()
    imported = {alias.name for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {node.module or "" for node in ast.walk(ast.parse(source)) if isinstance(node, ast.ImportFrom)}
    assert not {name for name in imported if name.startswith(("retain", "django"))}, imported
