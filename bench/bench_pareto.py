"""Pareto/NBD fitting: retain against lifetimes 0.11.3, same data, same run.

    python3 -m venv /tmp/lifetimes && /tmp/lifetimes/bin/pip install -r bench/requirements-lifetimes.txt
    python bench/bench_pareto.py --lifetimes-python /tmp/lifetimes/bin/python [--readme README.md]

1,000,000 customers drawn exactly from Pareto/NBD (purchase rate lambda ~ Gamma(r = 0.8,
alpha = 30 days), dropout rate mu ~ Gamma(s = 0.6, beta = 400 days); first purchase spread over
1,000 days, observed until day 1,460; daily resolution). ``retain.analytics.clv.ParetoNBD.fit``
(Newton's method, analytic gradient and Hessian) against ``lifetimes.ParetoNBDFitter.fit``
(Nelder-Mead on the closed-form likelihood, its defaults) on the same (frequency, recency, T).
Both optima are scored with the same closed-form log-likelihood, so the table says which fit
found the higher maximum as well as how long each took.

lifetimes cannot be installed next to numpy 2 / pandas 3, so it runs in its own interpreter
(``--lifetimes-python``); the data go over as an .npz file and each side times only its own work.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _readme import machine_note, write_block
from retain.analytics import clv

TRUTH = {"r": 0.8, "alpha": 30.0, "s": 0.6, "beta": 400.0}

LIFETIMES_FIT = """
import json, sys, time
import numpy as np
from lifetimes import ParetoNBDFitter
d = np.load(sys.argv[1])
started = time.perf_counter()
fitter = ParetoNBDFitter().fit(d["frequency"], d["recency"], d["T"])
print(json.dumps({"seconds": time.perf_counter() - started, "params": fitter.params_.to_dict()}))
"""


def simulate(customers: int, seed: int = 11):
    """Exact Pareto/NBD histories in whole days: given lambda and the lifetime tau ~ Exp(mu),
    the purchases are Poisson(lambda min(tau, T)) sorted uniforms on (0, min(tau, T)]."""
    rng = np.random.default_rng(seed)
    birth = rng.integers(0, 1000, customers)
    horizon = (1460 - birth).astype(float)
    rate = rng.gamma(TRUTH["r"], 1 / TRUTH["alpha"], customers)
    death = rng.exponential(1 / rng.gamma(TRUTH["s"], 1 / TRUTH["beta"], customers))
    alive_for = np.minimum(death, horizon)
    count = rng.poisson(rate * alive_for)
    # The last of `count` uniforms on (0, alive_for] is the recency; days are whole, and a repeat
    # purchase falls on a later day than the first.
    last = alive_for * rng.random(customers) ** (1 / np.maximum(count, 1))
    recency = np.where(count > 0, np.minimum(np.floor(last) + 1, horizon), 0.0)
    return {"frequency": count, "recency": recency, "T": horizon}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--lifetimes-python", required=True, help="an interpreter with lifetimes 0.11.3")
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--readme", type=Path)
    args = p.parse_args(argv)

    data = simulate(args.customers)
    started = time.perf_counter()
    ours = clv.ParetoNBD.fit(data["frequency"], data["recency"], data["T"])
    ours_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fit.npz"
        np.savez(path, **data)
        theirs = json.loads(subprocess.run([args.lifetimes_python, "-c", LIFETIMES_FIT, str(path)],
                                           check=True, capture_output=True, text=True).stdout)

    def loglik(params):
        return float(clv._pareto_loglik(tuple(params[k] for k in TRUTH), data["frequency"], data["recency"],
                                        data["T"]).sum())

    ours_ll, theirs_ll = loglik(ours.params), loglik(theirs["params"])
    gap = max(abs(ours.params[k] - v) / abs(v) for k, v in theirs["params"].items())
    lines = [
        (f"Pareto/NBD fit on {args.customers:,} customers drawn exactly from Pareto/NBD (r {TRUTH['r']}, "
         f"alpha {TRUTH['alpha']} days, s {TRUTH['s']}, beta {TRUTH['beta']} days), daily data; same machine, "
         f"same run. {machine_note()}"),
        "",
        "| fit | seconds | speed-up | log-likelihood at its optimum | r | alpha | s | beta |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
        f"| retain `ParetoNBD.fit` (Newton, analytic gradient and Hessian) | {ours_seconds:.1f} | "
        f"{theirs['seconds'] / ours_seconds:.1f}x | {ours_ll:,.2f} | "
        + " | ".join(f"{ours.params[k]:.4f}" for k in TRUTH) + " |",
        f"| lifetimes 0.11.3 `ParetoNBDFitter.fit` (Nelder-Mead, defaults) | {theirs['seconds']:.1f} | 1.0x | "
        f"{theirs_ll:,.2f} | " + " | ".join(f"{theirs['params'][k]:.4f}" for k in TRUTH) + " |",
        "",
        (f"Estimates differ by at most {gap:.1e} (relative); retain's optimum is "
         f"{ours_ll - theirs_ll:+.2f} log-likelihood units from lifetimes' (positive: higher)."),
    ]
    text = "\n".join(lines)
    print(text)
    if args.readme:
        write_block(args.readme, "pareto", text, "<!-- /bench:clv -->")
    return 0


if __name__ == "__main__":
    sys.exit(main())
