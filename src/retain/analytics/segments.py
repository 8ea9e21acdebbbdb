"""Loyalty segment grids (DOMAIN.md §7): who is loyal, who only looks loyal, who is about to leave.

Why: satisfaction is not loyalty (DOMAIN.md §1). Each grid crosses two measures so the dealer can
treat groups differently -- protect the loyal, win back the hopeful, watch the captive. All four
functions are vectorised over customers and return a :class:`Segmentation`: one row per customer
with the segment code and its English and Chinese label, plus counts per segment (every segment is
listed, empty ones with 0).

Boundary rule (all two-by-two grids): a score *equal to* its threshold counts as high
(``score >= threshold``), so "4 or 5 on a 5-point scale" is ``threshold=4``. Thresholds have no
defaults because scales differ (1-5 CSS items, 0-10 NPS, counts of purchases).

Sources: the product x service matrix and the Chinese names are the dealer training material's
客户忠诚度矩阵 (seeds/004); attitude x behaviour follows Dick, A. S. & Basu, K. (1994), "Customer
loyalty: toward an integrated conceptual framework", *Journal of the Academy of Marketing Science*
22(2), 99-113; satisfaction x loyalty follows Jones, T. O. & Sasser, W. E. (1995), "Why satisfied
customers defect", *Harvard Business Review* 73(6), 88-99; the loyalty ladder follows Griffin, J.
(2002), *Customer Loyalty: How to Earn It, How to Keep It*, ch. 3, with DOMAIN.md's seven stages.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._base import Result, as_vector

#: product satisfaction x service satisfaction (seeds/004, 客户忠诚度矩阵).
PRODUCT_SERVICE = {
    "loyal": ("Loyal", "忠诚型客户"),                                   # product ok, service ok
    "easily_poached": ("Easily poached by competitors", "易遭竞争对手抢夺的客户"),  # product ok, service poor
    "still_hopeful": ("Still hopeful", "对公司仍抱有期望的客户"),            # product poor, service ok
    "destructive": ("Destructive", "破坏型客户"),                        # both poor
}

#: relative attitude x repeat patronage (Dick & Basu 1994); Chinese as in seeds/001.
ATTITUDE_BEHAVIOUR = {
    "true": ("True loyalty", "绝对忠诚"),                 # high attitude, high behaviour
    "latent": ("Latent loyalty", "潜在忠诚"),             # high attitude, low behaviour
    "spurious": ("Spurious (inertia) loyalty", "惯性忠诚"),  # low attitude, high behaviour
    "no_loyalty": ("No loyalty", "非忠诚"),               # low, low
}

#: satisfaction x loyalty (Jones & Sasser 1995); Chinese as in seeds/001 (传道者/图利者/囚禁者/破坏者).
JONES_SASSER = {
    "apostle": ("Apostle", "传道者"),                       # satisfied, loyal
    "mercenary": ("Mercenary", "图利者"),                   # satisfied, not loyal
    "hostage": ("Hostage", "囚禁者"),                       # dissatisfied, loyal (stuck)
    "defector": ("Defector (terrorist)", "破坏者"),         # dissatisfied, not loyal
}

#: DOMAIN.md §7 loyalty ladder, bottom to top (Griffin 2002); Chinese as in seeds/001 (顾客忠诚度金字塔).
LADDER = {
    "suspect": ("Suspect", "可疑者"),
    "prospect": ("Prospect", "潜在购买者"),
    "first_time_buyer": ("First-time buyer", "首次购买者"),
    "repeat_buyer": ("Repeat buyer", "重复购买者"),
    "client": ("Client", "跟随者"),
    "advocate": ("Advocate", "拥护者"),
    "partner": ("Partner", "合伙人"),
}


@dataclass(frozen=True)
class Segmentation(Result):
    """Segments for a set of customers.

    ``customers``: one row per customer (index kept from a pandas input, else 0..n-1) with the
    input columns, ``code``, ``label_en``, ``label_zh``. ``counts``: one row per segment in the
    scheme's order (index = code) with ``label_en``, ``label_zh``, ``n``, ``share`` (of all
    customers). ``thresholds`` records the rule used.
    """

    scheme: str
    n: int
    customers: pd.DataFrame
    counts: pd.DataFrame
    thresholds: dict

    @property
    def codes(self) -> pd.Series:
        return self.customers["code"]

    def to_frame(self) -> pd.DataFrame:
        return self.customers.copy()

    def summary(self) -> str:
        rules = ", ".join(f"{k}={v:g}" if isinstance(v, (int, float)) else f"{k}={v}"
                          for k, v in self.thresholds.items())
        return (f"Segmentation: {self.scheme} (n={self.n}; {rules})\n"
                + self.counts.to_string(float_format="{:.3f}".format))


def _index(*inputs) -> pd.Index | None:
    """The customers' index from pandas inputs; ValueError if two pandas inputs disagree."""
    index = None
    for value in inputs:
        if isinstance(value, pd.Series):
            if index is None:
                index = value.index
            elif not index.equals(value.index):
                raise ValueError("the inputs are pandas Series with different indexes; align them first")
    return index


def _check_threshold(value, name: str) -> float:
    try:
        threshold = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not np.isfinite(threshold):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return threshold


def _same_length(vectors: dict) -> int:
    sizes = {name: v.size for name, v in vectors.items()}
    if len(set(sizes.values())) > 1:
        raise ValueError("inputs must have one value per customer; got lengths "
                         + ", ".join(f"{k}={v}" for k, v in sizes.items()))
    return next(iter(sizes.values()))


def _build(scheme: str, labels: dict, codes: np.ndarray, columns: dict, index, thresholds: dict) -> Segmentation:
    order = list(labels)
    code = pd.Categorical(codes, categories=order)
    english = np.array([labels[c][0] for c in order], dtype=object)  # per segment, then gathered
    chinese = np.array([labels[c][1] for c in order], dtype=object)
    customers = pd.DataFrame(columns, index=index)
    customers["code"] = code
    customers["label_en"] = english[code.codes]
    customers["label_zh"] = chinese[code.codes]
    n = len(codes)
    tally = np.bincount(code.codes, minlength=len(order))
    counts = pd.DataFrame({"label_en": english, "label_zh": chinese, "n": tally, "share": tally / n},
                          index=pd.Index(order, name="code"))
    return Segmentation(scheme=scheme, n=n, customers=customers, counts=counts, thresholds=thresholds)


def _two_by_two(scheme, labels, x, y, x_name, y_name, x_threshold, y_threshold, x_key, y_key):
    index = _index(x, y)
    xs, ys = as_vector(x, x_name), as_vector(y, y_name)
    _same_length({x_name: xs, y_name: ys})
    tx, ty = _check_threshold(x_threshold, x_key), _check_threshold(y_threshold, y_key)
    hx, hy = xs >= tx, ys >= ty
    hh, hl, lh, ll = list(labels)
    codes = np.where(hx, np.where(hy, hh, hl), np.where(hy, lh, ll))
    return _build(scheme, labels, codes, {x_name: xs, y_name: ys}, index, {x_key: tx, y_key: ty})


def product_service_grid(product, service, *, product_threshold, service_threshold) -> Segmentation:
    """Product satisfaction x service satisfaction (客户忠诚度矩阵, DOMAIN.md §7).

    Both satisfied -> ``loyal``; product ok, service poor -> ``easily_poached`` (competitors can
    lure them with better service); product poor, service ok -> ``still_hopeful``; both poor ->
    ``destructive``. "Satisfied" means ``score >= threshold``.
    """
    return _two_by_two("product x service satisfaction", PRODUCT_SERVICE, product, service,
                       "product", "service", product_threshold, service_threshold,
                       "product_threshold", "service_threshold")


def attitude_behaviour(attitude, behaviour, *, attitude_threshold, behaviour_threshold) -> Segmentation:
    """Attitudinal x behavioural loyalty (Dick & Basu 1994).

    ``attitude``: relative attitude, e.g. intent to repurchase/recommend. ``behaviour``: repeat
    patronage, e.g. purchases or service visits at this dealer, or share of visits. High/high ->
    ``true``; high attitude, low behaviour -> ``latent`` (likes us, buys elsewhere: remove the
    obstacle); low attitude, high behaviour -> ``spurious`` (inertia: buys from habit or lack of
    choice, will leave for a better offer); low/low -> ``no_loyalty``. High means ``>= threshold``.
    """
    return _two_by_two("attitude x behaviour loyalty", ATTITUDE_BEHAVIOUR, attitude, behaviour,
                       "attitude", "behaviour", attitude_threshold, behaviour_threshold,
                       "attitude_threshold", "behaviour_threshold")


def jones_sasser(satisfaction, loyalty, *, satisfaction_threshold, loyalty_threshold) -> Segmentation:
    """Satisfaction x loyalty quadrants (Jones & Sasser 1995).

    ``loyalty``: stated repurchase intent or observed repurchase (e.g. 0/1 with threshold 1).
    Satisfied and loyal -> ``apostle``; satisfied, not loyal -> ``mercenary`` (chases the best
    deal); dissatisfied but loyal -> ``hostage`` (stuck: no alternative, switching cost);
    dissatisfied and not loyal -> ``defector`` (the "terrorist" who leaves and talks).
    DOMAIN.md names only these four, so Jones & Sasser's "loyalist" near-zone is not a separate
    segment here. High means ``>= threshold``.
    """
    return _two_by_two("satisfaction x loyalty (Jones-Sasser)", JONES_SASSER, satisfaction, loyalty,
                       "satisfaction", "loyalty", satisfaction_threshold, loyalty_threshold,
                       "satisfaction_threshold", "loyalty_threshold")


def _flags(values, name: str, n: int) -> np.ndarray:
    flags = as_vector(values, name, integer=True, low=0, high=1)
    if flags.size != n:
        raise ValueError(f"{name} must have one value per customer: got {flags.size}, expected {n}")
    return flags.astype(bool)


def loyalty_ladder(purchases, *, interested=None, referrals=None, partner=None,
                   client_min_purchases: int = 3, advocate_min_referrals: int = 1) -> Segmentation:
    """Stage on DOMAIN.md's loyalty ladder: suspect -> prospect -> first-time buyer -> repeat
    buyer -> client -> advocate -> partner (Griffin 2002).

    Inputs, one value per customer: ``purchases`` (count of purchases from this business, >= 0),
    ``interested`` (0/1: has shown buying interest -- an 意向客户 with a contact and a model in
    mind), ``referrals`` (count of people the customer referred), ``partner`` (0/1: a structural
    relationship, e.g. owners'-club organiser, fleet contract). Omitted inputs count as 0.

    The ladder is cumulative -- each rung requires the one below -- and a customer is placed on the
    highest rung whose condition holds:

    - ``suspect``: no purchase and no shown interest (in the market, not yet engaged);
    - ``prospect``: no purchase, ``interested``;
    - ``first_time_buyer``: exactly 1 purchase;
    - ``repeat_buyer``: 2 or more purchases;
    - ``client``: at least ``client_min_purchases`` purchases (default 3: buys regularly);
    - ``advocate``: a client with at least ``advocate_min_referrals`` referrals (default 1);
    - ``partner``: an advocate with ``partner`` set.

    The defaults are business choices, not from the literature; a dealer counting service visits
    as purchases will want a higher ``client_min_purchases``.
    """
    index = _index(*(v for v in (purchases, interested, referrals, partner) if v is not None))
    bought = as_vector(purchases, "purchases", integer=True, low=0)
    n = bought.size
    keen = _flags(interested, "interested", n) if interested is not None else np.zeros(n, bool)
    if referrals is not None:
        referred = as_vector(referrals, "referrals", integer=True, low=0)
        if referred.size != n:
            raise ValueError(f"referrals must have one value per customer: got {referred.size}, expected {n}")
    else:
        referred = np.zeros(n, dtype=np.int64)
    partnered = _flags(partner, "partner", n) if partner is not None else np.zeros(n, bool)
    if not isinstance(client_min_purchases, (int, np.integer)) or client_min_purchases < 2:
        raise ValueError(f"client_min_purchases must be a whole number >= 2, got {client_min_purchases!r}")
    if not isinstance(advocate_min_referrals, (int, np.integer)) or advocate_min_referrals < 1:
        raise ValueError(f"advocate_min_referrals must be a whole number >= 1, got {advocate_min_referrals!r}")

    is_client = bought >= client_min_purchases
    is_advocate = is_client & (referred >= advocate_min_referrals)
    codes = np.select(
        [is_advocate & partnered, is_advocate, is_client, bought >= 2, bought == 1, keen],
        ["partner", "advocate", "client", "repeat_buyer", "first_time_buyer", "prospect"],
        default="suspect")
    columns = {"purchases": bought, "interested": keen, "referrals": referred, "partner": partnered}
    return _build("loyalty ladder", LADDER, codes, columns, index,
                  {"client_min_purchases": int(client_min_purchases),
                   "advocate_min_referrals": int(advocate_min_referrals)})
