"""Importance x satisfaction quadrant (DOMAIN.md section 5), checked on hand-worked examples.

The worked example uses the after-sales CSS items and the stated weights DOMAIN.md lists as
importance (19, 17, 14, 12, 11, 11, 8, 8: mean 12.5, median 11.5) and invented item means whose
mean is 4.15 and median 4.2; every zone below was placed by hand from those numbers.
Tie rule under test: a value equal to the split counts as high.
"""

from dataclasses import FrozenInstanceError

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics import drivers, quadrant
from retain.analytics.quadrant import ADVANTAGE, NICE_TO_HAVE, QUADRANTS, SECONDARY, URGENT, classify, from_drivers

IMPORTANCE = pd.Series({"repair right first time": 19, "no rework": 17, "value for money": 14,
                        "staff friendliness": 12, "explained why work was needed": 11,
                        "listened and answered": 11, "explained the invoice": 8, "vehicle returned clean": 8})
SATISFACTION = pd.Series({"repair right first time": 3.9, "no rework": 4.4, "value for money": 3.6,
                          "staff friendliness": 4.5, "explained why work was needed": 4.1,
                          "listened and answered": 3.8, "explained the invoice": 4.3, "vehicle returned clean": 4.6})


def zones(result):
    return dict(zip(result.table["item"], result.table["quadrant"]))


def test_mean_split_hand_checked():
    result = classify(IMPORTANCE, SATISFACTION)
    assert result.split == pytest.approx((12.5, 4.15))
    assert result.split_rule == "mean" and result.n_items == 8
    assert zones(result) == {
        "repair right first time": URGENT,          # 19 >= 12.5, 3.9 < 4.15
        "no rework": ADVANTAGE,                      # 17, 4.4
        "value for money": URGENT,                   # 14, 3.6
        "staff friendliness": NICE_TO_HAVE,          # 12 < 12.5, 4.5
        "explained why work was needed": SECONDARY,  # 11, 4.1
        "listened and answered": SECONDARY,          # 11, 3.8
        "explained the invoice": NICE_TO_HAVE,       # 8, 4.3
        "vehicle returned clean": NICE_TO_HAVE,      # 8, 4.6
    }
    assert result.items(URGENT) == ["repair right first time", "value for money"]
    assert result.counts().to_dict() == {URGENT: 2, SECONDARY: 2, NICE_TO_HAVE: 3, ADVANTAGE: 1}


def test_median_split_hand_checked():
    result = classify(IMPORTANCE, SATISFACTION, split="median")
    assert result.split == pytest.approx((11.5, 4.2))
    assert result.split_rule == "median"
    found = zones(result)
    assert found["staff friendliness"] == ADVANTAGE      # 12 >= 11.5 now, 4.5 >= 4.2
    assert found["explained why work was needed"] == SECONDARY  # 11 < 11.5, 4.1 < 4.2
    assert found["explained the invoice"] == NICE_TO_HAVE       # 8, 4.3 >= 4.2
    assert found["repair right first time"] == URGENT


def test_given_split_point_hand_checked():
    result = classify(IMPORTANCE, SATISFACTION, split=(10, 4.0))
    assert result.split == (10.0, 4.0) and result.split_rule == "given"
    found = zones(result)
    assert found["explained why work was needed"] == ADVANTAGE  # 11 >= 10, 4.1 >= 4.0
    assert found["listened and answered"] == URGENT              # 11 >= 10, 3.8 < 4.0
    assert found["explained the invoice"] == NICE_TO_HAVE        # 8 < 10, 4.3
    assert found["value for money"] == URGENT


def test_table_columns_labels_and_order():
    result = classify(IMPORTANCE, SATISFACTION)
    table = result.to_frame()
    assert list(table.columns) == ["item", "importance", "satisfaction", "quadrant", "label_en", "label_zh"]
    assert list(table["item"]) == list(IMPORTANCE.index)
    assert table.loc[0, "label_zh"] == "急需改进区" and table.loc[0, "label_en"] == "Urgent improvement"
    for _, row in table.iterrows():
        assert (row["label_en"], row["label_zh"]) == QUADRANTS[row["quadrant"]]
    table.loc[0, "quadrant"] = "changed"
    assert result.table.loc[0, "quadrant"] == URGENT, "to_frame hands out a copy"


def test_chinese_names_are_those_of_the_domain():
    """DOMAIN.md section 5 names the zones 急需改进区, 次要改进区, 锦上添花区, 竞争优势区."""
    assert QUADRANTS[URGENT][1] == "急需改进区"
    assert QUADRANTS[SECONDARY][1] == "次要改进区"
    assert QUADRANTS[NICE_TO_HAVE][1] == "锦上添花区"
    assert QUADRANTS[ADVANTAGE][1] == "竞争优势区"
    assert "Nice-to-have" in QUADRANTS[NICE_TO_HAVE][0]


def test_ties_at_the_split_count_as_high():
    # importance mean = 2 (item b ties), satisfaction mean = 2 (item c ties)
    result = classify({"a": 1, "b": 2, "c": 3}, {"a": 3, "b": 1, "c": 2})
    assert result.split == (2.0, 2.0)
    assert zones(result) == {"a": NICE_TO_HAVE, "b": URGENT, "c": ADVANTAGE}


def test_ties_survive_floating_point_noise_in_the_mean():
    importance = pd.Series({"a": 0.1, "b": 0.2, "c": 0.3})
    assert importance.mean() != 0.2  # 0.20000000000000004
    result = classify(importance, {"a": 0.3, "b": 0.1, "c": 0.2})
    assert zones(result) == {"a": NICE_TO_HAVE, "b": URGENT, "c": ADVANTAGE}


def test_given_split_ties():
    result = classify({"x": 5, "y": 5}, {"x": 3, "y": 2.99}, split=(5, 3))
    assert zones(result) == {"x": ADVANTAGE, "y": URGENT}


def test_satisfaction_is_matched_by_item_not_position():
    shuffled = SATISFACTION.iloc[::-1]
    assert zones(classify(IMPORTANCE, shuffled)) == zones(classify(IMPORTANCE, SATISFACTION))


def test_dicts_and_series_agree():
    assert zones(classify(IMPORTANCE.to_dict(), SATISFACTION.to_dict())) == zones(classify(IMPORTANCE, SATISFACTION))


def test_single_item_with_a_given_split():
    result = classify({"only": 3}, {"only": 4}, split=(2, 5))
    assert zones(result) == {"only": URGENT}


def test_result_is_frozen_and_summarises():
    result = classify(IMPORTANCE, SATISFACTION)
    with pytest.raises(FrozenInstanceError):
        result.split_rule = "median"
    text = result.summary()
    assert "急需改进区" in text and "repair right first time" in text and "mean" in text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 5)), min_size=2, max_size=30),
       st.integers(1, 50), st.integers(-100, 100), st.sampled_from(["mean", "median"]))
def test_zone_follows_the_comparisons_and_is_affine_invariant(values, scale, shift, rule):
    names = [f"item{i}" for i in range(len(values))]
    importance = pd.Series([v[0] for v in values], index=names, dtype=float)
    satisfaction = pd.Series([v[1] for v in values], index=names, dtype=float)
    result = classify(importance, satisfaction, split=rule)
    x, y = result.split
    expected = {
        (True, False): URGENT, (False, False): SECONDARY, (False, True): NICE_TO_HAVE, (True, True): ADVANTAGE}
    for name in names:
        assert zones(result)[name] == expected[(importance[name] >= x, satisfaction[name] >= y)]
    # a mean or median split moves with a change of units, so the zones do not change
    moved = classify(importance * scale + shift, satisfaction * scale - shift, split=rule)
    assert zones(moved) == zones(result)


# --------------------------------------------------------------------------------------------
# from_drivers


@pytest.fixture(scope="module")
def driver_result():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(500, 4)), columns=["attitude", "knowledge", "test_drive", "delivery"])
    y = X.to_numpy() @ [2.0, 1.5, 0.3, 0.2] + rng.normal(size=500)
    return drivers.shapley(X, y)


MEANS = {"attitude": 4.1, "knowledge": 4.6, "test_drive": 3.7, "delivery": 4.8}


def test_from_drivers_uses_the_rescaled_weights(driver_result):
    result = from_drivers(driver_result, MEANS)
    assert list(result.table["importance"]) == pytest.approx(list(driver_result.rescaled))
    assert result.split_importance == pytest.approx(25.0)  # percentages of R² average 100 / 4
    # attitude and knowledge carry most of R²; mean satisfaction is 4.3
    assert zones(result) == {"attitude": URGENT, "knowledge": ADVANTAGE,
                             "test_drive": SECONDARY, "delivery": NICE_TO_HAVE}
    assert zones(result) == zones(classify(driver_result.rescaled, MEANS))


def test_from_drivers_raw_weights_give_the_same_zones(driver_result):
    for rule in ("mean", "median"):
        assert zones(from_drivers(driver_result, MEANS, rule, scale="weights")) == \
            zones(from_drivers(driver_result, MEANS, rule))


def test_from_drivers_with_relative_weights_and_ols(driver_result):
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(500, 4)), columns=list(MEANS))
    y = X.to_numpy() @ [2.0, 1.5, 0.3, 0.2] + rng.normal(size=500)
    for method in (drivers.relative_weights, drivers.ols):
        assert zones(from_drivers(method(X, y), MEANS)) == zones(from_drivers(driver_result, MEANS))


def test_from_drivers_errors(driver_result):
    with pytest.raises(ValueError, match=r"only in importance: \['delivery'\]"):
        from_drivers(driver_result, {k: v for k, v in MEANS.items() if k != "delivery"})
    with pytest.raises(ValueError, match="driver_result must be a result"):
        from_drivers({"attitude": 1.0}, MEANS)
    with pytest.raises(ValueError, match="scale must be"):
        from_drivers(driver_result, MEANS, scale="beta")


# --------------------------------------------------------------------------------------------
# Bad input


def test_items_must_match():
    with pytest.raises(ValueError, match=r"only in importance: \['c'\], only in satisfaction: \['d'\]"):
        classify({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 2, "d": 3})


def test_duplicate_items():
    importance = pd.Series([1.0, 2.0, 3.0], index=["a", "a", "b"])
    with pytest.raises(ValueError, match=r"importance lists item\(s\) \['a'\] more than once"):
        classify(importance, {"a": 1, "b": 2})


def test_nan_score():
    with pytest.raises(ValueError, match=r"satisfaction contains 1 missing value"):
        classify({"a": 1, "b": 2}, {"a": 4.0, "b": np.nan})


def test_non_numeric_score():
    with pytest.raises(ValueError, match="importance must be numbers"):
        classify({"a": "high", "b": "low"}, {"a": 4.0, "b": 3.0})


def test_empty_input():
    with pytest.raises(ValueError, match="importance is empty"):
        classify({}, {})


def test_plain_list_is_refused():
    with pytest.raises(ValueError, match="must be a pandas Series or a dict indexed by item"):
        classify([1, 2, 3], {"a": 1, "b": 2, "c": 3})


@pytest.mark.parametrize("split, message", [
    ("average", "split must be 'mean', 'median' or an"),
    ((1, 2, 3), "split must be 'mean', 'median' or an"),
    (5, "split must be 'mean', 'median' or an"),
    ((np.nan, 3), "split contains 1 missing value"),
    (("x", 3), "split must be numbers"),
])
def test_bad_split(split, message):
    with pytest.raises(ValueError, match=message):
        classify(IMPORTANCE, SATISFACTION, split=split)


def test_data_split_needs_two_items():
    with pytest.raises(ValueError, match="a mean split needs at least 2 items"):
        classify({"only": 3}, {"only": 4})


def test_unknown_quadrant_code():
    with pytest.raises(ValueError, match="unknown quadrant"):
        classify(IMPORTANCE, SATISFACTION).items("urgent")


def test_quadrant_module_exports():
    assert set(QUADRANTS) == {quadrant.URGENT, quadrant.SECONDARY, quadrant.NICE_TO_HAVE, quadrant.ADVANTAGE}
