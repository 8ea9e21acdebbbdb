"""Net Promoter Score (净推荐值) with its margin of error, and the significance of a change.

DOMAIN.md section 5 asks for NPS to be "reported with its margin of error and significance of
changes": a dealer whose NPS moves from 42 to 38 on 60 answers has learnt nothing, and the
report must say so. This module gives the score, an interval and a two-sample comparison.

Definitions (Reichheld 2003, "The one number you need to grow", Harvard Business Review 81(12)):
answers to "how likely are you to recommend ..." on 0-10; promoters 9-10, passives 7-8,
detractors 0-6; NPS = 100 x (share of promoters - share of detractors), in "NPS points"
from -100 to 100.

Uncertainty. Let p_P and p_D be the promoter and detractor shares of n answers. The three
categories are one multinomial draw, so Var(p_P) = p_P(1-p_P)/n, Var(p_D) = p_D(1-p_D)/n and
Cov(p_P, p_D) = -p_P p_D/n, which gives

    Var(p_P - p_D) = (p_P + p_D - (p_P - p_D)^2) / n

(Rocks 2016; the same as the variance of the mean of the answers recoded +1 / 0 / -1).
Two intervals are offered:

* ``"wald"``: p_P - p_D +/- z * sqrt(Var). Collapses to a zero-width interval when every answer
  falls in one category, and under-covers for small n or extreme scores (Rocks 2016).
* ``"adjusted_wald"`` (default): Rocks (2016), "Interval estimation for the 'net promoter
  score'", The American Statistician 70(4):365-372, where variations on the adjusted Wald (with
  an iterative score interval) performed best.
  In the spirit of Agresti & Caffo (2000, The American Statistician 54(4):280-288), three
  pseudo-observations are added before the Wald interval is built: 3/4 to the detractors,
  3/2 to the passives and 3/4 to the promoters, so

      n~ = n + 3,  p~_P = (x_P + 3/4) / n~,  p~_D = (x_D + 3/4) / n~,
      interval = (p~_P - p~_D) +/- z * sqrt((p~_P + p~_D - (p~_P - p~_D)^2) / n~).

  Note on the definition: the total added to n is 3 (3/4 + 3/2 + 3/4), not 3/2. The sources
  checked agree on n + 3: the default
  ``pseudo_observations = c(0.75, 1.5, 0.75)`` of Rocks's own R package ``NPS`` (``nps_test``)
  and Lewis & Sauro's summary of the paper (MeasuringU, 2021, "add a constant of 3 to the
  sample size, 3/4 to the number of detractors, and 3/4 to the number of promoters"). We
  implement n + 3. The interval is centred on the adjusted estimate (as the Agresti-Caffo
  interval is); the reported ``value`` stays the plain NPS.

Intervals are clipped to [-100, 100]. ``se`` is the standard error the interval used, in NPS
points (for ``adjusted_wald`` the adjusted one).

Weights (e.g. post-stratification weights) change the shares to weighted shares. Sampling
variance is then approximated by putting Kish's effective sample size
n_eff = (sum w)^2 / sum(w^2) (Kish 1965, Survey Sampling, Wiley) in place of n, which
treats the weights as fixed and ignores any clustering; with all weights equal n_eff = n and the
answer is the unweighted one. The adjusted-Wald pseudo-counts are added to n_eff x shares.

Edge cases: empty input, NaN, non-integers or values outside 0-10 raise ``ValueError``. One
answer is accepted (its interval is wide under ``adjusted_wald``, zero-width under ``wald``).
"""

from dataclasses import dataclass

import numpy as np
from scipy import stats

from retain.analytics._base import Result, as_vector, critical_value

METHODS = ("wald", "adjusted_wald")

# Rocks (2016) / R package NPS defaults: pseudo-observations added to (detractors, passives, promoters).
_PSEUDO_DETRACTORS = 0.75
_PSEUDO_PASSIVES = 1.5
_PSEUDO_PROMOTERS = 0.75


@dataclass(frozen=True)
class NPSResult(Result):
    """One Net Promoter Score. Shares are 0..1; ``value``, ``se`` and the interval are NPS points."""

    value: float
    promoters: float
    passives: float
    detractors: float
    n: int
    effective_n: float
    se: float
    ci_low: float
    ci_high: float
    method: str
    confidence: float


@dataclass(frozen=True)
class NPSComparison(Result):
    """Difference of two independent Net Promoter Scores (a - b), in NPS points."""

    difference: float
    se: float
    ci_low: float
    ci_high: float
    z: float
    p_value: float
    n_a: int
    n_b: int
    method: str
    confidence: float


def _trinomial_se(p_promoter: float, p_detractor: float, n: float) -> float:
    """SE of p_P - p_D under one multinomial draw of size n (Rocks 2016), as a share."""
    variance = (p_promoter + p_detractor - (p_promoter - p_detractor) ** 2) / n
    return float(np.sqrt(max(variance, 0.0)))  # rounding can make an exact 0 slightly negative


def score(scores, weights=None, method: str = "adjusted_wald", confidence: float = 0.95) -> NPSResult:
    """The Net Promoter Score of 0-10 answers, with a confidence interval.

    Parameters
    ----------
    scores : array-like of int
        Answers to "how likely are you to recommend" on 0-10. Whole numbers only.
    weights : array-like of float, optional
        Non-negative respondent weights, same length as ``scores``, not all zero. Shares become
        weighted shares and the variance uses Kish's effective n (see the module docstring).
    method : {"adjusted_wald", "wald"}
        Interval method; ``adjusted_wald`` is Rocks (2016) with n + 3 pseudo-observations.
    confidence : float
        Two-sided confidence level, strictly between 0 and 1.

    Returns
    -------
    NPSResult
        ``value`` in -100..100, shares of promoters / passives / detractors (0..1), ``n`` (number
        of answers), ``effective_n`` (Kish; equals ``n`` without weights), ``se`` and interval in
        NPS points, the ``method`` and ``confidence``.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    z = critical_value(confidence)
    answers = as_vector(scores, "scores", integer=True, low=0, high=10)
    n = int(answers.size)

    if weights is None:
        w = np.ones(n)
    else:
        w = as_vector(weights, "weights", low=0)
        if w.size != n:
            raise ValueError(f"weights has {w.size} values but scores has {n}; give one weight per answer")
    total = float(w.sum())
    if total <= 0:
        raise ValueError("weights are all zero; at least one answer must carry weight")
    effective_n = total ** 2 / float((w ** 2).sum())

    promoter = answers >= 9
    detractor = answers <= 6
    p_promoter = float(w[promoter].sum() / total)
    p_detractor = float(w[detractor].sum() / total)
    p_passive = float(w[~promoter & ~detractor].sum() / total)

    if method == "wald":
        centre, n_used = p_promoter - p_detractor, effective_n
        se = _trinomial_se(p_promoter, p_detractor, n_used)
    else:
        n_used = effective_n + _PSEUDO_DETRACTORS + _PSEUDO_PASSIVES + _PSEUDO_PROMOTERS
        adj_promoter = (effective_n * p_promoter + _PSEUDO_PROMOTERS) / n_used
        adj_detractor = (effective_n * p_detractor + _PSEUDO_DETRACTORS) / n_used
        centre = adj_promoter - adj_detractor
        se = _trinomial_se(adj_promoter, adj_detractor, n_used)

    low = max(-1.0, centre - z * se)
    high = min(1.0, centre + z * se)
    return NPSResult(
        value=100.0 * (p_promoter - p_detractor),
        promoters=p_promoter,
        passives=p_passive,
        detractors=p_detractor,
        n=n,
        effective_n=float(effective_n),
        se=100.0 * se,
        ci_low=100.0 * low,
        ci_high=100.0 * high,
        method=method,
        confidence=float(confidence),
    )


def compare(a, b, confidence: float = 0.95, *, method: str = "adjusted_wald") -> NPSComparison:
    """Is the NPS of ``a`` different from that of ``b``? Difference a - b with interval and p-value.

    ``a`` and ``b`` are each an :class:`NPSResult` or raw 0-10 answers (scored here with
    ``method``). The two samples must be independent (different respondents, e.g. two dealers or
    two quarters with no one answering twice); a panel asked twice needs a paired analysis, which
    this is not.

    Method: normal approximation on the difference of two independent estimates,

        d = NPS_a - NPS_b,   se_d = sqrt(se_a^2 + se_b^2),
        interval = d +/- z * se_d (clipped to [-200, 200]),   z = d / se_d,
        p = 2 * (1 - Phi(|z|)),

    the usual two-sample Wald (z) test for independent samples, with each sample's own standard
    error as defined in :func:`score`.
    With ``adjusted_wald`` results the standard errors are the adjusted ones, as Agresti & Caffo
    (2000) do for a difference of proportions, which keeps se_d > 0 even when a sample is all
    promoters; the difference itself is that of the plain scores. Both results must use the same
    method. ``confidence`` sets the interval here; the results' own confidence is not used.

    Raises ``ValueError`` when the methods differ or when se_d is 0 (only possible with ``wald``
    and both samples in a single category: no test is possible, use ``adjusted_wald``).
    """
    z_crit = critical_value(confidence)
    first = a if isinstance(a, NPSResult) else score(a, method=method)
    second = b if isinstance(b, NPSResult) else score(b, method=method)
    if first.method != second.method:
        raise ValueError(f"cannot compare a {first.method!r} result with a {second.method!r} one; "
                         "score both with the same method")
    difference = first.value - second.value
    se = float(np.hypot(first.se, second.se))
    if se == 0.0:
        raise ValueError("both samples have zero standard error (every answer in one category under "
                         "method='wald'); no test is possible, use method='adjusted_wald'")
    z = difference / se
    return NPSComparison(
        difference=float(difference),
        se=se,
        ci_low=max(-200.0, difference - z_crit * se),
        ci_high=min(200.0, difference + z_crit * se),
        z=float(z),
        p_value=float(2.0 * stats.norm.sf(abs(z))),
        n_a=first.n,
        n_b=second.n,
        method=first.method,
        confidence=float(confidence),
    )
