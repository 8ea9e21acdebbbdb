from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "retain.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self):
        from retain.cases import alive
        from retain.customers import cards, moves

        from . import jobs  # noqa: F401 (registers insights.score)
        from .cards import scores_section
        from .models import CustomerScore

        cards.register(scores_section, reads=((CustomerScore, "customer"),))
        moves.register(merge=_merge_scores)
        alive.register(_latest_p_alive)  # the cases' worker proposes lost owners from it


def _merge_scores(**kwargs):
    # Imported when a merge happens: the scoring services pull in Ibis, which every process
    # need not load at start-up.
    from .services import merge_scores

    return merge_scores(**kwargs)


def _latest_p_alive(customer_ref):
    """A customer's latest P(alive) (the newest score that has one), for the cases app's worker."""
    from django.db.models import Subquery

    from .models import CustomerScore

    return Subquery(CustomerScore.objects.filter(customer_id=customer_ref, p_alive__isnull=False)
                    .order_by("-as_of", "-id").values("p_alive")[:1])
