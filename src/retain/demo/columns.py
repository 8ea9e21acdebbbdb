"""Small builders of numpy columns shared by the demo's generators (customers, sales)."""

import numpy as np


def ids(n: int) -> np.ndarray:
    """Explicit primary keys 1..n."""
    return np.arange(1, n + 1, dtype=np.int64)


def datetimes(rng, days: np.ndarray, lo_hour: float = 1.0, hi_hour: float = 10.0) -> np.ndarray:
    """A time between ``lo_hour`` and ``hi_hour`` UTC on each day (default 09:00-18:00 Beijing)."""
    seconds = rng.integers(int(lo_hour * 3600), int(hi_hour * 3600), size=len(days))
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def pick(rng, choices, shares, n) -> np.ndarray:
    """``n`` draws from ``choices`` with probabilities proportional to ``shares``."""
    return np.asarray(choices)[rng.choice(len(choices), size=n, p=np.asarray(shares) / np.sum(shares))]


def exactly(rng, choices, shares, n) -> np.ndarray:
    """``n`` values of ``choices`` in exactly the proportions of ``shares`` (to rounding, by
    largest remainders), in a random order: a small sample keeps its planted mix."""
    expected = np.asarray(shares, dtype=float) / np.sum(shares) * n
    counts = np.floor(expected).astype(np.int64)
    counts[np.argsort(counts - expected)[:n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.asarray(choices), counts))


def nullable(values: np.ndarray) -> np.ma.MaskedArray:
    """Integers with ``None`` for NULL (a short Python list: staff, departments)."""
    missing = np.array([v is None for v in values])
    return np.ma.masked_array(np.where(missing, 0, values).astype(np.int64), mask=missing)


def nulls(n: int, dtype) -> np.ma.MaskedArray:
    """A column of ``n`` NULLs."""
    return np.ma.masked_array(np.zeros(n, dtype=dtype), mask=np.ones(n, dtype=bool))


def masked(values: np.ndarray, missing: np.ndarray) -> np.ma.MaskedArray:
    return np.ma.masked_array(values, mask=np.asarray(missing, dtype=bool))


def groups(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For groups of ``counts`` rows: each row's group, its position in the group, group starts."""
    counts = np.asarray(counts, dtype=np.int64)
    group = np.repeat(np.arange(counts.size), counts)
    start = np.cumsum(counts) - counts
    return group, np.arange(group.size) - start[group], start
