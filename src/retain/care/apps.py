"""Base-customer care: the care calendar's rules, the tasks they produce (and manual tasks) and
VIP files."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "retain.care"
    label = "care"
    verbose_name = _("Customer care")

    def ready(self):
        from retain.customers import cards, moves, today, touches

        from . import jobs  # noqa: F401 (registers the periodic job)
        from .hooks import card_section, owner_contacts, today_section
        from .models import Task, VipFile
        from .services.moves import merge_records, reassign_tasks

        cards.register(card_section, reads=((Task, "customer"), (VipFile, "customer")))
        today.register(today_section, reads=((Task, "owner"),))
        touches.register(owner_contacts)
        moves.register(merge=merge_records, reassign=reassign_tasks)
