"""The analysis pages, their downloads and their API: scoped by the door, in both languages, with
the exact JSON shapes integrators rely on, a bounded number of queries, and charts drawn by a
real browser at desktop and phone widths."""

import datetime as dt
import io
import re

import numpy as np
import pytest
from django.utils import timezone
from openpyxl import load_workbook

from retain.org.models import AuditEvent, Dealer
from retain.surveys.views.analysis import PAGES
from tests.surveys import factories_analysis as fa

TODAY = timezone.localdate()


@pytest.fixture
def planted(org):
    """An after-sales survey, an NPS survey, a touchpoint and a Kano study with answers at D1
    (served by the service advisor) and D2."""
    group = org.groups[0]
    rng = np.random.default_rng(2)
    surveys = {kind: fa.make_survey(group, kind) for kind in ("css_after_sales", "nps", "touchpoint", "kano")}
    days = [TODAY - dt.timedelta(days=int(d)) for d in rng.integers(0, 200, 120)]
    customers = fa.make_customers(org.d1, 120)
    customers[0].name = "=HYPERLINK(\"http://x\")"
    customers[0].save()
    fa.plant(surveys["css_after_sales"], org.d1, fa.driver_answers(120, rng), staff=org.staff["service_advisor"],
             customers=customers, days=days)
    fa.plant(surveys["nps"], org.d1, [{"recommend": int(s)} for s in rng.integers(0, 11, 120)],
             staff=org.staff["service_advisor"], customers=customers, days=days)
    fa.plant(surveys["nps"], org.d2, [{"recommend": int(s)} for s in rng.integers(0, 11, 60)], days=days[:60])
    fa.plant(surveys["touchpoint"], org.d1, [{c: int(rng.integers(5, 11)) for c in fa.TOUCHPOINTS}
                                             for _ in range(60)], days=days[:60])
    fa.plant(surveys["kano"], org.d1, [{c: {"functional": "like", "dysfunctional": "neutral"} for c in fa.KANO_FEATURES}
                                       for _ in range(40)], days=days[:40])
    return surveys


def _login(client, org, role):
    client.force_login(org.staff[role])
    return client


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_every_page_renders_with_its_chart_and_table(client, org, planted, language, settings):
    _login(client, org, "service_manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    overview = client.get("/surveys/results/")
    assert overview.status_code == 200
    for key in PAGES:
        response = client.get(f"/surveys/results/{key}/")
        assert response.status_code == 200, key
        assert f'lang="{language}"' in response.content.decode(), key
        assert "<table" in response.content.decode(), key
        assert f"/surveys/results/{key}/" in overview.content.decode()
    page = client.get("/surveys/results/nps/?kind=nps").content.decode()
    assert 'id="chart-nps-trend"' in page and 'id="chart-nps-league"' in page
    assert ("净推荐值" if language == "zh-hans" else "NPS") in page


def test_a_small_sample_shows_no_bare_number(client, org, planted):
    _login(client, org, "service_manager")
    page = client.get("/surveys/results/experience/").content.decode()  # 60 answers per touchpoint
    assert "Small sample" not in page
    page = client.get(f"/surveys/results/nps/?kind=nps&from={TODAY:%Y-%m-%d}&to={TODAY:%Y-%m-%d}").content.decode()
    headline = re.search(r'<div class="card" id="headline">(.*?)</div>', page, re.S).group(1)
    assert "Small sample" in headline or "No answers" in headline
    assert "<strong>" not in headline.split("Previous period")[0]


def test_scope_consultants_see_only_their_customers_and_outside_dealers_are_404(client, org, planted):
    _login(client, org, "service_advisor")
    nps = planted["nps"]
    own = client.get(f"/api/v1/surveys/{nps.pk}/results").json()
    assert own["nps"]["n"] == 120  # the advisor served D1's 120, not D2's 60
    _login(client, org, "service_manager")
    assert client.get(f"/api/v1/surveys/{nps.pk}/results").json()["nps"]["n"] == 120
    assert client.get(f"/api/v1/surveys/{nps.pk}/results?dealer={org.d2.pk}").status_code == 404
    assert client.get(f"/surveys/results/nps/?kind=nps&dealer={org.d2.pk}").status_code == 404
    assert client.get(f"/surveys/results/nps/?kind=nps&served_by={org.staff['d2_consultant'].pk}").status_code == 404
    _login(client, org, "colleague")  # a consultant who served nobody
    assert client.get(f"/api/v1/surveys/{nps.pk}/results").json()["nps"]["n"] == 0
    _login(client, org, "region_manager")
    assert client.get(f"/api/v1/surveys/{nps.pk}/results").json()["nps"]["n"] == 180
    assert client.get(f"/api/v1/surveys/{nps.pk}/results?dealer={org.d2.pk}").json()["nps"]["n"] == 60
    assert client.get(f"/api/v1/surveys/{nps.pk}/results?dealer={org.d3.pk}").status_code == 404  # region B
    assert client.get(f"/api/v1/surveys/{nps.pk}/results?dealer={org.d4.pk}").status_code == 404  # group 2
    _login(client, org, "group_admin")
    assert client.get(f"/api/v1/surveys/{nps.pk}/results?dealer={org.d3.pk}").json()["nps"]["n"] == 0
    other = fa.make_survey(org.groups[1], "nps")
    assert client.get(f"/api/v1/surveys/{other.pk}/results").status_code == 404
    d2_copy = fa.make_survey(org.groups[0], "nps", dealer=org.d2)
    _login(client, org, "service_manager")
    assert client.get(f"/api/v1/surveys/{d2_copy.pk}/drivers").status_code == 404


def test_bad_dates_are_422_naming_the_field(client, org, planted):
    _login(client, org, "service_manager")
    url = f"/api/v1/surveys/{planted['nps'].pk}/results"
    for query, field in (("from=1899-12-31", "from"), ("to=2101-01-01", "to"), ("from=2025-13-01", "from"),
                         ("from=2025-03-02&to=2025-03-01", "to")):
        response = client.get(f"{url}?{query}")
        assert response.status_code == 422, query
        assert field in str(response.json()["detail"]), query
    assert client.get("/surveys/results/nps/?from=2025-03-02&to=2025-03-01").status_code == 422
    assert client.get("/surveys/results/nps/?kind=loyalty").status_code == 422
    assert client.get(f"/api/v1/surveys/{planted['nps'].pk}/results?dealer=abc").status_code == 422


def test_api_shapes_are_exactly_as_documented(client, org, planted):
    _login(client, org, "service_manager")
    after_sales = planted["css_after_sales"].pk
    body = client.get(f"/api/v1/surveys/{after_sales}/results").json()
    assert set(body) == {"nps", "csi", "items", "nps_change", "trend"}
    assert set(body["nps"]) == {"value", "low", "high", "n", "small"} == set(body["csi"])
    assert {"code", "label", "weight", "value", "low", "high", "n"} <= set(body["items"][0])
    drivers = client.get(f"/api/v1/surveys/{after_sales}/drivers").json()
    assert set(drivers) == {"outcome", "r2", "n", "items"} and drivers["outcome"] == "overall"
    assert set(drivers["items"][0]) == {"code", "label", "weight", "shapley", "low", "high"}
    assert sum(item["weight"] for item in drivers["items"]) == pytest.approx(drivers["r2"], abs=1e-9)
    assert drivers["n"] == 120
    for page in ("league", "quadrant", "acsi", "retention"):
        assert client.get(f"/api/v1/surveys/{after_sales}/{page}").status_code == 200, page
    acsi = client.get(f"/api/v1/surveys/{after_sales}/acsi").json()
    assert set(acsi["paths"][0]) == {"from", "to", "coefficient"} and "satisfaction" in acsi["index"]
    experience = client.get(f"/api/v1/surveys/{planted['touchpoint'].pk}/experience").json()
    assert [row["touchpoint"] for row in experience["touchpoints"]][:2] == ["first_contact", "showroom"]
    kano = client.get(f"/api/v1/surveys/{planted['kano'].pk}/kano").json()
    assert kano["features"][0]["category"] == "A" and kano["features"][0]["better"] == 1.0
    league = client.get(f"/api/v1/surveys/{planted['nps'].pk}/league").json()
    assert {"alpha", "correction", "tested", "min_n", "rows"} == set(league)


def test_the_export_is_masked_formula_safe_and_audited(client, org, planted):
    _login(client, org, "service_manager")
    response = client.get("/surveys/results/nps/export.xlsx?kind=nps")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "'=HYPERLINK(\"http://x\")" in cells  # shown as text, never run
    assert not any(c.startswith("=") for c in cells)
    mobiles = [c for c in cells if re.fullmatch(r"\+?86\d{11}|\d{11}", c)]
    assert mobiles == [] and any("****" in c for c in cells)  # every mobile masked
    event = AuditEvent.objects.get(action="survey_results.export")
    assert event.after["rows"] > 120 and event.after["filters"]["page"] == "nps"
    for key in PAGES:
        assert client.get(f"/surveys/results/{key}/export.xlsx").status_code == 200, key
    assert AuditEvent.objects.filter(action="survey_results.export").count() == 1 + len(PAGES)
    _login(client, org, "service_advisor")
    assert client.get("/surveys/results/nps/export.xlsx?kind=nps").status_code == 403


QUERIES = {"nps": 2, "csi": 4, "drivers": 2, "quadrant": 3, "kano": 2, "acsi": 2, "retention": 3, "experience": 2}


def test_each_page_reads_in_a_few_queries(client, org, planted, django_assert_max_num_queries):
    _login(client, org, "group_admin")
    client.get("/surveys/results/")  # warm the session
    for key, own in QUERIES.items():
        # session + user + dealer picker + staff picker + the page's own (+1 for the NAV's dealer ids)
        with django_assert_max_num_queries(own + 5):
            assert client.get(f"/surveys/results/{key}/").status_code == 200


def test_answers_of_many_dealers_add_no_queries(client, org, planted, django_assert_max_num_queries):
    extra = [Dealer.objects.create(region=org.regions[0], code=f"Y{i}", name=f"More {i}") for i in range(5)]
    for dealer in extra:
        fa.plant(planted["nps"], dealer, [{"recommend": 9}] * 5, days=[TODAY] * 5)
    _login(client, org, "group_admin")
    client.get("/surveys/results/")
    with django_assert_max_num_queries(QUERIES["nps"] + 5):
        page = client.get("/surveys/results/nps/?kind=nps")
    assert "More 4" in page.content.decode()


# --- a real browser ------------------------------------------------------------------------------

from tests.web.conftest import browser  # noqa: E402,F401 (the shared Chromium fixture)


@pytest.mark.browser
def test_the_nps_page_draws_its_charts_at_desktop_and_phone_width(live_server, browser, transactional_db):  # noqa: F811
    from retain.org.models import DealerGroup, Region, Role
    from tests.conftest import PASSWORD, make_staff

    group = DealerGroup.objects.create(name="华东汽车集团")
    region = Region.objects.create(group=group, code="R1", name="华东区")
    dealer = Dealer.objects.create(region=region, code="D01", name="上海浦东4S店", city="上海")
    make_staff("service1", Role.SERVICE_MANAGER, group=group, dealer=dealer)
    survey = fa.make_survey(group, "nps")
    rng = np.random.default_rng(4)
    fa.plant(survey, dealer, [{"recommend": int(s)} for s in rng.integers(0, 11, 200)],
             days=[TODAY - dt.timedelta(days=int(d)) for d in rng.integers(0, 300, 200)])
    for viewport in ({"width": 1280, "height": 900}, {"width": 390, "height": 844}):
        context = browser.new_context(locale="zh-CN", viewport=viewport)
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", "service1")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/surveys/results/nps/?kind=nps")
        page.locator("#chart-nps-trend[data-drawn]").wait_for()
        assert page.locator("#chart-nps-trend svg.main-svg").count() > 0  # Plotly drew it
        assert page.locator("#chart-nps-league svg.main-svg").count() > 0
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        context.close()
