"""Analysis tables built with Ibis where the data live.

The same Ibis expressions run on the operational database (SQLite or PostgreSQL, through
Django's own connection, so they see the caller's transaction), on DuckDB over Parquet files, or
on a warehouse such as Spark: only ``source.connect`` changes. Aggregation happens in the
database; what comes back is one row per customer, handed to ``retain.analytics``.
"""
