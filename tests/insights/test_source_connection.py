"""The warehouse reads the operational database through Ibis on Django's own connection."""

import pytest
from django.db import connection, transaction

from retain.customers.models import Customer
from retain.demo import truth
from retain.warehouse import purchases, source
from tests.conftest import make_customer


def test_reading_through_ibis_leaves_djangos_connection_as_it_was(org):
    """Ibis shares Django's connection: it must not commit the open transaction (a customer
    created in this test's transaction is still rolled back) nor make ``icontains`` case-sensitive."""
    with pytest.raises(RuntimeError), transaction.atomic():
        make_customer(dealer=org.d1, owner=None, name="Zhang WEI")
        purchases.summary(source.connect(), as_of=truth.OBSERVATION_END, kinds=None)
        assert Customer.objects.filter(name__icontains="wei").exists()
        raise RuntimeError("roll back")
    assert not Customer.objects.filter(name="Zhang WEI").exists()
    assert connection.in_atomic_block  # the test's own transaction is still open
