from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "retain.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self):
        from retain.customers import cards
        from retain.surveys import hooks

        from . import recovery  # noqa: F401 (registers the re-survey job)
        from .cards import cases_section
        from .detractors import open_for_answer

        cards.register(cases_section)
        hooks.register(open_for_answer)
