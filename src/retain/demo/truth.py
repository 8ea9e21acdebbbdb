"""The statistical structure planted in the demo, stated once.

Analytics are proven by recovering these numbers from the generated transactions
(docs/demo.md explains the model). Change them here and the generator, its tests and the
documentation all follow.
"""

from dataclasses import dataclass
from datetime import date

#: The four years of history are drawn on this grid: transactions fall in
#: [OBSERVATION_START, OBSERVATION_END]. The built demo then moves the whole history, unchanged,
#: so that it ends on the build date (``generate.move_history``): one timeline with the showroom's
#: year, which also ends on the build date. A demo built on OBSERVATION_END is not moved (the
#: tests build on it, so their dates are fixed).
OBSERVATION_END = date(2026, 6, 30)
OBSERVATION_START = date(2022, 7, 1)
#: No customer's first service visit falls in the last 13 weeks, so every one is observed a while.
LAST_BIRTH_WEEKS_BEFORE_END = 13
#: Time unit of the BG/NBD parameters.
DAYS_PER_UNIT = 7


@dataclass(frozen=True)
class BgNbd:
    """Fader, Hardie & Lee (2005): while alive, visits arrive at Poisson rate lambda ~ Gamma(r, alpha)
    (shape r, rate alpha, per week); after each repeat visit the customer drops out with
    probability p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float


@dataclass(frozen=True)
class GammaGamma:
    """Fader, Hardie & Lee (2005, "RFM and CLV"): a customer's visits cost z ~ Gamma(p, nu)
    (shape p, rate nu) yuan, with nu ~ Gamma(q, gamma) across customers; so the mean spend
    per visit is p * gamma / (q - 1) yuan, independent of visit frequency."""

    p: float
    q: float
    gamma: float

    @property
    def mean_spend(self) -> float:
        return self.p * self.gamma / (self.q - 1)


#: Repeat service visits (transactions of kind "service") per segment. A segment is the set of
#: customers with these classifications; other classes have no service history.
SEGMENTS = {
    "loyal": (("own_sold",), BgNbd(r=1.2, alpha=15.0, a=0.6, b=4.0)),
    "casual": (("other_sold", "base", "vip"), BgNbd(r=0.8, alpha=20.0, a=0.9, b=3.0)),
}

#: Spend per service visit, the same for every segment.
SERVICE_SPEND = GammaGamma(p=6.0, q=4.0, gamma=400.0)
