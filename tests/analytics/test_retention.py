"""Retention by satisfaction and lost-customer value, against independent references.

- Wilson interval: Newcombe, R. G. (1998), "Two-sided confidence intervals for the single
  proportion: comparison of seven methods", Statistics in Medicine 17, 857-872, Table I, method 3
  (score method without continuity correction), published to 4 decimals -> tolerance 1e-4 (half
  a unit in the last published place is 5e-5; we allow the full unit).
- Isotonic fit: the min-max formula f_i = max_{j<=i} min_{k>=i} mean_w(y_j..y_k) (Barlow et al.
  1972, Theorem 1.4), evaluated by brute force over all blocks, and scipy's
  ``scipy.optimize.isotonic_regression``; tolerance 1e-12.
- Logistic slope: the closed form on two levels (log odds ratio / level gap, SE
  sqrt(1/a + 1/b + 1/c + 1/d) / gap; Woolf 1955), tolerance 1e-8; a planted slope in simulated
  data recovered within 3 standard errors; and a direct scipy.optimize maximisation, 1e-5.
- Lost-customer value: the worked supermarket example in seeds/001 (50 a week, 52 weeks, 10 years).
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from retain.analytics import retention

# ---- Wilson interval -----------------------------------------------------------------------------

NEWCOMBE_TABLE_I = [  # successes, n, lower, upper (method 3)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("k", "n", "low", "high"), NEWCOMBE_TABLE_I)
def test_wilson_matches_newcombe_table_1(k, n, low, high):
    got_low, got_high = retention.wilson_interval(k, n, 0.95)
    assert float(got_low) == pytest.approx(low, abs=1e-4)
    assert float(got_high) == pytest.approx(high, abs=1e-4)


def test_wilson_in_the_retention_table():
    # One level with 81 of 263 retained, as in Newcombe's example (a), next to a second level.
    scores = [4] * 263 + [5] * 10
    retained = [1] * 81 + [0] * 182 + [1] * 9 + [0]
    row = retention.by_satisfaction(scores, retained).table.set_index("level").loc[4]
    assert (row["n"], row["retained"]) == (263, 81)
    assert row["rate"] == pytest.approx(81 / 263)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(0.2553, abs=1e-4), pytest.approx(0.3662, abs=1e-4))


def test_wilson_is_nan_for_an_empty_level_and_widens_with_confidence():
    low, high = retention.wilson_interval([0, 5], [0, 10], 0.95)
    assert math.isnan(low[0]) and math.isnan(high[0])
    low99, high99 = retention.wilson_interval(5, 10, 0.99)
    assert low99 < low[1] and high99 > high[1]


# ---- the table -----------------------------------------------------------------------------------

def test_table_counts_hand_checked_and_declared_levels():
    scores = [1, 1, 2, 4, 4, 4, 5]
    retained = [0, 0, 1, 1, 0, 1, True]
    result = retention.by_satisfaction(scores, retained, levels=[5, 4, 3, 2, 1])
    table = result.table
    assert table["level"].tolist() == [1, 2, 3, 4, 5]
    assert table["n"].tolist() == [2, 1, 0, 3, 1]
    assert table["retained"].tolist() == [0, 1, 0, 2, 1]
    assert math.isnan(table.loc[2, "rate"]) and math.isnan(table.loc[2, "ci_low"])
    assert math.isnan(table.loc[2, "isotonic"])
    assert (result.n, result.retained) == (7, 4)
    assert result.rate == pytest.approx(4 / 7)
    # rates 0, 1, -, 2/3, 1: PAVA pools levels 2 and 4 (weights 1 and 3) -> 0.75
    assert table["isotonic"].tolist()[:2] + table["isotonic"].tolist()[3:] == pytest.approx([0, 0.75, 0.75, 1])
    assert "level" in result.summary()


# ---- isotonic fit ----------------------------------------------------------------------------------

def brute_force_isotonic(y, w):
    n = len(y)
    mean = lambda j, k: sum(w[i] * y[i] for i in range(j, k + 1)) / sum(w[j:k + 1])  # noqa: E731
    return [max(min(mean(j, k) for k in range(i, n)) for j in range(i + 1)) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(1, 50)), min_size=1, max_size=9))
def test_isotonic_matches_brute_force_min_max_and_scipy(data):
    y, w = (list(c) for c in zip(*data))
    got = retention.isotonic_fit(y, w)
    assert got == pytest.approx(brute_force_isotonic(y, w), abs=1e-12)
    assert got == pytest.approx(optimize.isotonic_regression(y, weights=w).x, abs=1e-12)
    assert np.all(np.diff(got) >= -1e-15)


def test_isotonic_hand_worked():
    assert retention.isotonic_fit([1, 3, 2, 4, 0], [1, 1, 1, 1, 5]).tolist() == pytest.approx(
        [1, 9 / 8, 9 / 8, 9 / 8, 9 / 8])


def test_isotonic_rejects_bad_weights():
    with pytest.raises(ValueError, match="weights must be > 0"):
        retention.isotonic_fit([0.1, 0.2], [1, 0])
    with pytest.raises(ValueError, match="weights has 1 values"):
        retention.isotonic_fit([0.1, 0.2], [1])


# ---- logistic slope -------------------------------------------------------------------------------

def test_logistic_two_levels_matches_closed_form():
    # level 2: 30 of 50 retained; level 5: 45 of 50. MLE saturates the two cells.
    a, b, c, d = 30, 20, 45, 5
    result = retention.by_satisfaction([2] * 50 + [5] * 50, [1] * a + [0] * b + [1] * c + [0] * d)
    slope = (math.log(c / d) - math.log(a / b)) / 3
    se = math.sqrt(1 / a + 1 / b + 1 / c + 1 / d) / 3
    assert result.slope == pytest.approx(slope, abs=1e-8)
    assert result.slope_se == pytest.approx(se, abs=1e-8)
    assert result.odds_ratio == pytest.approx(math.exp(slope), rel=1e-8)
    assert result.logistic.converged
    assert result.table["logistic"].tolist() == pytest.approx([0.6, 0.9], abs=1e-8)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_logistic_recovers_planted_slope(seed):
    rng = np.random.default_rng(seed)
    true_intercept, true_slope = -3.0, 1.2
    scores = rng.integers(1, 6, size=4000)
    retained = rng.random(4000) < 1 / (1 + np.exp(-(true_intercept + true_slope * scores)))
    result = retention.by_satisfaction(scores, retained)
    assert abs(result.slope - true_slope) < 3 * result.slope_se
    assert abs(result.logistic.intercept - true_intercept) < 3 * result.logistic.intercept_se


def test_logistic_agrees_with_direct_likelihood_maximisation():
    rng = np.random.default_rng(7)
    x = rng.integers(1, 6, size=500).astype(float)
    y = (rng.random(500) < 1 / (1 + np.exp(-(-1 + 0.6 * x)))).astype(float)
    nll = lambda b: -np.sum(y * (b[0] + b[1] * x) - np.logaddexp(0, b[0] + b[1] * x))  # noqa: E731
    reference = optimize.minimize(nll, [0.0, 0.0], method="BFGS", options={"gtol": 1e-10}).x
    per_customer = retention.logistic_fit(x, np.ones_like(x), y)
    grouped = retention.by_satisfaction(x, y).logistic
    assert [per_customer.intercept, per_customer.slope] == pytest.approx(reference, abs=1e-5)
    assert [grouped.intercept, grouped.slope] == pytest.approx(reference, abs=1e-5)
    assert grouped.slope_se == pytest.approx(per_customer.slope_se, rel=1e-8)


@pytest.mark.parametrize(("scores", "retained", "why"), [
    ([1, 2, 3, 4], [1, 1, 1, 1], "all outcomes are equal"),
    ([1, 2, 3, 4], [0, 0, 0, 0], "all outcomes are equal"),
    ([3, 3, 3, 3], [0, 1, 1, 0], "single score value"),
    ([1, 2, 4, 5], [0, 0, 1, 1], "separated"),
    ([1, 2, 2, 3], [0, 0, 1, 1], "separated"),       # quasi-complete: level 2 mixed
])
def test_no_finite_slope_is_reported_not_invented(scores, retained, why):
    result = retention.by_satisfaction(scores, retained)
    assert math.isnan(result.slope) and math.isnan(result.slope_se)
    assert not result.logistic.converged and why in result.logistic.note
    assert result.table["n"].sum() == 4          # the table is still there
    assert not result.table["ci_low"].isna().any()


# ---- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"scores": [1, 2], "retained": [1, 2]}, "retained must be <= 1"),
    ({"scores": [1, 2], "retained": [1, -1]}, "retained must be >= 0"),
    ({"scores": [1, 2], "retained": [1, 0.5]}, "retained must be whole numbers"),
    ({"scores": [1, np.nan], "retained": [1, 0]}, "scores contains 1 missing"),
    ({"scores": [1, 2, 3], "retained": [1, 0]}, "scores has 3 values but retained has 2"),
    ({"scores": [], "retained": []}, "scores is empty"),
    ({"scores": ["good", "bad"], "retained": [1, 0]}, "scores must be numbers"),
    ({"scores": [1, 6], "retained": [1, 0], "levels": [1, 2, 3, 4, 5]}, "value 6 at position 1"),
    ({"scores": [1, 2], "retained": [1, 0], "levels": [1, 2, 2]}, "duplicates"),
    ({"scores": [1, 2], "retained": [1, 0], "confidence": 1.0}, "confidence must be strictly between 0 and 1"),
    ({"scores": [1, 2], "retained": [1, 0], "confidence": 0}, "confidence must be strictly between 0 and 1"),
    ({"scores": [1, 2], "retained": [1, 0], "confidence": "high"}, "confidence must be a number"),
])
def test_by_satisfaction_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        retention.by_satisfaction(**kwargs)


def test_logistic_fit_rejects_more_successes_than_trials():
    with pytest.raises(ValueError, match="cannot exceed"):
        retention.logistic_fit([1, 2], [3, 3], [4, 1])


# ---- properties ------------------------------------------------------------------------------------

@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5), st.booleans()), min_size=1, max_size=80),
       st.randoms(use_true_random=False))
def test_table_is_order_invariant_and_counts_add_up(data, random):
    s, y = zip(*data)
    shuffled = list(data)
    random.shuffle(shuffled)
    s2, y2 = zip(*shuffled)
    first = retention.by_satisfaction(list(s), list(y), levels=[1, 2, 3, 4, 5])
    second = retention.by_satisfaction(list(s2), list(y2), levels=[1, 2, 3, 4, 5])
    assert first.table["n"].sum() == len(data)
    assert first.table["retained"].sum() == sum(y)
    assert first.table.drop(columns="logistic").equals(second.table.drop(columns="logistic"))
    assert (first.table["ci_low"].fillna(0) <= first.table["rate"].fillna(0)).all()
    assert (first.table["rate"].fillna(1) <= first.table["ci_high"].fillna(1)).all()


# ---- lost customer value ---------------------------------------------------------------------------

def test_lost_customer_value_seed_example():
    # seeds/001: 50 a week x 52 weeks x 10 years = 26,000; told 10 -> 5 influenced -> 25 told on
    # -> a quarter = 6.25 customers lost by word of mouth, each worth 26,000 -> 162,500.
    result = retention.lost_customer_value(weekly_spend=50, years=10)
    assert result.direct_value == pytest.approx(26_000)
    assert result.word_of_mouth_customers_per_lost == pytest.approx(6.25)
    assert result.word_of_mouth_value == pytest.approx(162_500)
    assert result.total_value == pytest.approx(188_500)
    assert "total_value" in result.summary()


def test_lost_customer_value_per_customer_and_top_of_range():
    result = retention.lost_customer_value(annual_spend=[3000, 8000], years=[5, 2], people_told=20)
    frame = result.to_frame()
    assert frame["direct_value"].tolist() == [15_000, 16_000]
    assert frame["word_of_mouth_customers"].tolist() == [12.5, 12.5]   # 20 x .5 x 5 x .25
    assert frame["total_value"].tolist() == [15_000 * 13.5, 16_000 * 13.5]
    assert result.total_value == pytest.approx(31_000 * 13.5)
    assert set(retention.LOST_VALUE_LABELS) == set(frame.columns)


def test_lost_customer_value_direct_only():
    result = retention.lost_customer_value(annual_spend=[1000, 2000, 0], years=3, people_told=0)
    assert result.total_value == result.direct_value == 9000
    assert result.n == 3


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "exactly one of weekly_spend or annual_spend"),
    ({"weekly_spend": 50, "annual_spend": 2600}, "exactly one"),
    ({"annual_spend": [-1, 5]}, "annual_spend must be >= 0"),
    ({"weekly_spend": [np.nan]}, "weekly_spend contains 1 missing"),
    ({"annual_spend": [1, 2], "years": [1, 2, 3]}, "years has 3 values"),
    ({"annual_spend": 1, "years": -1}, "years must be >= 0"),
    ({"annual_spend": 1, "share_influenced": 1.5}, "share_influenced is a share"),
    ({"annual_spend": 1, "share_who_stop": -0.1}, "share_who_stop must be a finite number >= 0"),
    ({"annual_spend": 1, "people_told": "many"}, "people_told must be a number"),
    ({"annual_spend": [1, 2], "index": ["a"]}, "index has 1 labels"),
])
def test_lost_customer_value_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        retention.lost_customer_value(**kwargs)


def test_wilson_interval_reads_the_confidence_it_checked():
    # A confidence given as text ("0.95", as from a form) is checked and then used as a number.
    assert retention.wilson_interval(81, 263, "0.95") == retention.wilson_interval(81, 263, 0.95)
    with pytest.raises(ValueError, match="confidence"):
        retention.wilson_interval(81, 263, "95%")
