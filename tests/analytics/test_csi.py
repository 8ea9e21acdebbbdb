"""CSI index against independent references.

References used, with tolerances:
* hand-computed worked examples (arithmetic in the comments), to 1e-4 index points;
* the value as numpy's weighted average of rescaled item means, and the interval as
  scipy.stats.t.interval on respondent indices computed row by row in plain Python, to 1e-9;
* the after-sales preset against the weights printed in DOMAIN.md section 5, exactly (1e-12);
* simulated coverage: 2000 samples of 30 respondents, the 95% t interval must cover the true
  index 93-97% of the time;
* hypothesis properties: range, row- and column-order invariance, unit weights = no weights,
  weights scale-free.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from retain.analytics import csi

T4_975 = 2.7764451051977987  # scipy.stats.t.ppf(0.975, 4)


def small_frame():
    return pd.DataFrame({"a": [1, 2, 3, 4, 5], "b": [5, 5, 4, 4, 3]})


# --- worked examples -----------------------------------------------------------------------------

def test_worked_example_with_weights():
    # Weights a: 1, b: 3 -> normalised 0.25, 0.75. Scale 1-5, so a score x is 100 (x - 1) / 4.
    # Item means: a = 3 -> 50, b = 4.2 -> 80. CSI = 0.25 * 50 + 0.75 * 80 = 72.5.
    # Respondent indices: (0.25*0 + 0.75*100, 0.25*25 + 0.75*100, 0.25*50 + 0.75*75,
    #                      0.25*75 + 0.75*75, 0.25*100 + 0.75*50) = (75, 81.25, 68.75, 75, 62.5); mean 72.5.
    # Deviations 2.5, 8.75, -3.75, 2.5, -10; squares sum 203.125; sd = sqrt(203.125 / 4) = 7.126096.
    # se = 7.126096 / sqrt(5) = 3.186887; t(0.975, 4) = 2.776445; half = 8.848224 -> [63.651776, 81.348224].
    r = csi.index(small_frame(), {"a": 1, "b": 3})
    assert r.value == pytest.approx(72.5, abs=1e-9)
    assert r.se == pytest.approx(3.186887, abs=1e-5)
    assert r.ci_low == pytest.approx(63.651776, abs=1e-4)
    assert r.ci_high == pytest.approx(81.348224, abs=1e-4)
    assert r.n == 5
    assert r.item_means.to_dict() == pytest.approx({"a": 3.0, "b": 4.2})
    assert r.weights.to_dict() == pytest.approx({"a": 0.25, "b": 0.75})
    assert r.weights.sum() == pytest.approx(1.0)


def test_worked_example_equal_weights_on_a_ten_point_scale():
    # Scale 0-10: x -> 10 x. Rows (8, 6) and (10, 4): indices 70 and 70 -> CSI 70, se 0.
    # Item means 9 and 5 -> 90 and 50; equal weights: (90 + 50) / 2 = 70.
    r = csi.index(pd.DataFrame({"q1": [8, 10], "q2": [6, 4]}), scale=(0, 10))
    assert r.value == pytest.approx(70.0)
    assert r.se == 0.0 and r.ci_low == r.ci_high == pytest.approx(70.0)
    assert r.weights.to_dict() == {"q1": 0.5, "q2": 0.5}


def test_against_numpy_and_scipy_reference():
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(rng.integers(1, 6, size=(83, 4)), columns=["w", "x", "y", "z"])
    weights = {"w": 0.1, "x": 0.2, "y": 0.3, "z": 0.4}
    r = csi.index(frame, weights, confidence=0.9)
    rescaled_means = (frame.mean() - 1) / 4 * 100
    assert r.value == pytest.approx(np.average(rescaled_means, weights=list(weights.values())), abs=1e-9)
    per_person = [sum(weights[c] * (row[c] - 1) / 4 * 100 for c in frame.columns) for _, row in frame.iterrows()]
    low, high = stats.t.interval(0.9, len(per_person) - 1, loc=np.mean(per_person), scale=stats.sem(per_person))
    assert (r.ci_low, r.ci_high) == pytest.approx((low, high), abs=1e-9)
    assert r.se == pytest.approx(stats.sem(per_person), abs=1e-9)


def test_interval_is_clipped_to_0_100():
    # Rows: all 5s except one 4 on one item -> indices 100, 100, 100, 87.5 (two items, equal weights).
    r = csi.index(pd.DataFrame({"a": [5, 5, 5, 4], "b": [5, 5, 5, 5]}))
    assert r.ci_high == 100.0 and r.ci_low < r.value < 100.0


# --- presets -------------------------------------------------------------------------------------

def test_after_sales_preset_matches_domain_section_5():
    # DOMAIN.md section 5: right first time 19%, no rework 17%, value for money 14%, friendliness 12%,
    # explained why work was needed 11%, listened and answered 11%, explained the invoice 8%,
    # vehicle returned clean 8%.
    expected = {"fixed_right_first_time": 0.19, "no_rework": 0.17, "value_for_money": 0.14,
                "staff_friendliness": 0.12, "explained_work_needed": 0.11, "listened_and_answered": 0.11,
                "explained_invoice": 0.08, "vehicle_returned_clean": 0.08}
    assert dict(csi.AFTER_SALES_CSS_WEIGHTS) == expected
    assert sum(csi.AFTER_SALES_CSS_WEIGHTS.values()) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(TypeError):
        csi.AFTER_SALES_CSS_WEIGHTS["no_rework"] = 0.5  # type: ignore[index]


def test_after_sales_preset_in_use():
    # Everyone gives 5 on "fixed_right_first_time" (weight 0.19) and 1 elsewhere: CSI = 19.
    items = list(csi.AFTER_SALES_CSS_WEIGHTS)
    frame = pd.DataFrame([[5 if c == "fixed_right_first_time" else 1 for c in items]] * 3, columns=items)
    r = csi.index(frame, csi.AFTER_SALES_CSS_WEIGHTS)
    assert r.value == pytest.approx(19.0)


def test_sales_css_weights_are_equal():
    w = csi.sales_css_weights()
    assert list(w) == list(csi.SALES_CSS_ITEMS) and len(w) == 7
    assert all(v == pytest.approx(1 / 7) for v in w.values())
    assert csi.sales_css_weights(["x", "y"]) == {"x": 0.5, "y": 0.5}
    frame = pd.DataFrame({"x": [1, 5], "y": [3, 3]})
    assert csi.index(frame, csi.sales_css_weights(frame.columns)).value == pytest.approx(50.0)


def test_sales_css_weights_bad_items():
    with pytest.raises(ValueError, match="empty"):
        csi.sales_css_weights([])
    with pytest.raises(ValueError, match="duplicates"):
        csi.sales_css_weights(["x", "x"])


# --- missing answers -----------------------------------------------------------------------------

def test_missing_answers_raise_by_default():
    frame = pd.DataFrame({"a": [1, 2, None, 4], "b": [5, np.nan, 4, 4]})
    with pytest.raises(ValueError, match=r"2 respondent\(s\) with missing answers.*missing='drop'"):
        csi.index(frame)


def test_missing_drop_is_listwise_deletion():
    frame = pd.DataFrame({"a": [1, 2, None, 4, 5], "b": [5, np.nan, 4, 4, 3]})
    dropped = csi.index(frame, missing="drop")
    manual = csi.index(frame.dropna())
    assert dropped.n == 3
    assert (dropped.value, dropped.se, dropped.ci_low) == pytest.approx((manual.value, manual.se, manual.ci_low))


def test_missing_drop_leaving_too_few_rows_raises():
    frame = pd.DataFrame({"a": [1, None, 3], "b": [5, 4, None]})
    with pytest.raises(ValueError, match="after dropping incomplete rows"):
        csi.index(frame, missing="drop")


# --- simulation ----------------------------------------------------------------------------------

def test_t_interval_coverage_by_simulation():
    # Two items on 1-5, independent, distributions p1 and p2; weights 0.6 / 0.4.
    # True index = 0.6 * 100 (E1 - 1) / 4 + 0.4 * 100 (E2 - 1) / 4.
    rng = np.random.default_rng(1908)
    levels = np.arange(1, 6)
    p1, p2 = [0.05, 0.10, 0.20, 0.35, 0.30], [0.02, 0.08, 0.30, 0.40, 0.20]
    truth = 0.6 * 25 * (levels @ p1 - 1) + 0.4 * 25 * (levels @ p2 - 1)
    reps, covered = 2000, 0
    for _ in range(reps):
        frame = pd.DataFrame({"one": rng.choice(levels, 30, p=p1), "two": rng.choice(levels, 30, p=p2)})
        r = csi.index(frame, {"one": 0.6, "two": 0.4})
        covered += r.ci_low <= truth <= r.ci_high
    assert 0.93 <= covered / reps <= 0.97


# --- results -------------------------------------------------------------------------------------

def test_result_frame_and_summary():
    r = csi.index(small_frame(), {"a": 1, "b": 3})
    frame = r.to_frame()
    assert list(frame.index) == ["a", "b"]
    assert frame.loc["b", "item_index"] == pytest.approx(80.0)
    assert frame["contribution"].sum() == pytest.approx(r.value)
    text = r.summary()
    assert "CSIResult" in text and "72.5" in text and "contribution" in text
    with pytest.raises(AttributeError):
        r.value = 1.0  # type: ignore[misc]


# --- properties ----------------------------------------------------------------------------------

@st.composite
def frames(draw, max_items=5):
    k = draw(st.integers(1, max_items))
    n = draw(st.integers(2, 25))
    rows = draw(st.lists(st.lists(st.integers(1, 5), min_size=k, max_size=k), min_size=n, max_size=n))
    return pd.DataFrame(rows, columns=[f"item{j}" for j in range(k)])


@settings(max_examples=120, deadline=None)
@given(frames())
def test_property_bounds(frame):
    r = csi.index(frame)
    assert 0 <= r.ci_low <= r.value <= r.ci_high <= 100
    assert r.se >= 0


@settings(max_examples=80, deadline=None)
@given(frames(), st.randoms(use_true_random=False))
def test_property_row_and_column_order_invariance(frame, rnd):
    rows, cols = list(range(len(frame))), list(frame.columns)
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    weights = {c: i + 1.0 for i, c in enumerate(frame.columns)}
    a = csi.index(frame, weights)
    b = csi.index(frame.iloc[rows][cols], weights)
    for field in ("value", "se", "ci_low", "ci_high"):
        assert getattr(a, field) == pytest.approx(getattr(b, field), abs=1e-9)


@settings(max_examples=80, deadline=None)
@given(frames(), st.floats(0.01, 100))
def test_property_unit_weights_equal_no_weights_and_scale_free(frame, factor):
    plain = csi.index(frame)
    ones = csi.index(frame, {c: 1 for c in frame.columns})
    scaled = csi.index(frame, {c: factor for c in frame.columns})
    for other in (ones, scaled):
        for field in ("value", "se", "ci_low", "ci_high"):
            assert getattr(other, field) == pytest.approx(getattr(plain, field), abs=1e-9)


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("weights, message", [
    ({"a": 1}, r"no weight for \['b'\]"),
    ({"a": 1, "b": 1, "c": 1}, r"unknown items \['c'\]"),
    ({"a": -1, "b": 2}, ">= 0"),
    ({"a": 0, "b": 0}, "all zero"),
    ({"a": float("nan"), "b": 1}, "finite"),
    ({"a": "x", "b": 1}, "numbers"),
    ([0.5, 0.5], "mapping"),
])
def test_bad_weights_raise(weights, message):
    with pytest.raises(ValueError, match=message):
        csi.index(small_frame(), weights)


@pytest.mark.parametrize("frame, message", [
    (pd.DataFrame({"a": [1, 6], "b": [3, 3]}), r"scale \[1, 5\].*\['a'\]"),
    (pd.DataFrame({"a": [0, 2], "b": [3, 3]}), r"scale \[1, 5\]"),
    (pd.DataFrame({"a": [3], "b": [3]}), "at least 2 rows"),
    (pd.DataFrame({"a": [], "b": []}), "at least 2 rows"),
    (pd.DataFrame({"a": ["good", "bad"]}), "numbers only"),
    (pd.DataFrame(index=[0, 1]), "no item columns"),
    (pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"]), "duplicate columns"),
])
def test_bad_item_scores_raise(frame, message):
    with pytest.raises(ValueError, match=message):
        csi.index(frame)


@pytest.mark.parametrize("scale", [(5, 1), (3, 3), (1,), ("low", "high"), (1, float("inf"))])
def test_bad_scale_raises(scale):
    with pytest.raises(ValueError, match="scale"):
        csi.index(small_frame(), scale=scale)


@pytest.mark.parametrize("confidence", [0, 1, 2, "high", float("nan")])
def test_bad_confidence_raises(confidence):
    with pytest.raises(ValueError, match="confidence"):
        csi.index(small_frame(), confidence=confidence)


def test_bad_missing_option_raises():
    with pytest.raises(ValueError, match="missing"):
        csi.index(small_frame(), missing="impute")


# --- index_by: every group at once, checked against index per group --------------------------------

def test_index_by_equals_index_per_group():
    """A second implementation: the vectorised per-group index equals ``index`` on each group's
    rows (missing answers dropped listwise), to 1e-9; a group with one complete row is NaN."""
    rng = np.random.default_rng(11)
    frame = pd.DataFrame(rng.integers(1, 11, size=(600, 4)).astype(float), columns=list("abcd"))
    frame[frame.columns[2]] = frame["c"].mask(rng.random(600) < 0.1)
    groups = rng.choice(["x", "y", "z", "w"], size=600, p=[0.5, 0.3, 0.19, 0.01])
    groups[np.flatnonzero(groups == "w")[1:]] = "x"  # "w" keeps one row: too few for an interval
    weights = {"a": 0.4, "b": 0.3, "c": 0.2, "d": 0.1}
    table = csi.index_by(frame, groups, weights, scale=(1, 10), confidence=0.9)
    assert list(table.index) == ["w", "x", "y", "z"]
    for group in ("x", "y", "z"):
        expected = csi.index(frame[groups == group], weights, scale=(1, 10), confidence=0.9, missing="drop")
        row = table.loc[group]
        assert row["n"] == expected.n
        for field in ("value", "se", "ci_low", "ci_high"):
            assert row[field] == pytest.approx(getattr(expected, field), abs=1e-9), field
    assert table.loc["w", "n"] <= 1 and np.isnan(table.loc["w", "value"])


def test_index_by_refuses_scores_off_the_scale_and_mismatched_groups():
    frame = pd.DataFrame({"a": [1.0, 6.0], "b": [2.0, 3.0]})
    with pytest.raises(ValueError, match="scale"):
        csi.index_by(frame, ["x", "x"], scale=(1, 5))
    with pytest.raises(ValueError, match="groups has 1 entries"):
        csi.index_by(frame, ["x"], scale=(1, 10))
