from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "retain.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self):
        from . import append_only, lookups, signals  # noqa: F401 (lookups: registers ``__any``)

        post_migrate.connect(append_only.on_post_migrate, sender=self, dispatch_uid="org.append_only")
        signals.connect()
