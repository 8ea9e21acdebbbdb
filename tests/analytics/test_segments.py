"""Segment grids on hand-checked examples, their boundary rule (score == threshold is high) and
bad input. Expected segments are written out by hand from DOMAIN.md §7, Dick & Basu (1994) and
Jones & Sasser (1995), not computed by the code under test."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics import segments

# ---- product x service ---------------------------------------------------------------------


def test_product_service_hand_checked_with_boundaries():
    # threshold 4 on a 5-point scale; 4 itself is "satisfied", 3.99 is not.
    product = [5, 4, 4, 3.99, 1, 2]
    service = [4, 3.99, 5, 4, 1, 5]
    result = segments.product_service_grid(product, service, product_threshold=4, service_threshold=4)
    assert result.codes.tolist() == ["loyal", "easily_poached", "loyal", "still_hopeful",
                                     "destructive", "still_hopeful"]
    assert result.customers["label_zh"].tolist()[:2] == ["忠诚型客户", "易遭竞争对手抢夺的客户"]
    assert result.counts["n"].to_dict() == {"loyal": 2, "easily_poached": 1, "still_hopeful": 2,
                                            "destructive": 1}
    assert result.counts["share"].sum() == pytest.approx(1.0)
    assert result.counts.loc["destructive", "label_en"] == "Destructive"
    assert result.counts.loc["still_hopeful", "label_zh"] == "对公司仍抱有期望的客户"


def test_empty_segments_are_listed_with_zero():
    result = segments.product_service_grid([5, 5], [5, 5], product_threshold=4, service_threshold=4)
    assert result.counts["n"].tolist() == [2, 0, 0, 0]
    assert list(result.counts.index) == ["loyal", "easily_poached", "still_hopeful", "destructive"]


def test_series_index_is_kept_and_summary_reads():
    ids = ["c7", "c9"]
    result = segments.product_service_grid(pd.Series([5, 1], index=ids), pd.Series([1, 5], index=ids),
                                           product_threshold=4, service_threshold=4)
    assert result.to_frame()["code"].to_dict() == {"c7": "easily_poached", "c9": "still_hopeful"}
    text = result.summary()
    assert "product_threshold=4" in text and "破坏型客户" in text


# ---- attitude x behaviour (Dick & Basu 1994) -------------------------------------------------

def test_attitude_behaviour_hand_checked():
    attitude = [9, 9, 3, 3, 7]     # intent to recommend, 0-10; high >= 7
    behaviour = [2, 0, 5, 1, 2]    # repeat service visits; high >= 2
    result = segments.attitude_behaviour(attitude, behaviour, attitude_threshold=7, behaviour_threshold=2)
    assert result.codes.tolist() == ["true", "latent", "spurious", "no_loyalty", "true"]
    assert result.customers["label_zh"].tolist() == ["绝对忠诚", "潜在忠诚", "惯性忠诚", "非忠诚", "绝对忠诚"]
    assert result.customers["label_en"].tolist()[2] == "Spurious (inertia) loyalty"


# ---- Jones & Sasser (1995) --------------------------------------------------------------------

def test_jones_sasser_hand_checked():
    satisfaction = [5, 5, 2, 2, 4]
    repurchased = [1, 0, 1, 0, 0]
    result = segments.jones_sasser(satisfaction, repurchased, satisfaction_threshold=4, loyalty_threshold=1)
    assert result.codes.tolist() == ["apostle", "mercenary", "hostage", "defector", "mercenary"]
    assert result.customers["label_zh"].tolist()[:4] == ["传道者", "图利者", "囚禁者", "破坏者"]
    assert set(result.counts.index) == {"apostle", "mercenary", "hostage", "defector"}


# ---- loyalty ladder -----------------------------------------------------------------------------

LADDER_CASES = [
    # purchases, interested, referrals, partner -> stage
    (0, 0, 0, 0, "suspect"),
    (0, 1, 0, 0, "prospect"),
    (0, 1, 5, 1, "prospect"),            # referrals/partner without a purchase do not lift a prospect
    (1, 0, 0, 0, "first_time_buyer"),
    (1, 1, 3, 1, "first_time_buyer"),    # cumulative: an advocate must first be a client
    (2, 0, 0, 0, "repeat_buyer"),
    (2, 0, 4, 1, "repeat_buyer"),
    (3, 0, 0, 0, "client"),              # boundary: client_min_purchases = 3
    (3, 0, 0, 1, "client"),              # partner flag needs advocacy first
    (3, 0, 1, 0, "advocate"),            # boundary: advocate_min_referrals = 1
    (8, 0, 2, 1, "partner"),
]


def test_loyalty_ladder_hand_checked():
    purchases, interested, referrals, partner, expected = zip(*LADDER_CASES)
    result = segments.loyalty_ladder(list(purchases), interested=list(interested),
                                     referrals=list(referrals), partner=list(partner))
    assert result.codes.tolist() == list(expected)
    assert list(result.counts.index) == ["suspect", "prospect", "first_time_buyer", "repeat_buyer",
                                         "client", "advocate", "partner"]
    assert result.counts.loc["partner", "label_zh"] == "合伙人"
    assert result.counts["n"].sum() == len(LADDER_CASES)


def test_loyalty_ladder_thresholds_are_configurable_and_optional_inputs_default_to_zero():
    result = segments.loyalty_ladder([0, 3, 5, 5], referrals=[0, 0, 0, 2], client_min_purchases=5,
                                     advocate_min_referrals=2)
    assert result.codes.tolist() == ["suspect", "repeat_buyer", "client", "advocate"]
    assert result.thresholds == {"client_min_purchases": 5, "advocate_min_referrals": 2}


# ---- bad input ------------------------------------------------------------------------------------

GRIDS = [
    (segments.product_service_grid, "product_threshold", "service_threshold"),
    (segments.attitude_behaviour, "attitude_threshold", "behaviour_threshold"),
    (segments.jones_sasser, "satisfaction_threshold", "loyalty_threshold"),
]


@pytest.mark.parametrize(("grid", "tx", "ty"), GRIDS)
def test_grid_rejects_nan(grid, tx, ty):
    with pytest.raises(ValueError, match="missing value"):
        grid([1, np.nan], [1, 2], **{tx: 1, ty: 1})


@pytest.mark.parametrize(("grid", "tx", "ty"), GRIDS)
def test_grid_rejects_unequal_lengths(grid, tx, ty):
    with pytest.raises(ValueError, match="one value per customer"):
        grid([1, 2, 3], [1, 2], **{tx: 1, ty: 1})


@pytest.mark.parametrize(("grid", "tx", "ty"), GRIDS)
def test_grid_rejects_empty(grid, tx, ty):
    with pytest.raises(ValueError, match="is empty"):
        grid([], [], **{tx: 1, ty: 1})


@pytest.mark.parametrize(("grid", "tx", "ty"), GRIDS)
@pytest.mark.parametrize("threshold", ["high", np.nan, None, np.inf])
def test_grid_rejects_bad_threshold(grid, tx, ty, threshold):
    with pytest.raises(ValueError, match=tx):
        grid([1, 2], [1, 2], **{tx: threshold, ty: 1})


def test_grid_rejects_text_scores():
    with pytest.raises(ValueError, match="must be numbers"):
        segments.jones_sasser(["high", "low"], [1, 0], satisfaction_threshold=4, loyalty_threshold=1)


def test_grid_rejects_misaligned_series():
    with pytest.raises(ValueError, match="different indexes"):
        segments.jones_sasser(pd.Series([5, 1], index=["a", "b"]), pd.Series([1, 0], index=["b", "a"]),
                              satisfaction_threshold=4, loyalty_threshold=1)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"purchases": [-1, 2]}, "purchases must be >= 0"),
    ({"purchases": [1.5, 2]}, "purchases must be whole numbers"),
    ({"purchases": [0, 2], "interested": [2, 0]}, "interested must be <= 1"),
    ({"purchases": [0, 2], "partner": [0, 1, 1]}, "partner must have one value per customer"),
    ({"purchases": [0, 2], "referrals": [1]}, "referrals must have one value per customer"),
    ({"purchases": [0, 2], "referrals": [-1, 0]}, "referrals must be >= 0"),
    ({"purchases": [0, 2], "client_min_purchases": 1}, "client_min_purchases"),
    ({"purchases": [0, 2], "client_min_purchases": 2.5}, "client_min_purchases"),
    ({"purchases": [0, 2], "advocate_min_referrals": 0}, "advocate_min_referrals"),
    ({"purchases": []}, "purchases is empty"),
])
def test_ladder_rejects_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        segments.loyalty_ladder(**kwargs)


# ---- properties: agrees with a plain-Python restatement of the rule; counts add up --------------

scores = st.lists(st.tuples(st.integers(0, 10), st.integers(0, 10)), min_size=1, max_size=50)


@settings(max_examples=150, deadline=None)
@given(scores, st.integers(0, 10), st.integers(0, 10))
def test_jones_sasser_matches_rule_and_counts_add_up(data, ts, tl):
    satisfaction, loyalty = zip(*data)
    result = segments.jones_sasser(list(satisfaction), list(loyalty), satisfaction_threshold=ts, loyalty_threshold=tl)
    rule = {(True, True): "apostle", (True, False): "mercenary", (False, True): "hostage",
            (False, False): "defector"}
    assert result.codes.tolist() == [rule[(a >= ts, b >= tl)] for a, b in data]
    assert result.counts["n"].sum() == result.n == len(data)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.booleans(), st.integers(0, 3), st.booleans()),
                min_size=1, max_size=50))
def test_ladder_is_monotone_in_purchases(data):
    # Adding a purchase never moves a customer down the ladder.
    order = ["suspect", "prospect", "first_time_buyer", "repeat_buyer", "client", "advocate", "partner"]
    p, i, r, q = (list(col) for col in zip(*data))
    before = segments.loyalty_ladder(p, interested=i, referrals=r, partner=q).codes
    after = segments.loyalty_ladder([x + 1 for x in p], interested=i, referrals=r, partner=q).codes
    assert all(order.index(b) <= order.index(a) for b, a in zip(before, after))
    assert before.value_counts().sum() == len(data)
