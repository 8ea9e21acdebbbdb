"""The survey figures, every statistic through ``retain.analytics`` (issue 9, items 5 and 6).

Each function takes the actor and ``results.Filters`` and returns plain data (dicts and lists,
JSON-ready) that the pages, their exports and the API share. Rules every figure follows:

* **n and an interval, always.** A figure is ``{"value", "low", "high", "n", "small"}`` at
  ``CONFIDENCE`` (95%). Below ``MIN_N`` (30) answers ``small`` is true and the pages show
  "small sample" with n and the interval instead of a bare number.
* **NPS** (``nps.score``, Rocks' adjusted-Wald interval) and its change against the previous
  period of equal length (``nps.compare``, two-sided z test; significant when p < ``ALPHA``).
* **League table**: each dealer against the rest of the dealers in view (``nps.compare`` of the
  dealer with the pooled answers of all others), the p-values corrected with **Holm's** step-down
  procedure (``analytics.multiple.holm``) over the dealers with at least ``MIN_N`` answers, so
  the chance of marking any dealer falsely stays at ``ALPHA`` = 5% however many dealers there
  are. Dealers below ``MIN_N`` are listed as small samples and not tested.
* **CSI** (``csi.index``): the weighted index of the item ratings, weights from the questions'
  ``weight`` (the after-sales preset's 19/17/14/12/11/11/8/8); equal weights when a survey states
  none (``csi.sales_css_weights``, the sales survey). Respondents missing an item are left out of
  the index (listwise), not of the item means. An item mean's interval is the t interval of
  ``csi.index`` on that one item, mapped back from 0-100 to the item's scale.
* **Key drivers** of ``overall`` (``drivers.relative_weights`` with ``BOOTSTRAP`` percentile
  intervals, and ``drivers.shapley``), both summing to R².
* **Quadrant** (``quadrant.classify`` / ``quadrant.from_drivers``, split at the mean): importance
  *stated* (mean points of the 100-point ``importance`` question) when at least ``MIN_N``
  customers answered it, else *derived* (relative weights).
* **Kano** (``kano.classify`` + ``kano.summarise``): categories and Better/Worse per feature.
* **ACSI-style PLS path model** (``pls.fit``, path scheme) of the after-sales survey; see
  ``ACSI_BLOCKS`` / ``ACSI_PATHS``.
* **Satisfaction -> retention** (``retention.by_satisfaction``, Wilson intervals) by overall
  satisfaction band, for customers surveyed after a repair whose twelve months have passed.
* **Experience curve**: mean rating per touchpoint in journey order, each with its interval
  (as the item means); valleys and peaks per ``experience`` below.
"""

import datetime as dt
from dataclasses import replace

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from retain.analytics import csi, drivers, kano, nps, pls, quadrant, retention
from retain.analytics.multiple import holm
from retain.org.models import Dealer, Staff, person_name

from . import results
from .models import QuestionKind, QuestionRole, SurveyKind
from .results import Filters

#: Below this many answers a figure is a small sample: shown with n and its interval, never bare.
MIN_N = 30
CONFIDENCE = 0.95
#: Significance level of changes and of the league table (family-wise, after Holm).
ALPHA = 0.05
#: Bootstrap replicates of the relative weights' intervals (seeded: the same data, the same page).
BOOTSTRAP = 200
#: Above this many rows the bootstrap would cost more than the page is worth: no intervals.
BOOTSTRAP_MAX_ROWS = 20_000

OUTCOME = "overall"
RECOMMEND = "recommend"
IMPORTANCE = "importance"

#: The after-sales ACSI-style model. The survey asks no expectations and no complaint question,
#: so those two ACSI constructs are left out; the rest is the ACSI structure (Fornell et al. 1996):
#: perceived quality (the seven service items) -> perceived value (``value``, "value for money")
#: -> satisfaction (``overall``) -> loyalty (``recommend``), with quality -> satisfaction too.
#: ``recommend`` (0-10) enters rescaled to 1-10 (1 + 0.9x), a linear map that changes no path and
#: puts every indicator on the one scale the 0-100 index needs.
ACSI_BLOCKS = {
    "quality": ("fixed_first_time", "no_rework", "friendliness", "explained_why", "listened",
                "explained_invoice", "returned_clean"),
    "value": ("value",),
    "satisfaction": ("overall",),
    "loyalty": ("recommend",),
}
ACSI_PATHS = (("quality", "value"), ("quality", "satisfaction"), ("value", "satisfaction"),
              ("satisfaction", "loyalty"))
CONSTRUCT_LABELS = {"quality": gettext_lazy("Perceived quality"), "value": gettext_lazy("Perceived value"),
                    "satisfaction": gettext_lazy("Satisfaction"), "loyalty": gettext_lazy("Loyalty")}

#: Overall satisfaction bands of the retention curve (1-10 ratings; 0 kept for 0-10 scales).
BANDS = ((1, "0-6", 0, 6), (2, "7-8", 7, 8), (3, "9-10", 9, 10))
RETURN_DAYS = 365


# --- figures ---------------------------------------------------------------------------------

def figure(value, low, high, n: int) -> dict:
    """One estimate with its interval and sample size; ``small`` below ``MIN_N``."""
    def number(x):
        return None if x is None or (isinstance(x, float) and not np.isfinite(x)) else round(float(x), 4)

    return {"value": number(value), "low": number(low), "high": number(high), "n": int(n), "small": n < MIN_N}


def empty(n: int = 0) -> dict:
    return figure(None, None, None, n)


def _scores(frame: pd.DataFrame) -> np.ndarray:
    """The answers a histogram (value, n) stands for, to hand to ``nps.score``."""
    counts = frame.groupby("value")["n"].sum()
    return np.repeat(counts.index.to_numpy(dtype=float), counts.to_numpy()).astype(int)


def _nps(frame: pd.DataFrame):
    scores = _scores(frame) if len(frame) else np.array([], dtype=int)
    return _nps_of(scores)


def _nps_of(scores: np.ndarray):
    return nps.score(scores, confidence=CONFIDENCE) if scores.size else None


def _nps_figure(result) -> dict:
    if result is None:
        return empty()
    return figure(result.value, result.ci_low, result.ci_high, result.n) | {
        "promoters": round(result.promoters, 4), "passives": round(result.passives, 4),
        "detractors": round(result.detractors, 4)}


def mean_interval(values, scale: tuple[float, float]) -> dict:
    """Mean of ratings with its t interval, through ``csi.index`` on one item (0-100 mapped back)."""
    values = pd.Series(values, dtype=float).dropna()
    n = len(values)
    if n < 2:
        return figure(values.mean() if n else None, None, None, n)
    result = csi.index(pd.DataFrame({"item": values.to_numpy()}), scale=scale, confidence=CONFIDENCE)
    low, high = scale
    back = lambda x: low + x / 100.0 * (high - low)  # noqa: E731
    return figure(result.item_means["item"], back(result.ci_low), back(result.ci_high), n)


def _names(model, ids) -> dict:
    ids = [int(i) for i in ids if i is not None and not pd.isna(i)]
    if model is Dealer:
        return dict(Dealer.objects.filter(pk__in=ids).values_list("pk", "name"))
    return {pk: person_name(first, last) or username for pk, first, last, username in
            Staff.objects.filter(pk__in=ids).values_list("pk", "first_name", "last_name", "username")}


# --- NPS: headline, change, trend, league -----------------------------------------------------

def nps_page(actor, filters: Filters) -> dict:
    """NPS of the period with its interval, its change against the previous period of equal
    length, the monthly trend, and the league table of dealers (two queries: the answers'
    histogram over both periods, the dealers' names)."""
    league_filters = replace(filters, dealer_id=None)
    counts = results.histogram(actor, league_filters, RECOMMEND, by=("dealer_id",), monthly=True,
                               since=filters.previous().start)
    mine = counts if filters.dealer_id is None else counts[counts["dealer_id"] == filters.dealer_id]
    now, before = mine[mine["current"] == 1], mine[mine["current"] == 0]
    headline, previous = _nps(now), _nps(before)
    change = None
    if headline is not None and previous is not None:
        compared = nps.compare(headline, previous, confidence=CONFIDENCE)
        change = {"difference": round(compared.difference, 4), "low": round(compared.ci_low, 4),
                  "high": round(compared.ci_high, 4), "p_value": round(compared.p_value, 6),
                  "significant": compared.p_value < ALPHA and min(headline.n, previous.n) >= MIN_N}
    trend = [{"month": month, **_nps_figure(_nps(rows))} for month, rows in now.groupby("month", sort=True)]
    return {"nps": _nps_figure(headline), "previous": _nps_figure(previous), "change": change, "trend": trend,
            "league": league(counts[counts["current"] == 1], selected=filters.dealer_id),
            "previous_period": {"from": filters.previous().start.isoformat(), "to": filters.previous().end.isoformat()}}


def league(counts: pd.DataFrame, *, selected: int | None = None) -> dict:
    """Dealers by NPS, each tested against the pooled rest with Holm's correction (module docs)."""
    names = _names(Dealer, counts["dealer_id"].unique()) if len(counts) else {}
    rows, tested = [], []
    # One table of answers per (dealer, score); the rest of the dealers is the total less a row.
    table = counts.pivot_table(index="dealer_id", columns="value", values="n", aggfunc="sum", fill_value=0) \
        if len(counts) else pd.DataFrame()
    values, total = table.columns.to_numpy(dtype=float).astype(int), table.to_numpy().sum(axis=0)
    for dealer_id, own in zip(table.index, table.to_numpy()):
        result = _nps_of(np.repeat(values, own))
        rest = _nps_of(np.repeat(values, total - own))
        row = {"dealer_id": int(dealer_id), "dealer": names.get(int(dealer_id), ""), **_nps_figure(result),
               "difference": None, "p_value": None, "p_holm": None, "significant": False, "direction": "",
               "selected": dealer_id == selected}
        if rest is not None and result.n >= MIN_N and rest.n >= MIN_N:
            compared = nps.compare(result, rest, confidence=CONFIDENCE)
            row["difference"], row["p_value"] = round(compared.difference, 4), compared.p_value
            tested.append(row)
        rows.append(row)
    if tested:
        for row, adjusted in zip(tested, holm([row["p_value"] for row in tested])):
            row["p_holm"] = round(float(adjusted), 6)
            row["p_value"] = round(row["p_value"], 6)
            row["significant"] = bool(adjusted < ALPHA)
            row["direction"] = ("above" if row["difference"] > 0 else "below") if row["significant"] else ""
    rows.sort(key=lambda row: (row["value"] is None, -(row["value"] or 0)))
    return {"rows": rows, "alpha": ALPHA, "correction": "holm", "tested": len(tested), "min_n": MIN_N}


# --- CSI and item means -------------------------------------------------------------------------

def _items(info: dict) -> list:
    return [q for q in info.values() if q.role == QuestionRole.ITEM and q.kind == QuestionKind.RATING]


def csi_weights(kind: str, items: list) -> dict[str, float]:
    """The questions' own weights; equal ones (``csi.sales_css_weights``) when any item states none."""
    stated = {q.code: q.weight for q in items}
    if kind != SurveyKind.CSS_SALES and stated and all(w is not None and w >= 0 for w in stated.values()) \
            and sum(stated.values()) > 0:
        return stated
    return csi.sales_css_weights([q.code for q in items])


def _csi_figure(frame: pd.DataFrame, weights: dict, scale) -> dict:
    complete = frame[list(weights)].dropna()
    if len(complete) < 2:
        return empty(len(complete))
    result = csi.index(complete, weights, scale=scale, confidence=CONFIDENCE)
    return figure(result.value, result.ci_low, result.ci_high, result.n)


def _csi_by(frame: pd.DataFrame, key: str, model, weights: dict, scale) -> list[dict]:
    """The CSI of each ``key`` (dealer, staff member) with a row in ``frame``, best first (one
    vectorised pass, ``csi.index_by``; one query for the names)."""
    if frame.empty or frame[key].isna().all():
        return []
    table = csi.index_by(frame[list(weights)], frame[key], weights, scale=scale, confidence=CONFIDENCE)
    # a group whose every answer misses an item is listed too, as n = 0
    table = table.reindex(sorted(frame[key].dropna().unique()))
    table["n"] = table["n"].fillna(0).astype(int)
    names = _names(model, [int(group) for group in table.index])
    rows = [{"id": int(group), "name": names.get(int(group), ""),
             **(figure(row.value, row.ci_low, row.ci_high, row.n) if row.n >= 2 else empty(row.n))}
            for group, row in zip(table.index, table.itertuples())]
    return sorted(rows, key=lambda row: (row["value"] is None, -(row["value"] or 0)))


def csi_page(actor, filters: Filters) -> dict:
    """The weighted CSI with its interval, each item's mean with its interval against its weight,
    and the CSI by dealer and by the staff member who served (three to four queries)."""
    info = results.questions(actor, filters)
    items = _items(info)
    if not items:
        return {"csi": empty(), "items": [], "by_dealer": [], "by_staff": [], "weights": "none"}
    weights = csi_weights(filters.kind, items)
    scale = items[0].scale
    frame = results.wide(actor, filters, [q.code for q in items])
    item_rows = [{"code": q.code, "label": q.label, "weight": round(weights[q.code], 4),
                  **mean_interval(frame[q.code], q.scale)} for q in items]
    breakdowns = {}
    for key, model in (("dealer_id", Dealer), ("staff_id", Staff)):
        breakdowns[key] = _csi_by(frame, key, model, weights, scale)
    return {"csi": _csi_figure(frame, weights, scale), "items": item_rows, "by_dealer": breakdowns["dealer_id"],
            "by_staff": breakdowns["staff_id"],
            "weights": "equal" if len(set(weights.values())) == 1 else "stated"}


def results_summary(actor, filters: Filters) -> dict:
    """The API's results: NPS (if the survey asks ``recommend``) and CSI (if it has rated items)
    with intervals, the items, the change of NPS and the monthly NPS trend."""
    info = results.questions(actor, filters)
    out = {"nps": empty(), "csi": empty(), "items": [], "nps_change": None, "trend": []}
    if RECOMMEND in info:
        page = nps_page(actor, filters)
        out |= {"nps": page["nps"], "nps_change": page["change"], "trend": page["trend"]}
    if _items(info):
        page = csi_page(actor, filters)
        out |= {"csi": page["csi"], "items": page["items"]}
    return out


# --- key drivers and the quadrant -------------------------------------------------------------

def _driver_frame(actor, filters: Filters):
    info = results.questions(actor, filters)
    items = _items(info)
    if not items or OUTCOME not in info:
        return info, items, pd.DataFrame()
    frame = results.wide(actor, filters, [q.code for q in items] + [OUTCOME])
    return info, items, frame


def _fit_drivers(items, frame, *, bootstrap: bool):
    codes = [q.code for q in items]
    complete = frame[codes + [OUTCOME]].dropna() if len(frame) else pd.DataFrame()
    n = len(complete)
    if n < max(MIN_N, len(codes) + 2):
        return None, None, n
    X, y = complete[codes], complete[OUTCOME]
    replicates = BOOTSTRAP if bootstrap and n <= BOOTSTRAP_MAX_ROWS else 0
    try:
        weights = drivers.relative_weights(X, y, bootstrap=replicates, seed=0, level=CONFIDENCE)
        shapley = drivers.shapley(X, y)
    except ValueError:  # a constant item, collinear items: no split of R² is identified
        return None, None, n
    return weights, shapley, n


def drivers_page(actor, filters: Filters, *, bootstrap: bool = True) -> dict:
    """What drives overall satisfaction: each item's relative weight (with bootstrap interval)
    and Shapley share of R², both summing to R² (two queries)."""
    _info, items, frame = _driver_frame(actor, filters)
    weights, shapley, n = _fit_drivers(items, frame, bootstrap=bootstrap)
    if weights is None:
        return {"outcome": OUTCOME, "r2": None, "n": n, "small": True, "items": [], "bootstrap": 0}
    rows = []
    for q in items:
        row = {"code": q.code, "label": q.label, "weight": float(weights.weights[q.code]),
               "rescaled": round(float(weights.rescaled[q.code]), 2), "shapley": float(shapley.weights[q.code]),
               "beta": round(float(weights.beta[q.code]), 4), "low": None, "high": None}
        if weights.ci_low is not None:
            row["low"], row["high"] = round(float(weights.ci_low[q.code]), 6), round(float(weights.ci_high[q.code]), 6)
        rows.append(row)
    rows.sort(key=lambda row: -row["weight"])
    return {"outcome": OUTCOME, "r2": float(weights.r2), "n": n, "small": n < MIN_N, "items": rows,
            "bootstrap": weights.bootstrap}


def stated_importance(actor, filters: Filters, codes) -> tuple[pd.Series | None, int]:
    """Mean points per item of the 100-point ``importance`` question, and how many answered it."""
    means, n = results.mean_allocation(actor, filters, IMPORTANCE, codes)
    return (means, n) if n else (None, 0)


def quadrant_page(actor, filters: Filters) -> dict:
    """Items placed in the four zones (DOMAIN.md section 5) by importance and mean satisfaction."""
    _info, items, frame = _driver_frame(actor, filters)
    if not items or frame.empty:
        return {"source": None, "n": 0, "small": True, "items": [], "split": None}
    codes = [q.code for q in items]
    means = {q.code: mean_interval(frame[q.code], q.scale) for q in items}
    satisfaction = pd.Series({code: means[code]["value"] for code in codes}, dtype=float)
    stated, answered = stated_importance(actor, filters, codes)
    if stated is not None and answered >= MIN_N:
        placed, source, n = quadrant.classify(stated, satisfaction, "mean"), "stated", answered
    else:
        weights, _shapley, n = _fit_drivers(items, frame, bootstrap=False)
        if weights is None or satisfaction.isna().any():
            return {"source": None, "n": n, "small": True, "items": [], "split": None}
        placed, source = quadrant.from_drivers(weights, satisfaction, "mean"), "derived"
    labels = {q.code: q.label for q in items}
    rows = [{"code": row.item, "label": labels[row.item], "importance": round(float(row.importance), 4),
             "satisfaction": means[row.item], "zone": row.quadrant, "zone_label": zone_label(row.quadrant)}
            for row in placed.table.itertuples()]
    return {"source": source, "n": n, "small": n < MIN_N, "items": rows,
            "split": {"importance": round(placed.split_importance, 4),
                      "satisfaction": round(placed.split_satisfaction, 4)}}


def zone_label(code: str) -> str:
    """A zone's name in the reader's language: the Chinese of DOMAIN.md section 5 in zh."""
    english, chinese = quadrant.QUADRANTS[code]
    from django.utils import translation

    return chinese if (translation.get_language() or "").startswith("zh") else english


# --- Kano -----------------------------------------------------------------------------------------

def kano_page(actor, filters: Filters) -> dict:
    """Each feature's Kano category counts, dominant category and Better/Worse (two queries)."""
    info = results.questions(actor, filters)
    features = [q for q in info.values() if q.kind == QuestionKind.KANO]
    answers = results.structured(actor, filters, [q.code for q in features])
    by_feature = {}
    for q in features:
        pairs = [v for v in answers.loc[answers["code"] == q.code, "value"] if isinstance(v, dict)
                 and v.get("functional") in kano.ANSWERS and v.get("dysfunctional") in kano.ANSWERS]
        if pairs:
            by_feature[q.code] = list(kano.classify([p["functional"] for p in pairs],
                                                    [p["dysfunctional"] for p in pairs]))
    rows = []
    table = kano.summarise(by_feature).table if by_feature else pd.DataFrame()
    for q in features:
        if q.code not in table.index:
            rows.append({"code": q.code, "label": q.label, "n": 0, "small": True, "category": None})
            continue
        row = table.loc[q.code]
        n = int(row["n"])
        rows.append({"code": q.code, "label": q.label, "n": n, "small": n < MIN_N,
                     "category": row["dominant"], "category_label": str(KANO_LABELS[row["dominant"]]),
                     "counts": {c: int(row[c]) for c in kano.CATEGORIES},
                     "better": _round(row["better"]), "worse": _round(row["worse"])})
    return {"features": rows}


def _round(x, digits: int = 4):
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


# --- ACSI-style PLS path model ------------------------------------------------------------------

def acsi_page(actor, filters: Filters) -> dict:
    """The after-sales PLS path model: coefficients, R² per construct, the 0-100 indices (one query)."""
    indicators = [code for block in ACSI_BLOCKS.values() for code in block]
    info = results.questions(actor, filters)
    missing = [code for code in indicators if code not in info]
    model = {"blocks": {k: list(v) for k, v in ACSI_BLOCKS.items()}, "paths": [list(p) for p in ACSI_PATHS]}
    if missing:
        return {"model": model, "n": 0, "small": True, "paths": [], "r2": {}, "index": {}, "missing": missing}
    frame = results.wide(actor, filters, indicators)
    data = frame[indicators].dropna() if len(frame) else pd.DataFrame(columns=indicators)
    n = len(data)
    if n < MIN_N:
        return {"model": model, "n": n, "small": True, "paths": [], "r2": {}, "index": {}, "missing": []}
    data = data.assign(recommend=1 + 0.9 * data[RECOMMEND])
    try:
        fit = pls.fit(data, {k: list(v) for k, v in ACSI_BLOCKS.items()}, list(ACSI_PATHS), scale=(1, 10))
    except ValueError:
        return {"model": model, "n": n, "small": True, "paths": [], "r2": {}, "index": {}, "missing": []}
    return {
        "model": model, "n": n, "small": False, "missing": [],
        "paths": [{"from": a, "to": b, "coefficient": round(float(c), 4)} for (a, b), c in fit.path_coefficients.items()],
        "r2": {k: round(float(v), 4) for k, v in fit.r2.items()},
        "index": {k: round(float(v), 2) for k, v in fit.index.items()},
        "loadings": [{"construct": c, "indicator": i, "loading": round(float(v), 4)}
                     for (c, i), v in fit.loadings.items()],
        "converged": bool(fit.converged),
        "labels": {k: str(v) for k, v in CONSTRUCT_LABELS.items()},
    }


# --- satisfaction -> retention ----------------------------------------------------------------------

def retention_page(actor, filters: Filters, *, as_of: dt.date | None = None) -> dict:
    """Share of customers surveyed after a repair who came back for service within twelve months,
    by overall satisfaction band, with Wilson intervals. Only repairs at least ``RETURN_DAYS``
    before ``as_of`` (today) count: a customer whose year has not passed has not had the chance.
    Two queries (the overall ratings; whether each customer came back, answered by the database)."""
    as_of = as_of or timezone.localdate()
    frame = results.wide(actor, filters, [OUTCOME])
    returns = results.service_returns(actor, filters, until=as_of - dt.timedelta(days=RETURN_DAYS), days=RETURN_DAYS)
    frame = frame[frame[OUTCOME].notna()][["id", OUTCOME]].merge(returns, on="id", how="inner")
    bands = [{"band": label, "level": level, **empty(), "retained": 0} for level, label, _lo, _hi in BANDS]
    if frame.empty:
        return {"bands": bands, "n": 0, "small": True, "as_of": as_of.isoformat(), "days": RETURN_DAYS}
    level = np.select([frame[OUTCOME] <= hi for _l, _b, _lo, hi in BANDS], [lv for lv, *_ in BANDS], default=3)
    curve = retention.by_satisfaction(level, frame["returned"].astype(int).to_numpy(), levels=[1, 2, 3],
                                      confidence=CONFIDENCE)
    for band, row in zip(bands, curve.table.itertuples()):
        band |= figure(row.rate if row.n else None, row.ci_low if row.n else None, row.ci_high if row.n else None,
                       row.n) | {"retained": int(row.retained)}
    return {"bands": bands, "n": curve.n, "small": curve.n < MIN_N, "as_of": as_of.isoformat(), "days": RETURN_DAYS,
            "slope": _round(curve.slope)}


# --- the customer experience curve ----------------------------------------------------------------

def experience_page(actor, filters: Filters) -> dict:
    """Mean rating per touchpoint in journey order, valleys and peaks marked (one query).

    Rule: a touchpoint is compared with its nearest measured neighbours on each side (touchpoints
    with fewer than ``MIN_N`` ratings are shown as small samples and skipped as neighbours; the
    first and last have one side and are never marked). It is a **valley** (a moment of truth to
    fix) when its whole interval lies below both neighbours' means, a **peak** (an excitement
    point to keep) when its whole interval lies above both: a dip that sampling noise could
    explain is not marked."""
    info = results.questions(actor, filters)
    points = [q for q in info.values() if q.role == QuestionRole.TOUCHPOINT or q.touchpoint]
    frame = results.wide(actor, filters, [q.code for q in points])
    rows = [{"code": q.code, "touchpoint": q.touchpoint or q.code.removeprefix("tp_"), "label": q.label,
             **mean_interval(frame[q.code] if len(frame) else [], q.scale), "mark": ""} for q in points]
    measured = [row for row in rows if not row["small"] and row["value"] is not None]
    for before, row, after in zip(measured, measured[1:], measured[2:]):
        if row["high"] < min(before["value"], after["value"]):
            row["mark"] = "valley"
        elif row["low"] > max(before["value"], after["value"]):
            row["mark"] = "peak"
    return {"touchpoints": rows, "n": len(frame)}


KANO_LABELS = {"A": gettext_lazy("Attractive"), "O": gettext_lazy("One-dimensional"), "M": gettext_lazy("Must-be"),
               "I": gettext_lazy("Indifferent"), "R": gettext_lazy("Reverse"), "Q": gettext_lazy("Questionable")}

MARK_LABELS = {"valley": gettext_lazy("Valley (moment of truth)"), "peak": gettext_lazy("Peak (excitement point)"),
               "above": gettext_lazy("Significantly above the rest"),
               "below": gettext_lazy("Significantly below the rest")}


def label(code: str) -> str:
    return str(MARK_LABELS.get(code, "")) or _("—")
