"""The jobs app's own periodic job: pruning finished task results."""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

from . import services
from .registry import periodic


@periodic("jobs.prune", at="03:00",
          description=gettext_lazy("Remove finished task results kept longer than RETAIN_TASK_RESULT_DAYS days"))
def prune(day: dt.date) -> str:
    """The cutoff is the start of ``day`` (local) less the kept days, so a second run for the
    same day finds nothing left to remove."""
    cutoff = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=settings.TASK_RESULT_DAYS), dt.time()))
    removed = services.prune_task_results(finished_before=cutoff)
    return ngettext("%(n)d finished task result removed (finished before %(day)s)",
                    "%(n)d finished task results removed (finished before %(day)s)", removed) % {
        "n": removed, "day": f"{cutoff:%Y-%m-%d}"}
