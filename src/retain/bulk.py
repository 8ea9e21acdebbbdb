"""Bulk-write numpy columns into the database: COPY on PostgreSQL, executemany on SQLite.

Row-by-row ORM saves would take minutes at the medium scale; these paths take seconds. Columns
are keyed by field attname and may be numpy masked arrays (masked = NULL). Field values are
converted with the field's own ``get_db_prep_save`` only where the database form differs from
the raw value (encrypted fields); everything else is formatted per numpy dtype.
"""

import numpy as np
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection

from retain.customers.fields import EncryptedTextField


def load(tables: dict[str, dict[str, np.ndarray]], *, reset_sequences: bool = True) -> None:
    """Insert every table (in order). With explicit ids (``reset_sequences``), move the id
    sequences past them and refresh the planner's statistics afterwards: without statistics
    SQLite walks a dealer index where a mobile-number lookup would take one probe."""
    models = []
    for label, columns in tables.items():
        model = apps.get_model(label)
        models.append(model)
        _insert(model, columns)
    if not reset_sequences:
        return
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
        cursor.execute("ANALYZE")


def _insert(model, columns: dict[str, np.ndarray]) -> None:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(columns) - set(fields)
    if unknown:
        raise ValueError(f"{model._meta.label} has no field(s) {sorted(unknown)}")
    names = list(columns)
    values = [_db_values(fields[name], columns[name]) for name in names]
    table = connection.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(connection.ops.quote_name(fields[name].column) for name in names)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            text = "\n".join(map("\t".join, zip(*(_copy_text(v) for v in values)))) + "\n"
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                copy.write(text.encode())
        else:
            placeholders = ", ".join(["%s"] * len(names))
            cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})",
                               zip(*(_python_values(v) for v in values)))


def _db_values(field, column: np.ndarray) -> np.ndarray:
    if isinstance(field, EncryptedTextField):
        prepared = [field.get_db_prep_save(v, connection) for v in column.tolist()]
        return np.array(prepared, dtype=object)
    return column


def _formatted(column: np.ndarray) -> np.ndarray:
    """Dates and times as ISO text in UTC, which both databases read for their column types."""
    data = np.ma.getdata(column)
    if np.issubdtype(data.dtype, np.datetime64):
        if np.datetime_data(data.dtype)[0] == "D":
            return np.datetime_as_string(data)
        text = np.char.replace(np.datetime_as_string(data.astype("datetime64[s]")), "T", " ")
        return np.char.add(text, "+00:00") if connection.vendor == "postgresql" else text
    return data


def _python_values(column: np.ndarray) -> list:
    data = _formatted(column)
    values = data.tolist()
    if np.ma.is_masked(column):
        values = [None if m else v for v, m in zip(values, np.ma.getmaskarray(column).tolist())]
    return values


def _copy_text(column: np.ndarray) -> list[str]:
    """COPY text format: \\N for NULL, t/f for booleans. Generated text holds no tabs or newlines."""
    data = _formatted(column)
    if data.dtype == bool:
        text = np.where(data, "t", "f")
    else:
        text = data.astype(str)
    if np.ma.is_masked(column):
        text = np.where(np.ma.getmaskarray(column), "\\N", text)
    return text.tolist()
