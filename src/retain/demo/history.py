"""Service histories drawn exactly from the planted models (``truth``).

``simulate_bg_nbd`` is an exact draw from the BG/NBD process, not an approximation:
given lambda, the number of Poisson arrivals in (0, T] is Poisson(lambda T) and their times
are sorted uniforms on (0, T]; the customer makes J ~ Geometric(p) repeat visits before
dropping out, so the observed repeat visits are the first min(J, N) arrivals. Everything is
vectorised over customers and visits.
"""

from dataclasses import dataclass

import numpy as np

from .truth import BgNbd, GammaGamma


@dataclass
class RepeatVisits:
    """Per customer: lambda, p, and the repeat visits (customer index, time since birth)."""

    rate: np.ndarray
    dropout: np.ndarray
    customer: np.ndarray
    time: np.ndarray


def simulate_bg_nbd(rng: np.random.Generator, params: BgNbd, horizon: np.ndarray) -> RepeatVisits:
    """Repeat visits of len(horizon) customers, each observed for ``horizon`` time units after
    the first visit."""
    n = len(horizon)
    rate = rng.gamma(params.r, 1.0 / params.alpha, size=n)
    dropout = rng.beta(params.a, params.b, size=n)
    arrivals = rng.poisson(rate * horizon)
    visits_before_dropout = rng.geometric(dropout)
    customer = np.repeat(np.arange(n), arrivals)
    time = rng.random(customer.size) * horizon[customer]
    order = np.lexsort((time, customer))
    customer, time = customer[order], time[order]
    rank = np.arange(customer.size) - np.repeat(np.cumsum(arrivals) - arrivals, arrivals)
    kept = rank < visits_before_dropout[customer]
    return RepeatVisits(rate=rate, dropout=dropout, customer=customer[kept], time=time[kept])


def gamma_gamma_spend(rng: np.random.Generator, params: GammaGamma, customer: np.ndarray, n_customers: int):
    """Spend of each visit (yuan): z ~ Gamma(p, nu_customer), nu ~ Gamma(q, gamma)."""
    nu = rng.gamma(params.q, 1.0 / params.gamma, size=n_customers)
    return rng.gamma(params.p, 1.0 / nu[customer])
