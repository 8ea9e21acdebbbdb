"""What every analytics module shares: input checks with clear messages, and the result mixin.

Checks raise ``ValueError`` saying which input is wrong and how (empty, NaN, out of range,
constant), so a caller sees the cause rather than a NaN three steps later.
"""

from dataclasses import fields

import numpy as np
import pandas as pd
from scipy import stats


def as_vector(values, name: str, *, integer: bool = False, low: float | None = None,
              high: float | None = None, min_size: int = 1) -> np.ndarray:
    """A 1-d float array (int64 when ``integer``) from any array-like, checked."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    if array.ndim != 1:
        array = array.ravel() if array.ndim > 1 and 1 in array.shape else array
        if array.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size < min_size:
        raise ValueError(f"{name} is empty" if min_size == 1 else f"{name} needs at least {min_size} values, got {array.size}")
    return as_array(array, name, integer=integer, low=low, high=high)


def as_array(values, name: str, *, integer: bool = False, low: float | None = None,
             high: float | None = None) -> np.ndarray:
    """A float array (int64 when ``integer``) of any shape, a plain number included (0-d), checked
    for NaN, infinities, whole numbers and range: the input of predictions, which broadcast."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be numbers") from None
    missing = np.isnan(array)
    if missing.any():
        raise ValueError(f"{name} contains {int(missing.sum())} missing value(s) (NaN); drop or impute them first")
    if np.isinf(array).any():
        raise ValueError(f"{name} contains infinite values")
    if integer and (array != np.round(array)).any():
        raise ValueError(f"{name} must be whole numbers")
    if low is not None and (array < low).any():
        raise ValueError(f"{name} must be >= {low}; found {array.min():g}")
    if high is not None and (array > high).any():
        raise ValueError(f"{name} must be <= {high}; found {array.max():g}")
    return array.astype(np.int64) if integer else array


def as_confidence(confidence) -> float:
    """A confidence level strictly between 0 and 1 (0.95, not 95)."""
    try:
        confidence = float(confidence)
    except (TypeError, ValueError):
        raise ValueError("confidence must be a number between 0 and 1") from None
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    return confidence


def critical_value(confidence, df: float | None = None) -> float:
    """The two-sided critical value of a checked confidence level: normal, or Student's t with ``df``."""
    q = 0.5 + as_confidence(confidence) / 2
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def as_frame(data, name: str, *, min_rows: int = 2, non_constant: bool = True) -> pd.DataFrame:
    """A numeric DataFrame with named columns, no NaN, and (by default) no constant column."""
    frame = pd.DataFrame(data)
    if frame.empty or len(frame) < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows, got {len(frame)}")
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must hold numbers only") from None
    frame.columns = [str(c) for c in frame.columns]
    repeated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if repeated:
        raise ValueError(f"{name} has duplicate columns (duplicated column name(s) {repeated}): "
                         "each needs its own name")
    missing = frame.isna().sum()
    if missing.any():
        raise ValueError(f"{name} has missing values (NaN) in column(s) {list(missing[missing > 0].index)}")
    if non_constant:
        constant = [c for c in frame.columns if frame[c].nunique() < 2]
        if constant:
            raise ValueError(f"{name} has constant column(s) {constant}: they carry no information")
    return frame


class Result:
    """Mixin for frozen result dataclasses: a readable ``summary()`` and a ``to_frame()``.

    Scalar fields become one row; a result with per-item data overrides ``to_frame``.
    """

    def _scalars(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)
                if np.isscalar(getattr(self, f.name)) or getattr(self, f.name) is None}

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([self._scalars()])

    def summary(self) -> str:
        lines = [type(self).__name__]
        for key, value in self._scalars().items():
            lines.append(f"  {key:<14} {value:.4g}" if isinstance(value, float) else f"  {key:<14} {value}")
        return "\n".join(lines)
