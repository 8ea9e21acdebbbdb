"""Kano classification of product/service features from functional/dysfunctional question pairs.

Why: a dealer cannot tell from "how satisfied are you" alone which features customers take for
granted (must-be, 当然质量: their absence angers, their presence goes unnoticed), which pay back
in proportion (one-dimensional, 期望质量) and which delight (attractive, 迷人质量). DOMAIN.md §5
asks for the Kano categories with Better/Worse coefficients.

Method. Each respondent answers a *functional* question ("if the car is returned washed, how do you
feel?") and a *dysfunctional* one ("if it is not washed?") on the five answers
like / must-be / neutral / live-with / dislike. The pair is looked up in the Kano evaluation table
(Berger, C. et al. 1993, "Kano's methods for understanding customer-defined quality", *Center for
Quality Management Journal* 2(4), 3-36, Table 1; the same table in Matzler & Hinterhuber 1998,
*Technovation* 18(1), 25-38), giving A (attractive), O (one-dimensional), M (must-be),
I (indifferent), R (reverse) or Q (questionable: a contradictory pair such as like/like).

Better/Worse (customer satisfaction coefficients; Berger et al. 1993, after Timko):
``Better = (A + O) / (A + O + M + I)`` -- how much satisfaction rises if the feature is provided;
``Worse = -(O + M) / (A + O + M + I)`` -- how much it falls if it is missing. R and Q answers are
left out of both denominators; a feature with only R/Q answers has Better = Worse = NaN.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._base import Result

#: The five answers, in the order of the evaluation table; code 1..5 follows this order.
ANSWERS = ("like", "must-be", "neutral", "live-with", "dislike")

#: Spellings accepted for each answer (compared after stripping and lower-casing).
_ANSWER_ALIASES = {
    "like": ("like", "i like it", "喜欢", "1"),
    "must-be": ("must-be", "must be", "mustbe", "must_be", "i expect it", "expect", "理所当然", "2"),
    "neutral": ("neutral", "i am neutral", "无所谓", "3"),
    "live-with": ("live-with", "live with", "livewith", "live_with", "i can live with it", "能忍受", "4"),
    "dislike": ("dislike", "i dislike it", "不喜欢", "5"),
}
_ANSWER_INDEX = {alias: ANSWERS.index(answer) for answer, aliases in _ANSWER_ALIASES.items()
                 for alias in aliases}

#: Kano evaluation table (Berger et al. 1993, Table 1): rows = functional answer,
#: columns = dysfunctional answer, both in ``ANSWERS`` order.
EVALUATION_TABLE = (
    # dysfunctional: like must-be neutral live-with dislike
    ("Q", "A", "A", "A", "O"),  # functional: like
    ("R", "I", "I", "I", "M"),  # functional: must-be
    ("R", "I", "I", "I", "M"),  # functional: neutral
    ("R", "I", "I", "I", "M"),  # functional: live-with
    ("R", "R", "R", "R", "Q"),  # functional: dislike
)

#: The six categories with their English and Chinese names (Chinese as in the dealer training
#: material: 当然质量 / 期望质量 / 迷人质量).
CATEGORIES = {
    "A": ("Attractive", "迷人质量"),
    "O": ("One-dimensional", "期望质量"),
    "M": ("Must-be", "当然质量"),
    "I": ("Indifferent", "无差异质量"),
    "R": ("Reverse", "反向质量"),
    "Q": ("Questionable", "可疑结果"),
}

#: Tie rule for the dominant category: when two or more categories share the largest count,
#: the one first in this order wins. M > O > A > I is Berger et al.'s (1993) rule "when in doubt,
#: pick the category with the greater impact on the product" (must-be failures hurt most);
#: R and Q come last because they flag a reversed or misunderstood question, not a requirement.
TIE_ORDER = ("M", "O", "A", "I", "R", "Q")


def _answer_codes(answers, name: str) -> np.ndarray:
    """Answers (words, 1..5 or Chinese) -> table indices 0..4; ValueError names answer and position."""
    if isinstance(answers, (str, bytes)) or not hasattr(answers, "__iter__"):
        raise ValueError(f"{name} must be a sequence of answers (one per respondent), got {answers!r}")
    values = answers.tolist() if isinstance(answers, (pd.Series, np.ndarray)) else list(answers)
    if len(values) == 0:
        raise ValueError(f"{name} is empty")
    codes = np.empty(len(values), dtype=np.int64)
    for position, value in enumerate(values):
        index = None
        if isinstance(value, (bool, np.bool_)):
            index = None  # True == 1 in Python; a boolean is never a Kano answer
        elif isinstance(value, (int, np.integer)) or (isinstance(value, (float, np.floating))
                                                      and float(value).is_integer()):
            if 1 <= int(value) <= 5:
                index = int(value) - 1
        elif isinstance(value, str):
            index = _ANSWER_INDEX.get(value.strip().lower())
        if index is None:
            raise ValueError(
                f"{name}: invalid answer {value!r} at position {position}; expected one of "
                f"{', '.join(ANSWERS)} (or 1-5, or 喜欢/理所当然/无所谓/能忍受/不喜欢)")
        codes[position] = index
    return codes


def classify(functional, dysfunctional):
    """Kano category (A, O, M, I, R, Q) per respondent from the functional/dysfunctional answers.

    ``functional`` and ``dysfunctional`` are equally long sequences with one answer per respondent:
    ``"like"``, ``"must-be"``, ``"neutral"``, ``"live-with"``, ``"dislike"`` (case-insensitive;
    ``"must be"`` / ``"live with"`` also accepted), the codes 1..5 in that order, or the Chinese
    喜欢 / 理所当然 / 无所谓 / 能忍受 / 不喜欢. Returns a ``pandas.Series`` (same index) when
    ``functional`` is a Series, otherwise a numpy array of one-letter strings.

    Raises ``ValueError`` naming the input, the answer and its position for an unknown or missing
    answer, and for empty or unequal-length inputs. Table: Berger et al. (1993), see module docs.
    """
    f = _answer_codes(functional, "functional")
    d = _answer_codes(dysfunctional, "dysfunctional")
    if f.size != d.size:
        raise ValueError(f"functional has {f.size} answers but dysfunctional has {d.size}; "
                         "they must be one pair per respondent")
    table = np.array(EVALUATION_TABLE, dtype=object)
    categories = table[f, d].astype(str)
    if isinstance(functional, pd.Series):
        return pd.Series(categories, index=functional.index, name="kano", dtype=object)
    return categories


@dataclass(frozen=True)
class KanoSummary(Result):
    """Per-feature Kano counts, dominant category and Better/Worse coefficients.

    ``table`` has one row per feature (index = feature name) with columns A, O, M, I, R, Q, n,
    dominant, label_en, label_zh, better, worse.
    """

    table: pd.DataFrame
    n_features: int

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        return f"KanoSummary ({self.n_features} features)\n" + self.table.to_string(float_format="{:.3f}".format)


def _categories(values, feature: str) -> list[str]:
    if isinstance(values, (str, bytes)):
        raise ValueError(f"feature {feature!r}: categories must be a sequence, not a single string")
    values = list(values.tolist() if isinstance(values, (pd.Series, np.ndarray)) else values)
    if not values:
        raise ValueError(f"feature {feature!r} has no answers")
    out = []
    for position, value in enumerate(values):
        code = value.strip().upper() if isinstance(value, str) else None
        if code not in CATEGORIES:
            raise ValueError(f"feature {feature!r}: invalid Kano category {value!r} at position {position}; "
                             f"expected one of {', '.join(CATEGORIES)}")
        out.append(code)
    return out


def summarise(categories_by_feature) -> KanoSummary:
    """Counts of A/O/M/I/R/Q, dominant category and Better/Worse per feature.

    ``categories_by_feature`` is a dict ``{feature: categories}`` (lists may differ in length) or a
    DataFrame with one column per feature and one row per respondent (no missing cells: use the
    dict form when features were answered by different respondents). Categories are the letters
    returned by :func:`classify` (case-insensitive).

    Dominant category: the most frequent one; ties are broken by :data:`TIE_ORDER`
    (M > O > A > I > R > Q, Berger et al. 1993). Better = (A+O)/(A+O+M+I),
    Worse = -(O+M)/(A+O+M+I); both NaN when a feature has only R and Q answers.
    """
    if isinstance(categories_by_feature, pd.DataFrame):
        if categories_by_feature.shape[1] == 0 or categories_by_feature.shape[0] == 0:
            raise ValueError("categories_by_feature is empty")
        items = {str(c): categories_by_feature[c].tolist() for c in categories_by_feature.columns}
    elif isinstance(categories_by_feature, dict):
        if not categories_by_feature:
            raise ValueError("categories_by_feature is empty")
        items = {str(k): v for k, v in categories_by_feature.items()}
    else:
        raise ValueError("categories_by_feature must be a dict {feature: categories} or a DataFrame")
    rows = []
    for feature, values in items.items():
        cats = _categories(values, feature)
        counts = {c: cats.count(c) for c in CATEGORIES}
        top = max(counts.values())
        dominant = next(c for c in TIE_ORDER if counts[c] == top)
        core = counts["A"] + counts["O"] + counts["M"] + counts["I"]
        better = (counts["A"] + counts["O"]) / core if core else float("nan")
        worse = -(counts["O"] + counts["M"]) / core + 0.0 if core else float("nan")  # + 0.0: no "-0"
        rows.append({"feature": feature, **counts, "n": len(cats), "dominant": dominant,
                     "label_en": CATEGORIES[dominant][0], "label_zh": CATEGORIES[dominant][1],
                     "better": better, "worse": worse})
    table = pd.DataFrame(rows).set_index("feature")
    return KanoSummary(table=table, n_features=len(rows))
