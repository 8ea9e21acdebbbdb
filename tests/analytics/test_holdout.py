"""Holdout comparison of repeat-buying models: the split counts what it should, and the
comparison scores forecasts the way its docstring says."""

import numpy as np
import pandas as pd
import pytest

from retain.analytics import clv, holdout


def log(rows):
    return pd.DataFrame(rows, columns=["customer_id", "date", "amount"])


def test_split_counts_holdout_purchase_days_of_calibration_customers():
    frame = holdout.split(log([
        (1, "2024-01-01", 10), (1, "2024-02-01", 10), (1, "2024-07-01", 10), (1, "2024-07-01", 5),  # same day: once
        (1, "2024-08-01", 10),
        (2, "2024-03-01", 10),  # no holdout purchase
        (3, "2024-07-15", 10),  # first seen in the holdout: not forecast, not in the frame
        (4, "2024-01-10", 10), (4, "2025-02-01", 10),  # after the observation end: not counted
    ]), "2024-06-30", "2024-12-31")
    assert list(frame.index) == [1, 2, 4]
    assert frame.loc[1, ["frequency", "recency", "T", "holdout"]].tolist() == [1, 31, 181, 2]
    assert frame.loc[2, "holdout"] == 0 and frame.loc[4, "holdout"] == 0


def test_split_refuses_a_calibration_end_after_the_observation_end():
    with pytest.raises(ValueError, match="must be before observation_end"):
        holdout.split(log([(1, "2024-01-01", 10)]), "2024-06-30", "2024-06-01")


def test_compare_scores_each_model_against_the_holdout():
    rng = np.random.default_rng(3)
    n = 4_000
    x = rng.poisson(2, n)
    big_t = rng.uniform(100, 400, n)
    t_x = np.where(x > 0, rng.uniform(0.2, 1, n) * big_t, 0.0)
    frame = pd.DataFrame({"frequency": x, "recency": t_x, "T": big_t, "holdout": rng.poisson(1, n)})
    result = holdout.compare({"BG/NBD": clv.BetaGeo, "MBG/NBD": clv.ModifiedBetaGeo}, frame, 180)
    for fit in result.fits:
        model = {"BG/NBD": clv.BetaGeo, "MBG/NBD": clv.ModifiedBetaGeo}[fit.model].fit(x, t_x, big_t)
        predicted = model.expected_purchases(180, x, t_x, big_t)
        assert fit.predicted == pytest.approx(predicted.sum())
        assert fit.mae == pytest.approx(np.abs(predicted - frame.holdout).mean())
        assert fit.rmse == pytest.approx(np.sqrt(((predicted - frame.holdout) ** 2).mean()))
        table = fit.by_frequency
        assert table["customers"].sum() == n and table.loc["7+", "customers"] == (x >= 7).sum()
        assert table.loc["0", "actual"] == pytest.approx(frame.holdout[x == 0].mean())
    assert result.best == min(result.fits, key=lambda f: f.rmse).model
    assert list(result.by_frequency().columns) == ["customers", "actual", "BG/NBD", "MBG/NBD"]
    with pytest.raises(ValueError, match="duration must be > 0"):
        holdout.compare({"BG/NBD": clv.BetaGeo}, frame, 0)
