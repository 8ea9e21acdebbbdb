"""The one task the scheduler enqueues: run a periodic job for a day (an hourly job: an hour of it).

The day travels as ISO text (task arguments are JSON) and is decided by the scheduler, never
by the clock of the worker that happens to pick the task up: a run caught up late still works
for the day it was due.
"""

import datetime as dt

from django_tasks import task

from . import runner


@task()
def run_periodic_job(name: str, day: str, hour: int = 0) -> str:
    return runner.execute(name, dt.date.fromisoformat(day), hour)
