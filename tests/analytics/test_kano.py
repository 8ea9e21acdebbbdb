"""Kano classification and Better/Worse, checked against the published evaluation table.

Reference: Berger, C. et al. (1993), "Kano's methods for understanding customer-defined quality",
Center for Quality Management Journal 2(4), Table 1 (reproduced in Matzler & Hinterhuber 1998,
Technovation 18(1), Table 2). The table below is typed in from the publication, independently of
``kano.EVALUATION_TABLE``; every one of its 25 cells is a test.
"""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retain.analytics import kano

# Rows: functional answer; columns: dysfunctional answer.
PUBLISHED = """
              like  must-be  neutral  live-with  dislike
like          Q     A        A        A          O
must-be       R     I        I        I          M
neutral       R     I        I        I          M
live-with     R     I        I        I          M
dislike       R     R        R        R          Q
"""
_rows = [line.split() for line in PUBLISHED.strip().splitlines()]
_header = _rows[0]
CELLS = [(row[0], column, row[1 + j]) for row in _rows[1:] for j, column in enumerate(_header)]
ZH = {"like": "喜欢", "must-be": "理所当然", "neutral": "无所谓", "live-with": "能忍受", "dislike": "不喜欢"}
NUMBER = {word: i + 1 for i, word in enumerate(_header)}


def test_published_table_has_25_cells():
    assert len(CELLS) == 25


@pytest.mark.parametrize(("functional", "dysfunctional", "expected"), CELLS)
def test_evaluation_table_cell(functional, dysfunctional, expected):
    assert kano.classify([functional], [dysfunctional]).tolist() == [expected]
    assert kano.classify([NUMBER[functional]], [NUMBER[dysfunctional]]).tolist() == [expected]
    assert kano.classify([ZH[functional]], [ZH[dysfunctional]]).tolist() == [expected]


def test_all_cells_in_one_vectorised_call():
    f, d, expected = zip(*CELLS)
    assert kano.classify(list(f), np.array(d)).tolist() == list(expected)


def test_spelling_variants_and_mixed_codings():
    got = kano.classify(["Like", " MUST BE ", "live with", 1.0, np.int64(5)],
                        ["dislike", "不喜欢", "Dislike", "like", "dislike"])
    assert got.tolist() == ["O", "M", "M", "Q", "Q"]


def test_series_in_series_out_with_index():
    f = pd.Series(["like", "neutral"], index=["c1", "c2"])
    got = kano.classify(f, ["dislike", "dislike"])
    assert isinstance(got, pd.Series)
    assert got.to_dict() == {"c1": "O", "c2": "M"}


# ---- Better / Worse on a hand-worked example -------------------------------------------------

def test_better_worse_hand_worked():
    # A=5, O=3, M=2, I=10, R=1, Q=1: A+O+M+I = 20; Better = 8/20 = 0.40; Worse = -5/20 = -0.25.
    answers = ["A"] * 5 + ["O"] * 3 + ["M"] * 2 + ["I"] * 10 + ["R", "Q"]
    row = kano.summarise({"car wash": answers}).table.loc["car wash"]
    assert [row[c] for c in "AOMIRQ"] == [5, 3, 2, 10, 1, 1]
    assert row["n"] == 22
    assert row["better"] == pytest.approx(0.40, abs=1e-12)
    assert row["worse"] == pytest.approx(-0.25, abs=1e-12)
    assert row["dominant"] == "I"
    assert (row["label_en"], row["label_zh"]) == ("Indifferent", "无差异质量")


def test_end_to_end_from_answers():
    # Respondents: (like, dislike)=O, (neutral, dislike)=M, (like, neutral)=A, (like, neutral)=A.
    cats = kano.classify(["like", "neutral", "like", "like"], ["dislike", "dislike", "neutral", "neutral"])
    row = kano.summarise({"wifi": cats}).table.loc["wifi"]
    assert row["dominant"] == "A"
    assert row["better"] == pytest.approx(3 / 4)
    assert row["worse"] == pytest.approx(-2 / 4)
    assert row["label_zh"] == "迷人质量"


@pytest.mark.parametrize(("answers", "dominant"), [
    (["A", "A", "M", "M"], "M"),          # M beats A on a tie
    (["O", "O", "M", "M", "I"], "M"),     # M beats O
    (["A", "O", "I"], "O"),               # O beats A and I
    (["A", "A", "I", "I"], "A"),          # A beats I
    (["I", "R"], "I"),                    # I beats R
    (["R", "Q"], "R"),                    # R beats Q
    (["Q", "Q", "M"], "Q"),               # no tie: the mode wins even if it is Q
])
def test_dominant_tie_rule(answers, dominant):
    assert kano.summarise({"f": answers}).table.loc["f", "dominant"] == dominant


def test_only_reverse_or_questionable_gives_nan_coefficients():
    row = kano.summarise({"f": ["R", "Q", "R"]}).table.loc["f"]
    assert math.isnan(row["better"]) and math.isnan(row["worse"])


def test_dataframe_input_equals_dict_input_and_lowercase_codes():
    frame = pd.DataFrame({"wash": ["a", "O", "M"], "wifi": ["I", "I", "A"]})
    by_frame = kano.summarise(frame).table
    by_dict = kano.summarise({"wash": ["A", "O", "M"], "wifi": ["I", "I", "A"]}).table
    pd.testing.assert_frame_equal(by_frame, by_dict)
    assert list(by_frame.index) == ["wash", "wifi"]


def test_result_mixin_summary_and_frame():
    result = kano.summarise({"wash": ["A", "O"]})
    assert "wash" in result.summary()
    assert list(result.to_frame().columns) == ["A", "O", "M", "I", "R", "Q", "n", "dominant",
                                               "label_en", "label_zh", "better", "worse"]


# ---- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize(("functional", "message"), [
    (["like", "hate"], r"functional: invalid answer 'hate' at position 1"),
    (["like", 6], r"invalid answer 6 at position 1"),
    ([0, "like"], r"invalid answer 0 at position 0"),
    ([2.5, "like"], r"invalid answer 2.5 at position 0"),
    (["like", None], r"invalid answer None at position 1"),
    (["like", float("nan")], r"invalid answer nan at position 1"),
    ([True, "like"], r"invalid answer True at position 0"),
])
def test_invalid_functional_answer(functional, message):
    with pytest.raises(ValueError, match=message):
        kano.classify(functional, ["like", "like"])


def test_invalid_dysfunctional_answer_is_named():
    with pytest.raises(ValueError, match=r"dysfunctional: invalid answer '很好' at position 0"):
        kano.classify(["like"], ["很好"])


def test_unequal_lengths():
    with pytest.raises(ValueError, match="functional has 2 answers but dysfunctional has 1"):
        kano.classify(["like", "like"], ["like"])


def test_empty_answers():
    with pytest.raises(ValueError, match="functional is empty"):
        kano.classify([], [])


def test_a_single_string_is_not_a_sequence():
    with pytest.raises(ValueError, match="must be a sequence"):
        kano.classify("like", "dislike")


def test_summarise_rejects_bad_category_with_position():
    with pytest.raises(ValueError, match=r"feature 'wash': invalid Kano category 'X' at position 2"):
        kano.summarise({"wash": ["A", "O", "X"]})


def test_summarise_rejects_missing_cell_in_frame():
    with pytest.raises(ValueError, match=r"feature 'wifi': invalid Kano category nan at position 1"):
        kano.summarise(pd.DataFrame({"wifi": ["A", np.nan]}))


@pytest.mark.parametrize("bad", [{}, pd.DataFrame(), {"f": []}, ["A", "O"], "AO"])
def test_summarise_rejects_empty_or_wrong_type(bad):
    with pytest.raises(ValueError):
        kano.summarise(bad)


# ---- properties ---------------------------------------------------------------------------

answer = st.sampled_from(list(NUMBER) + list(ZH.values()) + [1, 2, 3, 4, 5])
pairs = st.lists(st.tuples(answer, answer), min_size=1, max_size=60)


@settings(max_examples=200, deadline=None)
@given(pairs)
def test_counts_add_up_to_respondents(data):
    f, d = zip(*data)
    row = kano.summarise({"f": kano.classify(list(f), list(d))}).table.loc["f"]
    assert sum(row[c] for c in "AOMIRQ") == row["n"] == len(data)
    if not math.isnan(row["better"]):
        assert 0 <= row["better"] <= 1 and -1 <= row["worse"] <= 0


@settings(max_examples=200, deadline=None)
@given(pairs, st.randoms(use_true_random=False))
def test_order_invariance(data, random):
    f, d = zip(*data)
    shuffled = list(data)
    random.shuffle(shuffled)
    sf, sd = zip(*shuffled)
    # classify is element-wise: permuting respondents permutes the categories ...
    assert sorted(kano.classify(list(f), list(d)).tolist()) == sorted(kano.classify(list(sf), list(sd)).tolist())
    # ... and the summary does not depend on respondent order.
    pd.testing.assert_frame_equal(kano.summarise({"f": kano.classify(list(f), list(d))}).table,
                                  kano.summarise({"f": kano.classify(list(sf), list(sd))}).table)
