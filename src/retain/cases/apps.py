from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "retain.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        # blacklist: the expiry job, the channels' suppression hook, the customer card's line.
        from retain.channels import suppression
        from retain.customers import cards

        from . import jobs  # noqa: F401 (registers the periodic jobs)
        from .blacklist_hooks import blacklisted, card_section

        suppression.register(blacklisted)
        cards.register(card_section)
