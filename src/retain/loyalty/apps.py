from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "retain.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self):
        from . import append_only, jobs  # noqa: F401 (register the periodic jobs)

        post_migrate.connect(append_only.on_post_migrate, sender=self, dispatch_uid="loyalty.append_only")
