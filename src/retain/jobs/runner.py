"""Running one periodic job for one day (or hour), with its record: the one path for the worker's task
and for ``retain jobs run``.
"""

import datetime as dt
import traceback

from django.utils import timezone

from . import registry, services
from .models import Trigger


class JobFailed(Exception):
    """The job raised; its record holds the error. ``__cause__`` is the job's own exception."""


def execute(name: str, day: dt.date, hour: int = 0, *, trigger: str = Trigger.SCHEDULE) -> str:
    """Run job ``name`` for ``day`` (an hourly job: for that day's ``hour``), record it, and
    return its one-line summary.

    The job manages its own transactions (a long job must not hold SQLite's write lock for its
    whole length); being idempotent, a run cut short is simply run again. Raises KeyError for an
    unknown job and JobFailed when the job raises."""
    job = registry.job(name)
    run = services.start(name=name, day=day, hour=hour if job.hourly else 0, trigger=trigger, now=timezone.now())
    try:
        summary = str(job.call(day, hour))
    except Exception as error:
        services.finish(run=run, now=timezone.now(), error="".join(traceback.format_exception(error)))
        when = f"{day:%Y-%m-%d} {hour:02d}:{job.at.minute:02d}" if job.hourly else f"{day:%Y-%m-%d}"
        raise JobFailed(f"{name} failed for {when}: {type(error).__name__}: {error}") from error
    services.finish(run=run, now=timezone.now(), summary=summary)
    return summary
