"""The loyalty tests' fixtures: after every test that touched the database, ``retain loyalty
verify``'s checks must pass (the invariants hold whatever the test did)."""

import pytest

from retain.loyalty import verify
from tests.conftest import make_customer


@pytest.fixture(autouse=True)
def _ledger_verified(request):
    names = request.fixturenames
    database = "transactional_db" if "transactional_db" in names else "db" if ("db" in names or "org" in names) else None
    if database is None:
        yield
        return
    request.getfixturevalue(database)  # set up before this fixture, so torn down after the check
    yield
    result = verify.run()
    assert result.ok, result.violation


@pytest.fixture
def desk(org):
    """The service advisor at D1 (earns and redeems for D1's customers) and the service manager."""
    return org.staff["service_advisor"]


@pytest.fixture
def manager(org):
    return org.staff["service_manager"]


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="李四")


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    """A multi-worker server on the test database (``server.serving``), for the modules that ask."""
    from django.db import connection

    from .server import serving

    with django_db_blocker.unblock():
        db = dict(connection.settings_dict)
    with serving(db) as port:
        yield port
