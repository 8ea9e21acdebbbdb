"""Running one periodic job for one day, with its record: the one path for the worker's task
and for ``retain jobs run``.
"""

import datetime as dt
import traceback

from django.utils import timezone

from . import registry, services
from .models import Trigger


class JobFailed(Exception):
    """The job raised; its record holds the error. ``__cause__`` is the job's own exception."""


def execute(name: str, day: dt.date, *, trigger: str = Trigger.SCHEDULE) -> str:
    """Run job ``name`` for ``day``, record it, and return its one-line summary.

    The job manages its own transactions (a long job must not hold SQLite's write lock for its
    whole length); being idempotent, a run cut short is simply run again. Raises KeyError for an
    unknown job and JobFailed when the job raises."""
    job = registry.job(name)
    run = services.start(name=name, day=day, trigger=trigger, now=timezone.now())
    try:
        summary = str(job.run(day))
    except Exception as error:
        services.finish(run=run, now=timezone.now(), error="".join(traceback.format_exception(error)))
        raise JobFailed(f"{name} failed for {day:%Y-%m-%d}: {type(error).__name__}: {error}") from error
    services.finish(run=run, now=timezone.now(), summary=summary)
    return summary
