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

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from django.apps import apps
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone

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


def insert(model, columns: dict[str, list | np.ndarray]) -> np.ndarray:
    """Insert rows given as columns (field attname -> Python values or a numpy array, one per
    row) and return their ids, drawn from the table's sequence first: ``bulk_create`` without a
    model instance per row (the large demo's 900,000 rewards rows spent most of their phase's
    Python time in the instances' ``__init__``, their fields' conversions and the INSERTs'
    compiling). A field not given takes its default (the clock for ``auto_now``), or NULL where
    it may be; the rows go in as ``load`` writes them (COPY on PostgreSQL)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    unknown = set(columns) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{model._meta.label} has no field(s) {sorted(unknown)}")
    rows = len(next(iter(columns.values()), []))
    if not rows:
        return np.empty(0, dtype=np.int64)
    table = {}
    for field in fields:
        values = columns[field.attname] if field.attname in columns else [_default(field)] * rows
        table[field.attname] = values if isinstance(values, np.ndarray) else _column(field, values)
    ids = _ids(model, rows)
    _insert(model, {model._meta.pk.attname: ids, **table})
    return ids


def _ids(model, count: int) -> np.ndarray:
    """``count`` new primary keys of ``model``'s table: PostgreSQL's sequence advanced by them;
    on SQLite (one writer, inside the caller's transaction) the ones after the largest used,
    which inserting them then records as used."""
    meta = model._meta
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                           [meta.db_table, meta.pk.column, count])
            return np.array([pk for (pk,) in cursor.fetchall()], dtype=np.int64)
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(meta.pk.column)}) FROM "
                       f"{connection.ops.quote_name(meta.db_table)}")
        largest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [meta.db_table])
        largest = max([largest, *(seq for (seq,) in cursor.fetchall())])
    return np.arange(largest + 1, largest + 1 + count, dtype=np.int64)


def _default(field):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return timezone.now()
    value = field.get_default()  # as a new instance has it: text fields "", others None
    if value is None and not field.null:
        raise ValueError(f"{field.model._meta.label}.{field.name} has no default and may not be NULL")
    return value


def _column(field, values: list) -> np.ndarray:
    """Python values as the numpy column ``load`` writes for the field (None: NULL)."""
    missing = [value is None for value in values]
    if isinstance(field, models.DateTimeField):
        utc = [None if value is None else value.astimezone(dt.UTC).replace(tzinfo=None) for value in values]
        data = np.array([value or dt.datetime(1970, 1, 1) for value in utc], dtype="datetime64[us]")
    elif isinstance(field, models.DateField):
        data = np.array([value or dt.date(1970, 1, 1) for value in values], dtype="datetime64[D]")
    elif isinstance(field, (models.IntegerField, models.ForeignKey)):
        data = np.array([0 if value is None else value for value in values], dtype=np.int64)
    elif isinstance(field, models.BooleanField):
        data = np.array([bool(value) for value in values])
    elif isinstance(field, (models.CharField, models.TextField)):
        data = np.array(["" if value is None else value for value in values], dtype=object)
    else:
        raise ValueError(f"bulk.insert does not write {type(field).__name__} ({field})")
    return np.ma.masked_array(data, mask=missing) if any(missing) else data


#: Rows per statement of :func:`update_by_pk` on SQLite: two parameters each, under its 32,766.
UPDATE_ROWS = 10_000


def update_by_pk(model, column: str, values: dict[int, int], *, add: bool = False) -> None:
    """Set ``column`` (or add to it, ``add``) row by row from ``values`` (primary key -> value),
    in one statement joined to the keys and values as two arrays (PostgreSQL), or one per
    ``UPDATE_ROWS`` rows joined to a list of values (SQLite). ``bulk_update`` writes a
    ``CASE`` of every row's key that the database tests for each row it updates (the rows times
    the batch), and a statement per row costs its compile and round trip: either took minutes for
    the large demo's hundreds of thousands of rows."""
    quote = connection.ops.quote_name
    table, name = quote(model._meta.db_table), quote(model._meta.get_field(column).column)
    key = quote(model._meta.pk.column)
    new = f"t.{name} + v.value" if add else "v.value"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # two array parameters, not two per row: psycopg parses every placeholder of a
            # statement (half the time of the large demo's lot updates went in that)
            kind = model._meta.get_field(column).db_type(connection)
            cursor.execute(f"UPDATE {table} AS t SET {name} = {new} FROM unnest(%s::bigint[], %s::{kind}[]) "
                           f"AS v (pk, value) WHERE t.{key} = v.pk", [list(values), list(values.values())])
            return
        rows = list(values.items())
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
    """SQLite's values: dates and times as ISO text in UTC, as Django stores them there (the
    fraction of a second only where a time has one)."""
    data = np.ma.getdata(column)
    if np.issubdtype(data.dtype, np.datetime64) and np.datetime_data(data.dtype)[0] == "D":
        data = np.datetime_as_string(data)
    elif np.issubdtype(data.dtype, np.datetime64):
        seconds = data.astype("datetime64[s]")
        exact = seconds if (seconds == data).all() else data.astype("datetime64[us]")
        data = np.char.replace(np.datetime_as_string(exact), "T", " ")
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
