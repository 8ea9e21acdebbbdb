"""summary: checked against hand-worked examples and numpy directly."""

import math

import numpy as np
import pytest

from retain.analytics import summary


def test_spread_of_a_worked_example():
    found = summary.spread([1, 2, 3, 4, 100, float("nan")], q=0.9)
    assert found.n == 5 and found.median == 3.0
    assert found.high == pytest.approx(61.6)  # between 4 and 100 at 0.6 of the way: 4 + 0.6 * 96


def test_spread_matches_numpy_and_handles_nothing():
    values = np.random.default_rng(1).exponential(3.0, 999)
    found = summary.spread(values, q=0.75)
    assert found.median == pytest.approx(np.median(values)) and found.high == pytest.approx(np.quantile(values, 0.75))
    empty = summary.spread([])
    assert empty.n == 0 and math.isnan(empty.median)
    with pytest.raises(ValueError):
        summary.spread([1.0], q=1)


def test_pareto_orders_largest_first_with_cumulative_shares():
    rows = summary.pareto({"a": 1, "b": 6, "c": 3})
    assert rows == [("b", 6, 0.6, 0.6), ("c", 3, 0.3, pytest.approx(0.9)), ("a", 1, 0.1, pytest.approx(1.0))]
    assert summary.pareto({"a": 0}) == [("a", 0, 0.0, 0.0)]
