"""A reservation made without a voucher times out (docs/loyalty.md, "Two-phase redemption"): the
programme's ``reservation_hours`` and each such reservation's ``held_until``.

Stored transfers are never changed (append-only), so a reservation made before this has no
deadline; none was made outside the tests and the demo before it."""

import django.core.validators
from django.conf import settings
from django.db import migrations, models


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
    ]
