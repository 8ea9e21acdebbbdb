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


def test_insert_writes_columns_as_an_insert_would_with_ids_from_the_sequence(org):
    """``bulk.insert`` (COPY on PostgreSQL) stores Python values given as columns as an INSERT
    would: an encrypted field encrypted, text with a tab, a newline and a backslash as it was,
    dates, aware times as the same instant, None as NULL; a field not given takes its default (the
    clock for ``auto_now_add``); the ids come from the table's sequence, so the next ordinary
    insert follows them. An unknown field, or a required one without a default, writes nothing."""
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from retain.loyalty.models import Account, Transfer
    from retain.loyalty.services import ledger

    address = "浦东新区\t世纪大道\n1号 \\ 2号"
    made = bulk.insert(Customer, {"dealer_id": [org.d1.pk], "name": ["周新志"], "mobile": ["+8613800000001"],
                                  "national_id": ["110101199001011234"], "address": [address],
                                  "birthday": [dt.date(1990, 2, 28)]}).tolist()
    ordinary = Customer.objects.create(dealer=org.d1, name="周新志", mobile="+8613800000002")
    assert len(made) == 1 and ordinary.pk > made[0]
    customer = Customer.objects.get(pk=made[0])
    assert (customer.name, customer.national_id, customer.address, customer.birthday) == (
        "周新志", "110101199001011234", address, dt.date(1990, 2, 28))
    with connection.cursor() as cursor:  # stored encrypted, not as typed
        cursor.execute("SELECT national_id FROM customers_customer WHERE id = %s", [made[0]])
        assert "110101199001011234" not in cursor.fetchone()[0]

    programme = ledger.programme_for(org.d1.pk)
    before = timezone.now()
    accounts = bulk.insert(Account, {"programme_id": [programme.pk] * 2, "kind": ["member", "hold"],
                                     "customer_id": [customer.pk] * 2}).tolist()
    stored = list(Account.objects.filter(pk__in=accounts).order_by("pk").values_list("kind", "key", "balance"))
    assert stored == [("member", "", 0), ("hold", "", 0)]
    assert all(before <= a.created_at <= timezone.now() for a in Account.objects.filter(pk__in=accounts))
    at = dt.datetime(2026, 3, 1, 0, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # 29 February, 16:30 UTC
    first = bulk.insert(Transfer, {"programme_id": [programme.pk], "kind": ["reserve"], "debit_id": [accounts[0]],
                                   "credit_id": [accounts[1]], "amount": [300], "memo": ["精洗洗车券"],
                                   "origin": ["page"], "created_at": [at], "settles_id": [None]}).tolist()
    second = bulk.insert(Transfer, {"programme_id": [programme.pk], "kind": ["void_reservation"],
                                    "debit_id": [accounts[1]], "credit_id": [accounts[0]], "amount": [300],
                                    "memo": [""], "origin": ["job"], "created_at": [at + dt.timedelta(days=1)],
                                    "settles_id": first, "available_on": [dt.date(2026, 3, 2)]}).tolist()
    rows = {t.pk: t for t in Transfer.objects.filter(pk__in=first + second)}
    assert rows[first[0]].created_at == at and rows[first[0]].settles_id is None
    assert rows[first[0]].available_on is None and rows[first[0]].source == "" and rows[first[0]].actor_id is None
    assert rows[second[0]].settles_id == first[0] and rows[second[0]].available_on == dt.date(2026, 3, 2)
    assert second[0] > first[0]

    count = Transfer.objects.count()
    with pytest.raises(ValueError, match="no field"):
        bulk.insert(Transfer, {"programme_id": [programme.pk], "nonsense": [1]})
    with pytest.raises(ValueError, match="debit"):
        bulk.insert(Transfer, {"programme_id": [programme.pk], "kind": ["earn"], "credit_id": [accounts[0]],
                               "amount": [1], "created_at": [at]})
    assert Transfer.objects.count() == count
    assert bulk.insert(Transfer, {"programme_id": []}).size == 0


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
