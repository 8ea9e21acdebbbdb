"""The bulk loader: chunked writes, and on PostgreSQL indexes and foreign keys rebuilt as they were."""

import datetime as dt
import re

import numpy as np
import pytest
from django.db import IntegrityError, connection, transaction

from retain import bulk
from retain.customers.models import Customer, Vehicle
from retain.demo import build
from retain.org.models import Dealer, DealerGroup, Region
from tests.demo.test_build import TINY


def _same(definition: str) -> str:
    """A definition without casts and brackets: PostgreSQL deparses a partial index's recreated
    predicate with its casts placed differently (``ARRAY['open'::varchar]::text[]`` becomes
    ``ARRAY['open'::varchar::text]``), the same predicate."""
    return re.sub(r"[()\s]", "", re.sub(r"::[a-z ]+(\[\])?", "", definition))


def _structure(tables):
    """Every index and constraint definition of these tables, as the database reports them."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(f"SELECT name, sql FROM sqlite_master WHERE tbl_name IN ({', '.join(['%s'] * len(tables))})",
                           tables)
            return sorted(cursor.fetchall())
        cursor.execute("SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
                       "WHERE indrelid = ANY(%s::regclass[])", [tables])
        indexes = cursor.fetchall()
        cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
                       [tables])
        return sorted((name, _same(definition)) for name, definition in indexes + cursor.fetchall())


def test_demo_load_in_chunks_keeps_every_index_and_constraint(db, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 997)  # several chunks per table, one ragged
    tables = [Customer._meta.db_table, Vehicle._meta.db_table, "customers_transaction", "sales_prospect"]
    before = _structure(tables)
    build.build_demo(TINY, seed=3)
    assert _structure(tables) == before
    assert Customer.objects.count() == TINY.customers
    assert Customer.objects.filter(mobile_suffix="").count() == 0  # the stored suffix is filled for loaded rows


@pytest.mark.django_db(transaction=True)
def test_the_rebuilt_foreign_keys_still_refuse_orphans():
    """A load into empty tables that breaks a foreign key fails at the rebuild, not silently."""

    region = Region.objects.create(group=DealerGroup.objects.create(name="G"), code="R", name="R")
    dealer = Dealer.objects.create(region=region, code="D", name="D", city="上海")
    rows = {"customers.Customer": {
        "id": np.array([1, 2]), "kind": np.array(["person", "person"]), "name": np.array(["甲", "乙"]),
        "mobile": np.array(["+8613600000001", "+8613600000002"]), "mobile_suffix": np.array(["0001", "0002"]),
        "dealer_id": np.array([dealer.pk, dealer.pk + 99]),  # no such dealer
        "status": np.array(["active", "active"]), "classification": np.array(["base", "base"]),
        "source": np.array(["other", "other"]), "gender": np.array(["", ""]), "city": np.array(["", ""]),
        "address": np.array(["", ""]), "national_id": np.array(["", ""], dtype=object),
        "created_at": np.array(["2026-01-01T00:00:00"] * 2, dtype="datetime64[s]"),
        "updated_at": np.array(["2026-01-01T00:00:00"] * 2, dtype="datetime64[s]"),
    }}
    with pytest.raises(IntegrityError, match="(?i)foreign key"), transaction.atomic():
        bulk.load(rows, into_empty=True)
    assert Customer.objects.count() == 0


def test_update_by_pk_sets_or_adds_each_rows_value_in_chunks_and_leaves_the_others(org, monkeypatch):
    import datetime as dt

    from retain.customers.models import Transaction
    from tests.conftest import make_customer

    monkeypatch.setattr(bulk, "UPDATE_ROWS", 2)  # three statements for five rows
    customer = make_customer(dealer=org.d1)
    rows = [Transaction.objects.create(customer=customer, dealer=org.d1, kind="service", date=dt.date(2026, 1, 1 + i),
                                       amount_cents=1000 * (i + 1)) for i in range(6)]
    bulk.update_by_pk(Transaction, "amount_cents", {rows[i].pk: 7 + i for i in range(5)})
    amounts = lambda: list(Transaction.objects.order_by("date").values_list("amount_cents", flat=True))  # noqa: E731
    assert amounts() == [7, 8, 9, 10, 11, 6000]
    bulk.update_by_pk(Transaction, "amount_cents", {rows[0].pk: 3, rows[5].pk: -500, rows[2].pk: 0}, add=True)
    assert amounts() == [10, 8, 9, 10, 11, 5500]
    bulk.update_by_pk(Transaction, "amount_cents", {})
    assert amounts() == [10, 8, 9, 10, 11, 5500]


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="drops nothing on SQLite (a foreign key check there is no trigger per row)")
def test_foreign_keys_checked_after_a_block_come_back_as_they_were_and_refuse_an_orphan_written_in_it(org):
    import datetime as dt

    from retain.customers.models import Transaction
    from tests.conftest import make_customer

    customer = make_customer(dealer=org.d1)
    before = _structure(["customers_transaction"])
    with bulk.foreign_keys_checked_after([Transaction]):
        assert not [name for name, definition in _structure(["customers_transaction"]) if "FOREIGNKEY" in definition]
        Transaction.objects.create(customer=customer, dealer=org.d1, kind="service", date=dt.date(2026, 1, 1),
                                   amount_cents=100)
    assert _structure(["customers_transaction"]) == before
    with pytest.raises(IntegrityError, match="(?i)foreign key"), transaction.atomic():
        with bulk.foreign_keys_checked_after([Transaction]):
            Transaction.objects.create(customer=customer, dealer_id=org.d1.pk + 999, kind="service",
                                       date=dt.date(2026, 1, 2), amount_cents=100)  # no such dealer
    assert _structure(["customers_transaction"]) == before
    assert Transaction.objects.count() == 1


def test_create_writes_what_bulk_create_writes_with_ids_from_the_sequence(org):
    """``bulk.create`` (COPY on PostgreSQL) stores each field as an INSERT would: an encrypted
    field encrypted, text with a tab, a newline and a backslash as it was, dates, JSON; the ids
    come from the table's sequence, so the next ordinary insert follows them."""
    from retain.loyalty.models import Programme

    def customers(mobile):
        return [Customer(dealer=org.d1, name="周新志", mobile=mobile, national_id="110101199001011234",
                         address="浦东新区\t世纪大道\n1号 \\ 2号", birthday=dt.date(1990, 2, 28))]

    made = bulk.create(Customer, customers("+8613800000001"))
    ordinary = Customer.objects.bulk_create(customers("+8613800000002"))
    assert made[0].pk and ordinary[0].pk > made[0].pk and not made[0]._state.adding
    stored, expected = (Customer.objects.filter(pk=row[0].pk).values().get() for row in (made, ordinary))
    differ = {key for key in stored if stored[key] != expected[key]}
    assert {"id", "mobile"} <= differ <= {"id", "mobile", "mobile_suffix", "created_at", "updated_at"}  # (the clock)
    assert Customer.objects.get(pk=made[0].pk).national_id == "110101199001011234"
    with connection.cursor() as cursor:  # stored encrypted, not as typed
        cursor.execute("SELECT national_id FROM customers_customer WHERE id = %s", [made[0].pk])
        assert "110101199001011234" not in cursor.fetchone()[0]
    programme = bulk.create(Programme, [Programme(dealer=org.d2, name="积分", excluded_tags=["内部员工", "车队"])])[0]
    assert Programme.objects.get(pk=programme.pk).excluded_tags == ["内部员工", "车队"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's load keeps its indexes")
def test_the_remade_unique_indexes_and_constraints_still_refuse_duplicates():
    """A load into empty tables that repeats what must be unique fails when the unique constraint
    (a customer's tag) or the partial unique index (a dealer's transaction reference) is remade
    after the rows, and nothing stays."""
    from retain.customers.models import Tag, Transaction

    group = DealerGroup.objects.create(name="G")
    dealer = Dealer.objects.create(region=Region.objects.create(group=group, code="R", name="R"), code="D", name="D",
                                   city="上海")
    customer = Customer.objects.create(dealer=dealer, name="甲", mobile="+8613600000001")
    tag = Tag.objects.create(group=group, name="车队")
    twice = np.array([1, 2])
    tagged = {"customers.Customer_tags": {"id": twice, "customer_id": np.array([customer.pk] * 2),
                                          "tag_id": np.array([tag.pk] * 2)}}
    with pytest.raises(IntegrityError, match="(?i)unique|duplicate"), transaction.atomic():
        bulk.load(tagged, into_empty=True)
    referenced = {"customers.Transaction": {
        "id": twice, "customer_id": np.array([customer.pk] * 2), "dealer_id": np.array([dealer.pk] * 2),
        "vehicle_id": np.ma.masked_array([0, 0], mask=[True, True]), "kind": np.array(["service"] * 2),
        "date": np.array(["2026-01-01", "2026-01-02"], dtype="datetime64[D]"), "amount_cents": np.array([100, 200]),
        "reference": np.array(["RO-1"] * 2), "mileage_km": np.ma.masked_array([0, 0], mask=[True, True])}}
    with pytest.raises(IntegrityError, match="(?i)unique|duplicate"), transaction.atomic():
        bulk.load(referenced, into_empty=True)
    assert not Transaction.objects.exists() and not customer.tags.exists()
    referenced["customers.Transaction"]["reference"] = np.array(["RO-1", "RO-2"])  # each once: loads
    with transaction.atomic():
        bulk.load(referenced, into_empty=True)
    assert Transaction.objects.count() == 2
