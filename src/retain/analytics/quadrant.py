"""The importance x satisfaction quadrant (四分图): which survey items to fix first.

DOMAIN.md section 5: each item of a satisfaction survey gets an importance (stated by customers,
or derived from driver weights, see ``retain.analytics.drivers``) and a satisfaction score; the
two axes are cut at a split point and every item falls in one of four zones:

=========================  ===============  ==========================================
importance / satisfaction  zone (zh-CN)     reading
=========================  ===============  ==========================================
high / low                 急需改进区        urgent improvement: matters, and we fail
low / low                  次要改进区        secondary improvement: fix when resources allow
low / high                 锦上添花区        nice-to-have: possibly over-invested
high / high                竞争优势区        competitive advantage: keep it up
=========================  ===============  ==========================================

This is the importance-performance analysis of Martilla & James (1977), "Importance-performance
analysis", *Journal of Marketing* 41(1), 77-79, who cut the axes at the scale midpoint or, as is
now usual, at the mean of the items; the median is offered as a split that one extreme item
cannot drag (Bacon 2003, "A comparison of approaches to importance-performance analysis",
*International Journal of Market Research* 45(1)).

Ties: an item exactly at the split point counts as **high** on that axis (the rule is ``>=``,
with a 1e-12 relative tolerance so that floating-point noise in a mean does not break a tie).
An item at the average is not below average; so an item at the mean satisfaction is never flagged
for improvement, and one at the mean importance and below-mean satisfaction is urgent.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from retain.analytics._base import Result, as_vector

URGENT = "urgent_improvement"
SECONDARY = "secondary_improvement"
NICE_TO_HAVE = "nice_to_have"
ADVANTAGE = "competitive_advantage"

QUADRANTS: dict[str, tuple[str, str]] = {
    URGENT: ("Urgent improvement", "急需改进区"),
    SECONDARY: ("Secondary improvement", "次要改进区"),
    NICE_TO_HAVE: ("Nice-to-have (possible over-investment)", "锦上添花区"),
    ADVANTAGE: ("Competitive advantage", "竞争优势区"),
}
"""Quadrant code -> (English label, Chinese name as in DOMAIN.md section 5)."""

_SPLIT_RULES = ("mean", "median")
_TIE_TOLERANCE = 1e-12


@dataclass(frozen=True, eq=False)
class QuadrantResult(Result):
    """Items placed in the four zones.

    ``table`` has one row per item (input order): item, importance, satisfaction, quadrant (code),
    label_en, label_zh. ``split_importance`` / ``split_satisfaction`` are where the axes are cut,
    ``split_rule`` how they were chosen ("mean", "median" or "given").
    ``eq=False``: the result holds a DataFrame, so equality is identity.
    """

    table: pd.DataFrame
    split_importance: float
    split_satisfaction: float
    split_rule: str
    n_items: int

    @property
    def split(self) -> tuple[float, float]:
        """(importance, satisfaction) at which the axes are cut."""
        return self.split_importance, self.split_satisfaction

    def items(self, quadrant: str) -> list:
        """The items in one quadrant (by code, e.g. ``quadrant.URGENT``), in input order."""
        if quadrant not in QUADRANTS:
            raise ValueError(f"unknown quadrant {quadrant!r}; use one of {list(QUADRANTS)}")
        return self.table.loc[self.table["quadrant"] == quadrant, "item"].tolist()

    def counts(self) -> pd.Series:
        """How many items fall in each quadrant (all four listed, zeros included)."""
        return self.table["quadrant"].value_counts().reindex(list(QUADRANTS), fill_value=0)

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        lines = [super().summary()]
        for code, (english, chinese) in QUADRANTS.items():
            lines.append(f"  {chinese} {english}: {', '.join(map(str, self.items(code))) or '-'}")
        return "\n".join(lines)


def _as_series(values, name: str) -> pd.Series:
    if isinstance(values, dict):
        values = pd.Series(values, dtype=None if values else float)
    if not isinstance(values, pd.Series):
        raise ValueError(f"{name} must be a pandas Series or a dict indexed by item, got {type(values).__name__}")
    if values.index.has_duplicates:
        raise ValueError(f"{name} lists item(s) {sorted(map(str, values.index[values.index.duplicated()].unique()))} "
                         "more than once")
    numbers = as_vector(values.to_numpy(), name)
    return pd.Series(numbers, index=values.index)


def _split_point(rule, importance: pd.Series, satisfaction: pd.Series) -> tuple[float, float, str]:
    if isinstance(rule, str):
        if rule not in _SPLIT_RULES:
            raise ValueError(f"split must be 'mean', 'median' or an (importance, satisfaction) pair, got {rule!r}")
        if len(importance) < 2:
            raise ValueError(f"a {rule} split needs at least 2 items, got {len(importance)}; give the split point")
        if rule == "mean":
            return float(importance.mean()), float(satisfaction.mean()), rule
        return float(importance.median()), float(satisfaction.median()), rule
    try:
        x, y = rule
    except (TypeError, ValueError):
        raise ValueError(f"split must be 'mean', 'median' or an (importance, satisfaction) pair, got {rule!r}") from None
    x, y = as_vector([x, y], "split")
    return float(x), float(y), "given"


def _at_or_above(values: np.ndarray, split: float) -> np.ndarray:
    """``values >= split``, with values within 1e-12 (relative) of the split counted as ties.

    The mean of 0.1, 0.2 and 0.3 is 0.20000000000000004 in floating point; without the tolerance
    the middle item, which sits exactly on the average, would be called low.
    """
    return values >= split - _TIE_TOLERANCE * max(1.0, abs(split))


def classify(importance, satisfaction, split="mean") -> QuadrantResult:
    """Place each item in the importance x satisfaction quadrant (DOMAIN.md section 5).

    ``importance`` and ``satisfaction`` are Series (or dicts) indexed by item, over the same items
    (order may differ; the result follows ``importance``'s order). ``split`` is "mean" (Martilla &
    James 1977), "median", or an explicit ``(importance, satisfaction)`` point such as the scale
    midpoint. An item exactly at the split counts as high on that axis.
    """
    importance = _as_series(importance, "importance")
    satisfaction = _as_series(satisfaction, "satisfaction")
    only_importance = importance.index.difference(satisfaction.index)
    only_satisfaction = satisfaction.index.difference(importance.index)
    if len(only_importance) or len(only_satisfaction):
        raise ValueError("importance and satisfaction must cover the same items; "
                         f"only in importance: {list(map(str, only_importance))}, "
                         f"only in satisfaction: {list(map(str, only_satisfaction))}")
    satisfaction = satisfaction.reindex(importance.index)
    split_x, split_y, rule = _split_point(split, importance, satisfaction)
    high_importance = _at_or_above(importance.to_numpy(), split_x)
    high_satisfaction = _at_or_above(satisfaction.to_numpy(), split_y)
    codes = np.select(
        [high_importance & ~high_satisfaction, ~high_importance & ~high_satisfaction,
         ~high_importance & high_satisfaction],
        [URGENT, SECONDARY, NICE_TO_HAVE], default=ADVANTAGE).astype(object)
    table = pd.DataFrame({
        "item": list(importance.index),
        "importance": importance.to_numpy(),
        "satisfaction": satisfaction.to_numpy(),
        "quadrant": codes,
        "label_en": [QUADRANTS[c][0] for c in codes],
        "label_zh": [QUADRANTS[c][1] for c in codes],
    })
    return QuadrantResult(table=table, split_importance=split_x, split_satisfaction=split_y,
                          split_rule=rule, n_items=len(table))


def from_drivers(driver_result, item_means, split="mean", *, scale: str = "rescaled") -> QuadrantResult:
    """The quadrant with *derived* importance: each item's share of R² from a driver analysis.

    ``driver_result`` is what ``drivers.shapley`` / ``relative_weights`` / ``ols`` return;
    ``item_means`` are the items' mean satisfaction scores (Series or dict), over the same items.
    ``scale`` picks the importance column: "rescaled" (percent of R², default) or "weights" (raw
    share of R²). With a "mean" or "median" split the zones do not depend on the choice; with an
    explicit split point, give the importance coordinate on the chosen scale.
    """
    if scale not in ("rescaled", "weights"):
        raise ValueError(f"scale must be 'rescaled' or 'weights', got {scale!r}")
    importance = getattr(driver_result, scale, None)
    if not isinstance(importance, pd.Series):
        raise ValueError("driver_result must be a result of retain.analytics.drivers (with .weights and .rescaled)")
    return classify(importance.rename_axis(None), item_means, split)
