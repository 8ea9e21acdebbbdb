from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "retain.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from retain.customers import cards

        from .cards import prospects_section

        cards.register(prospects_section)
