from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "retain.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from retain.customers import cards, moves

        from .cards import contacts_section, prospects_section
        from .models import Contact, Prospect
        from .services.moves import merge_records, reassign_prospects

        cards.register(prospects_section, reads=((Prospect, "customer"),))
        cards.register(contacts_section, reads=((Contact, "customer"),))
        moves.register(merge=merge_records, reassign=reassign_prospects)
