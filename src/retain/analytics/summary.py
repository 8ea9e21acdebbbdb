"""Plain summaries the pages show beside a list of durations or amounts: how many, the median and
a high quantile, and a share with its interval. Pure numpy (no Django), so an app states what it
shows through the library like every other figure."""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Spread:
    """``n`` values, their median and their ``q``-quantile (NaN for none)."""

    n: int
    median: float
    high: float
    q: float


def spread(values, q: float = 0.9) -> Spread:
    """The median and the ``q``-quantile (linear interpolation, numpy's default) of ``values``,
    ignoring NaN; ``q`` strictly between 0 and 1."""
    if not 0 < q < 1:
        raise ValueError(f"q must lie strictly between 0 and 1, got {q!r}")
    array = np.asarray(values, dtype=float)
    array = array[~np.isnan(array)]
    if array.size == 0:
        return Spread(0, float("nan"), float("nan"), q)
    return Spread(int(array.size), float(np.median(array)), float(np.quantile(array, q)), q)


def pareto(counts: dict) -> list[tuple[object, int, float, float]]:
    """``(label, count, share, cumulative share)`` largest first (ties in the order given), for
    a Pareto chart; shares of the total (all 0 when the total is 0)."""
    ordered = sorted(counts.items(), key=lambda pair: -pair[1])
    total = sum(count for _label, count in ordered)
    rows, running = [], 0
    for label, count in ordered:
        running += count
        rows.append((label, int(count), count / total if total else 0.0, running / total if total else 0.0))
    return rows
