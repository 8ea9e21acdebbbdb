from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "retain.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from retain.customers import cards

        from . import jobs  # noqa: F401 (registers the periodic jobs)
        from .hooks import lost_card_section

        cards.register(lost_card_section)
