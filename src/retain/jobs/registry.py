"""The periodic jobs' registry: each app names its dated jobs here, in its AppConfig.ready.

A periodic job is a plain function of the day it works for. It must be idempotent: run twice for
the same day it changes nothing the second time (a unique key per occurrence, not a "last run"
flag), so the scheduler may retry after a crash and ``retain jobs run NAME --date D`` may be run
by hand. It returns a one-line summary of what it did, which ``retain jobs`` shows.

Registering here rather than importing the apps keeps this module on the lowest floor: care,
surveys, cases and loyalty register with it, and it imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

JobFunction = Callable[[dt.date], str]


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # "care.generate": the app's label, a dot, a verb
    run: JobFunction
    at: dt.time  # local time (settings.TIME_ZONE) after which the day's run is due
    description: str  # translatable, shown by `retain jobs`


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, at: str = "02:00", description: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``function(day) -> summary`` as the periodic job ``name``, due daily at ``at``."""

    def register(function: JobFunction) -> JobFunction:
        if name in _JOBS and _JOBS[name].run is not function:
            raise ValueError(f"periodic job {name!r} is registered twice")
        _JOBS[name] = PeriodicJob(name, function, dt.time.fromisoformat(at), description)
        return function

    return register


def jobs() -> list[PeriodicJob]:
    """Every registered job, by name."""
    return [_JOBS[name] for name in sorted(_JOBS)]


def job(name: str) -> PeriodicJob:
    """The job called ``name``; KeyError names the known ones."""
    try:
        return _JOBS[name]
    except KeyError:
        raise KeyError(f"no periodic job {name!r}; known: {', '.join(sorted(_JOBS)) or 'none'}") from None
