from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "retain.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from retain.customers import cards, moves

        from .cards import scores_section

        cards.register(scores_section)
        moves.register(merge=_merge_scores)
        from . import jobs  # noqa: F401 (registers insights.score)


def _merge_scores(**kwargs):
    # Imported when a merge happens: the scoring services pull in Ibis, which every process
    # need not load at start-up.
    from .services import merge_scores

    return merge_scores(**kwargs)
