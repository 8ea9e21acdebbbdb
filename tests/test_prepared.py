"""``retain.prepared``: a queryset compiled once gives, with each call's ids, what the queryset
itself gives (instances with their select_related objects, annotations and converted values;
values_list rows), in one query; an id the SQL does not take as a parameter is refused; and the
tests' check catches a build that depends on something besides its ids."""

import datetime as dt

import pytest
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.test.utils import CaptureQueriesContext

from retain.customers.models import Transaction, Vehicle
from retain.prepared import prepared
from tests.conftest import make_customer


@pytest.fixture
def two(org):
    made = []
    for name, plate in (("甲", "沪A12345"), ("乙", "沪B67890")):
        customer = make_customer(dealer=org.d1, name=name, national_id="110101199001011234")
        vehicle = Vehicle.objects.create(customer=customer, vin=f"LSVAA4180E21{len(made):05d}", plate=plate, make="大众",
                                         model="朗逸")
        for day in (1, 2):
            Transaction.objects.create(customer=customer, dealer=org.d1, vehicle=vehicle, kind="service",
                                       date=dt.date(2026, 5, day), amount_cents=10_000 * day)
        made.append(customer)
    return made


LATEST = prepared(lambda customer_id: Transaction.objects.filter(customer_id=customer_id).select_related(
    "vehicle__customer").annotate(label=Concat(F("vehicle__plate"), Value("/"), F("kind"))))
PLATES = prepared(lambda customer_id, dealer_id: Vehicle.objects.filter(customer_id=customer_id,
                                                                        customer__dealer_id=dealer_id)
                  .values_list("plate", "customer__national_id"))


def test_each_call_gives_what_the_queryset_gives_in_one_query(two, org, django_assert_num_queries):
    from django.db import connection

    for customer in two:
        expected = list(Transaction.objects.filter(customer_id=customer.pk).select_related("vehicle__customer")
                        .annotate(label=Concat(F("vehicle__plate"), Value("/"), F("kind"))))
        with CaptureQueriesContext(connection) as ran:
            got = LATEST(customer.pk)
        assert len(ran.captured_queries) == 1  # (the check compiles, it runs nothing)
        assert [(t.pk, t.date, t.amount_cents, t.label) for t in got] == \
               [(t.pk, t.date, t.amount_cents, t.label) for t in expected]
        with django_assert_num_queries(0):  # the related objects came with the rows
            assert {t.vehicle.customer.national_id for t in got} == {"110101199001011234"}  # decrypted
        assert not got[0]._state.adding
        assert PLATES(customer.pk, org.d1.pk) == list(Vehicle.objects.filter(customer=customer)
                                                       .values_list("plate", "customer__national_id"))
        assert PLATES(customer.pk, org.d2.pk) == []


def test_an_id_the_sql_does_not_take_is_refused(org):
    sliced = prepared(lambda n: Transaction.objects.all()[:n])
    with pytest.raises(ValueError, match="not a parameter"):
        sliced(3)


def test_rows_it_would_not_make_as_the_queryset_does_are_refused(org):
    flat = prepared(lambda customer_id: Transaction.objects.filter(customer_id=customer_id).values_list("pk", flat=True))
    with pytest.raises(ValueError, match="FlatValuesListIterable"):
        flat(1)


def test_the_tests_check_finds_a_build_that_depends_on_more_than_its_ids(two, settings):
    state = {"kind": "service"}
    drifting = prepared(lambda customer_id: Transaction.objects.filter(customer_id=customer_id, kind=state["kind"]))
    assert len(drifting(two[0].pk)) == 2
    state["kind"] = "parts"
    with pytest.raises(AssertionError, match="went stale"):
        drifting(two[0].pk)
    settings.PREPARED_CHECK = False
    assert len(drifting(two[0].pk)) == 2  # stale without the check: what the check is for
