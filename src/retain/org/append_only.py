"""The database half of the audit log's append-only rule on SQLite.

PostgreSQL keeps its row trigger (migration 0002) through any ALTER TABLE. SQLite does not:
Django rebuilds a SQLite table for most field changes (create, copy, drop), and dropping the
old table drops its triggers. So the triggers are (re)installed idempotently after every
``migrate`` (``OrgConfig.ready`` connects ``install`` to ``post_migrate``) as well as by
migration 0003, and a later migration that rebuilds ``org_auditevent`` cannot leave it open.
"""

TABLE = "org_auditevent"
SQLITE_TRIGGERS = {
    "org_auditevent_no_update": f"""CREATE TRIGGER IF NOT EXISTS org_auditevent_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    "org_auditevent_no_delete": f"""CREATE TRIGGER IF NOT EXISTS org_auditevent_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
}


def install(connection) -> None:
    if connection.vendor != "sqlite" or TABLE not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)


def on_post_migrate(sender, using="default", **kwargs):
    from django.db import connections

    install(connections[using])
