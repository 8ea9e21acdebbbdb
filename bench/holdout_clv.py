"""Which visits model the scores use: BG/NBD, MBG/NBD and Pareto/NBD forecasting the demo's last year.

    python bench/holdout_clv.py [--scale small] [--seed 1] [--readme README.md]

The demo (generated in memory, not loaded) is built on ``truth.OBSERVATION_END``; its service
visits up to 52 weeks before that day are the calibration period, the last 52 weeks the holdout.
Each model is fitted on the calibration summary (daily periods) and forecasts each customer's
visits in the holdout (``retain.analytics.holdout``). The card needs a P(alive) that can fall
below 1 for a customer without a repeat visit, so the choice is among MBG/NBD and Pareto/NBD,
by the lowest per-customer RMSE; BG/NBD (the process the demo plants) is shown for reference.
"""

import argparse
import os
import sys
from datetime import timedelta
from pathlib import Path

import pandas as pd

from _readme import write_block


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", default="small")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--readme", type=Path)
    args = p.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retain.settings")
    import django

    django.setup()
    from retain.analytics import clv, holdout
    from retain.demo import truth
    from retain.demo.generate import SCALES, generate
    from retain.insights import services

    end = truth.OBSERVATION_END
    tx = generate(SCALES[args.scale], args.seed, "x", today=end).tables["customers.Transaction"]
    service = tx["kind"] == "service"
    log = pd.DataFrame({"customer_id": tx["customer_id"][service], "date": tx["date"][service],
                        "amount": tx["amount_cents"][service] / 100})
    calibration_end = end - timedelta(days=364)
    frame = holdout.split(log, calibration_end, end)
    models = {"BG/NBD": clv.BetaGeo, **services.VISITS_CANDIDATES}
    result = holdout.compare(models, frame, 364)
    chosen = holdout.compare(services.VISITS_CANDIDATES, frame, 364).best

    lines = [
        (f"Demo `--scale {args.scale}`, seed {args.seed}: {len(frame):,} customers with a service visit by "
         f"{calibration_end} (calibration, daily periods), their visits in the 52 weeks to {end} held out."),
        "",
        ("| model | holdout visits forecast | actual | error | MAE per customer | RMSE per customer | "
         "calibration log-likelihood | P(alive) without a repeat visit |"),
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for fit in result.fits:
        falls = "falls with time" if fit.model in services.VISITS_CANDIDATES else "always 1"
        lines.append(f"| {fit.model} | {fit.predicted:,.0f} | {fit.actual:,.0f} | "
                     f"{fit.predicted / fit.actual - 1:+.1%} | {fit.mae:.4f} | {fit.rmse:.4f} | {fit.loglik:,.1f} | "
                     f"{falls} |")
    table = result.by_frequency()
    lines += ["", "Mean holdout visits per customer by calibration repeat visits:", "",
              "| repeat visits | customers | actual | " + " | ".join(f.model for f in result.fits) + " |",
              "|---|---:|---:|" + "---:|" * len(result.fits)]
    for label, row in table.iterrows():
        lines.append(f"| {label} | {int(row['customers']):,} | {row['actual']:.3f} | "
                     + " | ".join(f"{row[f.model]:.3f}" for f in result.fits) + " |")
    lines += ["", (f"Chosen for the scores and the card: **{chosen}** (lowest RMSE of the models whose P(alive) "
                   f"can fall without a repeat visit); best overall: {result.best}.")]
    text = "\n".join(lines)
    print(text)
    if args.readme:
        write_block(args.readme, "holdout", text, "### Which visits model")
    return 0


if __name__ == "__main__":
    sys.exit(main())
