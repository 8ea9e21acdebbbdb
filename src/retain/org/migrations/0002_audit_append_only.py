"""Make the audit log append-only in the database itself, not only in Python.

On PostgreSQL an UPDATE or DELETE of an audit row fails, whoever issues it (TRUNCATE, which only
the schema owner can run and which the test runner and demo rebuild use, is not a row change).
On SQLite an UPDATE fails; DELETE stays possible there because Django's ``flush`` empties
tables with DELETE, and the Python model refuses deletion anyway."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER org_auditevent_no_update BEFORE UPDATE ON org_auditevent
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION org_auditevent_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$""",
    """CREATE TRIGGER org_auditevent_append_only BEFORE UPDATE OR DELETE ON org_auditevent
       FOR EACH ROW EXECUTE FUNCTION org_auditevent_append_only()""",
]
UNDO = {
    "sqlite": ["DROP TRIGGER org_auditevent_no_update"],
    "postgresql": ["DROP TRIGGER org_auditevent_append_only ON org_auditevent",
                   "DROP FUNCTION org_auditevent_append_only()"],
}


def _run(statements):
    def run(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("org", "0001_initial")]
    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE, "postgresql": POSTGRES}), _run(UNDO)),
    ]
