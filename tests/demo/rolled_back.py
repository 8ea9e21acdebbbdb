"""A demo built once for many tests: a module's or a package's fixture builds it on the test
database inside a transaction that is rolled back after its last test. Each test runs in a
savepoint of that transaction (``django_db``), so what one test writes the next does not see."""

from contextlib import contextmanager

from django.db import connection, transaction
from django.test import override_settings
from django.utils import translation

from retain.demo import build
from tests.conftest import TEST_SETTINGS


@contextmanager
def built_demo(django_db_blocker, scale, **options):
    """``build.build_demo(scale, **options)``'s summary, for as long as the ``with`` lasts; built
    under the settings every test runs under (``TEST_SETTINGS``: the demo's logins use its hasher)."""
    with (django_db_blocker.unblock(), override_settings(**TEST_SETTINGS), translation.override("en"),
          transaction.atomic()):
        assert "test" in connection.settings_dict["NAME"], "the test database, never the real one"
        try:
            yield build.build_demo(scale, **options)
        finally:
            transaction.set_rollback(True)
