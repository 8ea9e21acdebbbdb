from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "retain.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # blacklist: the expiry job and the channels' suppression hook.
        from retain.channels import suppression

        from . import jobs  # noqa: F401 (registers the periodic jobs)
        from .blacklist_hooks import blacklisted

        suppression.register(blacklisted)
