"""Idempotency keys (Stripe's semantics): a write sent again with the same key and the same body
answers what the first answered, and changes nothing; with another body it is refused. The key
row is written in the transaction of the entries it answers for, so a crash leaves neither."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from retain.org.models import Staff

#: Keys are kept at least this long (the prune job removes older ones).
KEEP_HOURS = 24
MAX_KEY_LENGTH = 255


class IdempotencyKey(models.Model):
    staff = models.ForeignKey(Staff, models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("caller"))
    key = models.CharField(_("key"), max_length=MAX_KEY_LENGTH)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"), default=0)
    response = models.JSONField(_("answer"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["staff", "key"], name="loyalty_key_once_per_caller"),
            models.UniqueConstraint(fields=["key"], condition=models.Q(staff__isnull=True),
                                    name="loyalty_key_once_for_the_system"),
        ]
