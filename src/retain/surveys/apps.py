"""Satisfaction surveys (DOMAIN.md section 5): versioned definitions, invitations with single-use
links, the public answer page, integrity flags, and scoring through ``retain.analytics``."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "retain.surveys"
    label = "surveys"
    verbose_name = _("Surveys")

    def ready(self):
        # invite: the distribution jobs, the reminder's message kind, the customer card's section.
        from retain.channels import kinds
        from retain.customers import cards as customer_cards
        from retain.customers.models import Transaction
        from retain.org.policy import Action

        from . import jobs  # noqa: F401 (registers the periodic jobs)
        from .cards import invitations_section
        from .messages import REMINDER
        from .models import Invitation

        kinds.register(REMINDER)
        customer_cards.register(invitations_section, asks=(Action.INVITE,),
                                reads=((Invitation, "customer"), (Transaction, "customer")))
