"""BG/NBD fitting and the whole CLV scorecard: retain against lifetimes 0.11.3, same data, same run.

    python3 -m venv /tmp/lifetimes && /tmp/lifetimes/bin/pip install -r bench/requirements-lifetimes.txt
    python bench/bench_clv.py --lifetimes-python /tmp/lifetimes/bin/python [--readme README.md]

1. **BG/NBD fit**: 1,000,000 customers drawn exactly from BG/NBD (r = 0.8, alpha = 30 per day,
   a = 0.7, b = 3.0; first purchase spread over 1,000 days, observed until day 1,460; daily
   resolution). ``retain.analytics.clv.BetaGeo.fit`` against ``lifetimes.BetaGeoFitter.fit``
   on the same (frequency, recency, T), median of ``--repeat`` runs each; the estimates must
   agree to a relative 1e-4. Target: retain at least 15x faster.
2. **Scorecard**: the same customers' 10-million-odd transactions (first purchase plus repeat
   purchases, Gamma-Gamma spends) -> per-customer summary -> BG/NBD -> Gamma-Gamma -> 12-month
   CLV -> customer pyramid. retain (DuckDB summary, its own fits) against pandas +
   lifetimes (``summary_data_from_transaction_data``, ``BetaGeoFitter``, ``GammaGammaFitter``,
   ``customer_lifetime_value``, a pandas rank for the pyramid), one run each.

lifetimes cannot be installed next to numpy 2 / pandas 3, so it runs in its own interpreter
(``--lifetimes-python``); the data go over as an .npz file and each side times only its own work.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _readme import machine_note, write_block
from retain.analytics import clv, rfm

TRUTH = {"r": 0.8, "alpha": 30.0, "a": 0.7, "b": 3.0}
GAMMA_GAMMA = {"p": 6.0, "q": 4.0, "gamma": 400.0}
TARGET = 15.0

LIFETIMES_FIT = """
import json, statistics, sys, time
import numpy as np
from lifetimes import BetaGeoFitter
d = np.load(sys.argv[1]); repeat = int(sys.argv[2]); times = []
for _ in range(repeat):
    started = time.perf_counter()
    fitter = BetaGeoFitter().fit(d["frequency"], d["recency"], d["T"])
    times.append(time.perf_counter() - started)
print(json.dumps({"seconds": statistics.median(times), "params": fitter.params_.to_dict()}))
"""

LIFETIMES_SCORECARD = """
import json, sys, time
import numpy as np, pandas as pd
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.utils import summary_data_from_transaction_data
d = np.load(sys.argv[1])
tx = pd.DataFrame({"customer_id": d["customer"], "date": d["date"].astype("datetime64[ns]"), "amount": d["amount"]})
started = time.perf_counter()
s = summary_data_from_transaction_data(tx, "customer_id", "date", monetary_value_col="amount",
                                       observation_period_end=pd.Timestamp(str(d["end"])))
bg = BetaGeoFitter().fit(s["frequency"], s["recency"], s["T"])
repeaters = s[s["frequency"] > 0]
gg = GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])
value = gg.customer_lifetime_value(bg, s["frequency"], s["recency"], s["T"], s["monetary_value"],
                                   time=12, discount_rate=0.01, freq="D")
rank = value.rank(ascending=False, method="max") / len(value)
tier = np.select([rank <= 0.01, rank <= 0.05, rank <= 0.20], ["vip", "major", "ordinary"], "small")
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "customers": len(s), "clv_total": float(value.sum()),
                  "vip": int((tier == "vip").sum()), "params": bg.params_.to_dict()}))
"""


def simulate(customers: int, seed: int = 7):
    """Exact BG/NBD histories (the demo's simulator) with daily dates and Gamma-Gamma spends."""
    from retain.demo.history import gamma_gamma_spend, simulate_bg_nbd
    from retain.demo.truth import BgNbd, GammaGamma

    rng = np.random.default_rng(seed)
    birth = rng.integers(0, 1000, customers)
    horizon = (1460 - birth).astype(float)
    visits = simulate_bg_nbd(rng, BgNbd(**TRUTH), horizon)
    day = np.floor(visits.time).astype(np.int64) + 1  # a repeat purchase on a later day than the first
    repeat_day = np.minimum(birth[visits.customer] + day, 1460)
    customer = np.concatenate([np.arange(customers), visits.customer])
    days = np.concatenate([birth, repeat_day])
    amount = np.round(gamma_gamma_spend(rng, GammaGamma(**GAMMA_GAMMA), customer, customers), 2)
    frequency = np.bincount(visits.customer, minlength=customers)
    last = birth.copy()
    np.maximum.at(last, visits.customer, repeat_day)
    return {
        "frequency": frequency, "recency": (last - birth).astype(float), "T": horizon,
        "customer": customer, "date": np.datetime64("2022-01-01") + days, "amount": amount,
        "end": np.datetime64("2022-01-01") + 1460,
    }


def bench_fit(data, python, repeat, folder):
    """Median seconds of retain's and lifetimes' BG/NBD fits and their largest relative gap."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        ours = clv.BetaGeo.fit(data["frequency"], data["recency"], data["T"])
        times.append(time.perf_counter() - started)
    path = Path(folder) / "fit.npz"
    np.savez(path, frequency=data["frequency"], recency=data["recency"], T=data["T"])
    theirs = json.loads(subprocess.run([python, "-c", LIFETIMES_FIT, str(path), str(repeat)],
                                       check=True, capture_output=True, text=True).stdout)
    gap = max(abs(ours.params[k] - v) / abs(v) for k, v in theirs["params"].items())
    return statistics.median(times), theirs["seconds"], gap, ours


def bench_scorecard(data, python, folder):
    frame = pd.DataFrame({"customer_id": data["customer"], "date": data["date"], "amount": data["amount"]})
    started = time.perf_counter()
    summary = rfm.summary(frame, observation_end=str(data["end"]))
    x, t_x, big_t, m = summary["frequency"], summary["recency"], summary["T"], summary["monetary"]
    visits = clv.BetaGeo.fit(x, t_x, big_t)
    spend = clv.GammaGamma.fit(x, m)
    value = clv.lifetime_value(visits, spend, x, t_x, big_t, m, periods=12, period_length=30, discount_rate=0.01)
    tiers = rfm.pyramid(pd.Series(value, index=summary.index))
    ours = time.perf_counter() - started
    path = Path(folder) / "transactions.npz"
    np.savez(path, customer=data["customer"], date=data["date"], amount=data["amount"], end=data["end"])
    theirs = json.loads(subprocess.run([python, "-c", LIFETIMES_SCORECARD, str(path)],
                                       check=True, capture_output=True, text=True).stdout)
    return ours, theirs, {"customers": len(summary), "clv_total": float(value.sum()),
                          "vip": int((tiers["tier"] == "vip").sum())}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lifetimes-python", required=True, help="an interpreter with lifetimes 0.11.3")
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--readme", type=Path)
    args = p.parse_args(argv)

    data = simulate(args.customers)
    with tempfile.TemporaryDirectory() as folder:
        ours_fit, theirs_fit, gap, fit = bench_fit(data, args.lifetimes_python, args.repeat, folder)
        ours_card, theirs_card, card = bench_scorecard(data, args.lifetimes_python, folder)
    rows = len(data["customer"])
    lines = [
        f"BG/NBD and CLV on {args.customers:,} customers / {rows:,} transactions drawn exactly from "
        f"BG/NBD (r {TRUTH['r']}, alpha {TRUTH['alpha']}/day, a {TRUTH['a']}, b {TRUTH['b']}), daily data; "
        f"same machine, same run. {machine_note()}",
        "",
        "| task | retain s | lifetimes 0.11.3 s | speed-up | check |",
        "|---|---:|---:|---:|---|",
        f"| BG/NBD fit (median of {args.repeat}) | {ours_fit:.2f} | {theirs_fit:.2f} | "
        f"{theirs_fit / ours_fit:.1f}x | estimates differ by at most {gap:.1e} (relative) |",
        f"| scorecard: summary -> BG/NBD -> Gamma-Gamma -> 12-month CLV -> pyramid | {ours_card:.2f} | "
        f"{theirs_card['seconds']:.2f} | {theirs_card['seconds'] / ours_card:.1f}x | "
        f"CLV total {card['clv_total']:,.0f} vs {theirs_card['clv_total']:,.0f}; "
        f"VIP {card['vip']:,} vs {theirs_card['vip']:,} |",
        "",
        f"Fitted: r {fit.params['r']:.4f}, alpha {fit.params['alpha']:.3f}, a {fit.params['a']:.4f}, "
        f"b {fit.params['b']:.4f} (planted {TRUTH['r']}, {TRUTH['alpha']}, {TRUTH['a']}, {TRUTH['b']}). "
        f"Target: BG/NBD fit >= {TARGET:.0f}x faster — {'met' if theirs_fit / ours_fit >= TARGET else 'NOT met'}.",
    ]
    text = "\n".join(lines)
    print(text)
    if args.readme:
        write_block(args.readme, "clv", text, "<!-- bench:analytics -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
