"""Two people proposing the same customer at the same moment: one proposal is written, the other
is refused on ``customer_id`` (the customer row is locked, and a partial unique index keeps one
open entry per customer). Needs a server database (threads with their own connections)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from retain.cases.models import BlacklistEntry
from retain.cases.services import blacklist as service

from .blacklist_factories import customer_of, later


@pytest.mark.django_db(transaction=True)
def test_concurrent_proposals_write_one_entry(org):
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writers need a server database (run the suite with RETAIN_DATABASE_URL)")
    customer = customer_of(org)
    barrier = threading.Barrier(3)
    outcomes, errors = [], []

    def propose(role):
        try:
            barrier.wait()
            service.propose(actor=org.staff[role], customer_id=customer.pk, reason="abuse", evidence="辱骂员工",
                            expires_on=later(30))
            outcomes.append("written")
        except ValidationError as refused:
            outcomes.append(sorted(refused.message_dict))
        except Exception as error:  # noqa: BLE001 - any other failure in a thread is reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=propose, args=(role,)) for role in ("consultant", "sales_manager", "dealer_gm")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(map(str, outcomes)) == ["['customer_id']", "['customer_id']", "written"]
    assert BlacklistEntry.objects.filter(customer=customer).count() == 1
