"""Room on each page of the accounts and memberships (PostgreSQL's fillfactor) so that the
updates every movement makes (a cached balance, a member's counted qualifying points and tier)
are heap-only: the new row version stays on its page and no index is touched. A balance is
rewritten on every earn and spend; without the room each rewrite also inserted into the table's
four indexes. SQLite has no such setting."""

from django.db import migrations

TABLES = {"loyalty_account": 70, "loyalty_membership": 80}


def _fill(percent_of):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for table, percent in TABLES.items():
            schema_editor.execute(f"ALTER TABLE {table} SET (fillfactor = {percent_of(percent)})")
    return run


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0008_reservation_timeout")]

    operations = [migrations.RunPython(_fill(lambda percent: percent), _fill(lambda percent: 100))]
