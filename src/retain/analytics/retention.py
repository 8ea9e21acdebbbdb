"""Satisfaction -> retention curve, and the value of a lost customer (DOMAIN.md §1 and §7).

Why: DOMAIN.md gives a reference curve (one-year retention by 5-point satisfaction: 5 -> 92-97%,
4 -> 80-85%, 3 -> 60-65%, 2 -> 15-20%, 1 -> 0-5%) and says the system must let a business compute
its OWN curve. :func:`by_satisfaction` does that with honest uncertainty per level, a monotone
curve, and a one-number summary (the logistic slope: change in log-odds of retention per scale
point). :func:`lost_customer_value` puts a money figure on each churned customer, as the training
material's "value of a lost customer" worksheet does.

Methods and sources
- Wilson score interval: Wilson, E. B. (1927), "Probable inference, the law of succession, and
  statistical inference", *JASA* 22(158), 209-212; recommended over the Wald interval by Newcombe,
  R. G. (1998), *Statistics in Medicine* 17, 857-872 (method 3), whose Table I we test against.
- Monotone curve: weighted isotonic regression by pool-adjacent-violators (Ayer et al. 1955,
  *Ann. Math. Statist.* 26, 641-647; Barlow et al. 1972, *Statistical Inference under Order
  Restrictions*), weights = customers per level: retention is not allowed to fall as
  satisfaction rises, so sampling noise does not produce a "dip" someone acts on.
- Logistic fit ``logit P(retained) = intercept + slope * score`` by maximum likelihood with
  iteratively reweighted least squares (Newton-Raphson; McCullagh & Nelder 1989, *Generalized
  Linear Models*, 2nd ed., §4.4), standard errors from the inverse Fisher information.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._base import Result, as_confidence, as_vector, critical_value

#: Column names of :attr:`RetentionCurve.table` in English and Chinese, for display.
COLUMN_LABELS = {
    "level": ("Satisfaction level", "满意度等级"),
    "n": ("Customers", "客户数"),
    "retained": ("Retained", "保留客户数"),
    "rate": ("Retention rate", "保留率"),
    "ci_low": ("CI lower bound", "置信区间下限"),
    "ci_high": ("CI upper bound", "置信区间上限"),
    "isotonic": ("Monotone fitted rate", "单调拟合保留率"),
    "logistic": ("Logistic fitted rate", "逻辑回归拟合保留率"),
}

#: Column names of :attr:`LostCustomerValue.customers` in English and Chinese.
LOST_VALUE_LABELS = {
    "annual_spend": ("Annual spend", "年消费额"),
    "years": ("Remaining years", "剩余年数"),
    "direct_value": ("Lost sales from the customer", "客户本人流失的销售额"),
    "word_of_mouth_customers": ("Customers lost by word of mouth", "口碑影响流失的客户数"),
    "word_of_mouth_value": ("Lost sales by word of mouth", "口碑影响流失的销售额"),
    "total_value": ("Total value lost", "流失总价值"),
}


def wilson_interval(successes, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson (1927) score interval for a binomial proportion, vectorised; NaN where n = 0.

    ``(p + z^2/2n +- z sqrt(p(1-p)/n + z^2/4n^2)) / (1 + z^2/n)`` with ``z`` the two-sided normal
    quantile. Unlike the Wald interval it stays inside [0, 1] and is sensible at 0/n and n/n.
    """
    z = critical_value(confidence)
    k = np.asarray(successes, dtype=float)
    m = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / m
        denominator = 1 + z * z / m
        centre = (p + z * z / (2 * m)) / denominator
        half = z * np.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / denominator
        low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    # At 0/n the lower bound is exactly 0 and at n/n the upper is exactly 1; rounding leaves ~1e-17.
    low, high = np.where(k == 0, 0.0, low), np.where(k == m, 1.0, high)
    empty = m == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def isotonic_fit(values, weights=None) -> np.ndarray:
    """Weighted non-decreasing least-squares fit by pool-adjacent-violators (Ayer et al. 1955).

    Minimises ``sum w_i (f_i - y_i)^2`` subject to ``f_1 <= f_2 <= ...``; adjacent blocks that
    violate the order are pooled into their weighted mean until none does. O(n).
    """
    y = as_vector(values, "values")
    w = np.ones_like(y) if weights is None else as_vector(weights, "weights", low=0)
    if w.size != y.size:
        raise ValueError(f"weights has {w.size} values but values has {y.size}")
    if not (w > 0).all():
        raise ValueError("weights must be > 0 (drop the levels without observations first)")
    means, totals, sizes = [], [], []
    for yi, wi in zip(y, w):
        means.append(yi)
        totals.append(wi)
        sizes.append(1)
        while len(means) > 1 and means[-2] > means[-1]:  # pool the violating pair, then look back
            m2, w2, s2 = means.pop(), totals.pop(), sizes.pop()
            m1, w1, s1 = means.pop(), totals.pop(), sizes.pop()
            means.append((m1 * w1 + m2 * w2) / (w1 + w2))
            totals.append(w1 + w2)
            sizes.append(s1 + s2)
    return np.repeat(means, sizes)


@dataclass(frozen=True)
class LogisticFit(Result):
    """``logit P(y=1) = intercept + slope * x`` by maximum likelihood (IRLS).

    ``converged`` is False (and the estimates NaN) when no finite maximum exists: all outcomes
    equal, a single x value, or (quasi-)complete separation; ``note`` says which.
    """

    intercept: float
    slope: float
    intercept_se: float
    slope_se: float
    n: int
    iterations: int
    converged: bool
    note: str

    def predict(self, x) -> np.ndarray:
        """Fitted probability at ``x``."""
        return 1 / (1 + np.exp(-(self.intercept + self.slope * np.asarray(x, dtype=float))))


def _nan_fit(n: int, note: str) -> LogisticFit:
    nan = float("nan")
    return LogisticFit(nan, nan, nan, nan, n, 0, False, note)


def logistic_fit(x, trials, successes, *, max_iter: int = 100, tol: float = 1e-10) -> LogisticFit:
    """Binomial logistic regression of ``successes`` out of ``trials`` on ``x`` (grouped data).

    Grouped and per-customer data give the same likelihood up to a constant, so callers may pass
    one row per customer (trials = 1) or one per level. Newton-Raphson (= IRLS for the canonical
    link) with step halving; SEs are sqrt of the diagonal of ``(X'WX)^-1`` at the optimum.
    """
    x = as_vector(x, "x")
    m = as_vector(trials, "trials", integer=True, low=0).astype(float)
    k = as_vector(successes, "successes", integer=True, low=0).astype(float)
    if not (x.size == m.size == k.size):
        raise ValueError("x, trials and successes must have the same length")
    if (k > m).any():
        raise ValueError("successes cannot exceed trials")
    keep = m > 0
    x, m, k = x[keep], m[keep], k[keep]
    n = int(m.sum())
    if n == 0:
        return _nan_fit(0, "no observations")
    if np.unique(x).size < 2:
        return _nan_fit(n, "a single score value: the slope is not identified")
    if k.sum() == 0 or k.sum() == n:
        return _nan_fit(n, "all outcomes are equal: no finite maximum-likelihood estimate")
    has_one, has_zero = x[k > 0], x[k < m]
    if has_zero.max() <= has_one.min() or has_one.max() <= has_zero.min():
        return _nan_fit(n, "the outcomes are (quasi-)separated by the score: no finite "
                           "maximum-likelihood estimate (the slope runs to infinity)")

    # Centre x for conditioning; map back at the end.
    centre = float(np.average(x, weights=m))
    X = np.column_stack([np.ones_like(x), x - centre])
    p0 = k.sum() / n
    beta = np.array([np.log(p0 / (1 - p0)), 0.0])

    def loglik(b):
        eta = X @ b
        return float(np.sum(k * eta - m * np.logaddexp(0, eta)))

    current = loglik(beta)
    converged = False
    for iteration in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        p = 1 / (1 + np.exp(-(X @ beta)))
        gradient = X.T @ (k - m * p)
        information = (X * (m * p * (1 - p))[:, None]).T @ X
        step = np.linalg.solve(information, gradient)
        scale = 1.0
        while True:
            candidate = beta + scale * step
            value = loglik(candidate)
            if value >= current - 1e-12 or scale < 1e-8:
                break
            scale /= 2
        beta, previous, current = candidate, current, value
        if np.max(np.abs(scale * step)) < tol or abs(current - previous) < tol * (1 + abs(current)):
            converged = True
            break
    p = 1 / (1 + np.exp(-(X @ beta)))
    information = (X * (m * p * (1 - p))[:, None]).T @ X
    cov_c = np.linalg.inv(information)
    # Back to uncentred x: intercept = b0 - b1 * centre.
    a = np.array([[1.0, -centre], [0.0, 1.0]])
    cov = a @ cov_c @ a.T
    intercept, slope = a @ beta
    return LogisticFit(float(intercept), float(slope), float(np.sqrt(cov[0, 0])), float(np.sqrt(cov[1, 1])),
                       n, iteration, converged, "" if converged else f"IRLS did not converge in {max_iter} iterations")


@dataclass(frozen=True)
class RetentionCurve(Result):
    """Retention by satisfaction level.

    ``table``: one row per level (ascending) with ``level, n, retained, rate, ci_low, ci_high``
    (Wilson interval at ``confidence``), ``isotonic`` (monotone fitted rate; NaN where n = 0) and
    ``logistic`` (fitted rate from the logistic model; NaN when it has no finite fit).
    ``slope``/``slope_se``: change in log-odds of retention per scale point and its standard
    error; ``odds_ratio`` = exp(slope). ``logistic`` holds the full fit.
    """

    n: int
    retained: int
    rate: float
    confidence: float
    slope: float
    slope_se: float
    odds_ratio: float
    table: pd.DataFrame
    logistic: LogisticFit

    def to_frame(self) -> pd.DataFrame:
        return self.table.copy()

    def summary(self) -> str:
        head = super().summary()
        note = f"\n  note           {self.logistic.note}" if self.logistic.note else ""
        return head + note + "\n" + self.table.to_string(index=False, float_format="{:.4f}".format)


def by_satisfaction(scores, retained, levels=None, confidence: float = 0.95) -> RetentionCurve:
    """The business's own satisfaction -> retention curve (DOMAIN.md §1).

    ``scores``: each customer's satisfaction score (numeric, e.g. 1-5). ``retained``: 1 if the
    customer was retained over the period (e.g. came back within a year), else 0 (booleans fine).
    ``levels``: the scale's levels to report, ascending order imposed (default: the distinct
    scores seen); a level nobody chose is reported with n = 0 and NaN rates, and a score not in
    ``levels`` is an error. ``confidence``: level of the Wilson intervals.

    Edge cases: one level only, or everyone retained / nobody retained, or outcomes separated by
    the score -> the table and intervals are still given, the slope is NaN and
    ``logistic.note`` says why (no finite maximum-likelihood estimate exists).
    """
    confidence = as_confidence(confidence)
    s = as_vector(scores, "scores")
    y = as_vector(retained, "retained", integer=True, low=0, high=1)
    if s.size != y.size:
        raise ValueError(f"scores has {s.size} values but retained has {y.size}; one each per customer")
    if levels is None:
        grid = np.unique(s)
    else:
        grid = np.unique(as_vector(levels, "levels"))
        if grid.size != np.size(levels):
            raise ValueError("levels contains duplicates")
        unknown = ~np.isin(s, grid)
        if unknown.any():
            position = int(np.flatnonzero(unknown)[0])
            raise ValueError(f"scores has value {s[position]:g} at position {position}, which is not in "
                             f"levels {grid.tolist()}")
    position = np.searchsorted(grid, s)
    n = np.bincount(position, minlength=grid.size)
    k = np.bincount(position, weights=y, minlength=grid.size).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(n > 0, k / np.maximum(n, 1), np.nan)
    low, high = wilson_interval(k, n, confidence)
    seen = n > 0
    isotonic = np.full(grid.size, np.nan)
    isotonic[seen] = isotonic_fit(rate[seen], n[seen])
    fit = logistic_fit(grid, n, k)
    table = pd.DataFrame({"level": grid, "n": n, "retained": k, "rate": rate, "ci_low": low,
                          "ci_high": high, "isotonic": isotonic,
                          "logistic": fit.predict(grid) if fit.converged else np.full(grid.size, np.nan)})
    slope = fit.slope
    return RetentionCurve(n=int(s.size), retained=int(y.sum()), rate=float(y.mean()), confidence=confidence,
                          slope=slope, slope_se=fit.slope_se, odds_ratio=float(np.exp(slope)),
                          table=table, logistic=fit)


@dataclass(frozen=True)
class LostCustomerValue(Result):
    """Value of lost customers (DOMAIN.md §7), per customer and in total.

    ``customers``: one row per lost customer with ``annual_spend, years, direct_value,
    word_of_mouth_customers, word_of_mouth_value, total_value`` (see :data:`LOST_VALUE_LABELS`).
    Money is in the unit of the spend given (e.g. yuan).
    """

    n: int
    direct_value: float
    word_of_mouth_value: float
    total_value: float
    word_of_mouth_customers_per_lost: float
    customers: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.customers.copy()


def lost_customer_value(*, weekly_spend=None, annual_spend=None, years=10, weeks_per_year: float = 52,
                        people_told: float = 10, share_influenced: float = 0.5,
                        retold_per_influenced: float = 5, share_who_stop: float = 0.25,
                        index=None) -> LostCustomerValue:
    """What losing each customer costs: their own future sales plus sales lost by word of mouth.

    DOMAIN.md §7 (from the training material's supermarket worksheet, seeds/001): value =
    weekly spend x 52 x years, plus word-of-mouth loss -- the lost customer tells 10-20 people,
    half of them are influenced, each of those tells ~5 more, and a quarter of *those* stop
    buying; each of them is worth the same spend over the same years. So per lost customer::

        direct       = annual_spend * years                 (annual_spend = weekly_spend * 52)
        wom_lost     = people_told * share_influenced * retold_per_influenced * share_who_stop
        wom_value    = wom_lost * annual_spend * years
        total        = direct + wom_value

    With the defaults (10 told, the low end of 10-20) wom_lost = 10 x 0.5 x 5 x 0.25 = 6.25
    customers. Give exactly one of ``weekly_spend`` / ``annual_spend`` (a number or one value per
    lost customer; for a dealer's after-sales customers annual spend is the natural measure).
    ``years``: remaining years the customer would have stayed (number or per customer).
    Pass ``people_told=0`` for the direct loss alone. ``index``: optional customer ids.
    """
    if (weekly_spend is None) == (annual_spend is None):
        raise ValueError("give exactly one of weekly_spend or annual_spend")
    if weekly_spend is not None:
        weeks = _non_negative(weeks_per_year, "weeks_per_year")
        annual = as_vector(np.atleast_1d(weekly_spend), "weekly_spend", low=0) * weeks
        if isinstance(weekly_spend, pd.Series) and index is None:
            index = weekly_spend.index
    else:
        annual = as_vector(np.atleast_1d(annual_spend), "annual_spend", low=0)
        if isinstance(annual_spend, pd.Series) and index is None:
            index = annual_spend.index
    span = as_vector(np.atleast_1d(years), "years", low=0)
    if span.size != annual.size:
        if span.size == 1:
            span = np.full(annual.size, span[0])
        elif annual.size == 1:
            annual = np.full(span.size, annual[0])
        else:
            raise ValueError(f"years has {span.size} values but the spend has {annual.size}; "
                             "give one number or one value per lost customer")
    told = _non_negative(people_told, "people_told")
    influenced = _share(share_influenced, "share_influenced")
    retold = _non_negative(retold_per_influenced, "retold_per_influenced")
    stop = _share(share_who_stop, "share_who_stop")
    if index is not None and len(index) != annual.size:
        raise ValueError(f"index has {len(index)} labels but there are {annual.size} customers")

    wom_customers = told * influenced * retold * stop
    direct = annual * span
    wom_value = wom_customers * direct
    customers = pd.DataFrame({"annual_spend": annual, "years": span, "direct_value": direct,
                              "word_of_mouth_customers": np.full(annual.size, wom_customers),
                              "word_of_mouth_value": wom_value, "total_value": direct + wom_value},
                             index=index)
    return LostCustomerValue(n=int(annual.size), direct_value=float(direct.sum()),
                             word_of_mouth_value=float(wom_value.sum()),
                             total_value=float((direct + wom_value).sum()),
                             word_of_mouth_customers_per_lost=float(wom_customers), customers=customers)


def _non_negative(value, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def _share(value, name: str) -> float:
    number = _non_negative(value, name)
    if number > 1:
        raise ValueError(f"{name} is a share and must be between 0 and 1, got {value!r}")
    return number
