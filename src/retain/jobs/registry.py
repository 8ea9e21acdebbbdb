"""The periodic jobs' registry: each app names its dated jobs here, in its AppConfig.ready.

A daily job (``periodic``) is a plain function of the day it works for; an hourly job
(``hourly``) a function of the moment it works for (a local hour and the job's minute), for
work that cannot wait a day, such as a 24-hour deadline. Either must be idempotent: run twice
for the same day or hour it changes nothing the second time (a unique key per occurrence, not a
"last run" flag), so the scheduler may retry after a crash and ``retain jobs run NAME --date D
[--hour H]`` may be run by hand. It returns a one-line summary of what it did, which
``retain jobs`` shows.

Registering here rather than importing the apps keeps this module on the lowest floor: care,
surveys, cases and loyalty register with it, and it imports none of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

JobFunction = Callable[[dt.date], str]
HourlyFunction = Callable[[dt.datetime], str]


@dataclass(frozen=True)
class PeriodicJob:
    name: str  # "care.generate": the app's label, a dot, a verb
    run: JobFunction | HourlyFunction
    at: dt.time  # local time (settings.TIME_ZONE) after which the day's run is due; hourly: the minute
    description: str  # translatable, shown by `retain jobs`
    hourly: bool = False  # run every hour at ``at.minute``, with the moment, instead of daily with the day

    def moment(self, day: dt.date, hour: int) -> dt.datetime:
        """The local moment an hourly job's run for ``day`` and ``hour`` works for."""
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, self.at.minute)))

    def call(self, day: dt.date, hour: int = 0) -> str:
        """Run the job for its occurrence: the day, or (hourly) the day's hour."""
        return self.run(self.moment(day, hour)) if self.hourly else self.run(day)


_JOBS: dict[str, PeriodicJob] = {}


def periodic(name: str, *, at: str = "02:00", description: str) -> Callable[[JobFunction], JobFunction]:
    """Register ``function(day) -> summary`` as the periodic job ``name``, due daily at ``at``."""

    def register(function: JobFunction) -> JobFunction:
        if name in _JOBS and _JOBS[name].run is not function:
            raise ValueError(f"periodic job {name!r} is registered twice")
        _JOBS[name] = PeriodicJob(name, function, dt.time.fromisoformat(at), description)
        return function

    return register


def hourly(name: str, *, minute: int = 5, description: str) -> Callable[[HourlyFunction], HourlyFunction]:
    """Register ``function(moment) -> summary`` as the hourly job ``name``, due every hour at
    ``minute`` past; ``moment`` is that local hour and minute (aware), whenever the run starts."""

    def register(function: HourlyFunction) -> HourlyFunction:
        if name in _JOBS and _JOBS[name].run is not function:
            raise ValueError(f"periodic job {name!r} is registered twice")
        _JOBS[name] = PeriodicJob(name, function, dt.time(0, minute), description, hourly=True)
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
