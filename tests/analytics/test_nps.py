"""NPS score, interval and comparison against independent references.

References used, with tolerances:
* hand-computed worked examples (arithmetic in the comments), to 1e-4 NPS points;
* the identity Var(p_P - p_D) = variance of the answers recoded +1/0/-1 (numpy.var), to 1e-9;
* the adjusted-Wald interval rebuilt as a plain Wald interval on data with the pseudo-answers
  appended (4 copies of the data + 3 detractors, 6 passives, 3 promoters: same proportions,
  n four times n + 3, so the SE is half the adjusted one), to 1e-9;
* a published forum example (talkstats.com thread 58500, "Net Promoter Score - Calculating
  Confidence Intervals and Margin of Error": 1162 answers, 291 promoters, 476 passives,
  395 detractors, NPS -9, 95% margin 4.4), to the rounding it was reported with;
* simulated coverage: 2000 samples, the 95% adjusted-Wald interval must cover the true NPS
  93-97% of the time (binomial SE of a 95% rate over 2000 draws is 0.49 points, so the band
  is about +/- 4 SE), and the two-sample test must reject a true null 3.5-6.5% of the time;
* hypothesis properties: range, row-order invariance, unit weights = unweighted, weights
  scale-free.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics import nps

Z95 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def answers(promoters, passives, detractors):
    return [10] * promoters + [8] * passives + [3] * detractors


# --- worked examples ---------------------------------------------------------------------------

def test_wald_worked_example():
    # 50 promoters, 30 passives, 20 detractors, n = 100.
    # NPS = 100 (0.50 - 0.20) = 30.
    # Var = (0.5 + 0.2 - 0.3^2) / 100 = 0.61 / 100 = 0.0061; se = sqrt(0.0061) = 0.0781025 -> 7.81025 points.
    # CI = 30 +/- 1.959964 * 7.81025 = 30 +/- 15.30781 -> [14.69219, 45.30781].
    r = nps.score(answers(50, 30, 20), method="wald")
    assert r.value == pytest.approx(30.0, abs=1e-9)
    assert (r.promoters, r.passives, r.detractors) == pytest.approx((0.5, 0.3, 0.2), abs=1e-12)
    assert r.n == 100 and r.effective_n == pytest.approx(100.0)
    assert r.se == pytest.approx(7.81025, abs=1e-4)
    assert r.ci_low == pytest.approx(14.69219, abs=1e-4)
    assert r.ci_high == pytest.approx(45.30781, abs=1e-4)
    assert r.method == "wald" and r.confidence == 0.95


def test_adjusted_wald_worked_example():
    # Same data. Rocks (2016): add 3/4 detractor, 3/2 passive, 3/4 promoter: n~ = 103.
    # p~P = 50.75 / 103 = 0.4927184, p~D = 20.75 / 103 = 0.2014563, centre = 30 / 103 = 0.2912621.
    # Var = (71.5/103 - (30/103)^2) / 103 = (0.6941748 - 0.0848336) / 103 = 0.0059159; se = 0.0769151.
    # CI = 29.12621 +/- 1.959964 * 7.69151 = 29.12621 +/- 15.07508 -> [14.05113, 44.20130].
    r = nps.score(answers(50, 30, 20))  # adjusted_wald is the default
    assert r.method == "adjusted_wald"
    assert r.value == pytest.approx(30.0, abs=1e-9)  # the reported score stays the plain NPS
    assert r.se == pytest.approx(7.69151, abs=1e-4)
    assert r.ci_low == pytest.approx(14.05113, abs=1e-4)
    assert r.ci_high == pytest.approx(44.20130, abs=1e-4)


def test_adjusted_wald_small_sample_worked_example():
    # Answers 10 9 8 7 6 0 10 10: 4 promoters, 2 passives, 2 detractors, n = 8; NPS = 25.
    # n~ = 11, p~P = 4.75/11 = 0.4318182, p~D = 2.75/11 = 0.25, centre = 2/11 = 0.1818182.
    # Var = (7.5/11 - (2/11)^2) / 11 = (0.6818182 - 0.0330579) / 11 = 0.0589782; se = 0.2428543.
    # CI = 18.18182 +/- 1.959964 * 24.28543 = 18.18182 +/- 47.59857 -> [-29.41675, 65.78039].
    r = nps.score([10, 9, 8, 7, 6, 0, 10, 10])
    assert r.value == pytest.approx(25.0)
    assert r.se == pytest.approx(24.28543, abs=1e-4)
    assert (r.ci_low, r.ci_high) == pytest.approx((-29.41675, 65.78039), abs=1e-4)


def test_category_boundaries():
    # 6 is a detractor, 7 and 8 passives, 9 a promoter; 0 and 10 are valid.
    r = nps.score([0, 6, 7, 8, 9, 10])
    assert (r.detractors, r.passives, r.promoters) == pytest.approx((2 / 6, 2 / 6, 2 / 6))
    assert r.value == pytest.approx(0.0, abs=1e-12)


def test_published_forum_example_talkstats():
    # talkstats.com thread 58500: 291 promoters, 476 neutral, 395 detractors (n = 1162),
    # "NPS of -9", "confidence interval of 4.4" (the 95% margin, Wald).
    # Here: NPS = 100 (291 - 395) / 1162 = -8.950; se = sqrt((686/1162 - (104/1162)^2)/1162) = 2.23867;
    # margin = 1.959964 * 2.23867 = 4.388 -> 4.4 when rounded as published.
    r = nps.score(answers(291, 476, 395), method="wald")
    assert round(r.value) == -9
    margin = (r.ci_high - r.ci_low) / 2
    assert round(margin, 1) == 4.4
    assert r.value == pytest.approx(-8.95009, abs=1e-4)


def test_wald_variance_equals_variance_of_recoded_answers():
    # Independent reference: NPS is the mean of answers recoded +1 / 0 / -1, and the multinomial
    # variance of p_P - p_D is that mean's (population) variance / n.
    rng = np.random.default_rng(7)
    for n in (5, 37, 400):
        scores = rng.integers(0, 11, size=n)
        recoded = np.where(scores >= 9, 1.0, np.where(scores <= 6, -1.0, 0.0))
        r = nps.score(scores, method="wald")
        assert r.value == pytest.approx(100 * recoded.mean(), abs=1e-9)
        assert r.se == pytest.approx(100 * math.sqrt(recoded.var() / n), abs=1e-9)


def test_adjusted_wald_equals_wald_on_data_with_pseudo_answers():
    # Appending 3/4, 3/2, 3/4 pseudo-answers is the same (in proportions) as taking 4 copies of
    # the data plus 3 detractors, 6 passives and 3 promoters; that data set has 4 (n + 3) answers,
    # so its Wald SE is the adjusted SE / 2 and its point estimate is the adjusted centre.
    rng = np.random.default_rng(11)
    for n in (3, 20, 150):
        scores = rng.integers(0, 11, size=n)
        adjusted = nps.score(scores, method="adjusted_wald")
        augmented = np.concatenate([np.tile(scores, 4), [0] * 3, [7] * 6, [10] * 3])
        plain = nps.score(augmented, method="wald")
        assert adjusted.se == pytest.approx(2 * plain.se, abs=1e-9)
        centre = (adjusted.ci_low + adjusted.ci_high) / 2
        if -100 < adjusted.ci_low and adjusted.ci_high < 100:  # not clipped
            assert centre == pytest.approx(plain.value, abs=1e-9)


def test_interval_is_clipped_and_degenerate_samples_behave():
    # All promoters: Wald gives a zero-width interval at 100; adjusted Wald a proper one <= 100.
    wald = nps.score([10] * 5, method="wald")
    assert (wald.value, wald.se, wald.ci_low, wald.ci_high) == (100.0, 0.0, 100.0, 100.0)
    adjusted = nps.score([10] * 5)
    assert adjusted.se > 0 and adjusted.ci_high <= 100.0 and adjusted.ci_low < 100.0
    # 20 detractors: n~ = 23, p~D = 20.75/23 = 0.90217, p~P = 0.75/23 = 0.03261, centre = -0.86957,
    # se = sqrt((0.93478 - 0.75614) / 23) = 0.08813, low = -0.86957 - 0.17273 = -1.0423 -> clipped to -100.
    clipped = nps.score([0] * 20)
    assert clipped.ci_low == -100.0
    assert clipped.ci_high == pytest.approx(100 * (-0.869565 + 0.172731), abs=1e-3)
    # One answer is accepted: n = 1, a wide interval (centre -0.25, se 0.375).
    one = nps.score([0])
    assert one.n == 1 and one.se == pytest.approx(37.5)


def test_confidence_level_changes_width():
    r90 = nps.score(answers(50, 30, 20), method="wald", confidence=0.90)
    # 1.644854 * 7.81025 = 12.84668
    assert (r90.ci_high - r90.ci_low) / 2 == pytest.approx(12.84668, abs=1e-4)


# --- weights -------------------------------------------------------------------------------------

def test_weighted_worked_example():
    # Scores 10, 0, 8 with weights 2, 1, 1 (total 4): promoters 2/4, detractors 1/4, passives 1/4 -> NPS 25.
    # Kish n_eff = 4^2 / (4 + 1 + 1) = 2.6667. Wald se = sqrt((0.75 - 0.0625) / 2.6667) = 0.5077524.
    r = nps.score([10, 0, 8], weights=[2, 1, 1], method="wald")
    assert r.value == pytest.approx(25.0)
    assert (r.promoters, r.passives, r.detractors) == pytest.approx((0.5, 0.25, 0.25))
    assert r.n == 3
    assert r.effective_n == pytest.approx(8 / 3)
    assert r.se == pytest.approx(50.77524, abs=1e-4)


def test_integer_weights_give_the_shares_of_repeated_rows():
    rng = np.random.default_rng(3)
    scores = rng.integers(0, 11, size=40)
    w = rng.integers(1, 5, size=40)
    weighted = nps.score(scores, weights=w)
    repeated = nps.score(np.repeat(scores, w))
    for field in ("value", "promoters", "passives", "detractors"):
        assert getattr(weighted, field) == pytest.approx(getattr(repeated, field), abs=1e-9)


def test_zero_weight_rows_do_not_count_in_the_shares():
    r = nps.score([10, 0, 0], weights=[1, 0, 0])
    assert r.value == pytest.approx(100.0) and r.effective_n == pytest.approx(1.0)


# --- simulation ----------------------------------------------------------------------------------

def test_adjusted_wald_coverage_by_simulation():
    # True shares: promoters 0.45, passives 0.30, detractors 0.25 -> true NPS = 20.
    rng = np.random.default_rng(2016)
    true_nps, n, reps = 20.0, 60, 2000
    covered = 0
    for _ in range(reps):
        scores = rng.choice([10, 8, 3], size=n, p=[0.45, 0.30, 0.25])
        r = nps.score(scores)
        covered += r.ci_low <= true_nps <= r.ci_high
    assert 0.93 <= covered / reps <= 0.97


def test_compare_false_positive_rate_by_simulation():
    # Two independent samples from the same population: a 5% test rejects about 5% of the time.
    rng = np.random.default_rng(42)
    reps, rejected = 2000, 0
    for _ in range(reps):
        a = rng.choice([10, 8, 3], size=100, p=[0.40, 0.35, 0.25])
        b = rng.choice([10, 8, 3], size=120, p=[0.40, 0.35, 0.25])
        rejected += nps.compare(a, b).p_value < 0.05
    assert 0.035 <= rejected / reps <= 0.065


# --- compare -------------------------------------------------------------------------------------

def test_compare_worked_example():
    # a: 50/30/20 of 100 -> NPS 30, Wald se 7.81025 (Var 0.0061).
    # b: 30/30/40 of 100 -> NPS -10, Var = (0.7 - 0.01)/100 = 0.0069, se 8.30662.
    # d = 40; se_d = 100 sqrt(0.0061 + 0.0069) = 100 sqrt(0.013) = 11.40175.
    # z = 40 / 11.40175 = 3.508232; p = 2 (1 - Phi(3.508232)) = 0.000451095.
    # CI = 40 +/- 1.959964 * 11.40175 = 40 +/- 22.34703 -> [17.65297, 62.34703].
    a = nps.score(answers(50, 30, 20), method="wald")
    b = nps.score([9] * 30 + [7] * 30 + [0] * 40, method="wald")
    c = nps.compare(a, b)
    assert c.difference == pytest.approx(40.0, abs=1e-9)
    assert c.se == pytest.approx(11.40175, abs=1e-4)
    assert c.z == pytest.approx(3.508232, abs=1e-5)
    assert c.p_value == pytest.approx(0.000451095, rel=1e-4)
    assert (c.ci_low, c.ci_high) == pytest.approx((17.65297, 62.34703), abs=1e-4)
    assert (c.n_a, c.n_b, c.method) == (100, 100, "wald")


def test_compare_accepts_raw_scores_and_is_antisymmetric():
    a, b = [10, 9, 9, 3, 5, 8], [1, 2, 10, 7, 7]
    ab, ba = nps.compare(a, b), nps.compare(b, a)
    assert ab.difference == pytest.approx(-ba.difference)
    assert ab.p_value == pytest.approx(ba.p_value)
    assert ab.method == "adjusted_wald"
    same = nps.compare(a, a)
    assert same.difference == 0 and same.p_value == pytest.approx(1.0)


def test_compare_uses_its_own_confidence():
    a = nps.score(answers(50, 30, 20), method="wald")
    b = nps.score(answers(30, 30, 40), method="wald")
    c = nps.compare(a, b, confidence=0.99)
    # half width = 2.575829 * 11.40175 (b here has detractors coded 3, same shares as above)
    assert (c.ci_high - c.ci_low) / 2 == pytest.approx(2.5758293 * 11.40175, abs=1e-3)


# --- results -------------------------------------------------------------------------------------

def test_result_is_frozen_and_summarises():
    r = nps.score(answers(5, 3, 2))
    with pytest.raises(AttributeError):
        r.value = 0  # type: ignore[misc]
    assert "NPSResult" in r.summary() and "adjusted_wald" in r.summary()
    frame = r.to_frame()
    assert list(frame.columns)[:4] == ["value", "promoters", "passives", "detractors"]
    assert nps.compare(r, r).to_frame().shape == (1, 10)


# --- properties ----------------------------------------------------------------------------------

score_lists = st.lists(st.integers(0, 10), min_size=1, max_size=60)


@settings(max_examples=150, deadline=None)
@given(score_lists, st.sampled_from(nps.METHODS))
def test_property_bounds(scores, method):
    r = nps.score(scores, method=method)
    assert -100 <= r.value <= 100
    assert -100 <= r.ci_low <= r.ci_high <= 100
    assert r.promoters + r.passives + r.detractors == pytest.approx(1.0)
    assert r.se >= 0


@settings(max_examples=100, deadline=None)
@given(score_lists, st.randoms(use_true_random=False))
def test_property_row_order_invariance(scores, rnd):
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    a, b = nps.score(scores), nps.score(shuffled)
    for field in ("value", "se", "ci_low", "ci_high"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(score_lists, st.sampled_from(nps.METHODS))
def test_property_unit_weights_give_the_unweighted_answer(scores, method):
    plain = nps.score(scores, method=method)
    weighted = nps.score(scores, weights=[1.0] * len(scores), method=method)
    for field in ("value", "promoters", "passives", "detractors", "effective_n", "se", "ci_low", "ci_high"):
        assert getattr(weighted, field) == pytest.approx(getattr(plain, field), abs=1e-9)
    assert weighted.n == plain.n


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10), st.floats(0.1, 10)), min_size=1, max_size=40),
       st.floats(0.01, 100))
def test_property_weights_are_scale_free(pairs, factor):
    scores, w = zip(*pairs)
    a = nps.score(scores, weights=w)
    b = nps.score(scores, weights=[x * factor for x in w])
    for field in ("value", "effective_n", "se", "ci_low", "ci_high"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), rel=1e-9, abs=1e-9)


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("scores, message", [
    ([], "empty"),
    ([7, 8.5], "whole numbers"),
    ([11, 9], "<= 10"),
    ([-1, 9], ">= 0"),
    ([9, float("nan")], "missing"),
    ([9, float("inf")], "infinite"),
    (["nine", "ten"], "numbers"),
    ([[1, 2], [3, 4]], "one-dimensional"),
])
def test_bad_scores_raise(scores, message):
    with pytest.raises(ValueError, match=message):
        nps.score(scores)


@pytest.mark.parametrize("weights, message", [
    ([1, -1, 1], ">= 0"),
    ([1, float("nan"), 1], "missing"),
    ([1, 1], "one weight per answer"),
    ([0, 0, 0], "all zero"),
    ([], "empty"),
])
def test_bad_weights_raise(weights, message):
    with pytest.raises(ValueError, match=message):
        nps.score([10, 5, 8], weights=weights)


@pytest.mark.parametrize("method", ["score", "Wald", None])
def test_unknown_method_raises(method):
    with pytest.raises(ValueError, match="method"):
        nps.score([10, 5], method=method)


@pytest.mark.parametrize("confidence", [0, 1, 1.5, -0.1, "high", float("nan")])
def test_bad_confidence_raises(confidence):
    with pytest.raises(ValueError, match="confidence"):
        nps.score([10, 5], confidence=confidence)
    with pytest.raises(ValueError, match="confidence"):
        nps.compare([10, 5], [9, 1], confidence=confidence)


def test_compare_rejects_mixed_methods():
    with pytest.raises(ValueError, match="same method"):
        nps.compare(nps.score([10, 5], method="wald"), nps.score([10, 5]))


def test_compare_rejects_zero_standard_error():
    a = nps.score([10, 10, 10], method="wald")
    b = nps.score([0, 0], method="wald")
    with pytest.raises(ValueError, match="zero standard error"):
        nps.compare(a, b)


def test_compare_validates_raw_scores():
    with pytest.raises(ValueError, match="<= 10"):
        nps.compare([10, 12], [9, 1])
