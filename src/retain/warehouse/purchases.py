"""Per-customer purchase summaries (frequency, recency, T, monetary) computed in the database.

The conventions are those of ``retain.analytics.rfm.summary`` (and of Fader-Hardie and the
``lifetimes`` package): purchases are grouped into periods (days or Monday-to-Sunday weeks);
frequency is the number of periods with a purchase after the first, recency the periods from
the first to the last, T the periods from the first to the end of observation, monetary the
mean spend of the repeat periods (0 without repeats). Merged customer records are left out.
"""

from datetime import date

import ibis
import numpy as np
import pandas as pd

PERIOD_DAYS = {"D": 1, "W": 7}


def transactions(con, *, as_of: date, dealer_code: str | None = None, kinds=("service",),
                 classifications=None):
    """The transactions to analyse, as an Ibis table (customer_id, dealer_id, date, amount_cents)."""
    t = con.table("customers_transaction")
    customers = con.table("customers_customer")
    customers = customers.filter(customers.status == "active")
    if classifications:
        customers = customers.filter(customers.classification.isin(list(classifications)))
    t = t.filter(t.date <= ibis.date(as_of))
    if kinds:
        t = t.filter(t.kind.isin(list(kinds)))
    if dealer_code:
        dealers = con.table("org_dealer")
        t = t.filter(t.dealer_id.isin(dealers.filter(dealers.code == dealer_code).id))
    t = t.filter(t.customer_id.isin(customers.id))
    return t.select("customer_id", "dealer_id", "date", "amount_cents")


def summary(con, *, as_of: date, period: str = "D", **filters) -> pd.DataFrame:
    """One row per customer with a purchase on or before ``as_of``: frequency, recency, T
    (in periods), monetary (yuan), total (yuan, all periods), last_purchase (date)."""
    if period not in PERIOD_DAYS:
        raise ValueError(f"period must be one of {sorted(PERIOD_DAYS)}, not {period!r}")
    tx = transactions(con, as_of=as_of, **filters)
    # Day number since 1970-01-01 (a Thursday); +3 makes weeks start on Monday, as pandas' W-SUN.
    day = tx.date.epoch_days()
    key = day if period == "D" else (day + 3) // 7
    # Summed as floating point: SQLite's integer SUM raises on overflow (one absurd amount stored
    # before the API bounded amounts crashed `retain analyze`); exact to the cent below 2**53.
    per_period = tx.group_by([tx.customer_id, key.name("period")]).aggregate(
        amount=tx.amount_cents.cast("float64").sum(), last_date=tx.date.max())
    first = per_period.group_by("customer_id").aggregate(first=per_period.period.min())
    with_first = per_period.join(first, "customer_id")
    per_customer = with_first.group_by("customer_id").aggregate(
        first=with_first.first.min(),
        last=with_first.period.max(),
        periods=with_first.count(),
        total=with_first.amount.sum(),
        first_amount=ibis.ifelse(with_first.period == with_first.first, with_first.amount, 0).sum(),
        last_purchase=with_first.last_date.max(),
    )
    frame = per_customer.execute().set_index("customer_id").sort_index()
    end_day = (pd.Timestamp(as_of) - pd.Timestamp("1970-01-01")).days
    end = end_day if period == "D" else (end_day + 3) // 7
    frequency = frame["periods"].to_numpy() - 1
    repeat_total = (frame["total"] - frame["first_amount"]).to_numpy()
    out = pd.DataFrame({
        "frequency": frequency,
        "recency": (frame["last"] - frame["first"]).to_numpy().astype(float),
        "T": (end - frame["first"]).to_numpy().astype(float),
        "monetary": np.where(frequency > 0, repeat_total / np.maximum(frequency, 1), 0.0) / 100,
        "total": frame["total"].to_numpy() / 100,
        "last_purchase": pd.to_datetime(frame["last_purchase"]).dt.date.to_numpy(),
    }, index=frame.index)
    return out
