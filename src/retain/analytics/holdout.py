"""Choosing a repeat-buying model by how well it forecasts a holdout period.

The transaction log is split at a calibration end: each model is fitted on the calibration
period's summary (frequency, recency, T) and predicts each customer's purchases in the holdout
period, which are then counted. This is how Fader, Hardie & Lee (2005, "Counting your customers
the easy way", section 4) validate BG/NBD against Pareto/NBD on CDNOW, and how Batislam,
Denizel & Filiztekin (2007) compare MBG/NBD with both: total purchases, purchases by the
number of calibration-period repeat purchases, and per-customer errors.

Purchases are counted in periods as ``rfm.summary`` does (several on one day count once with
``period="D"``), so the holdout count is on the same scale as the calibration frequency.
Customers whose first purchase falls in the holdout are not in the comparison: no model
forecasts customers it has not seen.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import rfm
from ._base import Result

#: Frequency buckets of the comparison table: 0, 1, ..., 6 repeat purchases and 7 or more.
BUCKETS = 7


def split(transactions: pd.DataFrame, calibration_end, observation_end, *, customer: str = "customer_id",
          date: str = "date", amount: str = "amount", period: str = "D") -> pd.DataFrame:
    """The calibration summary (frequency, recency, T, monetary, as ``rfm.summary`` on the
    purchases up to ``calibration_end``) with ``holdout``: each customer's purchase periods after
    ``calibration_end`` up to ``observation_end``."""
    calibration_end, observation_end = pd.Timestamp(calibration_end), pd.Timestamp(observation_end)
    if not calibration_end < observation_end:
        raise ValueError(f"calibration_end ({calibration_end.date()}) must be before observation_end "
                         f"({observation_end.date()})")
    dates = pd.to_datetime(transactions[date])
    calibration = transactions[dates <= calibration_end]
    if calibration.empty:
        raise ValueError(f"no purchases on or before calibration_end ({calibration_end.date()})")
    summary = rfm.summary(calibration, customer=customer, date=date, amount=amount,
                          observation_end=calibration_end, period=period)
    later = transactions[(dates > calibration_end) & (dates <= observation_end)]
    periods = pd.to_datetime(later[date]).dt.to_period(period)
    counted = pd.DataFrame({"customer": later[customer].to_numpy(), "period": periods.to_numpy()}).drop_duplicates()
    holdout = counted.groupby("customer").size()
    summary["holdout"] = holdout.reindex(summary.index, fill_value=0).to_numpy()
    return summary


@dataclass(frozen=True)
class HoldoutFit(Result):
    """One model's holdout forecast: totals, per-customer errors and the table by frequency."""

    model: str
    n: int
    duration: float
    actual: float
    predicted: float
    mae: float
    rmse: float
    loglik: float
    by_frequency: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.by_frequency


@dataclass(frozen=True)
class HoldoutComparison(Result):
    """Models compared on one split; ``best`` is the one with the lowest per-customer RMSE."""

    fits: tuple
    best: str

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([{k: getattr(f, k) for k in ("model", "n", "duration", "actual", "predicted", "mae",
                                                           "rmse", "loglik")} for f in self.fits]).set_index("model")

    def by_frequency(self) -> pd.DataFrame:
        """Mean holdout purchases per customer by calibration frequency: actual, then each model."""
        first = self.fits[0].by_frequency
        table = first[["customers", "actual"]].copy()
        for fit in self.fits:
            table[fit.model] = fit.by_frequency["predicted"]
        return table


def compare(models: dict, split_frame: pd.DataFrame, duration: float) -> HoldoutComparison:
    """Fit each model (name -> a class with ``fit(frequency, recency, T)`` and
    ``expected_purchases(t, frequency, recency, T)``) on the calibration columns of ``split``'s
    frame and score its forecast of ``holdout`` over ``duration`` periods."""
    if not models:
        raise ValueError("models is empty: give at least one model to compare")
    if duration <= 0:
        raise ValueError(f"duration must be > 0, got {duration}")
    x, t_x, big_t = (split_frame[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    actual = split_frame["holdout"].to_numpy(dtype=float)
    bucket = np.minimum(x, BUCKETS).astype(int)
    labels = [str(b) for b in range(BUCKETS)] + [f"{BUCKETS}+"]
    fits = []
    for name, model in models.items():
        fitted = model.fit(x, t_x, big_t)
        predicted = np.asarray(fitted.expected_purchases(duration, x, t_x, big_t), dtype=float)
        error = predicted - actual
        table = pd.DataFrame({
            "customers": np.bincount(bucket, minlength=BUCKETS + 1),
            "actual": np.bincount(bucket, weights=actual, minlength=BUCKETS + 1),
            "predicted": np.bincount(bucket, weights=predicted, minlength=BUCKETS + 1),
        }, index=pd.Index(labels, name="calibration repeat purchases"))
        table[["actual", "predicted"]] = table[["actual", "predicted"]].div(table["customers"].clip(lower=1), axis=0)
        fits.append(HoldoutFit(model=name, n=len(x), duration=float(duration), actual=float(actual.sum()),
                               predicted=float(predicted.sum()), mae=float(np.abs(error).mean()),
                               rmse=float(np.sqrt((error ** 2).mean())), loglik=float(fitted.loglik),
                               by_frequency=table))
    best = min(fits, key=lambda f: f.rmse).model
    return HoldoutComparison(fits=tuple(fits), best=best)
