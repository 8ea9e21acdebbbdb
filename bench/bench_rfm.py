"""How fast ``retain.analytics.rfm.summary`` builds the RFM table: DuckDB engine vs pandas.

    python bench/bench_rfm.py [--rows 10000000] [--customers 1000000] [--repeat 3] [--readme README.md]

Generates a seeded transaction log with numpy (default 10,000,000 transactions of 1,000,000
customers over three years, times of day included, amounts in yuan with cents), then times
``rfm.summary`` with ``engine="duckdb"`` (the default) and with ``engine="pandas"`` (the plain
pandas ``groupby`` equivalent) in the same run: one warm-up each, then the median of
``--repeat`` rounds, the engines taking turns within each round. Both results are checked
equal (counts exactly, ``monetary`` to rtol 1e-9 / atol 1e-6 yuan, the tolerance of
tests/analytics/test_rfm.py). The ratio column is each
engine's time over the DuckDB time, so the pandas row reads "x times slower"; the target is
>= 3. The ratio is what to compare across machines; seconds depend on the cores.

With ``--readme PATH`` the table is written into that file between ``<!-- bench:rfm -->`` and
``<!-- /bench:rfm -->``; if those markers are missing, the block is inserted after the line
``<!-- bench:analytics -->`` (or appended at the end when that line is missing too).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from _readme import machine_note, write_block
from retain.analytics import rfm

TARGET = 3.0
ANCHOR = "<!-- bench:analytics -->"


def make_transactions(rows: int, customers: int, seed: int = 20240601) -> pd.DataFrame:
    """A seeded log: every customer buys at least once, activity skewed (gamma weights), dates over three years with times of day."""
    rng = np.random.default_rng(seed)
    activity = rng.gamma(0.8, 1.0, customers)  # a few frequent customers, many occasional ones
    customer = rng.choice(customers, size=rows, p=activity / activity.sum())
    customer[:customers] = rng.permutation(customers)  # every customer buys at least once
    seconds = rng.integers(0, 3 * 365 * 86_400, rows)
    date = np.datetime64("2022-01-01T00:00:00", "us") + seconds.astype("timedelta64[s]")
    amount = np.round(rng.lognormal(6.0, 1.2, rows), 2)
    return pd.DataFrame({"customer_id": customer.astype(np.int64), "date": date, "amount": amount})


def timed(functions: dict, repeat: int):
    """Median seconds and last result per function: one warm-up each (imports, DuckDB start,
    page faults), then ``repeat`` rounds that run every function once in turn, so a slow spell
    of a shared machine falls on all engines alike."""
    samples = {name: [] for name in functions}
    results = {name: function() for name, function in functions.items()}
    for _ in range(repeat):
        for name, function in functions.items():
            started = time.perf_counter()
            results[name] = function()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}, results


def check_equal(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got.index.equals(want.index), "engines disagree on the customers"
    for column in ("frequency", "recency", "T"):
        assert np.array_equal(got[column].to_numpy(), want[column].to_numpy()), f"engines disagree on {column}"
    np.testing.assert_allclose(got["monetary"].to_numpy(), want["monetary"].to_numpy(), rtol=1e-9, atol=1e-6)


def table(rows: int, customers: int, seconds: dict, repeat: int) -> str:
    base = seconds["duckdb"]
    lines = [
        f"`rfm.summary` on {rows:,} transactions of {customers:,} customers (daily periods), "
        f"median of {repeat} after a warm-up, {os.cpu_count()} CPU core(s); results checked equal. "
        f"Target: pandas / DuckDB >= {TARGET:g}. {machine_note()}",
        "",
        "| rows | engine | seconds | ratio |",
        "|---:|---|---:|---:|",
    ]
    for engine, value in seconds.items():
        lines.append(f"| {rows:,} | {engine} | {value:.2f} | {value / base:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--readme", type=Path, help="write the table into this file between the bench:rfm markers")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    transactions = make_transactions(args.rows, args.customers)
    print(f"generated {args.rows:,} transactions in {time.perf_counter() - started:.1f} s", file=sys.stderr)

    seconds, results = timed({engine: (lambda engine=engine: rfm.summary(transactions, engine=engine))
                              for engine in ("duckdb", "pandas")}, args.repeat)
    for engine, value in seconds.items():
        print(f"{engine}: {value:.2f} s", file=sys.stderr)
    check_equal(results["duckdb"], results["pandas"])

    block = table(args.rows, results["duckdb"].shape[0], seconds, args.repeat)
    print(block)
    if args.readme:
        write_block(args.readme, "rfm", block, ANCHOR)
    ratio = seconds["pandas"] / seconds["duckdb"]
    if ratio < TARGET:
        print(f"warning: DuckDB is only {ratio:.2f}x faster than pandas (target {TARGET:g}x)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
