"""A record that this database holds the demo, so rebuilding it can never wipe real data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoBuild(models.Model):
    built_at = models.DateTimeField(_("built at"), auto_now_add=True)
    scale = models.CharField(_("scale"), max_length=20)
    seed = models.IntegerField(_("seed"))
    counts = models.JSONField(_("row counts"))

    class Meta:
        verbose_name = _("demo build")
        verbose_name_plural = _("demo builds")
