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


# --- surveys (src/retain/demo/surveys.py; docs/demo.md, "Surveys") ------------------------------

#: After-sales overall satisfaction is drawn from the eight CSS items with these true weights
#: (the seed's 19/17/14/12/11/11/8/8, as shares summing to 1) plus noise; the driver page's
#: relative weights recover their order.
AFTER_SALES_WEIGHTS = {"fixed_first_time": 0.19, "no_rework": 0.17, "value": 0.14, "friendliness": 0.12,
                       "explained_why": 0.11, "listened": 0.11, "explained_invoice": 0.08, "returned_clean": 0.08}

#: Service return within 12 months (a service visit 1-365 days after the surveyed repair) by the
#: band of the after-sales overall satisfaction: (lowest score, highest score, share that returns).
RETURN_BY_SATISFACTION = {"high": (9, 10, 0.85), "middle": (7, 8, 0.70), "low": (1, 6, 0.45)}
RETURN_DAYS = 365


@dataclass(frozen=True)
class NpsMix:
    """Shares of promoters (9-10), passives (7-8) and detractors (0-6) of a dealer's answers to
    "would you recommend"; its true NPS is 100 x (promoters - detractors)."""

    promoters: float
    passives: float
    detractors: float

    @property
    def nps(self) -> float:
        return 100 * (self.promoters - self.detractors)


#: Every dealer's true NPS is the same (``NPS_BASE``) except two: D01 clearly above, D02 clearly
#: below. The league table must find these two and no other difference.
NPS_BASE = NpsMix(0.45, 0.35, 0.20)  # NPS 25
NPS_BY_DEALER = {"D01": NpsMix(0.70, 0.22, 0.08),  # NPS 62
                 "D02": NpsMix(0.30, 0.30, 0.40)}  # NPS -10

#: The customer experience curve: true mean rating (1-10) at each touchpoint, in journey order.
#: One valley (negotiation, the lowest) and one peak (delivery, the highest); falling before the
#: valley and after the peak, so there is no other turning point.
TOUCHPOINT_MEANS = {"first_contact": 8.4, "showroom": 8.0, "test_drive": 7.6, "negotiation": 6.2,
                    "delivery": 9.0, "first_service": 8.2, "repair": 7.8, "complaint": 7.3, "renewal": 6.9}

#: The Kano study (one dealer, D01): each feature's planted category (Berger et al.'s letters)
#: and the share of respondents whose answer pair falls in it (the rest spread over the others).
KANO_CATEGORIES = {"kano_pickup": "A", "kano_online_booking": "O", "kano_video_diagnosis": "A",
                   "kano_loaner_car": "M", "kano_lounge": "I"}
KANO_DOMINANT_SHARE = 0.55

#: Staff self-assessment: each consultant rates their own work on the sales CSS items this many
#: points (1-10 scale) above what their customers give them on average.
STAFF_SELF_LIFT = 1.2
