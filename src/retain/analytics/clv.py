"""Customer lifetime value: repeat-buying models fitted by maximum likelihood, and the course formula.

- ``BetaGeo``: BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way",
  Marketing Science 24(2)); how many visits a customer will make and whether they are still alive.
- ``ModifiedBetaGeo``: MBG/NBD (Batislam, Denizel & Filiztekin 2007, IJRM 24(3)), BG/NBD in which
  a customer may also drop out right after the first purchase, so P(alive) < 1 without repeats.
- ``ParetoNBD``: Pareto/NBD (Schmittlein, Morrison & Colombo 1987), the likelihood as written by
  Fader, Hardie & Lee (2005, "A note on deriving the Pareto/NBD model").
- ``GammaGamma``: spend per visit (Fader, Hardie & Lee 2005, "RFM and CLV", Journal of Marketing
  Research 42(4)); Colombo & Jiang (1999).
- ``lifetime_value``: discounted expected revenue over a horizon, the way ``lifetimes`` computes it.
- ``formula``: CLV = (RR - TRC) x T - AC, the training course's definition (DOMAIN.md section 7).

Speed comes from two levers: customers with the same (frequency, recency, T) share one
likelihood term, so the fit runs over distinct patterns weighted by their counts; and the
log-likelihood comes with its analytic gradient and Hessian, so Newton's method, started from a
fit on a sample, converges in a few passes over the data instead of the thousands of evaluations
Nelder-Mead needs.

Inputs follow ``rfm.summary``: frequency = repeat purchase periods, recency = first to last
purchase, T = first purchase to the end of observation, monetary = mean repeat spend. Fits take
one value per customer; predictions take plain numbers, lists, numpy arrays or pandas Series and
broadcast them, as ``lifetimes`` does, returning a plain number for plain numbers.
"""

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1, polygamma

from ._base import Result, as_array, as_vector


def _check_rft(frequency, recency, T):
    """Checked (x, t_x, T) for a fit: one-dimensional, one value per customer."""
    x = as_vector(frequency, "frequency", integer=True, low=0)
    t_x = as_vector(recency, "recency", low=0)
    big_t = as_vector(T, "T", low=0)
    if not (len(x) == len(t_x) == len(big_t)):
        raise ValueError(f"frequency, recency and T must have the same length ({len(x)}, {len(t_x)}, {len(big_t)})")
    return _check_histories(x, t_x, big_t)


def _broadcast(names, *arrays):
    try:
        return np.broadcast_arrays(*arrays)
    except ValueError:
        shapes = ", ".join(f"{name} {np.shape(a)}" for name, a in zip(names, arrays))
        raise ValueError(f"{', '.join(names[:-1])} and {names[-1]} must have the same length or "
                         f"broadcast together (shapes: {shapes})") from None


def _histories(frequency, recency, T):
    """Checked (x, t_x, T) for a prediction: plain numbers, lists, numpy arrays or pandas Series,
    broadcast against each other as numpy does (as in lifetimes: ``p_alive(2, 30.43, 38.86)``
    or one T for many customers)."""
    x = as_array(frequency, "frequency", integer=True, low=0)
    t_x = as_array(recency, "recency", low=0)
    big_t = as_array(T, "T", low=0)
    return _check_histories(*_broadcast(("frequency", "recency", "T"), x, t_x, big_t))


def _scalar_or_array(values):
    """A prediction from plain numbers is a plain number (a numpy float); otherwise an array of
    the broadcast shape."""
    values = np.asarray(values)
    return values[()] if values.ndim == 0 else values


def _check_histories(x, t_x, big_t):
    if (t_x > big_t).any():
        raise ValueError("recency cannot exceed T (the last purchase falls after the end of observation)")
    if ((x == 0) & (t_x > 0)).any():
        raise ValueError("a customer with frequency 0 must have recency 0")
    if ((x > 0) & (t_x == 0)).any():
        raise ValueError("a customer with repeat purchases must have recency > 0")
    return x, t_x, big_t


def _unique_inverse(column: np.ndarray):
    """``np.unique(column, return_inverse=True)``, in linear time for whole numbers in a small
    range (days, counts: the usual case) instead of a sort."""
    if column.size and column.dtype.kind in "iuf":
        low, high = column.min(), column.max()
        if low >= 0 and high <= 4 * column.size + 1024 and (column.dtype.kind != "f" or (column == np.floor(column)).all()):
            whole = column.astype(np.int64)
            present = np.zeros(int(high) + 1, dtype=bool)
            present[whole] = True
            values = np.flatnonzero(present)
            return values.astype(column.dtype), (np.cumsum(present) - 1)[whole]
    return np.unique(column, return_inverse=True)


class _Levels:
    """A column as (distinct values, index into them): a function of the column is computed
    on the few distinct values and gathered, instead of once per row."""

    def __init__(self, column=None, *, values=None, index=None):
        if column is not None:
            values, index = _unique_inverse(np.asarray(column))
        self.values, self.index = values, index

    def take(self, rows) -> "_Levels":
        return _Levels(values=self.values, index=self.index[rows])

    @property
    def column(self) -> np.ndarray:
        return self.values[self.index]


def _patterns(*columns):
    """Distinct rows of the given columns (as ``_Levels``) and how many customers share each.

    Each column is coded by its distinct values once, and the codes are combined into one
    integer key: far faster than ``np.unique(axis=0)`` on a million rows."""
    levels = [_Levels(column) for column in columns]
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for level in levels:
        key = key * len(level.values) + level.index
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    return [level.take(first) for level in levels], counts.astype(float)


def _distinct(*columns):
    """Distinct rows of the columns and, per input row, the index of its distinct row."""
    levels = [_Levels(column) for column in columns]
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for level in levels:
        key = key * len(level.values) + level.index
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return [column[first] for column in columns], inverse


def _standard_errors(hessian):
    try:
        variances = np.diag(np.linalg.inv(-hessian))
    except np.linalg.LinAlgError:
        return np.full(len(hessian), np.nan)
    return np.sqrt(np.where(variances > 0, variances, np.nan))


def _newton(loglik, theta0, n: float, max_iter: int = 200, tol: float = 1e-10):
    """Maximise ``loglik(theta, hessian=True) -> (ll, grad, hess)`` over positive parameters.

    Newton steps in log-parameters, made safe by a Levenberg-Marquardt shift when the Hessian
    is not negative definite and by step halving when the likelihood does not rise. Stops when
    the gradient per customer (``n`` of them; in log-parameters) is below ``tol``."""
    phi = np.log(theta0)
    ll, grad, hess = loglik(np.exp(phi), hessian=True)
    for iteration in range(1, max_iter + 1):
        theta = np.exp(phi)
        g_phi = theta * grad
        if np.max(np.abs(g_phi)) / n < tol:
            return theta, ll, hess, iteration - 1, True
        h_phi = -(np.outer(theta, theta) * hess + np.diag(g_phi))
        shift = 0.0
        while True:
            try:
                np.linalg.cholesky(h_phi + shift * np.eye(len(phi)))
                break
            except np.linalg.LinAlgError:
                shift = max(2 * shift, 1e-6 * np.max(np.abs(np.diag(h_phi))) + 1e-12)
        step = np.linalg.solve(h_phi + shift * np.eye(len(phi)), g_phi)
        step = step * min(1.0, 2.0 / np.max(np.abs(step)))  # at most a factor e^2 at once, same direction
        if shift == 0.0 and np.max(np.abs(step)) < 1e-9:
            # A Newton step this small from a point where the Hessian is negative definite: the
            # optimum is within a relative 1e-9; taking the step would cost one more full pass.
            return np.exp(phi + step), ll, hess, iteration, True
        for _ in range(60):
            candidate = phi + step
            new_ll, new_grad, new_hess = loglik(np.exp(candidate), hessian=True)
            if np.isfinite(new_ll) and new_ll >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        else:
            return np.exp(phi), ll, hess, iteration, False
        converged_step = np.max(np.abs(candidate - phi)) < 1e-12
        phi, ll, grad, hess = candidate, new_ll, new_grad, new_hess
        if converged_step:
            return np.exp(phi), ll, hess, iteration, True
    return np.exp(phi), ll, hess, max_iter, False


class _BgNbdData:
    """Distinct (x, t_x, T) patterns with their counts, and the BG/NBD log-likelihood with its
    analytic gradient and Hessian (FHL 2005 eq. 6).

    Write each customer's term as A3 + softplus(E), with A3 = -(r + x) log(alpha + T) and
    E = A4 - A3 = log a - log(b + x - 1) + (r + x) log((alpha + T) / (alpha + t_x)) for repeat
    buyers (E = -inf otherwise). Everything that depends on x alone or on T alone is summed over
    its distinct values with their total counts; only the softplus term and its share
    s4 = sigmoid(E) need a pass over the repeat buyers' patterns. Second derivatives of
    log(e^A3 + e^A4) are s3 A3'' + s4 A4'' + s3 s4 D D' with D = A3' - A4'.
    """

    def __init__(self, xs: _Levels, txs: _Levels, ts: _Levels, counts, modified: int = 0):
        # MBG/NBD (modified = 1): the beta functions' argument b + x becomes b + x + 1 and every
        # customer, not only repeat buyers, has the "dropped out after the last purchase" term.
        self.n, self.modified = float(counts.sum()), modified
        x = xs.column
        self.u_t, self.u_tx, self.u_x = ts.values, txs.values, xs.values.astype(float)
        self.count_by_t = np.bincount(ts.index, weights=counts, minlength=len(ts.values))
        self.x_count_by_t = np.bincount(ts.index, weights=counts * x, minlength=len(ts.values))
        self.count_by_x = np.bincount(xs.index, weights=counts, minlength=len(xs.values))
        repeat = (x > 0) | bool(modified)
        self.x_r, self.c_r = x[repeat].astype(float), counts[repeat]
        self.i_t, self.i_tx, self.i_x = ts.index[repeat], txs.index[repeat], xs.index[repeat]

    def loglik(self, theta, hessian=False):
        r, alpha, a, b = theta
        n, ux, cx, ct, cxt = self.n, self.u_x, self.count_by_x, self.count_by_t, self.x_count_by_t
        lat_u, latx_u = np.log(alpha + self.u_t), np.log(alpha + self.u_tx)
        inv_t_u, inv_tx_u = 1 / (alpha + self.u_t), 1 / (alpha + self.u_tx)
        ub = ux + self.modified  # the shifted argument of the beta functions
        kb_u = 1 / (b + np.maximum(ub - 1, 0))
        # Pass over repeat buyers.
        diff = lat_u[self.i_t] - latx_u[self.i_tx]
        rx = r + self.x_r
        e = (np.log(a) + np.log(kb_u))[self.i_x] + rx * diff
        softplus = np.logaddexp(0, e)
        s4 = np.exp(e - softplus)
        w = self.c_r * s4
        w_by_x = np.bincount(self.i_x, weights=w, minlength=len(ux))
        it, itx = inv_t_u[self.i_t], inv_tx_u[self.i_tx]
        dinv = it - itx
        wrx = w * rx
        total_w = w.sum()

        ll = (cx @ (gammaln(r + ux) + betaln(a, b + ub)) + n * (r * np.log(alpha) - gammaln(r) - betaln(a, b))
              - (r * ct + cxt) @ lat_u + self.c_r @ softplus)
        grad = np.array([
            cx @ digamma(r + ux) + n * (np.log(alpha) - digamma(r)) - ct @ lat_u + w @ diff,
            n * r / alpha - (r * ct + cxt) @ inv_t_u + wrx @ dinv,
            n * digamma(a + b) - cx @ digamma(a + b + ub) + total_w / a,
            n * (digamma(a + b) - digamma(b)) + cx @ (digamma(b + ub) - digamma(a + b + ub)) - w_by_x @ kb_u,
        ])
        if not hessian:
            return ll, grad, None
        u = w - w * s4  # c s3 s4
        ud, urx = u * diff, u * rx
        u_by_x = np.bincount(self.i_x, weights=u, minlength=len(ux))
        trig_ab, trig_abx = polygamma(1, a + b), cx @ polygamma(1, a + b + ub)
        h = np.empty((4, 4))
        h[0, 0] = cx @ polygamma(1, r + ux) - n * polygamma(1, r) + ud @ diff
        h[0, 1] = n / alpha - ct @ inv_t_u + w @ dinv + (ud * rx) @ dinv
        h[1, 1] = (-n * r / alpha**2 + (r * ct + cxt) @ inv_t_u**2 - wrx @ (dinv * (it + itx))
                   + (urx * rx) @ (dinv * dinv))
        h[0, 2] = ud.sum() / a
        h[1, 2] = (urx @ dinv) / a
        h[0, 3] = -np.bincount(self.i_x, weights=ud, minlength=len(ux)) @ kb_u
        h[1, 3] = -np.bincount(self.i_x, weights=urx * dinv, minlength=len(ux)) @ kb_u
        h[2, 2] = n * trig_ab - trig_abx + (u.sum() - total_w) / a**2
        h[2, 3] = n * trig_ab - trig_abx - (u_by_x @ kb_u) / a
        h[3, 3] = (n * (trig_ab - polygamma(1, b)) + cx @ polygamma(1, b + ub) - trig_abx
                   + (w_by_x + u_by_x) @ kb_u**2)
        h = np.triu(h) + np.triu(h, 1).T
        return ll, grad, h


@dataclass(frozen=True)
class FittedModel(Result):
    """Parameters, their standard errors, the maximised log-likelihood and the data size."""

    params: dict
    se: dict
    loglik: float
    n: int
    iterations: int
    converged: bool

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"estimate": self.params, "se": self.se})

    def summary(self) -> str:
        lines = [f"{type(self).__name__}: n = {self.n}, log-likelihood = {self.loglik:.4f}"]
        lines += [f"  {k:<6} {v:12.6g}  (se {self.se[k]:.3g})" for k, v in self.params.items()]
        return "\n".join(lines)


@dataclass(frozen=True)
class BetaGeo(FittedModel):
    """A fitted BG/NBD model. Use ``BetaGeo.fit(frequency, recency, T)``.

    Predictions take plain numbers, lists, numpy arrays or pandas Series and broadcast them
    (``m.expected_purchases(39, 2, 30.43, 38.86)``); plain numbers in, a plain number out.

    A customer without a repeat purchase cannot have dropped out under BG/NBD (dropout happens
    only just after a repeat purchase), so ``p_alive`` is 1 for every x = 0, however long ago
    they were seen: use ``ModifiedBetaGeo`` or ``ParetoNBD`` where that figure is shown."""

    #: 1 in MBG/NBD, where a customer may also drop out right after the first purchase.
    modified: ClassVar[int] = 0
    model_name: ClassVar[str] = "BG/NBD"

    @classmethod
    def fit(cls, frequency, recency, T):
        """Maximum likelihood by Newton's method with the analytic gradient and Hessian.

        Started from a fit on a random sample of at most 20,000 customers, the full data need
        three or four Newton steps; the Hessian at the optimum gives the standard errors."""
        x, t_x, big_t = _check_rft(frequency, recency, T)
        if not (x > 0).any():
            raise ValueError(f"no customer has a repeat purchase: {cls.model_name} cannot be fitted")
        levels, counts = _patterns(x, t_x, big_t)
        data = _BgNbdData(*levels, counts, modified=cls.modified)
        start = np.array([1.0, max(float(np.average(levels[2].column, weights=counts)), 1e-6), 1.0, 1.0])
        if len(counts) > 20_000:
            rows = np.random.default_rng(0).choice(len(counts), size=20_000, p=counts / counts.sum())
            sample = _BgNbdData(*(level.take(rows) for level in levels), np.ones(len(rows)), modified=cls.modified)
            start, *_ = _newton(sample.loglik, start, sample.n)
        theta, loglik, hessian, iterations, converged = _newton(data.loglik, start, data.n)
        return cls(params=dict(zip(["r", "alpha", "a", "b"], theta.tolist())),
                   se=dict(zip(["r", "alpha", "a", "b"], _standard_errors(hessian).tolist())),
                   loglik=loglik, n=int(counts.sum()), iterations=iterations, converged=converged)

    # Predictions (FHL 2005, eqs. 9-11; Batislam et al. 2007 for MBG/NBD, which is BG/NBD's
    # formulas with b + 1 in place of b and the dropout term for x = 0 as well). --------------

    def _unpack(self):
        p = self.params
        return p["r"], p["alpha"], p["a"], p["b"]

    def expected_purchases_new(self, t):
        """E[X(t)]: repeat purchases by a new customer in the first t periods (eq. 9; for
        MBG/NBD Batislam et al. 2007, b / (a - 1) in front: the customer may drop out at once)."""
        r, alpha, a, b = self._unpack()
        head = b / (a - 1) if self.modified else (a + b - 1) / (a - 1)
        b = b + self.modified
        t = as_array(t, "t", low=0)
        return _scalar_or_array(head * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t))))

    def p_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T) (eq. 11 of the technical note; under BG/NBD customers without
        repeats are alive, under MBG/NBD they are not certainly so)."""
        return _scalar_or_array(self._p_alive(*_histories(frequency, recency, T)))

    def _p_alive(self, x, t_x, big_t):
        r, alpha, a, b = self._unpack()
        log_ratio = (np.log(a) - np.log(np.maximum(b + x - 1 + self.modified, 1e-300))
                     + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x)))
        alive = expit(-log_ratio)
        return alive if self.modified else np.where(x > 0, alive, 1.0)

    def expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T]: purchases in the next t periods by customers with this history
        (eq. 10). All four arguments broadcast.

        Eq. 10 is P(alive) times a term of (t, x, T) alone, whose Gaussian hypergeometric
        function (the costly part) is computed once per distinct (t, x, T)."""
        x, t_x, big_t = _histories(frequency, recency, T)
        t, x, t_x, big_t = _broadcast(("t", "frequency", "recency", "T"), as_array(t, "t", low=0), x, t_x, big_t)
        (ut, ux, u_big), inverse = _distinct(t.ravel(), x.ravel(), big_t.ravel())
        if_alive = self._if_alive(ut, ux, u_big)[inverse].reshape(x.shape)
        return _scalar_or_array(if_alive * self._p_alive(x, t_x, big_t))

    def expected_purchases_by(self, horizons, frequency, recency, T) -> np.ndarray:
        """Cumulative E[Y(t) | x, t_x, T] for each t in ``horizons``: an array of shape
        (horizons,) + the customers' broadcast shape.

        The term of x and T alone is computed once per distinct (x, T) and horizon, and
        P(alive) once per customer."""
        horizons = as_vector(horizons, "horizons", low=0)
        x, t_x, big_t = _histories(frequency, recency, T)
        alive = self._p_alive(x, t_x, big_t)
        (ux, ut), inverse = _distinct(x.ravel(), big_t.ravel())
        return np.stack([self._if_alive(float(t), ux, ut)[inverse].reshape(x.shape) * alive for t in horizons])

    def _if_alive(self, t, x, big_t):
        r, alpha, a, b = self._unpack()
        b = b + self.modified
        z = t / (alpha + big_t + t)
        head = (a + b + x - 1) / (a - 1)
        return head * (1 - ((alpha + big_t) / (alpha + big_t + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))


@dataclass(frozen=True)
class ModifiedBetaGeo(BetaGeo):
    """A fitted MBG/NBD model (Batislam, Denizel & Filiztekin 2007, "Empirical validation and
    comparison of models for customer base analysis", IJRM 24(3)): BG/NBD in which a customer
    may also drop out right after the first purchase, so a customer without a repeat purchase
    seen long ago has P(alive) < 1. Use ``ModifiedBetaGeo.fit(frequency, recency, T)``; the
    likelihood, its analytic gradient and Hessian are BG/NBD's with b + x shifted by one."""

    modified: ClassVar[int] = 1
    model_name: ClassVar[str] = "MBG/NBD"


@dataclass(frozen=True)
class ParetoNBD(FittedModel):
    """A fitted Pareto/NBD model. Use ``ParetoNBD.fit(frequency, recency, T)``.

    Parameters r, alpha (purchase rate ~ Gamma(r, alpha)) and s, beta (dropout rate ~ Gamma(s, beta)).
    """

    @classmethod
    def fit(cls, frequency, recency, T) -> "ParetoNBD":
        """Maximum likelihood by Newton's method with the analytic gradient and Hessian
        (``_ParetoNbdData``), started from a fit on a random sample of at most 20,000 customer
        patterns; the reported log-likelihood is the closed form's (Gaussian hypergeometric
        functions) at the optimum, and the Hessian there gives the standard errors."""
        x, t_x, big_t = _check_rft(frequency, recency, T)
        if not (x > 0).any():
            raise ValueError("no customer has a repeat purchase: Pareto/NBD cannot be fitted")
        levels, counts = _patterns(x, t_x, big_t)
        data = _ParetoNbdData(*(level.column for level in levels), counts)
        scale = float(np.average(data.big_t, weights=counts))
        start = np.array([1.0, scale, 1.0, scale])
        if len(counts) > 20_000:
            rows = np.random.default_rng(0).choice(len(counts), size=20_000, p=counts / counts.sum())
            sample = _ParetoNbdData(data.x[rows], data.t_x[rows], data.big_t[rows], np.ones(len(rows)))
            start, *_ = _newton(sample.loglik, start, sample.n)
        theta, _, hessian, iterations, converged = _newton(data.loglik, start, data.n)
        names = ["r", "alpha", "s", "beta"]
        loglik = float(counts @ _pareto_loglik(tuple(theta), data.x, data.t_x, data.big_t))
        return cls(params=dict(zip(names, theta.tolist())), se=dict(zip(names, _standard_errors(hessian).tolist())),
                   loglik=loglik, n=int(counts.sum()), iterations=iterations, converged=converged)

    def _unpack(self):
        return tuple(self.params[k] for k in ("r", "alpha", "s", "beta"))

    def p_alive(self, frequency, recency, T):
        """P(alive | x, t_x, T) (Fader, Hardie & Lee 2005 note, eq. 18). Arguments broadcast."""
        return _scalar_or_array(self._p_alive(*_histories(frequency, recency, T)))

    def _p_alive(self, x, t_x, big_t):
        r, alpha, s, beta = self._unpack()
        ll = _pareto_loglik((r, alpha, s, beta), x, t_x, big_t)
        log_alive = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
                     - (r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t))
        return np.exp(log_alive - ll)

    def expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | x, t_x, T] (Schmittlein et al. 1987, eq. 22). All four arguments broadcast."""
        r, alpha, s, beta = self._unpack()
        x, t_x, big_t = _histories(frequency, recency, T)
        t, x, t_x, big_t = _broadcast(("t", "frequency", "recency", "T"), as_array(t, "t", low=0), x, t_x, big_t)
        return _scalar_or_array((r + x) * (beta + big_t) / ((alpha + big_t) * (s - 1))
                                * (1 - ((beta + big_t) / (beta + big_t + t)) ** (s - 1)) * self._p_alive(x, t_x, big_t))

    def expected_purchases_by(self, horizons, frequency, recency, T) -> np.ndarray:
        """Cumulative E[Y(t) | x, t_x, T] for each t in ``horizons``: an array of shape
        (horizons,) + the customers' broadcast shape."""
        r, alpha, s, beta = self._unpack()
        horizons = as_vector(horizons, "horizons", low=0)
        x, t_x, big_t = _histories(frequency, recency, T)
        scale = (r + x) * (beta + big_t) / ((alpha + big_t) * (s - 1)) * self._p_alive(x, t_x, big_t)
        return np.stack([scale * (1 - ((beta + big_t) / (beta + big_t + t)) ** (s - 1)) for t in horizons])


class _ParetoNbdData:
    """Distinct (x, t_x, T) patterns with their counts, and the Pareto/NBD log-likelihood with
    its analytic gradient and Hessian.

    Each customer's likelihood (Fader, Hardie & Lee 2005 note, eq. 3 integrated over the
    dropout time) is

        L = G(r+x)/G(r) a^r b^s [ (a+T)^-(r+x) (b+T)^-s + s I ],
        I = integral from t_x to T of f(tau) = (a+tau)^-(r+x) (b+tau)^-(s+1) dtau,

    (a = alpha, b = beta). The closed form of I needs Gaussian hypergeometric functions whose
    derivatives in r and s have no convenient form; the integral differentiates under the
    integral sign: with phi = grad log f = (-log(a+tau), -(r+x)/(a+tau), -log(b+tau),
    -(s+1)/(b+tau)) and the weights pi = f / I, grad log I = E_pi[phi] and the Hessian of
    log I = E_pi[hess log f] + Cov_pi[phi]. So I, its gradient and Hessian come from one
    Gauss-Legendre rule, and the Hessian's sums over all (customer, node) pairs are one matrix
    product. The rule runs in u = -log(c+tau), c = min(a, b): there the integrand is
    exp(k u) / (1 + |a-b| e^u)^q, analytic in a strip of half-width pi around the real axis
    whatever the parameters, so 24 nodes reach about 1e-12 (tests compare with the closed form);
    where the integrand falls steeply below its top (many purchases, a long silence since) the
    interval is cut where it has fallen by e^-36 (its log is concave, so the tangent there
    bounds the rest).
    """

    NODES, WEIGHTS = np.polynomial.legendre.leggauss(24)
    NODES, WEIGHTS = (NODES + 1) / 2, WEIGHTS / 2
    CUT = 36.0
    CHUNK = 16_384  # patterns per pass: bounds the (patterns x nodes) temporaries to a few MB

    def __init__(self, x, t_x, big_t, counts):
        self.x, self.t_x, self.big_t = (np.asarray(v, dtype=float) for v in (x, t_x, big_t))
        self.counts, self.n = np.asarray(counts, dtype=float), float(np.sum(counts))

    def loglik(self, theta, hessian=False):
        r, alpha, s, beta = (float(v) for v in theta)
        total, grad, hess = 0.0, np.zeros(4), np.zeros((4, 4))
        for lo in range(0, len(self.x), self.CHUNK):
            part = slice(lo, lo + self.CHUNK)
            value, g, h = self._chunk(r, alpha, s, beta, self.x[part], self.t_x[part], self.big_t[part],
                                      self.counts[part], hessian)
            total, grad = total + value, grad + g
            if hessian:
                hess += h
        return total, grad, (hess if hessian else None)

    def _chunk(self, r, alpha, s, beta, x, t_x, big_t, counts, hessian):
        c0, d = min(alpha, beta), abs(alpha - beta)
        alpha_is_c = alpha <= beta
        k = r + s + x
        q = s + 1 if alpha_is_c else r + x
        u_top = -np.log(c0 + t_x)
        length = u_top + np.log(c0 + big_t)
        e_top = d * np.exp(u_top)
        slope = k - q * e_top / (1 + e_top)  # d/du of the log-integrand at the top: its least slope
        span = np.where(slope > 0, np.minimum(length, self.CUT / np.where(slope > 0, slope, 1.0)), length)
        u = u_top[:, None] - span[:, None] * self.NODES
        e_u = np.exp(u)  # 1 / (c + tau)
        log_other = np.log1p(d * e_u) - u  # log(max(a, b) + tau)
        inv_other = e_u / (1 + d * e_u)
        log_a, log_b = (-u, log_other) if alpha_is_c else (log_other, -u)
        inv_a, inv_b = (e_u, inv_other) if alpha_is_c else (inv_other, e_u)
        rx = r + x
        with np.errstate(divide="ignore"):  # t_x = T: an empty interval, I = 0, log I = -inf
            terms = -rx[:, None] * log_a - (s + 1) * log_b - u + np.log(span[:, None] * self.WEIGHTS)
        top = terms.max(axis=1)
        safe_top = np.where(np.isfinite(top), top, 0.0)
        pi = np.exp(terms - safe_top[:, None])
        mass = pi.sum(axis=1)
        with np.errstate(divide="ignore"):
            log_i = np.log(mass) + safe_top
        pi /= np.where(mass > 0, mass, 1.0)[:, None]

        log_at, log_bt = np.log(alpha + big_t), np.log(beta + big_t)
        first = -rx * log_at - s * log_bt  # A: alive at T
        second = np.log(s) + log_i  # B: dropped out between t_x and T
        both = np.logaddexp(first, second)
        w = np.exp(second - both)
        common = gammaln(rx) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
        value = counts @ (common + both)

        e_la, e_ia = (pi * log_a).sum(axis=1), (pi * inv_a).sum(axis=1)
        e_lb, e_ib = (pi * log_b).sum(axis=1), (pi * inv_b).sum(axis=1)
        grad_a = np.stack([-log_at, -rx / (alpha + big_t), -log_bt, -s / (beta + big_t)], axis=1)
        grad_b = np.stack([-e_la, -rx * e_ia, 1 / s - e_lb, -(s + 1) * e_ib], axis=1)
        grad_c = np.stack([digamma(rx) - digamma(r) + np.log(alpha), np.full_like(x, r / alpha),
                           np.full_like(x, np.log(beta)), np.full_like(x, s / beta)], axis=1)
        grad = counts @ (grad_c + (1 - w)[:, None] * grad_a + w[:, None] * grad_b)
        if not hessian:
            return value, grad, None

        cw, c1 = counts * w, counts * (1 - w)
        h = np.zeros((4, 4))
        # C = log G(r+x) - log G(r) + r log a + s log b.
        h[0, 0] = counts @ (polygamma(1, rx) - polygamma(1, r))
        h[0, 1] = counts.sum() / alpha
        h[1, 1] = -counts.sum() * r / alpha**2
        h[2, 3] = counts.sum() / beta
        h[3, 3] = -counts.sum() * s / beta**2
        # (1 - w) x hess A, A = -(r+x) log(a+T) - s log(b+T).
        h[0, 1] -= c1 @ (1 / (alpha + big_t))
        h[1, 1] += c1 @ (rx / (alpha + big_t) ** 2)
        h[2, 3] -= c1 @ (1 / (beta + big_t))
        h[3, 3] += c1 @ (s / (beta + big_t) ** 2)
        # w x hess B, B = log s + log I: E_pi[hess log f] + Cov_pi[phi], and -1/s^2.
        h[0, 1] -= cw @ e_ia
        h[1, 1] += cw @ (rx * (pi * inv_a * inv_a).sum(axis=1))
        h[2, 3] -= cw @ e_ib
        h[3, 3] += (s + 1) * (cw @ (pi * inv_b * inv_b).sum(axis=1))
        h[2, 2] -= cw.sum() / s**2
        node_weight = (cw[:, None] * pi).ravel()
        phi = np.stack([-log_a.ravel(), -(rx[:, None] * inv_a).ravel(), -log_b.ravel(), -(s + 1) * inv_b.ravel()],
                       axis=1)
        mean_phi = grad_b - np.array([0.0, 0.0, 1 / s, 0.0])
        h_upper = np.triu(h) + np.triu(h, 1).T
        h_upper += (phi * node_weight[:, None]).T @ phi - (mean_phi * cw[:, None]).T @ mean_phi
        # w (1 - w) (grad B - grad A)(grad B - grad A)^T: the mixing of the two terms.
        gap = grad_b - grad_a
        h_upper += (gap * (counts * w * (1 - w))[:, None]).T @ gap
        return value, grad, h_upper


def _pareto_loglik(params, x, t_x, big_t):
    """Individual Pareto/NBD log-likelihood (Fader, Hardie & Lee 2005 note, eqs. 19-22), with
    the Gaussian hypergeometric terms arranged so their argument stays in [0, 1)."""
    r, alpha, s, beta = params
    max_ab = max(alpha, beta)
    r_s_x = r + s + x
    if alpha >= beta:
        z_t = (alpha - beta) / (alpha + t_x)
        z_big = (alpha - beta) / (alpha + big_t)
        second = s + 1
    else:
        z_t = (beta - alpha) / (beta + t_x)
        z_big = (beta - alpha) / (beta + big_t)
        second = r + x
    log_a0_t = np.log(hyp2f1(r_s_x, second, r_s_x + 1, z_t)) - r_s_x * np.log(max_ab + t_x)
    log_a0_big = np.log(hyp2f1(r_s_x, second, r_s_x + 1, z_big)) - r_s_x * np.log(max_ab + big_t)
    # A0 = F(t_x)/(max+t_x)^(rsx) - F(T)/(max+T)^(rsx), a difference of positives.
    with np.errstate(divide="ignore"):  # t_x == T: A0 = 0, its log -inf, which logaddexp handles
        log_a0 = log_a0_t + np.log1p(-np.exp(np.minimum(log_a0_big - log_a0_t, -1e-300)))
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    first = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    second_term = np.log(s) - np.log(r_s_x) + log_a0
    return common + np.logaddexp(first, second_term)


class _GammaGammaData:
    """Repeat buyers' (x, m_x) and the Gamma-Gamma log-likelihood with its analytic gradient and
    Hessian (FHL 2005 "RFM and CLV", eq. 3 integrated over nu):

        log L = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(v+mx)

    The gamma-function terms depend on x alone and are summed over its distinct values; the
    only per-customer work in a pass is ln(v + m x) and 1/(v + m x)."""

    def __init__(self, x, m):
        self.x, self.m, self.n = x, m, float(len(x))
        xs = _Levels(x)
        self.u_x = xs.values.astype(float)
        self.count_by_x = np.bincount(xs.index, minlength=len(xs.values)).astype(float)
        self.score_p = x @ np.log(m) + x @ np.log(x)  # sum of x (ln m + ln x): the p-term's data
        self.sum_log_m = np.log(m).sum()

    def loglik(self, theta, hessian=False):
        p, q, v = theta
        n, x, ux, cx = self.n, self.x, self.u_x, self.count_by_x
        log_vmx = np.log(v + self.m * x)
        inv_vmx = 1.0 / (v + self.m * x)
        x_log, sum_log = x @ log_vmx, log_vmx.sum()
        ll = (cx @ (gammaln(p * ux + q) - gammaln(p * ux)) - n * gammaln(q) + n * q * np.log(v)
              + p * self.score_p - self.sum_log_m - p * x_log - q * sum_log)
        x_inv, sum_inv = x @ inv_vmx, inv_vmx.sum()
        grad = np.array([
            cx @ (ux * (digamma(p * ux + q) - digamma(p * ux))) + self.score_p - x_log,
            cx @ digamma(p * ux + q) - n * digamma(q) + n * np.log(v) - sum_log,
            n * q / v - p * x_inv - q * sum_inv,
        ])
        if not hessian:
            return ll, grad, None
        inv2 = inv_vmx * inv_vmx
        trig = polygamma(1, p * ux + q)
        h = np.empty((3, 3))
        h[0, 0] = cx @ (ux * ux * (trig - polygamma(1, p * ux)))
        h[0, 1] = h[1, 0] = cx @ (ux * trig)
        h[0, 2] = h[2, 0] = -x_inv
        h[1, 1] = cx @ trig - n * polygamma(1, q)
        h[1, 2] = h[2, 1] = n / v - sum_inv
        h[2, 2] = -n * q / v**2 + p * (x @ inv2) + q * inv2.sum()
        return ll, grad, h


@dataclass(frozen=True)
class GammaGamma(FittedModel):
    """A fitted Gamma-Gamma spend model. Use ``GammaGamma.fit(frequency, monetary)``, with
    customers who made at least one repeat purchase (the model's monetary value is their mean
    repeat spend). Parameters p, q, v (v is the scale gamma of the paper, named as in lifetimes)."""

    @classmethod
    def fit(cls, frequency, monetary) -> "GammaGamma":
        x = as_vector(frequency, "frequency", integer=True, low=0)
        m = as_vector(monetary, "monetary", low=0)
        if len(x) != len(m):
            raise ValueError("frequency and monetary must have the same length")
        keep = x > 0
        if ((m <= 0) & keep).any():
            raise ValueError("monetary must be > 0 for customers with repeat purchases")
        if keep.sum() < 3:
            raise ValueError("Gamma-Gamma needs at least 3 customers with repeat purchases")
        data = _GammaGammaData(x[keep].astype(float), m[keep])
        theta, loglik, hessian, iterations, converged = _newton(
            data.loglik, np.array([1.0, 1.0, float(m[keep].mean())]), data.n)
        return cls(params=dict(zip(["p", "q", "v"], theta.tolist())),
                   se=dict(zip(["p", "q", "v"], _standard_errors(hessian).tolist())),
                   loglik=loglik, n=int(data.n), iterations=iterations, converged=converged)

    def expected_spend(self, frequency, monetary):
        """E[M | x, m_x] (FHL 2005 "RFM and CLV", eq. 5): a weighted mean of the population mean
        and the customer's own mean, the weight on their own growing with x. Customers without
        repeat purchases get the population mean p v / (q - 1)."""
        p, q, v = self.params["p"], self.params["q"], self.params["v"]
        x, m = _broadcast(("frequency", "monetary"), as_array(frequency, "frequency", integer=True, low=0),
                          as_array(monetary, "monetary", low=0))
        return _scalar_or_array(p * (v + x * m) / (p * x + q - 1))

    @property
    def mean_spend(self) -> float:
        return self.params["p"] * self.params["v"] / (self.params["q"] - 1)


def lifetime_value(transactions_model, spend_model, frequency, recency, T, monetary, *, periods: int = 12,
                   period_length: float = 30.0, discount_rate: float = 0.01, cumulative=None):
    """Discounted expected revenue over ``periods`` future periods of ``period_length`` time units
    (months of 30 days when T is in days), as ``lifetimes.utils._customer_lifetime_value``:
    sum over i of (E[purchases by i] - E[purchases by i-1]) x E[spend] / (1 + d)^i.

    ``cumulative`` takes the model's ``expected_purchases_by`` at those horizons when the caller
    has already computed it (it is the costly part)."""
    if periods < 1 or period_length <= 0 or discount_rate < 0:
        raise ValueError("periods must be >= 1, period_length > 0 and discount_rate >= 0")
    spend = spend_model.expected_spend(frequency, monetary)
    steps = np.arange(1, periods + 1)
    if cumulative is None:
        cumulative = transactions_model.expected_purchases_by(steps * period_length, frequency, recency, T)
    per_period = np.diff(cumulative, axis=0, prepend=0.0)
    discount = (1 + discount_rate) ** steps.reshape((-1,) + (1,) * (per_period.ndim - 1))
    return _scalar_or_array((per_period / discount).sum(axis=0) * spend)


@dataclass(frozen=True)
class FormulaCLV(Result):
    value: float
    per_period_margin: float
    periods: float
    acquisition_cost: float
    customers: int
    total: float


def formula(revenue, relationship_cost, periods, acquisition_cost, customers: int = 1) -> FormulaCLV:
    """CLV = (RR - TRC) x T - AC per customer, and the total over ``customers`` (DOMAIN.md section 7).
    Undiscounted, as the course states it; use ``lifetime_value`` for a discounted forecast."""
    values = {k: float(v) for k, v in dict(revenue=revenue, relationship_cost=relationship_cost,
                                             periods=periods, acquisition_cost=acquisition_cost).items()}
    for name, value in values.items():
        if not np.isfinite(value):
            raise ValueError(f"{name} must be a finite number")
    if values["periods"] < 0 or values["acquisition_cost"] < 0 or values["revenue"] < 0 or values["relationship_cost"] < 0:
        raise ValueError("revenue, relationship cost, periods and acquisition cost cannot be negative")
    if customers < 1:
        raise ValueError("customers must be at least 1")
    margin = values["revenue"] - values["relationship_cost"]
    value = margin * values["periods"] - values["acquisition_cost"]
    return FormulaCLV(value=value, per_period_margin=margin, periods=values["periods"],
                      acquisition_cost=values["acquisition_cost"], customers=customers, total=value * customers)
