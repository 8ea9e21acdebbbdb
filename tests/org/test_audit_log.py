"""The audit log (issue 7, A5 and B4): append-only in the database and the ORM on SQLite and
PostgreSQL, tamper-evident (a hash chain that ``retain audit verify`` walks), one vocabulary of
``noun.verb`` codes."""

import itertools
import re
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction

from retain.cli import main
from retain.org import append_only, audit
from retain.org.audit_codes import RENAMED, AuditCode
from retain.org.models import AuditEvent
from tests.conftest import make_customer

SRC = Path(__file__).resolve().parents[2] / "src" / "retain"


def _record(obj, n=1, **kwargs):
    with transaction.atomic():
        return [audit.record(actor=None, action=AuditCode.CUSTOMER_UPDATE, obj=obj, after={"city": f"城{i}"}, **kwargs)
                for i in range(n)]


@contextmanager
def _guards_lifted():
    """Play the attacker with direct database access: lift the triggers for one statement."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in append_only.SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER {name}")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE waits for no deferred check
            cursor.execute("ALTER TABLE org_auditevent DISABLE TRIGGER org_auditevent_append_only")
        yield cursor
        if connection.vendor == "sqlite":
            append_only.install(connection)
        else:
            cursor.execute("ALTER TABLE org_auditevent ENABLE TRIGGER org_auditevent_append_only")


@pytest.mark.parametrize("statement", ["DELETE FROM org_auditevent", "UPDATE org_auditevent SET note = 'x'"])
def test_the_database_refuses_to_delete_or_change_audit_rows(org, statement):
    _record(make_customer(dealer=org.d1))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEvent.objects.count() == 1


def test_the_orm_refuses_queryset_and_instance_deletes_and_updates(org):
    [event] = _record(make_customer(dealer=org.d1))
    with pytest.raises(ValidationError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(ValidationError):
        AuditEvent.objects.all().delete()
    with pytest.raises(ValidationError):
        AuditEvent.objects.update(note="x")
    with pytest.raises(ValidationError):
        event.delete()
    with pytest.raises(ValidationError):
        AuditEvent(action=AuditCode.CUSTOMER_UPDATE, object_type="x", object_id="1").save()  # not chained
    assert AuditEvent.objects.count() == 1


def test_rows_are_chained_and_verify_passes(org, capsys):
    customer = make_customer(dealer=org.d1)
    events = _record(customer, 3)
    with transaction.atomic():
        audit.record_many(actor=None, action=AuditCode.CUSTOMER_REASSIGN, object_type="customer",
                          rows=[(customer.pk, org.d1.pk, {"owner_id": 1}, {"owner_id": 2}), (7, None, None, None)])
    rows = list(AuditEvent.objects.order_by("id"))
    assert rows[0].prev_hash == audit.GENESIS
    assert all(later.prev_hash == earlier.row_hash for earlier, later in itertools.pairwise(rows))
    assert rows[0].pk == events[0].pk and len(rows) == 5
    result = audit.verify()
    assert result.ok and result.checked == 5 and result.head == rows[-1].row_hash
    main(["audit", "verify"])
    assert "intact: 5 rows" in capsys.readouterr().out


def test_an_edited_row_is_the_first_broken_link(org, capsys):
    events = _record(make_customer(dealer=org.d1), 4)
    with _guards_lifted() as cursor:
        cursor.execute("UPDATE org_auditevent SET note = 'nothing happened' WHERE id = %s", [events[2].pk])
    result = audit.verify()
    assert (result.ok, result.broken_id, result.reason, result.checked) == (False, events[2].pk, "content", 2)
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify"])
    assert exited.value.code == 1
    out = capsys.readouterr().out
    assert f"BROKEN at row id {events[2].pk}" in out and "changed" in out


def test_a_removed_row_breaks_the_link_of_the_next(org):
    events = _record(make_customer(dealer=org.d1), 4)
    with _guards_lifted() as cursor:
        cursor.execute("DELETE FROM org_auditevent WHERE id = %s", [events[1].pk])
    result = audit.verify()
    assert (result.broken_id, result.reason) == (events[2].pk, "link")


def test_values_the_database_rewrites_still_verify(org):
    """JSON keys, numbers and IPv6 addresses come back from the database in its own spelling;
    the hash is taken over the stored form."""
    customer = make_customer(dealer=org.d1)
    token = audit.client_address.set("2001:DB8:0:0:0:0:0:1")
    try:
        with transaction.atomic():
            audit.record(actor=None, action=AuditCode.CUSTOMER_UPDATE, obj=customer,
                         before={"z": 1e20, "a": [1.0, 2.5], 3: True}, after={"nested": {"b": None, "a": "甲"}})
    finally:
        audit.client_address.reset(token)
    assert audit.verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_one_chain(org):
    """Writers in parallel transactions (threads with their own connections) each chain onto the
    committed head: on PostgreSQL the advisory lock. (SQLite's test database is a shared-cache
    memory database, whose table locks do not wait; on a SQLite file every transaction is
    BEGIN IMMEDIATE, one writer at a time.)"""
    if connection.vendor == "sqlite":
        pytest.skip("concurrent writers need a server database (run the suite with RETAIN_DATABASE_URL)")
    customer = make_customer(dealer=org.d1)
    errors = []

    def write():
        try:
            for _ in range(8):
                with transaction.atomic():
                    audit.record(actor=None, action=AuditCode.CUSTOMER_UPDATE, obj=customer, after={"n": 1})
                    audit.record_many(actor=None, action=AuditCode.CUSTOMER_REASSIGN, object_type="customer",
                                      rows=[(customer.pk, None, None, None)] * 2)
        except Exception as error:  # noqa: BLE001 - any failure in a thread is reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = audit.verify()
    assert result.ok and result.checked == 4 * 8 * 3


def test_unknown_codes_are_refused(org):
    customer = make_customer(dealer=org.d1)
    with pytest.raises(ValueError, match="grade_changed"), transaction.atomic():
        audit.record(actor=None, action="grade_changed", obj=customer)
    with pytest.raises(ValueError), transaction.atomic():
        audit.record_many(actor=None, action="customer.updated", object_type="customer", rows=[])
    assert not AuditEvent.objects.exists()


def test_every_call_site_uses_the_vocabulary():
    """No string literal as an audit action anywhere in the code: always an AuditCode member."""
    offenders = []
    for path in SRC.rglob("*.py"):
        text = path.read_text()
        for call in re.finditer(r"(?:audit\.record|record_many)\((?:[^()]|\([^()]*\))*\)", text, re.DOTALL):
            if re.search(r"\baction=[\"']", call.group(0)):
                offenders.append(f"{path.relative_to(SRC)}: {call.group(0)[:80]}")
    assert offenders == []


def test_codes_are_noun_verb_and_renamed_codes_map_into_the_vocabulary():
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", code) for code in AuditCode.values)
    assert set(RENAMED.values()) <= set(AuditCode) and not set(RENAMED) & set(AuditCode.values)
    assert len(set(AuditCode.labels)) == len(AuditCode.labels)          # one label, one meaning
