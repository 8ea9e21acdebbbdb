"""The demo tests' shared fixture: the small demo built once per module."""

import pytest
from django.db import connection, transaction

from retain.demo import build, truth


@pytest.fixture(scope="module")
def small(django_db_setup, django_db_blocker):
    """The small demo, built on the grid's last day, rolled back after the module."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            assert "test" in connection.settings_dict["NAME"], "the test database, never the real one"
            yield build.build_demo("small", seed=1, today=truth.OBSERVATION_END)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
