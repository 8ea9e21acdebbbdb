"""The ledger's append-only rule, in the database itself (as ``org.append_only`` does for the
audit log): an entry (a transfer, a use of a lot) is never updated or deleted, whoever issues the
SQL; an account or a lot is never deleted, and of them only the cached ``balance`` and the lot's
``remaining`` may change.

PostgreSQL: row triggers (migration 0002), kept through any ALTER TABLE. SQLite: triggers too, but
Django rebuilds a SQLite table for most field changes and dropping the old table drops its
triggers, so they are (re)installed idempotently after every ``migrate`` as well
(``LoyaltyConfig.ready`` connects ``install`` to ``post_migrate``). TRUNCATE (PostgreSQL's flush,
only the schema owner's) is not a row change."""

MESSAGE = "the points ledger is append-only: post a correcting entry"

SQLITE_TRIGGERS = {
    "loyalty_transfer_no_update":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_transfer_no_update BEFORE UPDATE ON loyalty_transfer "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_transfer_no_delete":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_transfer_no_delete BEFORE DELETE ON loyalty_transfer "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_lotuse_no_update":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_lotuse_no_update BEFORE UPDATE ON loyalty_lotuse "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_lotuse_no_delete":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_lotuse_no_delete BEFORE DELETE ON loyalty_lotuse "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_lot_fixed":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_lot_fixed BEFORE UPDATE OF id, account_id, transfer_id, amount, "
        f"earned_on, expires_on ON loyalty_lot BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_lot_no_delete":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_lot_no_delete BEFORE DELETE ON loyalty_lot "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_account_fixed":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_account_fixed BEFORE UPDATE OF id, programme_id, kind, customer_id, "
        f"key ON loyalty_account BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_account_no_delete":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_account_no_delete BEFORE DELETE ON loyalty_account "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
}

POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION loyalty_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$""",
    """CREATE TRIGGER loyalty_transfer_append_only BEFORE UPDATE OR DELETE ON loyalty_transfer
       FOR EACH ROW EXECUTE FUNCTION loyalty_append_only()""",
    """CREATE TRIGGER loyalty_lotuse_append_only BEFORE UPDATE OR DELETE ON loyalty_lotuse
       FOR EACH ROW EXECUTE FUNCTION loyalty_append_only()""",
    """CREATE TRIGGER loyalty_lot_no_delete BEFORE DELETE ON loyalty_lot
       FOR EACH ROW EXECUTE FUNCTION loyalty_append_only()""",
    """CREATE TRIGGER loyalty_lot_fixed BEFORE UPDATE ON loyalty_lot FOR EACH ROW
       WHEN ((OLD.id, OLD.account_id, OLD.transfer_id, OLD.amount, OLD.earned_on, OLD.expires_on)
             IS DISTINCT FROM (NEW.id, NEW.account_id, NEW.transfer_id, NEW.amount, NEW.earned_on, NEW.expires_on))
       EXECUTE FUNCTION loyalty_append_only()""",
    """CREATE TRIGGER loyalty_account_no_delete BEFORE DELETE ON loyalty_account
       FOR EACH ROW EXECUTE FUNCTION loyalty_append_only()""",
    """CREATE TRIGGER loyalty_account_fixed BEFORE UPDATE ON loyalty_account FOR EACH ROW
       WHEN ((OLD.id, OLD.programme_id, OLD.kind, OLD.customer_id, OLD.key)
             IS DISTINCT FROM (NEW.id, NEW.programme_id, NEW.kind, NEW.customer_id, NEW.key))
       EXECUTE FUNCTION loyalty_append_only()""",
]
POSTGRES_UNDO = [
    "DROP TRIGGER IF EXISTS loyalty_transfer_append_only ON loyalty_transfer",
    "DROP TRIGGER IF EXISTS loyalty_lotuse_append_only ON loyalty_lotuse",
    "DROP TRIGGER IF EXISTS loyalty_lot_no_delete ON loyalty_lot",
    "DROP TRIGGER IF EXISTS loyalty_lot_fixed ON loyalty_lot",
    "DROP TRIGGER IF EXISTS loyalty_account_no_delete ON loyalty_account",
    "DROP TRIGGER IF EXISTS loyalty_account_fixed ON loyalty_account",
    "DROP FUNCTION IF EXISTS loyalty_append_only()",
]
TABLES = ("loyalty_transfer", "loyalty_lotuse", "loyalty_lot", "loyalty_account")

# A partner's closed month (migration 0004) is never changed or removed either.
SETTLEMENT_SQLITE = {
    "loyalty_settlement_no_update":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_settlement_no_update BEFORE UPDATE ON loyalty_settlement "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "loyalty_settlement_no_delete":
        f"CREATE TRIGGER IF NOT EXISTS loyalty_settlement_no_delete BEFORE DELETE ON loyalty_settlement "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
}
SETTLEMENT_POSTGRES = [
    """CREATE TRIGGER loyalty_settlement_append_only BEFORE UPDATE OR DELETE ON loyalty_settlement
       FOR EACH ROW EXECUTE FUNCTION loyalty_append_only()""",
]


def install(connection) -> None:
    if connection.vendor != "sqlite" or not set(TABLES) <= set(connection.introspection.table_names()):
        return
    with connection.cursor() as cursor:
        for sql in SQLITE_TRIGGERS.values():
            cursor.execute(sql)
        if "loyalty_settlement" in connection.introspection.table_names():
            for sql in SETTLEMENT_SQLITE.values():
                cursor.execute(sql)


def on_post_migrate(sender, using="default", **kwargs):
    from django.db import connections

    install(connections[using])


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS.values():
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in POSTGRES_UNDO:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "sqlite":
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def settlements_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in SETTLEMENT_POSTGRES:
            schema_editor.execute(sql)
    elif schema_editor.connection.vendor == "sqlite":
        for sql in SETTLEMENT_SQLITE.values():
            schema_editor.execute(sql)


def settlements_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TRIGGER IF EXISTS loyalty_settlement_append_only ON loyalty_settlement")
    elif schema_editor.connection.vendor == "sqlite":
        for name in SETTLEMENT_SQLITE:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
