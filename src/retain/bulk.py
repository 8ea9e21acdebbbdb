"""Bulk-write numpy columns into the database: COPY (CSV written by Arrow) on PostgreSQL,
executemany on SQLite.

Row-by-row ORM saves would take minutes at the medium scale; these paths take seconds. Columns
are keyed by field attname and may be numpy masked arrays (masked = NULL). Field values are
converted with the field's own ``get_db_prep_save`` only where the database form differs from
the raw value (encrypted fields); everything else is written per numpy dtype.

Rows go in chunks of ``CHUNK_ROWS``, so the text of a 7.5-million-row table is never held in
memory at once (about 60 million Python strings would be several gigabytes). Loading into empty
tables (``into_empty``, the demo) on PostgreSQL also drops the tables' secondary indexes and
foreign keys first and recreates them after, as ``pg_restore`` does: building an index once over
sorted data, and checking a foreign key with one join, is several times cheaper than updating
every index and firing a constraint trigger per row (deferred to a COMMIT that then takes minutes).
"""

from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.apps import apps
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from retain.customers.fields import EncryptedTextField

CHUNK_ROWS = 250_000


def load(tables: dict[str, dict[str, np.ndarray]], *, reset_sequences: bool = True,
         into_empty: bool = False) -> None:
    """Insert every table (in order). With explicit ids (``reset_sequences``), move the id
    sequences past them and refresh the planner's statistics afterwards: without statistics
    SQLite walks a dealer index where a mobile-number lookup would take one probe.
    ``into_empty``: the tables are new and empty (the demo), so their indexes and foreign keys
    may be rebuilt after the load instead of maintained during it. Call it inside a transaction."""
    models = [apps.get_model(label) for label in tables]
    with _indexes_rebuilt_after(models, enabled=into_empty and connection.vendor == "postgresql"):
        for model, columns in zip(models, tables.values()):
            _insert(model, columns)
    if reset_sequences:
        reset_sequences_of(list(tables))


def reset_sequences_of(labels: list[str]) -> None:
    """Move the id sequences of these models past their rows and refresh the planner's
    statistics (what ``load`` does after its tables; for a caller that loads in several steps).
    Only these tables are analysed: a bare ``ANALYZE`` also takes the shared catalogues, and waits
    behind any long transaction on the same server (another database's load, say)."""
    models = [apps.get_model(label) for label in labels]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def create(model, objects: list) -> list:
    """Insert unsaved ``objects`` of ``model`` and give each its id, as ``bulk_create`` does, by
    COPY on PostgreSQL: the ids are drawn from the table's sequence first (one statement), and the
    rows go in as the fields' database values (``pre_save`` and ``get_db_prep_save``, as an
    INSERT would write them; skipped for the plain number, text and key fields, whose value is
    already the database's). ``bulk_create`` compiles an INSERT of every batch and reads the ids
    back row by row: a minute of the large demo's build for its 800,000 rewards rows (vouchers,
    reservations, lot uses). SQLite: ``bulk_create``."""
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objects, batch_size=2_000)
    if not objects:
        return objects
    meta, database = model._meta, connections[DEFAULT_DB_ALIAS]  # (the connection itself, not its proxy)
    for obj in objects:  # a related object saved after it was assigned gives its id now, as in bulk_create
        obj._prepare_related_fields_for_save(operation_name="bulk.create")
    with database.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objects)])
        for obj, (pk,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = pk
        fields = meta.concrete_fields
        plain = [type(field) in PLAIN_FIELDS for field in fields]
        names = ", ".join(database.ops.quote_name(field.column) for field in fields)
        with cursor.cursor.copy(f"COPY {database.ops.quote_name(meta.db_table)} ({names}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row([getattr(obj, field.attname) if simple
                                else field.get_db_prep_save(field.pre_save(obj, True), database)
                                for field, simple in zip(fields, plain)])
    for obj in objects:
        obj._state.adding, obj._state.db = False, database.alias
    return objects


#: Fields whose Python value is what the database stores (``create`` passes it as it is).
PLAIN_FIELDS = {models.AutoField, models.BigAutoField, models.IntegerField, models.BigIntegerField,
                models.SmallIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
                models.PositiveBigIntegerField, models.CharField, models.TextField, models.BooleanField,
                models.ForeignKey, models.OneToOneField}


#: Rows per statement of :func:`update_by_pk`: two parameters each, under SQLite's 32,766.
UPDATE_ROWS = 10_000


def update_by_pk(model, column: str, values: dict[int, int], *, add: bool = False) -> None:
    """Set ``column`` (or add to it, ``add``) row by row from ``values`` (primary key -> value),
    in one statement per ``UPDATE_ROWS`` rows joined to a list of values. ``bulk_update`` writes a
    ``CASE`` of every row's key that the database tests for each row it updates (the rows times
    the batch), and a statement per row costs its compile and round trip: either took minutes for
    the large demo's hundreds of thousands of rows."""
    quote = connection.ops.quote_name
    table, name = quote(model._meta.db_table), quote(model._meta.get_field(column).column)
    key = quote(model._meta.pk.column)
    new = f"t.{name} + v.value" if add else "v.value"
    rows = list(values.items())
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_ROWS):
            chunk = rows[start:start + UPDATE_ROWS]
            cursor.execute(
                f"WITH v (pk, value) AS (VALUES {', '.join(['(%s, %s)'] * len(chunk))}) "
                f"UPDATE {table} AS t SET {name} = {new} FROM v WHERE t.{key} = v.pk",
                [item for row in chunk for item in row])


@contextmanager
def _indexes_rebuilt_after(models, *, enabled: bool):
    """PostgreSQL: drop the secondary indexes, unique ones too, the unique constraints and the
    foreign keys of these tables, then recreate them from their own definitions
    (``pg_get_indexdef``/``pg_get_constraintdef``), so what comes back is exactly what the
    migrations made. A unique index kept during the load took every row into its tree at a
    random place (a care task's customer, rule and occurrence; an invitation's token hashes): the
    large demo's care tasks went in at a quarter of the speed a plain table took them. Remade, it
    is built by one sort and still refuses a duplicate, at the end instead of at once. Primary keys
    stay, and a unique constraint a foreign key of another table depends on."""
    if not enabled:
        yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        foreign_keys = _drop_foreign_keys(cursor, tables)
        cursor.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)", [tables])
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute(
            "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint u "
            "WHERE u.contype = 'u' AND u.conrelid = ANY(%s::regclass[]) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = u.conindid)", [tables])
        uniques = cursor.fetchall()
        for table, name, _definition in uniques:
            cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for _name, definition in indexes:
            cursor.execute(definition)
        _add_constraints(cursor, uniques + foreign_keys)


@contextmanager
def foreign_keys_checked_after(models):
    """PostgreSQL: drop the foreign keys of these tables (those they hold, not those pointing at
    them) and add them back after the block, each checked then by one join over the table. A
    foreign key is otherwise checked by a trigger per row written: 46,000 earnings went into a copy
    of the ledger in 1.51 s with its two account keys, 0.33 s without (in the demo's build, whose
    earning statement also writes lots and balances, 2.6 against 2.2 s a dealer). Nothing checks
    the rows in between, and a failure in the block leaves the keys dropped, so this is for a
    database being built from nothing (``retain demo``, which wipes it on the next run); outside
    a transaction, each step commits."""
    if connection.vendor != "postgresql":
        yield
        return
    check_deferred()
    with connection.cursor() as cursor:
        foreign_keys = _drop_foreign_keys(cursor, [model._meta.db_table for model in models])
    yield
    check_deferred()
    with connection.cursor() as cursor:
        _add_constraints(cursor, foreign_keys)


def check_deferred() -> None:
    """PostgreSQL: check the deferred foreign keys of the rows written so far now. A table with
    such checks pending cannot be altered (its foreign keys dropped or added, as the loader does
    for the tables it fills, and so for the tables they point at)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _drop_foreign_keys(cursor, tables: list[str]) -> list[tuple[str, str, str]]:
    """Drop the foreign keys the tables hold; their (table, name, definition) to add them back."""
    cursor.execute(
        "SELECT conrelid::regclass::text, quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid = ANY(%s::regclass[])", [tables])
    foreign_keys = cursor.fetchall()
    for table, name, _definition in foreign_keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return foreign_keys


def _add_constraints(cursor, constraints: list[tuple[str, str, str]]) -> None:
    for table, name, definition in constraints:
        cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def _insert(model, columns: dict[str, np.ndarray]) -> None:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"{model._meta.label} has no field(s) {sorted(unknown)}")
    names = list(columns)
    rows = len(columns[names[0]]) if names else 0
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(fields[name].column) for name in names)
    database = connections[DEFAULT_DB_ALIAS]  # (this thread's: the chunks are made in another)
    with database.cursor() as cursor:
        if database.vendor == "postgresql":
            chunks = (_csv([_db_values(fields[name], columns[name][start:start + CHUNK_ROWS], database)
                            for name in names], names) for start in range(0, rows, CHUNK_ROWS))
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN WITH (FORMAT csv)") as copy:
                for chunk in _ahead(chunks):
                    copy.write(chunk)
        else:
            placeholders = ", ".join(["%s"] * len(names))
            for start in range(0, rows, CHUNK_ROWS):
                values = [_db_values(fields[name], columns[name][start:start + CHUNK_ROWS], database) for name in names]
                cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",
                                   zip(*(_python_values(v) for v in values)))


def _db_values(field, column: np.ndarray, database) -> np.ndarray:
    if isinstance(field, EncryptedTextField):
        prepared = [field.get_db_prep_save(v, database) for v in column.tolist()]
        return np.array(prepared, dtype=object)
    return column


def _python_values(column: np.ndarray) -> list:
    """SQLite's values: dates and times as ISO text in UTC, as Django stores them there."""
    data = np.ma.getdata(column)
    if np.issubdtype(data.dtype, np.datetime64):
        data = (np.datetime_as_string(data) if np.datetime_data(data.dtype)[0] == "D"
                else np.char.replace(np.datetime_as_string(data.astype("datetime64[s]")), "T", " "))
    values = data.tolist()
    if np.ma.is_masked(column):
        values = [None if m else v for v, m in zip(values, np.ma.getmaskarray(column).tolist())]
    return values


def _csv(values: list[np.ndarray], names: list[str]) -> bytes:
    """One chunk as CSV, written by Arrow (C++; twice as fast as joining Python strings, which
    held a large table's load to the Python process's speed): strings quoted, masked values empty
    and unquoted (NULL to COPY's CSV format), times in UTC with their ``Z``."""
    table = pa.table({name: _arrow(column) for name, column in zip(names, values)})
    out = pa.BufferOutputStream()
    pa_csv.write_csv(table, out, pa_csv.WriteOptions(include_header=False))
    return out.getvalue().to_pybytes()


def _arrow(column: np.ndarray) -> pa.Array:
    data, mask = np.ma.getdata(column), (np.ma.getmaskarray(column) if np.ma.is_masked(column) else None)
    if np.issubdtype(data.dtype, np.datetime64) and np.datetime_data(data.dtype)[0] != "D":
        return pa.array(data.astype("datetime64[us]"), mask=mask).cast(pa.timestamp("us", tz="UTC"))
    return pa.array(data, mask=mask)


def _ahead(chunks):
    """``chunks``' items, the next one made in a thread while the caller writes this one: the
    Python process formats a chunk while the server parses the one before (each took about half
    of a large table's load, one after the other)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        items = iter(chunks)
        coming = pool.submit(next, items, None)
        while (item := coming.result()) is not None:
            coming = pool.submit(next, items, None)
            yield item
