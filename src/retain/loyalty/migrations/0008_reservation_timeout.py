"""A reservation made without a voucher times out (docs/loyalty.md, "Two-phase redemption"): the
programme's ``reservation_hours`` and each such reservation's ``held_until``.

Such reservations made before this migration and still open get the default deadline, 72 hours
after they were made. It is the one time stored transfers gain a value, so the append-only trigger
on transfers is lifted for that UPDATE alone, inside the migration's transaction: no other
connection sees it lifted, and it is back before the commit."""

import datetime as dt

import django.core.validators
from django.conf import settings
from django.db import migrations, models
from django.db.models import F

from retain.loyalty import append_only

DEFAULT_HOURS = 72


def open_reservations_get_a_deadline(apps, schema_editor):
    Transfer = apps.get_model("loyalty", "Transfer")
    Voucher = apps.get_model("loyalty", "Voucher")
    settled = Transfer.objects.filter(settles__isnull=False).values("settles_id")
    still_open = (Transfer.objects.filter(kind="reserve", held_until__isnull=True)
                  .exclude(pk__in=Voucher.objects.values("reservation_id")).exclude(pk__in=settled))
    if not still_open.exists():
        return
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE loyalty_transfer DISABLE TRIGGER loyalty_transfer_append_only")
    else:
        schema_editor.execute("DROP TRIGGER IF EXISTS loyalty_transfer_no_update")
    still_open.update(held_until=F("created_at") + dt.timedelta(hours=DEFAULT_HOURS))
    if vendor == "postgresql":
        schema_editor.execute("ALTER TABLE loyalty_transfer ENABLE TRIGGER loyalty_transfer_append_only")
    else:
        schema_editor.execute(append_only.SQLITE_TRIGGERS["loyalty_transfer_no_update"])


class Migration(migrations.Migration):

    dependencies = [
        ('loyalty', '0007_merge_rules'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='programme',
            name='reservation_hours',
            field=models.PositiveSmallIntegerField(default=72, help_text='A reservation made without a voucher that is neither redeemed nor released within this many hours times out: its points go back to the member.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(2160)], verbose_name='hours a reservation is held'),
        ),
        migrations.AddField(
            model_name='transfer',
            name='held_until',
            field=models.DateTimeField(blank=True, null=True, verbose_name='held until'),
        ),
        migrations.AddIndex(
            model_name='transfer',
            index=models.Index(condition=models.Q(('held_until__isnull', False)), fields=['programme', 'held_until'], name='loyalty_transfer_hold_due'),
        ),
        migrations.RunPython(open_reservations_get_a_deadline, migrations.RunPython.noop),
    ]
