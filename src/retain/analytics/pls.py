"""PLS path modelling for satisfaction-index structures (ACSI, ECSI): construct scores, paths, indices.

DOMAIN.md section 5 names the structural satisfaction models (SCSB, ACSI, ECSI/CCSI) "estimated as a
PLS path model". This module is that estimator, the one national satisfaction indices use
(Fornell et al. 1996; ECSI Technical Committee 1998), with the ACSI way of turning the estimated
weights into a 0-100 index per construct.

Algorithm
---------
Wold's PLS path modelling as formalised by Lohmöller (1989, *Latent Variable Path Modeling with
Partial Least Squares*, Physica, ch. 2) and described step by step in Tenenhaus, Esposito Vinzi,
Chatelin & Lauro (2005), "PLS path modeling", *Computational Statistics & Data Analysis* 48,
159-205, section 2 ("the PLS algorithm"):

1. Every indicator is standardised (mean 0, sd 1). Starting weights are all 1.
2. Outer estimate of construct j: ``Y_j = X_j w_j``, rescaled to unit variance.
3. Inner estimate: ``Z_j = sum_k e_jk Y_k`` over the constructs k adjacent to j in the path diagram,
   with inner weights ``e_jk`` from the chosen scheme (Tenenhaus et al. 2005, section 2.2.2):

   ``"centroid"``   sign(cor(Y_j, Y_k))  (Wold's original scheme)
   ``"factorial"``  cor(Y_j, Y_k)        (Lohmöller)
   ``"path"``       for k a predecessor of j (k -> j): the coefficient of Y_k in the multiple
                    regression of Y_j on all of j's predecessors; for k a follower of j
                    (j -> k): cor(Y_j, Y_k).  (Lohmöller; the default here, as in SmartPLS and
                    seminr, because it is the only scheme that respects the arrows' direction.)

4. Mode A (reflective) outer weights: ``w_jh = cov(x_jh, Z_j)``, i.e. each indicator's simple
   regression on the inner estimate; back to step 2 until no normalised weight moves by more than
   ``tol``. All blocks are updated together from the previous iteration's scores (Lohmöller's
   simultaneous version; Wold's block-by-block version converges to the same fixed point).
5. Path coefficients: OLS of each endogenous construct's scores on its predecessors' scores
   (standardised, so no intercept); R² from the same regressions; loadings ``cor(x_jh, Y_j)``.

The model is the "composite" / PLS one: scores are weighted sums of their indicators and so carry
measurement error. Under a true reflective factor model PLS paths are attenuated towards 0 and
loadings inflated; they become consistent only as the number of indicators per block grows
("consistency at large", Wold 1982; Dijkstra 1983). That is a property of the method, not a bug:
ACSI/ECSI reports use exactly these estimates.

Sign indeterminacy
------------------
A composite and its negative fit equally well. Rule used here (documented in ``fit``): after
convergence each block is oriented so that the majority of its loadings are positive; on a tie,
so that the sum of its loadings is positive. With positively worded items this is the orientation
everyone expects ("higher score = more satisfied") and it makes bootstrap replicates comparable.

The 0-100 index (ACSI)
----------------------
Fornell, Johnson, Anderson, Cha & Bryant (1996), "The American Customer Satisfaction Index: nature,
purpose, and findings", *Journal of Marketing* 60(4), 7-18, p. 10: the index is the weighted mean
of the construct's indicators on their original scale, with the PLS outer weights "unstandardised"
(divided by each indicator's standard deviation) and normalised to sum to one, then rescaled so that
the scale minimum maps to 0 and the maximum to 100:

    index_j = (sum_h wt_jh * mean(x_jh) - scale_min) / (scale_max - scale_min) * 100,
    wt_jh = (w_jh / sd_jh) / sum_h (w_jh / sd_jh).

Bootstrap
---------
``bootstrap=N`` refits the model on N case-resampled copies of the data (Efron & Tibshirani 1993,
*An Introduction to the Bootstrap*; for PLS: Chin 1998, Tenenhaus et al. 2005 section 3.3): standard
errors are the standard deviation of the replicates, confidence intervals the percentile interval.
The sign rule is applied in every replicate, so no extra sign-change correction is needed.
"""

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from retain.analytics._base import Result, as_frame

SCHEMES = ("path", "centroid", "factorial")

# --------------------------------------------------------------------------------------------------
# Presets
# --------------------------------------------------------------------------------------------------

_SHARED_ITEMS = {
    "CUEX1": "Expectations about overall quality before purchase",
    "CUEX2": "Expectations that the offer would meet personal needs (customisation)",
    "CUEX3": "Expectations about how often things would go wrong (reliability)",
    "PERQ1": "Overall perceived quality",
    "PERQ2": "Perceived customisation: how well it met personal needs",
    "PERQ3": "Perceived reliability: how often things went wrong",
    "PERV1": "Price given quality",
    "PERV2": "Quality given price",
    "CUSA1": "Overall satisfaction",
    "CUSA2": "Fulfilment of expectations (confirmation / disconfirmation)",
    "CUSA3": "Comparison with the ideal product / dealer",
    "CUSCO": "Complaint behaviour / how well the last complaint was handled",
    "CUSL1": "Likelihood to buy again / return for service",
    "CUSL2": "Price tolerance: price increase tolerated before switching",
    "CUSL3": "Likelihood to recommend",
}

ACSI = MappingProxyType({
    "name": "ACSI (Fornell, Johnson, Anderson, Cha & Bryant 1996, J. Marketing 60(4), Figure 1)",
    "paths": (
        ("expectations", "quality"),
        ("expectations", "value"),
        ("expectations", "satisfaction"),
        ("quality", "value"),
        ("quality", "satisfaction"),
        ("value", "satisfaction"),
        ("satisfaction", "complaints"),
        ("satisfaction", "loyalty"),
        ("complaints", "loyalty"),
    ),
    "blocks": MappingProxyType({
        "expectations": ("CUEX1", "CUEX2", "CUEX3"),
        "quality": ("PERQ1", "PERQ2", "PERQ3"),
        "value": ("PERV1", "PERV2"),
        "satisfaction": ("CUSA1", "CUSA2", "CUSA3"),
        "complaints": ("CUSCO",),
        "loyalty": ("CUSL1", "CUSL2", "CUSL3"),
    }),
    "items": MappingProxyType(dict(_SHARED_ITEMS)),
})
"""The ACSI structure: six constructs, nine paths. ``blocks`` are *suggested* indicator names
following Fornell et al. (1996, Table 1: 3 expectation, 3 quality, 2 value, 3 satisfaction (ACSI),
1 complaint, loyalty as repurchase likelihood and price tolerance); ``items`` says what each asks.
Use as ``fit(data, ACSI["blocks"], ACSI["paths"])`` with columns named accordingly."""

ECSI = MappingProxyType({
    "name": "ECSI (ECSI Technical Committee 1998; Tenenhaus et al. 2005, CSDA 48, Figure 1)",
    "paths": (
        ("image", "expectations"),
        ("image", "satisfaction"),
        ("image", "loyalty"),
        ("expectations", "quality"),
        ("expectations", "value"),
        ("expectations", "satisfaction"),
        ("quality", "value"),
        ("quality", "satisfaction"),
        ("value", "satisfaction"),
        ("satisfaction", "complaints"),
        ("satisfaction", "loyalty"),
        ("complaints", "loyalty"),
    ),
    "blocks": MappingProxyType({
        "image": ("IMAG1", "IMAG2", "IMAG3", "IMAG4", "IMAG5"),
        "expectations": ("CUEX1", "CUEX2", "CUEX3"),
        "quality": ("PERQ1", "PERQ2", "PERQ3", "PERQ4", "PERQ5", "PERQ6", "PERQ7"),
        "value": ("PERV1", "PERV2"),
        "satisfaction": ("CUSA1", "CUSA2", "CUSA3"),
        "complaints": ("CUSCO",),
        "loyalty": ("CUSL1", "CUSL2", "CUSL3"),
    }),
    "items": MappingProxyType({
        **_SHARED_ITEMS,
        "IMAG1": "It can be trusted in what it says and does",
        "IMAG2": "It is stable and firmly established",
        "IMAG3": "It makes a social contribution",
        "IMAG4": "It is concerned with customers",
        "IMAG5": "It is innovative and forward looking",
        "PERQ4": "Quality of the services used",
        "PERQ5": "Range of services and products offered",
        "PERQ6": "Reliability and accuracy of the products and services",
        "PERQ7": "Clarity and transparency of information provided",
    }),
})
"""The ECSI structure: the ACSI plus corporate image (-> expectations, satisfaction, loyalty),
twelve paths. Indicator names are those of the ECSI mobile-phone questionnaire used by Tenenhaus
et al. (2005) and distributed as ``mobi`` in the R packages semPLS and seminr (24 items, 1-10)."""


# --------------------------------------------------------------------------------------------------
# Result
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)  # eq=False: pandas fields make field-wise == ambiguous
class PLSResult(Result):
    """A fitted PLS path model.

    ``path_coefficients`` maps (from, to) -> standardised coefficient; ``r2`` maps each endogenous
    construct to its R²; ``loadings`` and ``outer_weights`` are Series indexed by
    (construct, indicator), the weights being those of the *standardised* indicators (scores =
    standardised indicators @ weights, unit variance); ``scores`` holds the standardised construct
    scores (mean 0, sd 1 with the n-1 divisor, rows aligned with the input); ``index`` maps each
    construct to its 0-100 ACSI-style index (empty when ``scale=None``). With ``bootstrap > 0``:
    ``path_se`` / ``path_ci`` (dicts keyed like ``path_coefficients``; CI as (low, high)) and
    ``loading_se`` / ``loading_ci`` (Series / DataFrame with columns low, high).
    """

    path_coefficients: dict
    r2: dict
    loadings: pd.Series
    outer_weights: pd.Series
    scores: pd.DataFrame
    index: dict
    iterations: int
    converged: bool
    n: int
    scheme: str
    bootstrap: int = 0
    bootstrap_failed: int = 0
    ci_level: float = 0.95
    path_se: dict | None = None
    path_ci: dict | None = None
    loading_se: pd.Series | None = None
    loading_ci: pd.DataFrame | None = None
    scale: tuple | None = field(default=None)

    def to_frame(self) -> pd.DataFrame:
        """One row per path: from, to, coefficient, R² of the target (and se, ci_low, ci_high)."""
        rows = []
        for (source, target), coef in self.path_coefficients.items():
            row = {"from": source, "to": target, "coefficient": coef, "r2_to": self.r2[target]}
            if self.path_se is not None:
                row["se"] = self.path_se[(source, target)]
                row["ci_low"], row["ci_high"] = self.path_ci[(source, target)]
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self) -> str:
        lines = [type(self).__name__]
        for key, value in self._scalars().items():
            if value is not None and key not in ("bootstrap_failed", "ci_level") or (
                    key in ("bootstrap_failed", "ci_level") and self.bootstrap):
                lines.append(f"  {key:<14} {value}")
        lines.append("  paths")
        for (source, target), coef in self.path_coefficients.items():
            extra = ""
            if self.path_se is not None:
                low, high = self.path_ci[(source, target)]
                extra = f"  se {self.path_se[(source, target)]:.3f}  CI [{low:.3f}, {high:.3f}]"
            lines.append(f"    {source} -> {target}: {coef:.3f}{extra}")
        lines.append("  R²")
        lines.extend(f"    {name}: {value:.3f}" for name, value in self.r2.items())
        if self.index:
            lines.append("  index (0-100)")
            lines.extend(f"    {name}: {value:.1f}" for name, value in self.index.items())
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------------------------------

def _check_model(data: pd.DataFrame, blocks, paths) -> tuple[dict[str, list[str]], list[tuple[str, str]]]:
    if not isinstance(blocks, Mapping) or not blocks:
        raise ValueError("blocks must be a non-empty dict {construct: [indicator columns]}")
    columns = {str(c) for c in data.columns}
    clean_blocks: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for construct, indicators in blocks.items():
        construct = str(construct)
        if isinstance(indicators, str):
            indicators = [indicators]
        indicators = [str(i) for i in indicators]
        if not indicators:
            raise ValueError(f"block {construct!r} has no indicators; each block needs at least one")
        missing = [i for i in indicators if i not in columns]
        if missing:
            raise ValueError(f"block {construct!r} refers to column(s) {missing} not in data")
        duplicated = sorted({i for i in indicators if indicators.count(i) > 1})
        if duplicated:
            raise ValueError(f"block {construct!r} lists indicator(s) {duplicated} more than once")
        for indicator in indicators:
            if indicator in owner:
                raise ValueError(f"indicator {indicator!r} is in blocks {owner[indicator]!r} and "
                                 f"{construct!r}; a reflective indicator measures one construct")
            owner[indicator] = construct
        clean_blocks[construct] = indicators

    clean_paths: list[tuple[str, str]] = []
    try:
        path_list = list(paths)
    except TypeError:
        raise ValueError("paths must be a list of (from, to) pairs") from None
    if not path_list:
        raise ValueError("paths is empty: a path model needs at least one (from, to) pair")
    for pair in path_list:
        if isinstance(pair, str) or len(pair) != 2:
            raise ValueError(f"each path must be a (from, to) pair, got {pair!r}")
        source, target = str(pair[0]), str(pair[1])
        for construct in (source, target):
            if construct not in clean_blocks:
                raise ValueError(f"construct {construct!r} in path {source!r} -> {target!r} has no block")
        if source == target:
            raise ValueError(f"path {source!r} -> {target!r} is a self-loop")
        if (source, target) in clean_paths:
            raise ValueError(f"path {source!r} -> {target!r} is listed twice")
        if (target, source) in clean_paths:
            raise ValueError(f"paths form a cycle: {source} -> {target} -> {source}")
        clean_paths.append((source, target))

    in_paths = {c for p in clean_paths for c in p}
    isolated = [c for c in clean_blocks if c not in in_paths]
    if isolated:
        raise ValueError(f"construct(s) {isolated} have a block but appear in no path; PLS needs every "
                         "construct connected to another (drop the block or add its paths)")
    cycle = _find_cycle(list(clean_blocks), clean_paths)
    if cycle:
        raise ValueError("paths form a cycle: " + " -> ".join(cycle) + "; the structural model must be "
                         "recursive (a DAG)")
    return clean_blocks, clean_paths


def _find_cycle(nodes: list[str], edges: list[tuple[str, str]]) -> list[str] | None:
    """A directed cycle as [a, b, ..., a], or None (iterative DFS with white/grey/black colours)."""
    children: dict[str, list[str]] = {n: [] for n in nodes}
    for source, target in edges:
        children[source].append(target)
    colour = dict.fromkeys(nodes, 0)
    for start in nodes:
        if colour[start]:
            continue
        stack = [(start, iter(children[start]))]
        trail = [start]
        colour[start] = 1
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                colour[node] = 2
                stack.pop()
                trail.pop()
            elif colour[nxt] == 1:
                return trail[trail.index(nxt):] + [nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                trail.append(nxt)
                stack.append((nxt, iter(children[nxt])))
    return None


# --------------------------------------------------------------------------------------------------
# Estimation core (arrays only; called once for the fit and once per bootstrap replicate)
# --------------------------------------------------------------------------------------------------

def _standardise(values: np.ndarray) -> np.ndarray:
    centred = values - values.mean(axis=0)
    return centred / centred.std(axis=0, ddof=1)


def _regress(y: np.ndarray, X: np.ndarray, what: str) -> np.ndarray:
    """OLS coefficients of standardised y on standardised columns of X (no intercept needed)."""
    coef, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    if rank < X.shape[1]:
        raise ValueError(f"{what}: the predecessors' scores are perfectly collinear")
    return coef


def _estimate(Z: np.ndarray, slices: list[slice], adjacency: np.ndarray, scheme: str,
              max_iter: int, tol: float) -> dict:
    """The PLS iteration on standardised data Z (n x p). ``adjacency[i, j]`` is True for path i -> j."""
    n = Z.shape[0]
    m = len(slices)
    predecessors = [np.flatnonzero(adjacency[:, j]) for j in range(m)]
    connected = adjacency | adjacency.T

    def scores_from(weights: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        Y = np.empty((n, m))
        normed = []
        for j, block in enumerate(slices):
            y = Z[:, block] @ weights[j]
            sd = y.std(ddof=1)
            if not np.isfinite(sd) or sd == 0:
                raise ValueError("a construct's score became constant during the iteration "
                                 "(indicators cancel out); check the block's indicators")
            normed.append(weights[j] / sd)
            Y[:, j] = y / sd
        return Y, normed

    weights = [np.ones(block.stop - block.start) for block in slices]
    Y, weights = scores_from(weights)
    converged = False
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        R = np.corrcoef(Y, rowvar=False) if m > 1 else np.ones((1, 1))
        E = np.zeros((m, m))  # E[k, j]: inner weight of construct k in the inner estimate of j
        if scheme == "centroid":
            E = np.where(connected, np.sign(R), 0.0)
        elif scheme == "factorial":
            E = np.where(connected, R, 0.0)
        else:  # path
            for j in range(m):
                followers = np.flatnonzero(adjacency[j, :])
                E[followers, j] = R[followers, j]
                pred = predecessors[j]
                if pred.size:
                    E[pred, j] = _regress(Y[:, j], Y[:, pred], "inner weights (path scheme)")
        inner = Y @ E
        new = [Z[:, block].T @ inner[:, j] / (n - 1) for j, block in enumerate(slices)]
        Y, new = scores_from(new)
        change = max(float(np.max(np.abs(a - b))) for a, b in zip(new, weights))
        weights = new
        if change < tol:
            converged = True
            break

    # Sign rule: majority of loadings positive; tie -> sum of loadings positive.
    loadings = []
    for j, block in enumerate(slices):
        load = Z[:, block].T @ Y[:, j] / (n - 1)
        positive, negative = int(np.sum(load > 0)), int(np.sum(load < 0))
        if negative > positive or (negative == positive and load.sum() < 0):
            weights[j] = -weights[j]
            Y[:, j] = -Y[:, j]
            load = -load
        loadings.append(load)

    paths = {}
    r2 = np.full(m, np.nan)
    for j in range(m):
        pred = predecessors[j]
        if pred.size:
            coef = _regress(Y[:, j], Y[:, pred], "path coefficients")
            for k, c in zip(pred, coef):
                paths[(k, j)] = float(c)
            fitted = Y[:, pred] @ coef
            r2[j] = 1.0 - float(np.sum((Y[:, j] - fitted) ** 2)) / float(np.sum(Y[:, j] ** 2))
    return {"weights": weights, "scores": Y, "loadings": loadings, "paths": paths, "r2": r2,
            "iterations": iterations, "converged": converged}


# --------------------------------------------------------------------------------------------------
# Public entry point
# --------------------------------------------------------------------------------------------------

def fit(data: pd.DataFrame, blocks: dict[str, list[str]], paths: list[tuple[str, str]],
        scheme: str = "path", bootstrap: int = 0, seed: int | None = None, max_iter: int = 300,
        tol: float = 1e-7, scale: tuple[float, float] | None = (1, 10),
        ci_level: float = 0.95) -> PLSResult:
    """Fit a PLS path model (mode A outer estimation, standardised indicators).

    Parameters
    ----------
    data : DataFrame with one row per respondent; columns not named in ``blocks`` are ignored.
        Indicators must be numeric, without NaN (drop or impute first) and not constant.
    blocks : {construct: [indicator columns]}; every indicator belongs to one block.
    paths : [(from, to), ...]; a recursive structural model (no cycles), every construct in it
        needs a block and every block must take part in a path.
    scheme : inner weighting scheme, "path" (default), "centroid" or "factorial".
    bootstrap : number of case-resampling replicates for standard errors and percentile
        confidence intervals of path coefficients and loadings (0 = none). Replicates in which the
        model cannot be estimated (e.g. an indicator constant in the resample) are redrawn up to
        ``bootstrap`` times and counted in ``bootstrap_failed``.
    seed : seed of the bootstrap's random generator (``numpy.random.default_rng``).
    max_iter, tol : the iteration stops when no (normalised) outer weight changes by ``tol`` or
        more; if ``max_iter`` is reached first the result has ``converged=False`` and a
        ``RuntimeWarning`` is issued.
    scale : (min, max) of the answer scale, for the 0-100 index; ``None`` skips the index. All
        indicators must lie within it.
    ci_level : coverage of the percentile intervals.

    Orientation: each block's sign is chosen so that the majority of its loadings are positive
    (on a tie, so that their sum is positive); see the module docstring.
    """
    if not isinstance(data, pd.DataFrame):
        data = pd.DataFrame(data)
    if scheme not in SCHEMES:
        raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")
    if isinstance(bootstrap, bool) or not isinstance(bootstrap, (int, np.integer)) or bootstrap < 0:
        raise ValueError(f"bootstrap must be a whole number >= 0, got {bootstrap!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, (int, np.integer)) or max_iter < 1:
        raise ValueError(f"max_iter must be a whole number >= 1, got {max_iter!r}")
    if not (isinstance(tol, (int, float)) and np.isfinite(tol) and tol > 0):
        raise ValueError(f"tol must be a positive number, got {tol!r}")
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be in (0, 1), got {ci_level!r}")
    if scale is not None:
        try:
            low, high = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise ValueError(f"scale must be a (min, max) pair of numbers or None, got {scale!r}") from None
        if not (np.isfinite(low) and np.isfinite(high) and high > low):
            raise ValueError(f"scale must satisfy min < max, got {scale!r}")
        scale = (low, high)

    data = data.rename(columns=str)
    blocks, paths = _check_model(data, blocks, paths)
    constructs = list(blocks)
    indicators = [i for c in constructs for i in blocks[c]]
    frame = as_frame(data[indicators], "data", min_rows=3)
    if scale is not None:
        below = [c for c in indicators if frame[c].min() < scale[0]]
        above = [c for c in indicators if frame[c].max() > scale[1]]
        if below or above:
            raise ValueError(f"indicator(s) {below + above} fall outside the answer scale {scale}; "
                             "fix the scale argument, recode, or pass scale=None to skip the index")

    slices, start = [], 0
    for c in constructs:
        slices.append(slice(start, start + len(blocks[c])))
        start += len(blocks[c])
    position = {c: j for j, c in enumerate(constructs)}
    adjacency = np.zeros((len(constructs), len(constructs)), dtype=bool)
    for source, target in paths:
        adjacency[position[source], position[target]] = True

    raw = frame.to_numpy()
    est = _estimate(_standardise(raw), slices, adjacency, scheme, max_iter, tol)
    if not est["converged"]:
        warnings.warn(f"PLS did not converge in {max_iter} iterations (tol={tol}); estimates are from "
                      "the last iteration", RuntimeWarning, stacklevel=2)

    pairs = pd.MultiIndex.from_tuples([(c, i) for c in constructs for i in blocks[c]],
                                      names=["construct", "indicator"])
    loadings = pd.Series(np.concatenate(est["loadings"]), index=pairs, name="loading")
    weights = pd.Series(np.concatenate(est["weights"]), index=pairs, name="weight")
    path_coefficients = {(s, t): est["paths"][(position[s], position[t])] for s, t in paths}
    r2 = {c: float(est["r2"][position[c]]) for c in constructs if adjacency[:, position[c]].any()}
    scores = pd.DataFrame(est["scores"], index=data.index, columns=constructs)

    index = {}
    if scale is not None:
        sd = raw.std(axis=0, ddof=1)
        means = raw.mean(axis=0)
        for j, c in enumerate(constructs):
            unstd = est["weights"][j] / sd[slices[j]]
            total = unstd.sum()
            if total == 0:
                index[c] = float("nan")
                continue
            mean_score = float((unstd / total) @ means[slices[j]])
            index[c] = (mean_score - scale[0]) / (scale[1] - scale[0]) * 100.0

    extra = {}
    if bootstrap:
        extra = _bootstrap(raw, slices, adjacency, scheme, max_iter, tol, bootstrap, seed, ci_level,
                           paths, position, pairs)
    return PLSResult(path_coefficients=path_coefficients, r2=r2, loadings=loadings,
                     outer_weights=weights, scores=scores, index=index,
                     iterations=int(est["iterations"]), converged=bool(est["converged"]),
                     n=int(len(frame)), scheme=scheme, bootstrap=int(bootstrap),
                     ci_level=float(ci_level), scale=scale, **extra)


def _bootstrap(raw, slices, adjacency, scheme, max_iter, tol, replicates, seed, ci_level,
               paths, position, pairs) -> dict:
    rng = np.random.default_rng(seed)
    n = raw.shape[0]
    path_draws, loading_draws = [], []
    failed = 0
    while len(path_draws) < replicates:
        sample = raw[rng.integers(0, n, size=n)]
        try:
            if np.any(np.ptp(sample, axis=0) == 0):
                raise ValueError("constant indicator in resample")
            est = _estimate(_standardise(sample), slices, adjacency, scheme, max_iter, tol)
        except ValueError:
            failed += 1
            if failed > replicates:
                raise ValueError(f"bootstrap: more than {replicates} resamples could not be estimated "
                                 "(constant or collinear indicators in the resamples); the sample is "
                                 "too small or too degenerate to bootstrap") from None
            continue
        path_draws.append([est["paths"][(position[s], position[t])] for s, t in paths])
        loading_draws.append(np.concatenate(est["loadings"]))
    path_draws = np.asarray(path_draws)
    loading_draws = np.asarray(loading_draws)
    tail = (1 - ci_level) / 2 * 100
    p_low, p_high = np.percentile(path_draws, [tail, 100 - tail], axis=0)
    l_low, l_high = np.percentile(loading_draws, [tail, 100 - tail], axis=0)
    p_se = path_draws.std(axis=0, ddof=1) if replicates > 1 else np.full(len(paths), np.nan)
    l_se = loading_draws.std(axis=0, ddof=1) if replicates > 1 else np.full(len(pairs), np.nan)
    return {
        "path_se": {p: float(s) for p, s in zip(paths, p_se)},
        "path_ci": {p: (float(a), float(b)) for p, a, b in zip(paths, p_low, p_high)},
        "loading_se": pd.Series(l_se, index=pairs, name="se"),
        "loading_ci": pd.DataFrame({"low": l_low, "high": l_high}, index=pairs),
        "bootstrap_failed": failed,
    }
