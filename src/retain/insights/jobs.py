"""The insights app's periodic job: re-score the customer base as of each day.

Idempotent: the run it stores carries the day (``ScoreRun.job_day``, unique), so a second run for
the same day (a retry, ``retain jobs run insights.score``) finds that run and scores nothing.
"""

import datetime as dt

from django.db import IntegrityError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from retain.jobs.registry import periodic

from .models import ScoreRun


def _already(run: ScoreRun) -> str:
    return ngettext("Already scored as of %(day)s: run #%(run)d, %(n)d customer",
                    "Already scored as of %(day)s: run #%(run)d, %(n)d customers", run.customers) % {
        "day": f"{run.as_of:%Y-%m-%d}", "run": run.pk, "n": run.customers}


@periodic("insights.score", at="23:00",
          description=gettext_lazy("Re-score every customer (RFM, CLV, pyramid) as of the day, after its last "
                                   "transactions"))
def score(day: dt.date) -> str:
    done = ScoreRun.objects.filter(job_day=day).first()
    if done is not None:
        return _already(done)
    # Imported when the job runs: the scoring services pull in Ibis, which a worker need not load
    # at start-up.
    from .services import NothingToScore, score_customers

    try:
        run = score_customers(as_of=day, job_day=day).run
    except NothingToScore as error:
        return _("Nothing scored: %(reason)s") % {"reason": error}
    except IntegrityError:  # a run for the same day was stored first, by another process
        return _already(ScoreRun.objects.get(job_day=day))
    return ngettext("%(n)d customer scored as of %(day)s (run #%(run)d)",
                    "%(n)d customers scored as of %(day)s (run #%(run)d)", run.customers) % {
        "n": run.customers, "day": f"{day:%Y-%m-%d}", "run": run.pk}
