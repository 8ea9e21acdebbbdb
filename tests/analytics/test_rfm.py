"""Tests for retain.analytics.rfm.

References and tolerances
-------------------------
* ``summary`` against lifetimes 0.11.3 ``summary_data_from_transaction_data`` itself: the input
  ``data/rfm_transactions.csv`` (same-day purchases with and without times, one-purchase
  customers, zero amounts, purchases after ``observation_end`` incl. later in the same week, a
  customer whose first purchase is after it, Sunday/Monday week edges, a large first purchase
  followed by small ones) and lifetimes' outputs ``data/rfm_lifetimes_{D,W}_{last,2024-03-13}.csv``
  (written with ``%.17g``, so floats round-trip). Compared **exactly** (same customers, same
  integers, bit-identical ``monetary``), both engines. The amounts are multiples of 1/4 (one
  customer's mean is 22/3, computed the same way), so exact equality is meaningful.
  Regenerate with lifetimes (``python3 -m venv /tmp/lt && /tmp/lt/bin/pip install
  lifetimes==0.11.3 "pandas<2.2" "numpy<2" "scipy<1.12"``)::

      import pandas as pd
      from lifetimes.utils import summary_data_from_transaction_data
      tx = pd.read_csv("rfm_transactions.csv")
      tx["date"] = pd.to_datetime(tx["date"], format="ISO8601")
      for freq in ("D", "W"):
          for end in (None, "2024-03-13"):
              out = summary_data_from_transaction_data(
                  tx, "customer_id", "date", monetary_value_col="amount",
                  observation_period_end=end, freq=freq)
              out.to_csv(f"rfm_lifetimes_{freq}_{'last' if end is None else end}.csv",
                         float_format="%.17g")

* DuckDB engine against the pandas engine on random logs (hypothesis): counts exactly equal;
  ``monetary`` to rtol 1e-9 / atol 1e-6 yuan, because DuckDB forms the repeat spend as total
  minus first-period spend and sums in another order.
* Scores and pyramid tiers: exact counts (integers); Pareto curve: exact ends, top-20% share
  to 1e-12.
"""

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retain.analytics import rfm

DATA = Path(__file__).parent / "data"
INTS = ["frequency", "recency", "T"]


def transactions() -> pd.DataFrame:
    return pd.read_csv(DATA / "rfm_transactions.csv")


def reference(period: str, end) -> pd.DataFrame:
    ref = pd.read_csv(DATA / f"rfm_lifetimes_{period}_{'last' if end is None else end}.csv",
                      index_col="customer_id")
    return ref.rename(columns={"monetary_value": "monetary"})


def assert_same_summary(got: pd.DataFrame, want: pd.DataFrame, *, exact: bool = True):
    assert list(got.columns) == ["frequency", "recency", "T", "monetary"]
    assert list(got.index) == list(want.index)
    assert got.index.name == want.index.name
    np.testing.assert_array_equal(got[INTS].to_numpy(), want[INTS].to_numpy())
    if exact:
        np.testing.assert_array_equal(got["monetary"].to_numpy(), want["monetary"].to_numpy())
    else:
        np.testing.assert_allclose(got["monetary"].to_numpy(), want["monetary"].to_numpy(),
                                   rtol=1e-9, atol=1e-6)


# --------------------------------------------------------------------------- summary vs lifetimes

@pytest.mark.parametrize("engine", rfm.ENGINES)
@pytest.mark.parametrize("period", rfm.PERIODS)
@pytest.mark.parametrize("end", [None, "2024-03-13"])
def test_summary_equals_lifetimes(engine, period, end):
    got = rfm.summary(transactions(), observation_end=end, period=period, engine=engine)
    assert_same_summary(got, reference(period, end))
    assert got[INTS].dtypes.eq(np.int64).all()


def test_reference_covers_the_tricky_cases():
    """Guard the fixture itself: the cases the brief asks for are in it."""
    ref_d, ref_w = reference("D", "2024-03-13"), reference("W", "2024-03-13")
    assert ref_d.loc["e", "frequency"] == 0 and ref_d.loc["e", "monetary"] == 0  # same-day only
    assert ref_d.loc["b", "frequency"] == 0  # single purchase
    assert "d" not in ref_d.index and "d" in reference("D", None).index  # after observation_end
    assert ref_d.loc["a", "monetary"] == (40.25 + 10.0 + 0.0 + 60.0) / 2  # same-day amounts summed
    assert ref_w.loc["c", "frequency"] == 2  # later purchases in the end week count in it (weekly)


@pytest.mark.parametrize("engine", rfm.ENGINES)
def test_date_types_are_equivalent(engine):
    """ISO strings, datetime64, datetime objects, date objects (when no times) agree."""
    tx = transactions()
    want = rfm.summary(tx, engine=engine)
    as_datetime64 = tx.assign(date=pd.to_datetime(tx["date"], format="ISO8601"))
    assert_same_summary(rfm.summary(as_datetime64, engine=engine), want)
    as_objects = tx.assign(date=[d.to_pydatetime() for d in as_datetime64["date"]])
    assert_same_summary(rfm.summary(as_objects, engine=engine), want)
    as_dates = tx.assign(date=[d.date() for d in as_datetime64["date"]])
    assert_same_summary(rfm.summary(as_dates, engine=engine), want)  # times never cross a day here
    aware = as_datetime64.assign(date=as_datetime64["date"].dt.tz_localize("Asia/Shanghai"))
    assert_same_summary(rfm.summary(aware, engine=engine), want)
    unit_s = as_datetime64.assign(date=as_datetime64["date"].astype("datetime64[s]"))
    assert_same_summary(rfm.summary(unit_s, engine=engine), want)
    end_forms = [dt.date(2024, 3, 13), dt.datetime(2024, 3, 13, 23, 0), np.datetime64("2024-03-13"),
                 pd.Timestamp("2024-03-13 06:00")]
    want_end = rfm.summary(tx, observation_end="2024-03-13", engine=engine)
    for end in end_forms:
        assert_same_summary(rfm.summary(tx, observation_end=end, engine=engine), want_end)


@pytest.mark.parametrize("engine", rfm.ENGINES)
def test_other_column_names_and_integer_customers(engine):
    tx = transactions()
    codes = {c: i * 7 + 100 for i, c in enumerate(sorted(tx["customer_id"].unique()))}
    renamed = pd.DataFrame({"vip_no": tx["customer_id"].map(codes), "when": tx["date"],
                            "yuan": tx["amount"], "other": "x"})
    got = rfm.summary(renamed, customer="vip_no", date="when", amount="yuan", engine=engine)
    want = reference("D", None)
    want.index = pd.Index([codes[c] for c in want.index], name="vip_no")
    assert_same_summary(got, want)


def test_worked_example_by_hand():
    """Customer 1: 2024-01-01 (50 + 30 same day), 2024-01-03 (20), 2024-01-08 (40), end 01-10:
    periods 01-01, 01-03, 01-08 -> frequency 2, recency 7, T 9, monetary (20 + 40) / 2 = 30.
    Weekly: weeks of 01-01 and 01-08 -> frequency 1, recency 1, T 1, monetary 40."""
    tx = pd.DataFrame({"customer_id": [1, 1, 1, 1, 2],
                       "date": ["2024-01-01", "2024-01-01", "2024-01-03", "2024-01-08", "2024-01-10"],
                       "amount": [50.0, 30.0, 20.0, 40.0, 5.0]})
    for engine in rfm.ENGINES:
        daily = rfm.summary(tx, engine=engine)
        assert daily.loc[1].tolist() == [2, 7, 9, 30.0]
        assert daily.loc[2].tolist() == [0, 0, 0, 0.0]
        weekly = rfm.summary(tx, period="W", engine=engine)
        assert weekly.loc[1].tolist() == [1, 1, 1, 40.0]


# --------------------------------------------------------------------------- engines agree

@st.composite
def logs(draw):
    n = draw(st.integers(1, 60))
    customers = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    days = draw(st.lists(st.integers(0, 120), min_size=n, max_size=n))
    minutes = draw(st.lists(st.integers(0, 24 * 60 - 1), min_size=n, max_size=n))
    cents = draw(st.lists(st.integers(0, 10_000_000), min_size=n, max_size=n))
    dates = (np.datetime64("2023-12-25T00:00") + np.array(days) * np.timedelta64(1, "D")
             + np.array(minutes) * np.timedelta64(1, "m"))
    frame = pd.DataFrame({"customer_id": customers, "date": dates.astype("datetime64[us]"),
                          "amount": np.array(cents) / 100})
    end = draw(st.one_of(st.none(), st.integers(int(min(days)), 130)))
    end = None if end is None else str(np.datetime64("2023-12-25") + end)
    return frame, end


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(log=logs(), period=st.sampled_from(rfm.PERIODS), seed=st.integers(0, 2**16))
def test_duckdb_engine_equals_pandas_engine(log, period, seed):
    frame, end = log
    want = rfm.summary(frame, observation_end=end, period=period, engine="pandas")
    got = rfm.summary(frame, observation_end=end, period=period, engine="duckdb")
    assert_same_summary(got, want, exact=False)
    # invariants of the Fader-Hardie summary
    assert (want["recency"] <= want["T"]).all()
    assert ((want["frequency"] == 0) == (want["recency"] == 0)).all()
    assert (want.loc[want["frequency"] == 0, "monetary"] == 0).all()
    # row order does not matter (up to the order of floating-point additions within a period)
    shuffled = frame.sample(frac=1.0, random_state=seed)
    assert_same_summary(rfm.summary(shuffled, observation_end=end, period=period), want, exact=False)
    assert_same_summary(rfm.summary(shuffled, observation_end=end, period=period, engine="pandas"), want,
                        exact=False)


@pytest.mark.parametrize("engine", rfm.ENGINES)
def test_row_order_invariance_on_reference(engine):
    tx = transactions()
    for seed in range(5):
        shuffled = tx.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        assert_same_summary(rfm.summary(shuffled, period="W", engine=engine), reference("W", None))


@pytest.mark.parametrize("dtype", ["int32", "uint64", "Int64", "category", "object"])
def test_customer_dtypes(dtype):
    tx = transactions()
    codes = {c: i + 3 for i, c in enumerate(sorted(tx["customer_id"].unique()))}
    customers = tx["customer_id"] if dtype in ("category", "object") else tx["customer_id"].map(codes)
    typed = tx.assign(customer_id=customers.astype(dtype))
    want = reference("D", None)
    if dtype not in ("category", "object"):
        want.index = pd.Index([codes[c] for c in want.index], name="customer_id")
    for engine in rfm.ENGINES:
        assert_same_summary(rfm.summary(typed, engine=engine), want)


def test_string_and_integer_customers_agree_on_random_data():
    rng = np.random.default_rng(5)
    n = 5_000
    frame = pd.DataFrame({"customer_id": rng.integers(0, 700, n),
                          "date": np.datetime64("2022-01-01") + rng.integers(0, 400, n),
                          "amount": np.round(rng.gamma(2.0, 300.0, n), 2)})
    by_int = rfm.summary(frame)
    by_str = rfm.summary(frame.assign(customer_id=frame["customer_id"].map("{:04d}".format)))
    assert list(by_str.index) == [f"{c:04d}" for c in by_int.index]
    by_str.index = by_int.index
    assert_same_summary(by_str, by_int, exact=False)  # DuckDB's parallel sums may add in another order


# --------------------------------------------------------------------------- bad input

GOOD = pd.DataFrame({"customer_id": [1, 1, 2], "date": ["2024-01-01", "2024-01-05", "2024-01-02"],
                     "amount": [10.0, 20.0, 5.0]})


@pytest.mark.parametrize("engine", rfm.ENGINES)
@pytest.mark.parametrize("change, match", [
    (lambda f: f.drop(columns="amount"), r"no column\(s\) \['amount'\]"),
    (lambda f: f.drop(columns=["date", "customer_id"]), r"no column\(s\) \['customer_id', 'date'\]"),
    (lambda f: f.iloc[0:0], "empty"),
    (lambda f: f.assign(date=["2024-01-01", None, "2024-01-02"]), "date column 'date' has 1 missing"),
    (lambda f: f.assign(date=pd.to_datetime(["2024-01-01", None, "2024-01-02"])), "date column 'date' has 1 missing"),
    (lambda f: f.assign(date=["2024-01-01", "not a date", "2024-01-02"]), "not dates"),
    (lambda f: f.assign(date=[1, 2, 3]), "must hold dates"),
    (lambda f: f.assign(amount=[10.0, np.nan, 5.0]), "amount column 'amount' contains 1 missing"),
    (lambda f: f.assign(amount=pd.array([10.0, None, 5.0], dtype="Float64")), "amount column 'amount' contains 1 missing"),
    (lambda f: f.assign(amount=["10", "x", "5"]), "amount column 'amount' must hold numbers"),
    (lambda f: f.assign(amount=[10.0, -20.0, 5.0]), "amount column 'amount' must be >= 0"),
    (lambda f: f.assign(amount=[10.0, np.inf, 5.0]), "infinite"),
    (lambda f: f.assign(customer_id=[1, None, 2]), "customer column 'customer_id' has 1 missing"),
    (lambda f: f.assign(customer_id=[1.0, np.nan, 2.0]), "customer column 'customer_id' has 1 missing"),
])
def test_bad_transactions_raise(engine, change, match):
    with pytest.raises(ValueError, match=match):
        rfm.summary(change(GOOD.copy()), engine=engine)


@pytest.mark.parametrize("kwargs, match", [
    ({"observation_end": "2023-12-31"}, "before the first purchase"),
    ({"observation_end": "2023-12-31", "period": "W"}, "before the first purchase"),
    ({"observation_end": "yesterday-ish"}, "observation_end is not a date"),
    ({"observation_end": pd.NaT}, "observation_end is missing"),
    ({"period": "M"}, "period must be one of"),
    ({"engine": "spark"}, "engine must be one of"),
    ({"customer": "date"}, "three different columns"),
])
def test_bad_arguments_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        rfm.summary(GOOD, **kwargs)


def test_observation_end_in_first_week_is_fine():
    """2024-01-01 is a Monday; an end on the Sunday of that week is the same period."""
    got = rfm.summary(GOOD, observation_end="2024-01-07", period="W")
    assert got["T"].tolist() == [0, 0]


def test_not_a_dataframe_raises():
    with pytest.raises(ValueError, match="must be a pandas DataFrame"):
        rfm.summary(GOOD.to_dict("list"))


# --------------------------------------------------------------------------- scores and segments

def _summary_frame(frequency, recency, T, monetary, index=None):
    return pd.DataFrame({"frequency": frequency, "recency": recency, "T": T, "monetary": monetary},
                        index=index)


def test_scores_are_exact_quintiles_on_distinct_values():
    rng = np.random.default_rng(1)
    n = 10_000
    frame = _summary_frame(rng.permutation(n), np.zeros(n, int), rng.permutation(n),
                           rng.permutation(n) * 1.5)
    scored = rfm.score(frame)
    for column in "RFM":
        assert scored[column].value_counts().sort_index().tolist() == [2_000] * 5
    # 5 is best: most frequent, highest spend, least time since the last purchase
    assert scored.loc[frame["frequency"].idxmax(), "F"] == 5
    assert scored.loc[frame["monetary"].idxmax(), "M"] == 5
    assert scored.loc[frame["T"].idxmin(), "R"] == 5  # recency 0, so T is the time since
    assert scored.loc[frame["T"].idxmax(), "R"] == 1


def test_ties_share_a_score_and_go_down():
    """60% one-period customers (frequency 0), then 1, 2, 3 repeat periods."""
    frequency = np.repeat([0, 1, 2, 3], [60, 20, 10, 10])
    frame = _summary_frame(frequency, frequency, frequency + 5, frequency * 10.0)
    scored = rfm.score(frame)
    by_value = scored.groupby(frequency)["F"].agg(["min", "max"])
    assert (by_value["min"] == by_value["max"]).all()  # never split
    assert by_value["min"].tolist() == [1, 4, 5, 5]  # ceil(5 * rank_min / n)
    assert (scored.loc[frequency == 0, "M"] == 1).all()


def test_score_is_row_order_invariant_and_keeps_index():
    rng = np.random.default_rng(2)
    n = 500
    frequency = rng.integers(0, 6, n)
    recency = frequency * rng.integers(0, 30, n)
    frame = _summary_frame(frequency, recency, recency + rng.integers(0, 50, n),
                           np.where(frequency > 0, rng.integers(1, 50, n) * 100.0, 0.0),
                           index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"))
    scored = rfm.score(frame)
    assert scored.index.equals(frame.index)
    shuffled = frame.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(rfm.score(shuffled).loc[frame.index], scored)


def test_every_score_combination_has_exactly_one_segment():
    grid = np.array([(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)])
    for frequency in (np.zeros(len(grid)), np.ones(len(grid))):
        keys = rfm._segment(grid[:, 0], grid[:, 1], grid[:, 2], frequency)
        assert ((keys >= 0) & (keys < len(rfm.SEGMENTS))).all()
    keys = rfm._segment(grid[:, 0], grid[:, 1], grid[:, 2], np.ones(len(grid)))
    names = np.array(list(rfm.SEGMENTS))[keys]
    R, F, M = grid.T
    assert set(names[(R == 5) & (F == 5)]) == {"champions"}
    assert set(names[(R == 1) & (F == 1)]) == {"lost"}
    assert set(names[(R == 2) & (F == 2)]) == {"hibernating"}
    assert set(names[(R <= 2) & (F == 3)]) == {"at_risk"}
    assert set(names[(R <= 2) & (F == 5) & (M == 5)]) == {"cannot_lose"}
    assert set(names[(R == 3) & (F == 3)]) == {"loyal"}
    new = rfm._segment(np.array([5, 4, 3]), np.array([1, 1, 1]), np.array([1, 1, 1]), np.zeros(3))
    assert np.array(list(rfm.SEGMENTS))[new].tolist() == ["new", "new", "promising"]


def test_segment_labels_en_and_zh():
    scored = rfm.score(rfm.summary(transactions()))
    for key, (en, zh, _rule) in rfm.SEGMENTS.items():
        rows = scored[scored["segment"] == key]
        assert (rows["label_en"] == en).all() and (rows["label_zh"] == zh).all()
    assert all(zh and not zh.isascii() for _en, zh, _rule in rfm.SEGMENTS.values())
    assert list(scored["segment"].cat.categories) == list(rfm.SEGMENTS)


def test_score_with_ten_bins():
    n = 1_000
    frame = _summary_frame(np.arange(n), np.zeros(n, int), np.arange(n), np.arange(n) * 2.0)
    scored = rfm.score(frame, bins=10)
    assert scored["F"].value_counts().tolist() == [100] * 10
    assert scored["F"].between(1, 10).all()


@pytest.mark.parametrize("frame, kwargs, match", [
    (_summary_frame([1], [1], [2], [3.0]), {"bins": 1}, "bins must be a whole number"),
    (_summary_frame([1], [1], [2], [3.0]), {"bins": 2.5}, "bins must be a whole number"),
    (_summary_frame([1], [1], [2], [3.0]).drop(columns="T"), {}, r"no column\(s\) \['T'\]"),
    (_summary_frame([1], [3], [2], [3.0]), {}, "recency exceeds T"),
    (_summary_frame([1], [1], [2], [np.nan]), {}, "monetary contains 1 missing"),
    (_summary_frame([-1], [1], [2], [3.0]), {}, "frequency must be >= 0"),
    (_summary_frame([], [], [], []), {}, "frequency is empty"),
])
def test_bad_score_input_raises(frame, kwargs, match):
    with pytest.raises(ValueError, match=match):
        rfm.score(frame, **kwargs)


# --------------------------------------------------------------------------- pyramid and Pareto

def test_pyramid_shares_are_exact_on_distinct_values():
    rng = np.random.default_rng(3)
    value = pd.Series(rng.permutation(10_000) * 3.5 + 1, index=[f"c{i}" for i in range(10_000)])
    tiers = rfm.pyramid(value)
    assert tiers.index.equals(value.index)
    assert tiers["tier"].value_counts()[list(rfm.TIERS)].tolist() == [100, 400, 1_500, 8_000]
    top = value.sort_values(ascending=False)
    assert (tiers.loc[top.index[:100], "tier"] == "vip").all()
    assert (tiers.loc[top.index[100:500], "tier"] == "major").all()
    assert (tiers.loc[top.index[500:2_000], "tier"] == "ordinary").all()
    assert tiers.loc[top.index[2_000], "label_zh"] == "小客户"
    assert tiers.loc[top.index[0], "label_en"] == "VIP"


def test_pyramid_ties_share_a_tier_and_never_overfill():
    value = pd.Series(np.concatenate([np.arange(98, 0, -1.0) + 1000, [500.0] * 5, np.zeros(9_897)]))
    tiers = rfm.pyramid(value)
    # 98 distinct values then a tie of 5 straddling the 1% cut (positions 99..103): all major
    assert (tiers["tier"][:98] == "vip").all() and (tiers["tier"][98:103] == "major").all()
    counts = tiers["tier"].value_counts()
    assert counts["vip"] <= 100 and counts["vip"] + counts["major"] <= 500
    assert (tiers["tier"][103:] == "small").all()  # the zeros tie straddles every other cut
    shuffled = value.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(rfm.pyramid(shuffled).loc[value.index], tiers)


def test_pyramid_allows_losses_and_rejects_nan():
    tiers = rfm.pyramid(pd.Series(np.linspace(-50, 949, 1_000)))
    assert tiers["tier"].iloc[0] == "small" and tiers["tier"].iloc[-1] == "vip"
    with pytest.raises(ValueError, match="value contains 1 missing"):
        rfm.pyramid(pd.Series([1.0, np.nan, 3.0]))
    with pytest.raises(ValueError, match="value is empty"):
        rfm.pyramid(pd.Series([], dtype=float))


def test_pareto_curve_shape():
    rng = np.random.default_rng(4)
    value = rng.pareto(1.2, 10_000)
    curve = rfm.pareto_curve(value)
    assert (curve.customer_share[0], curve.value_share[0]) == (0.0, 0.0)
    assert (curve.customer_share[-1], curve.value_share[-1]) == (1.0, 1.0)
    assert (np.diff(curve.value_share) >= 0).all() and (np.diff(curve.customer_share) > 0).all()
    assert (np.diff(curve.value_share, 2) <= 1e-15).all()  # concave: most valuable first
    top = np.sort(value)[::-1][:2_000].sum() / value.sum()
    assert curve.top_20 == pytest.approx(top, rel=1e-12, abs=0)
    assert rfm.top_share(value) == pytest.approx(top, rel=1e-12, abs=0)
    assert rfm.top_share(pd.Series(value), 0.4) == pytest.approx(
        np.sort(value)[::-1][:4_000].sum() / value.sum(), rel=1e-12)
    assert list(curve.to_frame().columns) == ["customer_share", "value_share"]
    assert "top_20" in curve.summary()


def test_pareto_curve_of_equal_values_is_the_diagonal_and_order_free():
    curve = rfm.pareto_curve([3.0] * 10)
    np.testing.assert_allclose(curve.value_share, curve.customer_share, rtol=0, atol=1e-15)
    assert curve.top_20 == pytest.approx(0.2, abs=1e-15)
    values = np.arange(50.0)
    np.testing.assert_array_equal(rfm.pareto_curve(values).value_share,
                                  rfm.pareto_curve(values[::-1]).value_share)


@pytest.mark.parametrize("value, match", [
    ([1.0, -2.0], "value must be >= 0"),
    ([0.0, 0.0], "no value to share"),
    ([1.0, np.nan], "missing"),
    ([], "empty"),
])
def test_bad_pareto_input_raises(value, match):
    with pytest.raises(ValueError, match=match):
        rfm.pareto_curve(value)
    with pytest.raises(ValueError, match="fraction"):
        rfm.pareto_curve([1.0, 2.0]).share_of_top(1.5)


def test_analytics_stays_free_of_django():
    import re

    source = Path(rfm.__file__).read_text(encoding="utf-8")
    assert not re.search(r"^\s*(import|from)\s+django", source, flags=re.MULTILINE)
