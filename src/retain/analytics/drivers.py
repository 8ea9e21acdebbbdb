"""Key-driver analysis: how much of overall satisfaction each survey item accounts for.

DOMAIN.md section 5 asks for "driver analysis by regression" and lets the importance axis of the
importance x satisfaction quadrant be *derived* from driver weights. Survey items are strongly
correlated (a customer happy with the salesperson's attitude tends to be happy with the delivery),
so the raw regression coefficients are a poor answer to "which item matters most": they can be
negative, flip sign between samples and do not add up to anything. This module therefore offers
three ways to split the model's R² among the drivers, each returning raw weights that sum to R²:

``shapley``
    The LMG / Shapley-value decomposition (Lindemann, Merenda & Gold 1980, *Introduction to
    Bivariate and Multivariate Analysis*, p. 119ff; Kruskal 1987, "Relative importance by averaging
    over orderings", *The American Statistician* 41(1); Grömping 2006, "Relative importance for
    linear regression in R: the package relaimpo", *Journal of Statistical Software* 17(1);
    Lipovetsky & Conklin 2001, "Analysis of regression in game theory approach", *Applied Stochastic
    Models in Business and Industry* 17(4)). Each driver gets its increase in R² when it joins the
    model, averaged over all p! orders of entry. Exact, non-negative, the recommended metric; the
    cost is 2^p subset regressions, so it is limited to 15 drivers.
``relative_weights``
    Johnson (2000), "A heuristic method for estimating the relative weight of predictor variables in
    multiple regression", *Multivariate Behavioral Research* 35(1), 1-19. Replaces the drivers by
    their closest orthonormal counterparts, regresses y on those, and maps the squared coefficients
    back. Non-negative, sums to R², agrees closely with LMG and costs one eigendecomposition, so it
    scales to any number of drivers.
``ols``
    Standardised regression coefficients beta_j with weight beta_j * r_jy (Hoffmann 1960, "The
    paramorphic representation of clinical judgment", *Psychological Bulletin* 57(2); Pratt 1987,
    "Dividing the indivisible", in *Proc. 2nd Tampere Conf. in Statistics*). Sums to R² but can be
    negative under suppression; kept because it is what "regression driver analysis" usually means
    in survey practice and the betas answer "how much does overall satisfaction rise when one item
    rises by one standard deviation, the others held fixed".

Everything is computed from the correlation matrix of (drivers, y): the R² of a subset S of
drivers is r_S' R_SS^{-1} r_S, solved for all subsets of one size at once in a batched
``numpy.linalg.solve``; nothing is refitted on the raw rows per subset. Bootstrap confidence
intervals (percentile method, Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 13)
resample rows and recompute the correlation matrix.

Rows are matched by position: ``y[i]`` belongs to ``X.iloc[i]``.
"""

from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from math import factorial

import numpy as np
import pandas as pd

from retain.analytics._base import Result, as_frame, as_vector

MAX_SHAPLEY_DRIVERS = 15
"""2^15 = 32,768 subset regressions (about a tenth of a second); each extra driver doubles it."""

_COLLINEAR_TOL = 1e-10
"""Smallest eigenvalue of the drivers' correlation matrix (whose eigenvalues sum to p) below which
the drivers are treated as exactly collinear: the R² split is then not identified."""


@dataclass(frozen=True, eq=False)
class DriverResult(Result):
    """How a model's R² splits among its drivers.

    ``weights`` are raw shares of R² (they sum to ``r2``); ``rescaled`` are the same in percent of
    R² (they sum to 100); ``beta`` are the standardised coefficients of the full regression.
    With ``bootstrap > 0``, ``ci_low`` / ``ci_high`` bound ``weights`` (raw scale) at ``level``.
    ``eq=False``: results hold Series, so equality is identity rather than an ambiguous comparison.
    """

    method: str
    weights: pd.Series
    rescaled: pd.Series
    beta: pd.Series
    r2: float
    n: int
    bootstrap: int = 0
    level: float | None = None
    seed: int | None = None
    ci_low: pd.Series | None = None
    ci_high: pd.Series | None = None

    @property
    def drivers(self) -> list[str]:
        return list(self.weights.index)

    def to_frame(self) -> pd.DataFrame:
        """One row per driver: weight, percent of R², standardised beta, and the CI if bootstrapped."""
        frame = pd.DataFrame({"driver": self.weights.index, "weight": self.weights.to_numpy(),
                              "rescaled": self.rescaled.to_numpy(), "beta": self.beta.to_numpy()})
        if self.ci_low is not None:
            frame["ci_low"] = self.ci_low.to_numpy()
            frame["ci_high"] = self.ci_high.to_numpy()
        return frame

    def summary(self) -> str:
        lines = [super().summary(), "  driver           weight   % of R²"]
        for driver, weight, pct in zip(self.weights.index, self.weights, self.rescaled):
            line = f"  {driver:<14} {weight:8.4f}  {pct:7.1f}"
            if self.ci_low is not None:
                line += f"   [{self.ci_low[driver]:.4f}, {self.ci_high[driver]:.4f}]"
            lines.append(line)
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Input checks and the correlation matrix


def _prepare(X, y) -> tuple[pd.DataFrame, np.ndarray]:
    """Checked drivers (numeric, no NaN, no constant column, enough rows) and response."""
    X = X.to_frame() if isinstance(X, pd.Series) else pd.DataFrame(X)
    if X.shape[1] == 0:
        raise ValueError("X has no driver columns")
    frame = as_frame(X, "X", min_rows=2)
    n, p = frame.shape
    if n < p + 2:
        raise ValueError(f"X has {n} rows but {p} drivers need at least {p + 2} "
                         "(one per driver, one for the intercept, one left for error)")
    response = as_vector(y, "y")
    if response.size != n:
        raise ValueError(f"y has {response.size} values but X has {n} rows; they must match row for row")
    if np.ptp(response) == 0:
        raise ValueError("y is constant: there is no variation for the drivers to explain")
    return frame, response


def _correlations(values: np.ndarray, response: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Correlation matrix of the drivers and their correlations with y."""
    full = np.corrcoef(np.column_stack([values, response]), rowvar=False)
    return full[:-1, :-1], full[:-1, -1]


def _collinear(Rxx: np.ndarray) -> np.ndarray | None:
    """Indices of the drivers in an exact linear dependency, or None if there is none."""
    eigenvalues, eigenvectors = np.linalg.eigh(Rxx)
    null = eigenvalues < _COLLINEAR_TOL
    if not null.any():
        return None
    involved = (np.abs(eigenvectors[:, null]) > 1e-6).any(axis=1)
    return np.flatnonzero(involved)


def _check_collinearity(Rxx: np.ndarray, names: list[str]) -> None:
    involved = _collinear(Rxx)
    if involved is not None:
        which = [names[i] for i in involved]
        raise ValueError(f"X has perfectly collinear drivers {which}: one is an exact linear combination "
                         "of the others (e.g. a total that is the sum of its parts, or the same item "
                         "twice), so their shares of R² are not identified; drop or merge one of them")


# ---------------------------------------------------------------------------------------------
# The three decompositions, each from (Rxx, rxy) to (weights, beta, r2)


def _ols(Rxx: np.ndarray, rxy: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Hoffmann (1960) / Pratt (1987): beta_j * r_jy, which sums to R² = beta' r."""
    beta = np.linalg.solve(Rxx, rxy)
    weights = beta * rxy
    return weights, beta, float(weights.sum())


def _relative_weights(Rxx: np.ndarray, rxy: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Johnson (2000), eqs. 5-9, with the symmetric square root of the correlation matrix.

    With Rxx = V diag(l) V', the orthonormal stand-ins Z for the drivers satisfy X = Z Lambda with
    Lambda = Rxx^{1/2} = V diag(sqrt l) V'. Regressing y on Z gives beta_Z = Rxx^{-1/2} r_xy (the
    Z are uncorrelated, so beta_Z,k² is Z_k's exact share of R²); each Z_k is split back over the
    drivers by the squared loadings Lambda_jk², whose columns sum to 1. Hence
    eps_j = sum_k Lambda_jk² beta_Z,k², and sum_j eps_j = |beta_Z|² = r' Rxx^{-1} r = R².
    """
    eigenvalues, eigenvectors = np.linalg.eigh(Rxx)
    root = np.sqrt(eigenvalues)
    Lambda = (eigenvectors * root) @ eigenvectors.T
    beta_z = (eigenvectors / root) @ (eigenvectors.T @ rxy)
    weights = (Lambda ** 2) @ (beta_z ** 2)
    beta = np.linalg.solve(Rxx, rxy)
    return weights, beta, float(rxy @ beta)


@lru_cache(maxsize=MAX_SHAPLEY_DRIVERS + 1)
def _subset_layout(p: int):
    """Index arrays shared by every Shapley computation with p drivers.

    Returns the subsets grouped by size (as index matrices and as bitmasks) and, for each driver j,
    the masks S without j, the masks S + {j} and the Shapley weight |S|! (p - |S| - 1)! / p!.
    """
    by_size = []
    for k in range(1, p + 1):
        idx = np.array(list(combinations(range(p), k)), dtype=np.intp)
        masks = (np.left_shift(1, idx)).sum(axis=1)
        by_size.append((idx, masks))
    all_masks = np.arange(1 << p)
    size = np.array([bin(m).count("1") for m in range(1 << p)])
    weight_of_size = np.array([factorial(s) * factorial(p - s - 1) / factorial(p) for s in range(p)])
    without = np.stack([all_masks[(all_masks >> j) & 1 == 0] for j in range(p)])
    with_j = without | (1 << np.arange(p))[:, None]
    weights = weight_of_size[size[without]]
    return by_size, without, with_j, weights


def _all_subset_r2(Rxx: np.ndarray, rxy: np.ndarray) -> np.ndarray:
    """R² of every subset of drivers, indexed by bitmask (bit j set = driver j in the model).

    For subset S, R²_S = r_S' R_SS^{-1} r_S; all subsets of one size are solved in one batched
    call on their stacked submatrices of the correlation matrix.
    """
    p = len(rxy)
    by_size, *_ = _subset_layout(p)
    r2 = np.zeros(1 << p)
    for idx, masks in by_size:
        sub_R = Rxx[idx[:, :, None], idx[:, None, :]]
        sub_r = rxy[idx]
        solution = np.linalg.solve(sub_R, sub_r[:, :, None])[:, :, 0]
        r2[masks] = np.einsum("ij,ij->i", sub_r, solution)
    return r2


def _shapley(Rxx: np.ndarray, rxy: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """LMG: phi_j = sum over S not containing j of |S|!(p-|S|-1)!/p! * (R²(S+j) - R²(S)).

    Averaging the increase over all p! orders of entry is the same as this weighted sum over the
    2^(p-1) subsets that precede j (Grömping 2006, section 3; Lipovetsky & Conklin 2001).
    """
    _, without, with_j, weights = _subset_layout(len(rxy))
    r2 = _all_subset_r2(Rxx, rxy)
    phi = ((r2[with_j] - r2[without]) * weights).sum(axis=1)
    beta = np.linalg.solve(Rxx, rxy)
    return phi, beta, float(r2[-1])


_METHODS = {"ols": _ols, "relative_weights": _relative_weights, "shapley": _shapley}


# ---------------------------------------------------------------------------------------------
# Public API


def _fit(method: str, X, y, bootstrap: int, seed, level: float) -> DriverResult:
    frame, response = _prepare(X, y)
    names = list(frame.columns)
    if method == "shapley" and len(names) > MAX_SHAPLEY_DRIVERS:
        raise ValueError(f"shapley() enumerates all 2^p subsets of drivers; {len(names)} drivers would need "
                         f"{2 ** len(names):,} regressions (the limit is {MAX_SHAPLEY_DRIVERS}). Use "
                         "relative_weights(), which agrees closely with Shapley/LMG and scales to any "
                         "number of drivers, or group related items first")
    bootstrap = int(as_vector([bootstrap], "bootstrap", integer=True, low=0)[0])
    level = float(as_vector([level], "level", low=0, high=1)[0])
    if bootstrap and not 0 < level < 1:
        raise ValueError(f"level must be strictly between 0 and 1, got {level}")
    values = frame.to_numpy()
    Rxx, rxy = _correlations(values, response)
    _check_collinearity(Rxx, names)
    compute = _METHODS[method]
    weights, beta, r2 = compute(Rxx, rxy)
    ci_low = ci_high = None
    if bootstrap:
        draws = _bootstrap(compute, values, response, bootstrap, seed)
        tail = (1 - level) / 2
        low, high = np.quantile(draws, [tail, 1 - tail], axis=0)
        ci_low, ci_high = pd.Series(low, index=names), pd.Series(high, index=names)
    index = pd.Index(names, name="driver")
    return DriverResult(
        method=method, weights=pd.Series(weights, index=index, name="weight"),
        # Shares of nothing are undefined: when the drivers explain none of y, rescaled is NaN.
        rescaled=pd.Series(100 * weights / r2 if r2 > 1e-12 else np.full(len(weights), np.nan),
                           index=index, name="rescaled"),
        beta=pd.Series(beta, index=index, name="beta"), r2=r2, n=len(response),
        bootstrap=bootstrap, level=level if bootstrap else None,
        seed=seed if bootstrap and (seed is None or isinstance(seed, (int, np.integer))) else None,
        ci_low=None if ci_low is None else ci_low.rename_axis("driver").rename("ci_low"),
        ci_high=None if ci_high is None else ci_high.rename_axis("driver").rename("ci_high"))


def _bootstrap(compute, values: np.ndarray, response: np.ndarray, replicates: int, seed) -> np.ndarray:
    """Weights on ``replicates`` row resamples (Efron & Tibshirani 1993, percentile method).

    A resample in which some driver happens to be constant or the drivers collinear (likely with
    few rows and coarse 1-5 scores) cannot be decomposed; it is redrawn. If more than 9 in 10
    draws fail, the data are too thin to bootstrap and a ValueError says so.
    """
    rng = np.random.default_rng(seed)
    n = len(response)
    draws = np.empty((replicates, values.shape[1]))
    done = attempts = 0
    while done < replicates:
        attempts += 1
        if attempts > 10 * replicates:
            raise ValueError(f"only {done} of {attempts - 1} bootstrap resamples could be decomposed (most had "
                             "a constant or collinear driver); collect more rows or use bootstrap=0")
        rows = rng.integers(0, n, size=n)
        sample, sample_y = values[rows], response[rows]
        if (np.ptp(sample, axis=0) == 0).any() or np.ptp(sample_y) == 0:
            continue
        Rxx, rxy = _correlations(sample, sample_y)
        if _collinear(Rxx) is not None:
            continue
        draws[done] = compute(Rxx, rxy)[0]
        done += 1
    return draws


def relative_weights(X: pd.DataFrame, y, *, bootstrap: int = 0, seed=None, level: float = 0.95) -> DriverResult:
    """Johnson's (2000) relative weights of the columns of ``X`` in predicting ``y``.

    Raw weights are non-negative and sum to the regression's R²; ``rescaled`` gives percent of R².
    Use it when there are too many drivers for ``shapley`` (more than 15); with fewer, the two agree
    closely (Johnson 2000, Table 3; LeBreton, Ployhart & Ladd 2004, *Organizational Research Methods* 7(3)).
    ``bootstrap=N`` adds percentile intervals from N row resamples drawn with ``seed``.
    """
    return _fit("relative_weights", X, y, bootstrap, seed, level)


def shapley(X: pd.DataFrame, y, *, bootstrap: int = 0, seed=None, level: float = 0.95) -> DriverResult:
    """Exact LMG / Shapley decomposition of R² among the columns of ``X`` (at most 15).

    Each driver's weight is its R² increase on joining the model, averaged over every order of
    entry (Lindemann, Merenda & Gold 1980; Grömping 2006, the ``lmg`` metric of R's relaimpo).
    Non-negative, sums to R², and does not depend on the order of the columns.
    ``bootstrap=N`` adds percentile intervals from N row resamples drawn with ``seed``.
    """
    return _fit("shapley", X, y, bootstrap, seed, level)


def ols(X: pd.DataFrame, y, *, bootstrap: int = 0, seed=None, level: float = 0.95) -> DriverResult:
    """Standardised OLS betas of ``y`` on ``X``; weights beta_j * r_jy (Pratt 1987) sum to R².

    ``beta`` answers "how many standard deviations does y rise when this driver rises by one, the
    others held fixed". Unlike ``shapley`` and ``relative_weights`` a weight can be negative (a
    suppressor, or a driver whose beta and correlation disagree in sign); treat such items with care.
    ``bootstrap=N`` adds percentile intervals from N row resamples drawn with ``seed``.
    """
    return _fit("ols", X, y, bootstrap, seed, level)
