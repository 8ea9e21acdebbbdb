"""Scoring the customer base: warehouse summary -> analytics -> stored, dated scores.

``score_customers`` is what ``retain analyze`` runs (and what a scheduled task will run): it
reads the transactions in the database through ``warehouse``, computes RFM scores, the
MBG/NBD + Gamma-Gamma forecasts and the customer pyramid with ``analytics``, and stores one
``CustomerScore`` per customer under a ``ScoreRun`` in one transaction, with an audit row.

Why MBG/NBD for visits: the card shows P(alive) as "probability still active". Under BG/NBD a
customer can drop out only just after a repeat visit, so everyone without one scores 1.00 however
long ago they were seen; MBG/NBD (Batislam et al. 2007) and Pareto/NBD do not. Between those two
the demo's holdout year chose MBG/NBD (lower per-customer RMSE and total error; the figures are in
the README, "Which visits model", re-measured by bench/holdout_clv.py and checked by
tests/insights/test_visits_model.py).
"""

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from django.db import transaction

from retain.analytics import clv, rfm
from retain.bulk import load
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Dealer
from retain.warehouse import purchases, source

from .models import ANALYSES, CustomerScore, ScoreRun

#: The visits model behind P(alive), expected visits and CLV, its key in ``ScoreRun.fitted`` and
#: its name. Candidates: models whose P(alive) can fall below 1 without a repeat visit.
VISITS_MODEL, VISITS_KEY, VISITS_NAME = clv.ModifiedBetaGeo, "mbg_nbd", "MBG/NBD"
VISITS_CANDIDATES = {VISITS_NAME: VISITS_MODEL, "Pareto/NBD": clv.ParetoNBD}
#: Forecast horizon: 12 months of 30 days (the ``lifetimes`` convention), discounted 1% a month.
MONTHS, DAYS_PER_MONTH, MONTHLY_DISCOUNT = 12, 30, 0.01


class NothingToScore(ValueError):
    """No purchases in the chosen scope and period."""


@dataclass
class Scores:
    run: ScoreRun
    frame: pd.DataFrame  # one row per customer, the stored columns plus labels


def latest_transaction_date(**filters) -> date | None:
    con = source.connect()
    tx = purchases.transactions(con, as_of=date.max, **filters)
    value = tx.date.max().execute()
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def score_customers(*, analyses=ANALYSES, as_of: date | None = None, dealer_code: str | None = None,
                    kinds=("service",), classifications=None, actor=None, job_day: date | None = None) -> Scores:
    """Compute and store scores. ``as_of`` defaults to the date of the latest transaction in
    scope (the analysis is as of the data, not of the clock). ``job_day`` marks the run as the
    periodic job's for that day (at most one per day: see ``insights.jobs``)."""
    unknown = set(analyses) - set(ANALYSES)
    if unknown or not analyses:
        raise ValueError(f"analyses must be among {ANALYSES}, got {sorted(unknown) or 'none'}")
    dealer = None
    if dealer_code:
        dealer = Dealer.objects.filter(code=dealer_code).first()
        if dealer is None:
            raise ValueError(f"no dealer with code {dealer_code!r}")
    filters = {"dealer_code": dealer_code, "kinds": kinds, "classifications": classifications}
    as_of = as_of or latest_transaction_date(**filters)
    if as_of is None:
        raise NothingToScore("no purchases in this scope")
    summary = purchases.summary(source.connect(), as_of=as_of, **filters)
    if summary.empty:
        raise NothingToScore(f"no purchases on or before {as_of} in this scope")

    frame = summary.copy()
    fitted, overview = {}, {"customers": len(frame), "revenue": float(frame["total"].sum())}
    if "rfm" in analyses:
        scored = rfm.score(summary)
        frame[["R", "F", "M"]] = scored[["R", "F", "M"]]
        frame["segment"] = scored["segment"].astype(str)
        overview["segments"] = frame["segment"].value_counts().to_dict()
    if "clv" in analyses:
        fitted, forecast = _forecast(summary)
        frame = frame.join(forecast)
        overview["visits_model"] = VISITS_NAME
        overview["expected_purchases"] = float(frame["expected_purchases"].sum())
        overview["clv"] = float(frame["clv"].sum())
    if "pyramid" in analyses:
        value = frame["clv"] if "clv" in frame else frame["total"]
        frame["tier"] = rfm.pyramid(value)["tier"].astype(str)
        overview["tiers"] = frame["tier"].value_counts().to_dict()
        overview["pyramid_value"] = "clv" if "clv" in frame else "revenue"
        overview["top_20_percent_share"] = float(rfm.top_share(value.clip(lower=0), 0.2))
    return Scores(_store(frame, as_of=as_of, dealer=dealer, kinds=kinds, analyses=analyses, fitted=fitted,
                         overview=overview, actor=actor, job_day=job_day), frame)


def _forecast(summary: pd.DataFrame):
    """MBG/NBD for visits, Gamma-Gamma for spend, discounted 12-month CLV per customer."""
    x, t_x, big_t, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary"]
    visits = VISITS_MODEL.fit(x, t_x, big_t)
    fitted = {VISITS_KEY: _describe(visits, time_unit="day")}
    forecast = pd.DataFrame(index=summary.index)
    forecast["p_alive"] = visits.p_alive(x, t_x, big_t)
    # The month-by-month forecast serves both the 12-month visits and the CLV.
    cumulative = visits.expected_purchases_by(np.arange(1, MONTHS + 1) * DAYS_PER_MONTH, x, t_x, big_t)
    forecast["expected_purchases"] = cumulative[-1]
    if (x > 0).sum() >= 3:
        spend = clv.GammaGamma.fit(x, m)
        fitted["gamma_gamma"] = _describe(spend, currency="yuan")
        forecast["clv"] = clv.lifetime_value(visits, spend, x, t_x, big_t, m, periods=MONTHS,
                                             period_length=DAYS_PER_MONTH, discount_rate=MONTHLY_DISCOUNT,
                                             cumulative=cumulative)
    return fitted, forecast


def _describe(model, **extra) -> dict:
    return {"params": model.params, "se": model.se, "loglik": model.loglik, "n": model.n,
            "converged": model.converged, **extra}


def _store(frame, *, as_of, dealer, kinds, analyses, fitted, overview, actor, job_day) -> ScoreRun:
    def column(name, scale=1.0, integer=False):
        if name not in frame:
            return np.ma.masked_array(np.zeros(len(frame), dtype=np.int64 if integer else float), mask=True)
        values = frame[name].to_numpy(dtype=float) * scale
        return np.round(values).astype(np.int64) if integer else values

    with transaction.atomic():
        run = ScoreRun.objects.create(as_of=as_of, dealer=dealer, kinds=",".join(kinds or ["all"]),
                                      analyses=",".join(analyses), customers=len(frame), fitted=fitted,
                                      summary=overview, created_by=actor, job_day=job_day)
        n = len(frame)
        load({"insights.CustomerScore": {
            "run_id": np.full(n, run.pk), "customer_id": frame.index.to_numpy(dtype=np.int64),
            "as_of": np.full(n, np.datetime64(as_of, "D")),
            "frequency": frame["frequency"].to_numpy(dtype=np.int64),
            "recency": frame["recency"].to_numpy(dtype=float), "age": frame["T"].to_numpy(dtype=float),
            "monetary_cents": column("monetary", 100, integer=True),
            "r_score": column("R", integer=True), "f_score": column("F", integer=True),
            "m_score": column("M", integer=True),
            "rfm_segment": frame["segment"].to_numpy(dtype=str) if "segment" in frame else np.full(n, ""),
            "p_alive": column("p_alive"), "expected_purchases": column("expected_purchases"),
            "clv_cents": column("clv", 100, integer=True),
            "tier": frame["tier"].to_numpy(dtype=str) if "tier" in frame else np.full(n, ""),
        }}, reset_sequences=False)
        audit.record(actor=actor, action=AuditCode.SCORES_COMPUTE, obj=run,
                     after={"as_of": as_of, "analyses": run.analyses, "customers": n},
                     dealer_id=dealer.pk if dealer else None)
    return run


@transaction.atomic
def merge_scores(*, actor, survivor, duplicate) -> dict[str, int]:
    """A merged duplicate's scores become the survivor's (registered with ``customers.moves``),
    except from runs that scored the survivor too: a run holds one score per customer, and the
    survivor's own stays. The next run scores the merged history as one."""
    scored = CustomerScore.objects.filter(customer=survivor).values("run_id")
    return {"scores": CustomerScore.objects.filter(customer=duplicate).exclude(run_id__in=scored)
            .update(customer=survivor)}
