from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "retain.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from retain.customers import cards

        from .cards import scores_section

        cards.register(scores_section)
