"""The small demo, built once for every test in this package (the CI's slowest fixture: some
two minutes on SQLite). The package is one unit under pytest-xdist (tests/conftest.py), so one
worker builds it once."""

import pytest

from retain.demo import truth
from tests.demo.rolled_back import built_demo


@pytest.fixture(scope="package")
def small(django_db_setup, django_db_blocker):
    """The small demo, built on the grid's last day, rolled back after the package's last test."""
    with built_demo(django_db_blocker, "small", seed=1, today=truth.OBSERVATION_END) as summary:
        yield summary
