"""Customer Satisfaction Index (CSI) from a CSS survey: item scores weighted into one 0-100 number.

DOMAIN.md section 5: dealer CSS surveys (客户满意度调研) score each item, and the items are
weighted into an index. The after-sales weights are given there (FAW-Volkswagen's CSS scheme,
seed 000); the sales items have no published weights, so they get equal weights.

Formula. With item scores x_ij of respondent i on item j, a rating scale [low, high] and
non-negative item weights w_j normalised to sum 1 (the weighted sum of DOMAIN.md section 5,
each item put on 0-100 by the "percent of maximum possible" rescaling of Cohen, Cohen, Aiken &
West 1999, "The problem of units and the circumstance for POMP", Multivariate Behavioral
Research 34(3):315-346):

    index_i = 100 * sum_j w_j * (x_ij - low) / (high - low)      (respondent i's index, 0-100)
    CSI     = mean_i index_i = 100 * sum_j w_j * (mean_j - low) / (high - low)

The two lines are equal because the index is linear and every respondent answers every item
(see "missing answers" below), so the CSI is the weighted mean of the item means, rescaled
from the scale to 0-100.

Uncertainty. Respondents, not items, are the sampling units, so the standard error is that of
the mean of the respondent indices, se = sd(index_i, ddof=1) / sqrt(n), and the interval is the
Student t interval CSI +/- t_{n-1, (1+confidence)/2} * se (Student 1908), clipped to [0, 100].
This accounts for the correlation between items answered by the same person, which a sum of
per-item variances would miss. With every respondent giving the same index, se is 0 and the
interval has zero width. At least 2 respondents are needed.

Missing answers. A respondent with any missing item would have an index on a different item mix
from the rest, so by default such rows raise ``ValueError``. ``missing="drop"`` drops them
(listwise deletion; unbiased only if answers are missing completely at random) and ``n`` counts
the respondents kept.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
import pandas as pd
from scipy import stats

from retain.analytics._base import Result, as_confidence, as_frame, critical_value

# After-sales CSS weights, DOMAIN.md section 5 (seed 000: 一汽-大众CSS调研 售后考评体系). They sum to 1.
AFTER_SALES_CSS_WEIGHTS: Mapping[str, float] = MappingProxyType({
    "fixed_right_first_time": 0.19,   # 正确完成维修工作 (repair done right first time)
    "no_rework": 0.17,                # 返修 (no repeat repair)
    "value_for_money": 0.14,          # 服务物有所值
    "staff_friendliness": 0.12,       # 服务人员的友善程度
    "explained_work_needed": 0.11,    # 解释维修保养工作必要性
    "listened_and_answered": 0.11,    # 对客户要求的倾听及解答
    "explained_invoice": 0.08,        # 结算清单的解释工作
    "vehicle_returned_clean": 0.08,   # 车辆的整洁程度
})

# Sales CSS items, DOMAIN.md section 5 (seed 000: 一汽-大众CSS调研 销售考评体系); no weights published.
SALES_CSS_ITEMS: tuple[str, ...] = (
    "salesperson_attitude",           # 销售人员态度
    "product_knowledge",              # 销售人员专业知识
    "needs_advice",                   # 主动了解配置附件需求并给予建议
    "test_drive_offered",             # 主动提供试乘试驾
    "pleasant_delivery",              # 整个交车过程感觉愉快
    "post_delivery_contact",          # 交车后是否联系并询问对车辆满意情况
    "service_advisor_introduced",     # 是否介绍售后服务顾问或提供联系方式
)

MISSING = ("raise", "drop")


def sales_css_weights(items: Iterable[str] = SALES_CSS_ITEMS) -> dict[str, float]:
    """Equal weights (1/k each) for the k sales CSS items: DOMAIN.md gives the sales items but
    no weights, and equal weighting is the neutral choice until a business states its own."""
    names = [items] if isinstance(items, str) else list(items)
    if not names:
        raise ValueError("items is empty; give at least one item name")
    duplicates = sorted({str(x) for x in names if names.count(x) > 1})
    if duplicates:
        raise ValueError(f"items has duplicates: {duplicates}")
    return {str(name): 1.0 / len(names) for name in names}


@dataclass(frozen=True, eq=False)  # eq=False: pandas fields make field-wise == ambiguous
class CSIResult(Result):
    """A satisfaction index on 0-100 with its respondent-level t interval.

    ``item_means`` are on the original scale; ``weights`` are the normalised item weights used.
    """

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int
    confidence: float
    scale_low: float
    scale_high: float
    item_means: pd.Series
    weights: pd.Series

    def to_frame(self) -> pd.DataFrame:
        """One row per item: mean (original scale), mean on 0-100, weight, and its contribution."""
        rescaled = (self.item_means - self.scale_low) / (self.scale_high - self.scale_low) * 100.0
        return pd.DataFrame({
            "item_mean": self.item_means,
            "item_index": rescaled,
            "weight": self.weights,
            "contribution": rescaled * self.weights,
        })

    def summary(self) -> str:
        table = self.to_frame().to_string(float_format=lambda v: f"{v:.4g}")
        return super().summary() + "\n" + "\n".join("  " + line for line in table.splitlines())


def _check_scale(scale) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise ValueError(f"scale must be a pair (low, high) of numbers, got {scale!r}") from None
    if not (np.isfinite(low) and np.isfinite(high)) or low >= high:
        raise ValueError(f"scale must be (low, high) with finite low < high, got {scale!r}")
    return low, high


def _check_weights(weights, columns: list[str]) -> pd.Series:
    if weights is None:
        return pd.Series(1.0 / len(columns), index=columns)
    if not isinstance(weights, Mapping):
        raise ValueError("weights must be a mapping {item column: weight}")
    given = {str(k): v for k, v in weights.items()}
    missing, extra = [c for c in columns if c not in given], sorted(set(given) - set(columns))
    if missing or extra:
        raise ValueError(f"weights keys must match the item columns: no weight for {missing}, "
                         f"weights for unknown items {extra}")
    try:
        raw = pd.Series({c: float(given[c]) for c in columns})
    except (TypeError, ValueError):
        raise ValueError("weights must be numbers") from None
    if not np.isfinite(raw).all():
        raise ValueError(f"weights must be finite numbers; bad for {list(raw[~np.isfinite(raw)].index)}")
    if (raw < 0).any():
        raise ValueError(f"weights must be >= 0; negative for {list(raw[raw < 0].index)}")
    if raw.sum() <= 0:
        raise ValueError("weights are all zero; at least one item must carry weight")
    return raw / raw.sum()


def index(item_scores: pd.DataFrame, weights: Mapping[str, float] | None = None, scale=(1, 5),
          confidence: float = 0.95, *, missing: str = "raise") -> CSIResult:
    """The weighted satisfaction index (0-100) of a CSS survey, with a t interval.

    Parameters
    ----------
    item_scores : DataFrame
        One row per respondent, one column per item, scores on ``scale``.
    weights : mapping {column: weight}, optional
        Non-negative, not all zero, keys exactly the columns (e.g. ``AFTER_SALES_CSS_WEIGHTS``);
        normalised to sum 1. Default: equal weights.
    scale : (low, high)
        The rating scale; a score outside it raises ``ValueError``.
    confidence : float
        Two-sided level of the t interval, strictly between 0 and 1.
    missing : {"raise", "drop"}
        Rows with a missing answer raise (default) or are dropped (listwise deletion).

    Returns
    -------
    CSIResult
        ``value``, ``se``, ``ci_low``, ``ci_high`` on 0-100; ``n`` respondents used;
        ``item_means`` on the original scale; ``weights`` used (sum 1).
    """
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {MISSING}, got {missing!r}")
    confidence = as_confidence(confidence)
    low, high = _check_scale(scale)

    frame = pd.DataFrame(item_scores)
    if frame.shape[1] == 0:
        raise ValueError("item_scores has no item columns")
    frame.columns = [str(c) for c in frame.columns]
    incomplete = frame.isna().any(axis=1)
    if incomplete.any():
        if missing == "raise":
            columns = list(frame.columns[frame.isna().any()])
            raise ValueError(f"item_scores has {int(incomplete.sum())} respondent(s) with missing answers "
                             f"(in column(s) {columns}); pass missing='drop' to leave them out")
        frame = frame.loc[~incomplete]
    frame = as_frame(frame, "item_scores" + (" (after dropping incomplete rows)" if incomplete.any() else ""),
                     min_rows=2, non_constant=False)
    outside = (frame < low) | (frame > high)
    if outside.any().any():
        bad = list(frame.columns[outside.any()])
        values = sorted(set(frame.values[outside.values].tolist()))
        raise ValueError(f"item_scores must lie on the scale [{low:g}, {high:g}]; column(s) {bad} "
                         f"hold {values[:5]}")

    w = _check_weights(weights, list(frame.columns))
    respondent = ((frame.values - low) / (high - low) * 100.0) @ w.values
    n = len(respondent)
    value = float(respondent.mean())
    se = float(respondent.std(ddof=1) / np.sqrt(n))
    half = critical_value(confidence, df=n - 1) * se
    return CSIResult(
        value=value,
        se=se,
        ci_low=max(0.0, value - half),
        ci_high=min(100.0, value + half),
        n=n,
        confidence=confidence,
        scale_low=low,
        scale_high=high,
        item_means=frame.mean(),
        weights=w,
    )


def index_by(item_scores: pd.DataFrame, groups, weights: Mapping[str, float] | None = None, scale=(1, 5),
             confidence: float = 0.95) -> pd.DataFrame:
    """``index`` for every group at once (a dealer's, a consultant's CSI), in one vectorised pass.

    The same estimate and t interval as ``index(rows of the group, missing="drop")`` for each
    group: respondents with a missing item are left out (listwise), and a group with fewer than
    two complete respondents gets ``n`` and NaN for the rest. A page that breaks a group's CSI
    down by several hundred consultants calls this once instead of ``index`` several hundred
    times.

    Parameters
    ----------
    item_scores : DataFrame
        One row per respondent, one column per item, scores on ``scale`` (NaN: not answered).
    groups : array-like
        The group of each row (same length); rows whose group is missing are left out.
    weights, scale, confidence
        As for ``index``.

    Returns
    -------
    DataFrame
        Indexed by group (sorted): ``value``, ``se``, ``ci_low``, ``ci_high`` on 0-100, and ``n``.
    """
    confidence = as_confidence(confidence)
    low, high = _check_scale(scale)
    frame = pd.DataFrame(item_scores)
    if frame.shape[1] == 0:
        raise ValueError("item_scores has no item columns")
    frame.columns = [str(c) for c in frame.columns]
    groups = np.asarray(groups)
    if len(groups) != len(frame):
        raise ValueError(f"groups has {len(groups)} entries for {len(frame)} rows")
    keys = pd.Series(groups, index=frame.index)
    try:
        values = frame.to_numpy(dtype=float)
    except (TypeError, ValueError):
        raise ValueError("item_scores must hold numbers only") from None
    complete = ~np.isnan(values).any(axis=1) & keys.notna().to_numpy()
    values = values[complete]
    if ((values < low) | (values > high)).any():
        raise ValueError(f"item_scores must lie on the scale [{low:g}, {high:g}]")
    w = _check_weights(weights, list(frame.columns))
    respondent = pd.Series((values - low) / (high - low) * 100.0 @ w.to_numpy(), index=keys[complete].to_numpy())
    grouped = respondent.groupby(level=0)
    table = pd.DataFrame({"value": grouped.mean(), "sd": grouped.std(ddof=1), "n": grouped.size()})
    table["se"] = table["sd"] / np.sqrt(table["n"])
    df = (table["n"] - 1).where(table["n"] >= 2)
    half = stats.t.ppf(0.5 + confidence / 2, df) * table["se"]
    table["ci_low"] = (table["value"] - half).clip(lower=0.0)
    table["ci_high"] = (table["value"] + half).clip(upper=100.0)
    few = table["n"] < 2
    table.loc[few, ["value", "se", "ci_low", "ci_high"]] = np.nan
    return table[["value", "se", "ci_low", "ci_high", "n"]]
