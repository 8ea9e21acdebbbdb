"""Every figure of ``surveys.scoring`` against an independent reference: hand-computed formulas on
small planted sets, and planted truths (driver weights, a real NPS difference, retention by
satisfaction, a valley and a peak, Kano categories, a path model) recovered from larger ones."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from django.utils import timezone
from scipy import stats

from retain.analytics.multiple import holm
from retain.customers.models import Transaction
from retain.org.models import Dealer
from retain.surveys import results, scoring
from retain.surveys.models import Response
from retain.surveys.results import Filters
from tests.surveys import factories_analysis as fa

TODAY = dt.date(2025, 6, 30)
Z = stats.norm.ppf(0.975)


def _filters(kind, **extra):
    return Filters(kind, TODAY - dt.timedelta(days=364), TODAY, **extra)


def _days(n, start, end, rng):
    span = (end - start).days
    return [start + dt.timedelta(days=int(d)) for d in rng.integers(0, span + 1, n)]


@pytest.fixture
def admin(org):
    return org.staff["group_admin"]


# --- NPS -----------------------------------------------------------------------------------------

def _adjusted_wald(promoters, passives, detractors):
    """Rocks (2016) adjusted Wald interval, written out from the paper's formula."""
    n = promoters + passives + detractors + 3
    p, d = (promoters + 0.75) / n, (detractors + 0.75) / n
    se = np.sqrt((p + d - (p - d) ** 2) / n)
    return 100 * (p - d - Z * se), 100 * (p - d + Z * se), 100 * se


def test_nps_and_its_interval_match_a_hand_computation(org, admin):
    survey = fa.make_survey(org.groups[0], "nps")
    answers = [10] * 12 + [9] * 8 + [8] * 6 + [7] * 4 + [6] * 5 + [3] * 3 + [0] * 2  # 20 P, 10 passive, 10 D
    fa.plant(survey, org.d1, [{"recommend": a} for a in answers], days=[TODAY - dt.timedelta(days=3)] * 40)
    page = scoring.nps_page(admin, _filters("nps"))
    low, high, _se = _adjusted_wald(20, 10, 10)
    assert page["nps"]["value"] == pytest.approx(25.0)
    assert page["nps"]["n"] == 40 and page["nps"]["small"] is False
    assert page["nps"]["low"] == pytest.approx(low, abs=1e-3)
    assert page["nps"]["high"] == pytest.approx(high, abs=1e-3)
    assert page["trend"][0]["n"] == 40 and page["trend"][0]["month"] == (TODAY - dt.timedelta(days=3)).strftime("%Y-%m")


def test_the_change_is_tested_against_the_previous_period_of_equal_length(org, admin):
    survey = fa.make_survey(org.groups[0], "nps")
    filters = _filters("nps")
    before = filters.previous()
    assert before.end == filters.start - dt.timedelta(days=1) and before.days == filters.days
    now = [10] * 60 + [8] * 20 + [5] * 20           # NPS 40
    then = [10] * 40 + [8] * 20 + [5] * 40          # NPS 0
    fa.plant(survey, org.d1, [{"recommend": a} for a in now], days=[filters.start] * 100)
    fa.plant(survey, org.d1, [{"recommend": a} for a in then], days=[before.end] * 100)
    # An answer a day before the previous period is in neither.
    fa.plant(survey, org.d1, [{"recommend": 0}], days=[before.start - dt.timedelta(days=1)])
    page = scoring.nps_page(admin, filters)
    assert page["nps"]["value"] == pytest.approx(40) and page["previous"]["value"] == pytest.approx(0)
    _l, _h, se_now = _adjusted_wald(60, 20, 20)
    _l, _h, se_then = _adjusted_wald(40, 20, 40)
    z = 40 / np.hypot(se_now, se_then)
    assert page["change"]["difference"] == pytest.approx(40)
    assert page["change"]["p_value"] == pytest.approx(2 * stats.norm.sf(z), abs=1e-6)
    assert page["change"]["significant"] is True


def test_holm_adjusted_p_values_match_r():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") -> 0.03 0.06 0.06 0.02
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # R: p.adjust(c(0.5, 0.001, 0.2), "holm") -> 0.500 0.003 0.400
    assert holm([0.5, 0.001, 0.2]) == pytest.approx([0.5, 0.003, 0.4])


def test_the_league_table_finds_the_one_real_difference_and_no_false_ones(org, admin):
    group = org.groups[0]
    survey = fa.make_survey(group, "nps")
    dealers = [org.d1, org.d2, org.d3] + [Dealer.objects.create(region=org.regions[0], code=f"X{i}",
                                                                  name=f"Extra {i}") for i in range(3)]
    rng = np.random.default_rng(7)
    for dealer in dealers:
        better = dealer == org.d2  # planted: NPS 40 at D2, 20 everywhere else
        scores = fa.nps_answers(800, promoters=0.5 if better else 0.4, detractors=0.1 if better else 0.2, rng=rng)
        fa.plant(survey, dealer, [{"recommend": int(s)} for s in scores], days=_days(800, TODAY - dt.timedelta(300),
                                                                                     TODAY, rng))
    league = scoring.nps_page(admin, _filters("nps"))["league"]
    assert league["tested"] == 6 and league["correction"] == "holm"
    marked = [row for row in league["rows"] if row["significant"]]
    assert [(row["dealer"], row["direction"]) for row in marked] == [("Dealer 2", "above")]
    assert league["rows"][0]["dealer"] == "Dealer 2"
    for row in league["rows"]:
        assert row["n"] == 800 and row["low"] < row["value"] < row["high"]
        assert row["p_holm"] >= row["p_value"]


# --- CSI -----------------------------------------------------------------------------------------

def test_weighted_csi_and_item_means_match_a_hand_computation(org, admin):
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    codes = list(fa.AFTER_SALES_WEIGHTS)
    table = np.array([[10, 9, 8, 10, 9, 9, 8, 10], [7, 6, 5, 8, 7, 6, 5, 9], [9, 9, 9, 9, 9, 9, 9, 9],
                      [4, 5, 6, 7, 8, 9, 10, 3], [8, 8, 7, 9, 6, 7, 8, 8]], dtype=float)
    fa.plant(survey, org.d1, [{**dict(zip(codes, row)), "overall": 8, "recommend": 9} for row in table],
             days=[TODAY] * 5)
    # Outside the score: not counted, not submitted, outside the period.
    fa.plant(survey, org.d1, [{c: 1 for c in codes}], days=[TODAY], counted=False)
    fa.plant(survey, org.d1, [{c: 1 for c in codes}], days=[TODAY], submitted=False)
    fa.plant(survey, org.d1, [{c: 1 for c in codes}], days=[TODAY + dt.timedelta(days=1)])
    page = scoring.csi_page(admin, _filters("css_after_sales"))
    weights = np.array([fa.AFTER_SALES_WEIGHTS[c] for c in codes])
    each = ((table - 1) / 9 * 100) @ weights / weights.sum()
    half = stats.t.ppf(0.975, 4) * each.std(ddof=1) / np.sqrt(5)
    assert page["csi"]["n"] == 5 and page["csi"]["small"] is True
    assert page["csi"]["value"] == pytest.approx(each.mean(), abs=1e-3)
    assert page["csi"]["low"] == pytest.approx(each.mean() - half, abs=1e-3)
    assert page["weights"] == "stated"
    first, second = page["items"][:2]
    assert (first["code"], first["weight"]) == ("fixed_first_time", 0.19)
    assert first["high"] == 10  # the interval stops at the scale's end
    column = table[:, 1]
    item_half = stats.t.ppf(0.975, 4) * column.std(ddof=1) / np.sqrt(5)
    assert second["value"] == pytest.approx(column.mean())
    assert (second["low"], second["high"]) == (pytest.approx(column.mean() - item_half, abs=1e-3),
                                               pytest.approx(column.mean() + item_half, abs=1e-3))
    assert page["by_dealer"][0]["name"] == "Dealer 1" and page["by_dealer"][0]["n"] == 5


def test_the_sales_csi_weighs_its_items_equally(org, admin):
    survey = fa.make_survey(org.groups[0], "css_sales")
    rows = [{c: v for c, v in zip(fa.SALES_ITEMS, values)} for values in ([10, 8, 6, 4, 2, 10, 8], [9, 9, 9, 9, 9, 9, 9])]
    fa.plant(survey, org.d1, rows, days=[TODAY] * 2)
    page = scoring.csi_page(admin, _filters("css_sales"))
    expected = np.mean([np.mean((np.array(list(r.values())) - 1) / 9 * 100) for r in rows])
    assert page["weights"] == "equal" and page["csi"]["value"] == pytest.approx(expected, abs=1e-3)


# --- key drivers and the quadrant --------------------------------------------------------------------

@pytest.fixture
def drivers_survey(org):
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    rng = np.random.default_rng(11)
    rows = fa.driver_answers(2000, rng)
    fa.plant(survey, org.d1, rows, days=_days(2000, TODAY - dt.timedelta(days=300), TODAY, rng))
    return survey, rows


def test_key_drivers_recover_the_planted_order_and_sum_to_r2(admin, drivers_survey):
    _survey, rows = drivers_survey
    page = scoring.drivers_page(admin, _filters("css_after_sales"))
    codes = [item["code"] for item in page["items"]]
    # The large weights in their order (19, 17, 14; the seeded draw recovers it in 59 of 60 seeds
    # tried; 12 against 11 is too close to call with 2,000 answers), the two 8s last.
    assert codes[:3] == ["fixed_first_time", "no_rework", "value"]
    assert set(codes[-2:]) == {"explained_invoice", "returned_clean"}  # the two 8s
    assert sum(item["weight"] for item in page["items"]) == pytest.approx(page["r2"], abs=1e-9)
    assert sum(item["shapley"] for item in page["items"]) == pytest.approx(page["r2"], abs=1e-9)
    # R² of the regression, computed independently with least squares.
    frame = pd.DataFrame(rows)
    X = np.column_stack([np.ones(len(frame)), frame[list(fa.AFTER_SALES_WEIGHTS)].to_numpy()])
    y = frame["overall"].to_numpy()
    residual = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    assert page["r2"] == pytest.approx(1 - residual.var() / y.var(), abs=1e-9)
    assert page["n"] == 2000 and page["bootstrap"] == scoring.BOOTSTRAP
    for item in page["items"]:
        assert item["low"] <= item["weight"] <= item["high"]


def test_the_quadrant_derives_importance_from_the_drivers_and_names_the_zones(admin, drivers_survey):
    page = scoring.quadrant_page(admin, _filters("css_after_sales"))
    assert page["source"] == "derived" and page["n"] == 2000
    zones = {item["code"]: item["zone"] for item in page["items"]}
    importance = {item["code"]: item["importance"] for item in page["items"]}
    satisfaction = {item["code"]: item["satisfaction"]["value"] for item in page["items"]}
    split_i, split_s = np.mean(list(importance.values())), np.mean(list(satisfaction.values()))
    for code, zone in zones.items():
        high_i, high_s = importance[code] >= split_i, satisfaction[code] >= split_s
        assert zone == {(True, False): "urgent_improvement", (False, False): "secondary_improvement",
                        (False, True): "nice_to_have", (True, True): "competitive_advantage"}[(high_i, high_s)]
    assert page["split"]["importance"] == pytest.approx(split_i, abs=1e-3)


def test_the_quadrant_uses_stated_importance_when_customers_gave_it(org, admin):
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    codes = list(fa.AFTER_SALES_WEIGHTS)
    points = dict(zip(codes, [30, 20, 10, 10, 10, 10, 5, 5]))
    rows = [{**{c: 8 if i % 2 else 6 for c in codes}, "fixed_first_time": 4, "overall": 7, "recommend": 8,
             "importance": points} for i in range(40)]
    fa.plant(survey, org.d1, rows, days=[TODAY] * 40)
    page = scoring.quadrant_page(admin, _filters("css_after_sales"))
    assert page["source"] == "stated" and page["n"] == 40
    first = page["items"][0]
    assert (first["code"], first["importance"], first["zone"]) == ("fixed_first_time", 30.0, "urgent_improvement")
    assert first["zone_label"] == "Urgent improvement"


def test_stated_importance_is_the_mean_of_the_allocations_a_missing_item_counting_zero(org, admin):
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    codes = list(fa.AFTER_SALES_WEIGHTS)
    fa.plant(survey, org.d1, [{"importance": {codes[0]: 60, codes[1]: 40}}, {"importance": {codes[0]: 100}},
                              {"overall": 5}], days=[TODAY] * 3)
    means, n = results.mean_allocation(admin, _filters("css_after_sales"), "importance", codes[:3])
    assert n == 2 and means.to_dict() == {codes[0]: 80.0, codes[1]: 20.0, codes[2]: 0.0}


# --- Kano ----------------------------------------------------------------------------------------------

def test_kano_finds_a_must_be_and_an_attractive_feature(org, admin):
    survey = fa.make_survey(org.groups[0], "kano")
    rows = []
    for i in range(40):
        rows.append({"kano_pickup": {"functional": "must-be" if i % 4 else "neutral", "dysfunctional": "dislike"},
                     "kano_online_booking": {"functional": "like",
                                             "dysfunctional": "neutral" if i % 5 else "dislike"}})
    fa.plant(survey, org.d1, rows, days=[TODAY] * 40)
    features = {row["code"]: row for row in scoring.kano_page(admin, _filters("kano"))["features"]}
    pickup, booking = features["kano_pickup"], features["kano_online_booking"]
    assert pickup["category"] == "M" and pickup["counts"]["M"] == 40
    assert (pickup["better"], pickup["worse"]) == (0.0, -1.0)
    assert booking["category"] == "A" and (booking["counts"]["A"], booking["counts"]["O"]) == (32, 8)
    assert booking["better"] == pytest.approx(1.0) and booking["worse"] == pytest.approx(-8 / 40)
    assert features["kano_lounge"]["n"] == 0 and features["kano_lounge"]["small"]


# --- ACSI-style path model ------------------------------------------------------------------------------

def test_the_pls_path_model_recovers_a_planted_structure(org, admin):
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    rng = np.random.default_rng(5)
    n = 3000
    quality = rng.normal(0, 1, n)
    value = 0.6 * quality + rng.normal(0, 0.8, n)
    satisfaction = 0.5 * quality + 0.3 * value + rng.normal(0, 0.6, n)
    loyalty = 0.7 * satisfaction + rng.normal(0, 0.7, n)

    def scale(x, low=1, high=10, noise=0.0):
        return np.clip(np.round(5.5 + 1.5 * (x + rng.normal(0, noise, n) if noise else x)), low, high)

    quality_items = scoring.ACSI_BLOCKS["quality"]
    rows = pd.DataFrame({code: scale(quality, noise=0.4) for code in quality_items})
    rows["value"], rows["overall"], rows["recommend"] = scale(value), scale(satisfaction), scale(loyalty, 0, 10)
    fa.plant(survey, org.d1, rows.to_dict("records"), days=[TODAY] * n)
    page = scoring.acsi_page(admin, _filters("css_after_sales"))
    paths = {(p["from"], p["to"]): p["coefficient"] for p in page["paths"]}
    # Single-indicator blocks with one predecessor: the path is the plain correlation.
    assert paths[("satisfaction", "loyalty")] == pytest.approx(np.corrcoef(rows["overall"], rows["recommend"])[0, 1],
                                                               abs=1e-4)
    assert page["r2"]["loyalty"] == pytest.approx(paths[("satisfaction", "loyalty")] ** 2, abs=1e-3)
    # The latent truth's standardised coefficients, by least squares on the latent variables.
    z = lambda x: (x - x.mean()) / x.std()  # noqa: E731
    true_qv = np.corrcoef(quality, value)[0, 1]
    true_s = np.linalg.lstsq(np.column_stack([z(quality), z(value)]), z(satisfaction), rcond=None)[0]
    assert paths[("quality", "value")] == pytest.approx(true_qv, abs=0.1)
    assert paths[("quality", "satisfaction")] == pytest.approx(true_s[0], abs=0.1)
    assert paths[("value", "satisfaction")] == pytest.approx(true_s[1], abs=0.1)
    mean_overall = rows["overall"].mean()
    assert page["index"]["satisfaction"] == pytest.approx((mean_overall - 1) / 9 * 100, abs=0.01)
    assert page["n"] == n and not page["small"]


# --- satisfaction -> retention ---------------------------------------------------------------------------

def test_the_retention_curve_recovers_planted_rates_within_its_intervals(org, admin):
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    rng = np.random.default_rng(3)
    as_of = timezone.localdate()
    repaired = as_of - dt.timedelta(days=400)
    planted = {1: (0.45, [3, 5, 6]), 2: (0.70, [7, 8]), 3: (0.85, [9, 10])}
    for rate, scores in planted.values():
        customers = fa.make_customers(org.d1, 400)
        returned = rng.random(400) < rate
        orders = fa.service_history(org.d1, customers, repair_on=repaired, returned=returned)
        answers = [{**{c: 7 for c in fa.AFTER_SALES_WEIGHTS}, "overall": int(rng.choice(scores)), "recommend": 8}
                   for _ in range(400)]
        fa.plant(survey, org.d1, answers, customers=customers, transactions=orders,
                 days=[repaired + dt.timedelta(days=5)] * 400)
    # Surveyed too recently: their twelve months have not passed, so they are not in the curve.
    recent = fa.make_customers(org.d1, 50)
    orders = fa.service_history(org.d1, recent, repair_on=as_of - dt.timedelta(days=100), returned=[False] * 50)
    fa.plant(survey, org.d1, [{"overall": 2} for _ in range(50)], customers=recent, transactions=orders,
             days=[as_of - dt.timedelta(days=95)] * 50)
    filters = Filters("css_after_sales", as_of - dt.timedelta(days=500), as_of)
    page = scoring.retention_page(admin, filters, as_of=as_of)
    assert page["n"] == 1200
    for band, (rate, _scores) in zip(page["bands"], planted.values()):
        assert band["n"] == 400
        assert band["low"] <= rate <= band["high"], band
        assert band["value"] == pytest.approx(band["retained"] / 400)


def test_a_return_counts_up_to_the_last_day_of_the_twelve_months_and_only_for_service(org, admin):
    """The boundary, on both databases: a repair 365 days after the surveyed one is a return, 366
    days after is not; a sale is not, nor a second repair order the same day."""
    survey = fa.make_survey(org.groups[0], "css_after_sales")
    as_of = timezone.localdate()
    repaired = as_of - dt.timedelta(days=800)
    customers = fa.make_customers(org.d1, 5)
    orders = fa.service_history(org.d1, customers, repair_on=repaired, returned=[False] * 5)
    Transaction.objects.filter(customer__in=customers).exclude(pk__in=[o.pk for o in orders]).delete()
    later = {0: ("service", 365), 1: ("service", 366), 2: ("sale", 10), 3: ("service", 0), 4: ("service", 1)}
    for k, (kind, days) in later.items():
        Transaction.objects.create(customer=customers[k], dealer=org.d1, kind=kind, amount_cents=40000,
                                   date=repaired + dt.timedelta(days=days))
    fa.plant(survey, org.d1, [{"overall": 9} for _ in customers], customers=customers, transactions=orders,
             days=[repaired + dt.timedelta(days=3)] * 5)
    filters = Filters("css_after_sales", repaired, as_of)
    frame = results.service_returns(admin, filters, until=as_of - dt.timedelta(days=365), days=365)
    customer_of = dict(Response.objects.values_list("pk", "customer_id"))
    position = {customer.pk: k for k, customer in enumerate(customers)}
    returned = {position[customer_of[pk]]: bool(flag) for pk, flag in zip(frame["id"], frame["returned"])}
    assert returned == {0: True, 1: False, 2: False, 3: False, 4: True}
    # a repair not yet twelve months old is not asked about
    assert results.service_returns(admin, filters, until=repaired - dt.timedelta(days=1), days=365).empty


# --- the experience curve ------------------------------------------------------------------------------------

def test_the_experience_curve_finds_the_planted_valley_and_peak(org, admin):
    survey = fa.make_survey(org.groups[0], "touchpoint")
    rng = np.random.default_rng(9)
    means = dict(zip(fa.TOUCHPOINTS, [8.0, 8.2, 8.4, 6.2, 9.3, 8.3, 8.0, 7.8, 7.9]))
    rows = []
    for i in range(600):
        lived = fa.TOUCHPOINTS[:5] if i % 2 else fa.TOUCHPOINTS  # not everyone lived every step
        rows.append({code: float(np.clip(np.round(rng.normal(means[code], 1.2)), 1, 10)) for code in lived})
    fa.plant(survey, org.d1, rows, days=[TODAY] * 600)
    page = scoring.experience_page(admin, _filters("touchpoint"))
    order = [row["touchpoint"] for row in page["touchpoints"]]
    assert order == [code.removeprefix("tp_") for code in fa.TOUCHPOINTS]  # journey order
    marks = {row["touchpoint"]: row["mark"] for row in page["touchpoints"] if row["mark"]}
    assert marks == {"negotiation": "valley", "delivery": "peak"}
    counts = {row["touchpoint"]: row["n"] for row in page["touchpoints"]}
    assert counts["negotiation"] == 600 and counts["renewal"] == 300


def test_small_samples_carry_n_and_are_flagged(org, admin):
    survey = fa.make_survey(org.groups[0], "touchpoint")
    fa.plant(survey, org.d1, [{"tp_showroom": 8}, {"tp_showroom": 6}], days=[TODAY] * 2)
    rows = {row["touchpoint"]: row for row in scoring.experience_page(admin, _filters("touchpoint"))["touchpoints"]}
    assert rows["showroom"]["small"] is True and rows["showroom"]["n"] == 2
    assert rows["showroom"]["low"] < 7 < rows["showroom"]["high"]
    assert rows["delivery"]["n"] == 0 and rows["delivery"]["value"] is None
    assert scoring.drivers_page(admin, _filters("css_after_sales"))["items"] == []
