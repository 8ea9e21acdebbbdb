"""The ledger's account indexes ascending (see ``Transfer.Meta``)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('loyalty', '0010_settlement_reversals'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='transfer',
            name='loyalty_transfer_debit',
        ),
        migrations.RemoveIndex(
            model_name='transfer',
            name='loyalty_transfer_credit',
        ),
        migrations.AddIndex(
            model_name='transfer',
            index=models.Index(fields=['debit', 'id'], name='loyalty_transfer_debit_asc'),
        ),
        migrations.AddIndex(
            model_name='transfer',
            index=models.Index(fields=['credit', 'id'], name='loyalty_transfer_credit_asc'),
        ),
    ]
