"""Where the warehouse reads from."""

import contextlib

import ibis
from django.db import connection
from ibis.backends.sqlite import Backend as SQLiteBackend
from ibis.backends.sqlite.udf import register_all


class _SharedSQLite(SQLiteBackend):
    """Ibis on a SQLite connection it does not own (Django's).

    Ibis' own SQLite backend commits after each statement and turns on case-sensitive LIKE for
    the connection; on a shared connection the first would commit the caller's open transaction
    and the second would change Django's ``icontains`` searches. This backend does neither.
    """

    def _post_connect(self, type_map=None) -> None:
        self._type_map = {k.lower(): ibis.dtype(v) for k, v in (type_map or {}).items()}
        register_all(self.con)

    @contextlib.contextmanager
    def begin(self):
        cursor = self.con.cursor()
        try:
            yield cursor
        finally:
            cursor.close()


def connect():
    """An Ibis backend on Django's default database connection.

    Sharing the DBAPI connection (rather than opening a second one from the URL) means the
    expressions see the current transaction, need no second set of credentials, and work on
    SQLite files and in-memory test databases alike."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "sqlite":
        return _SharedSQLite.from_connection(raw)
    if connection.vendor == "postgresql":
        return ibis.postgres.from_connection(raw)
    raise ValueError(f"the warehouse cannot read a {connection.vendor} database")


#: The operational tables the warehouse expressions read.
TABLES = ("customers_transaction", "customers_customer", "org_dealer")


def parquet(folder):
    """An Ibis backend (DuckDB, in memory) over Parquet exports of the operational tables, one
    ``<table>.parquet`` file each: the same expressions then run off-line or on a copy kept in a
    data lake, without touching the production database."""
    from pathlib import Path

    con = ibis.duckdb.connect()
    for table in TABLES:
        path = Path(folder) / f"{table}.parquet"
        if not path.exists():
            raise ValueError(f"{path} is missing: export {', '.join(TABLES)} as Parquet first")
        con.read_parquet(path, table_name=table)
    return con
