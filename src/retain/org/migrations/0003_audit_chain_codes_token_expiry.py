"""Audit log: typed codes, a hash chain, DELETE refused on SQLite too; API tokens expire and can be revoked.

The audit rows already stored are brought into the new shape with the append-only triggers
lifted for this migration only (the migration runs as the schema owner): old codes are renamed
to their ``noun.verb`` code (``org.audit_codes.RENAMED``) and the rows are chained in id order.
Tokens issued before expiry existed expire ``RETAIN_TOKEN_DAYS`` after this migration.
"""

import datetime as dt

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from retain.org import append_only


def _forward(apps, schema_editor):
    from retain.org.audit import GENESIS, row_digest
    from retain.org.audit_codes import RENAMED

    connection = schema_editor.connection
    ApiToken = apps.get_model("org", "ApiToken")
    AuditEvent = apps.get_model("org", "AuditEvent")
    ApiToken.objects.update(expires_at=django.utils.timezone.now() + dt.timedelta(days=settings.API_TOKEN_DAYS))

    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE org_auditevent DISABLE TRIGGER org_auditevent_append_only")
    elif connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS org_auditevent_no_update")
    for old, new in RENAMED.items():
        AuditEvent.objects.filter(action=old).update(action=str(new))
    prev = GENESIS
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        row_hash = row_digest(prev, event)
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev, row_hash=row_hash)
        prev = row_hash
    if connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE org_auditevent ENABLE TRIGGER org_auditevent_append_only")
    elif connection.vendor == "sqlite":
        for sql in append_only.SQLITE_TRIGGERS.values():
            schema_editor.execute(sql)


def _backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS org_auditevent_no_delete")


class Migration(migrations.Migration):
    dependencies = [("org", "0002_audit_append_only")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name="expires at"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked at"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous row's hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="row_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="row hash"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now, verbose_name="time"),
        ),
        migrations.RunPython(_forward, _backward),
    ]
