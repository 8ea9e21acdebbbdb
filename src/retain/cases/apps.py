from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "retain.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from retain.channels import suppression
        from retain.customers import cards, moves
        from retain.org.policy import Action
        from retain.surveys import hooks

        from . import jobs, recovery  # noqa: F401 (register the periodic jobs)
        from .blacklist_hooks import blacklisted, card_section
        from .cards import cases_section
        from .detractors import open_for_answer
        from .hooks import lost_card_section
        from .models import BlacklistEntry, Case, LostOwner
        from .services import moves as case_moves

        # cases: the card's section; a detractor's survey answer opens a case
        cards.register(cases_section, reads=((Case, "customer"),))
        hooks.register(open_for_answer)
        # blacklist: the channels' suppression hook, the customer card's line
        suppression.register(blacklisted)
        cards.register(card_section, asks=(Action.PROPOSE_BLACKLIST,), reads=((BlacklistEntry, "customer"),))
        # lost owners: the customer card's section
        cards.register(lost_card_section, reads=((LostOwner, "customer"),))
        # cases, blacklist entries and lost owners follow a merged or reassigned customer
        moves.register(merge=case_moves.merge, reassign=case_moves.reassign)
