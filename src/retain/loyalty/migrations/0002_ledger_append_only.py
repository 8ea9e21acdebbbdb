"""Make the points ledger append-only in the database itself (``retain.loyalty.append_only``):
transfers and lot uses are never updated or deleted; accounts and lots are never deleted, and only
their cached balance / remaining points change."""

from django.db import migrations

from retain.loyalty import append_only


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]
    operations = [migrations.RunPython(append_only.forwards, append_only.backwards)]
