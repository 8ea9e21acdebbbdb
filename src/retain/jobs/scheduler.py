"""When each periodic job runs: once per local day, at or after its time, exactly once (an
hourly job: once per local hour, at or after its minute).

Every ``TICK_SECONDS`` the worker's scheduler thread calls ``tick``, which decides from the run
records which (job, day) pairs are due and claims each in the database before enqueuing it (the
claim and the task row are one transaction, so a claimed day always has its task). The rules:

- a job is due for today (``settings.TIME_ZONE``) once the local time has reached its ``at``;
- days missed while no worker ran are caught up, oldest first, but only the last
  ``CATCH_UP_DAYS`` days (today included) and never before the job's first recorded run: a job
  new to an installation starts today, not a week ago;
- a failed run is claimed again on a later tick, at least ``RETRY_AFTER`` after its last claim,
  until it has had ``MAX_ATTEMPTS`` attempts; a run queued or running for ``STALE_AFTER`` (its
  worker died) counts as failed.

``decide`` is the pure part (records and a clock in, due runs out), so tests fix the clock.
"""

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import close_old_connections, connection, transaction
from django.db.models import Min
from django.utils import timezone

from . import registry, services
from .models import JobRun, RunStatus
from .tasks import run_periodic_job

logger = logging.getLogger(__name__)

CATCH_UP_DAYS = 7
MAX_ATTEMPTS = 3
RETRY_AFTER = dt.timedelta(minutes=10)
STALE_AFTER = dt.timedelta(hours=6)
TICK_SECONDS = 30.0


@dataclass(frozen=True)
class Due:
    name: str
    day: dt.date
    retry: JobRun | None = None  # the failed record to claim again, as it was seen
    hour: int = 0  # an hourly job's local hour


def _hour_slot(job: registry.PeriodicJob, local: dt.datetime) -> tuple[dt.date, int]:
    """The latest hour whose run of ``job`` is due at ``local``: this hour once its minute has
    come, else the hour before."""
    slot = local.replace(minute=0, second=0, microsecond=0)
    if local.minute < job.at.minute:
        slot = timezone.localtime(slot - dt.timedelta(hours=1))
    return slot.date(), slot.hour


def _claimable(run: JobRun | None, now: dt.datetime) -> bool:
    """Nobody ran it yet, or it failed, has attempts left and rested long enough."""
    return run is None or (run.status == RunStatus.FAILED and run.attempts < MAX_ATTEMPTS
                           and run.claimed_at <= now - RETRY_AFTER)


def decide(jobs: Iterable[registry.PeriodicJob], runs: dict[tuple[str, dt.date, int], JobRun],
           first_days: dict[str, dt.date], now: dt.datetime) -> list[Due]:
    """The runs due at ``now``: ``runs`` holds the records of the catch-up window by (job, day,
    hour), ``first_days`` each job's earliest recorded day. Oldest first.

    An hourly job is due for its latest hour only: it works from the state of things at its
    moment (what is overdue now), so the next hour covers any hour missed while no worker ran."""
    local = timezone.localtime(now)
    today = local.date()
    window = [today - dt.timedelta(days=back) for back in range(CATCH_UP_DAYS - 1, -1, -1)]
    due = []
    for job in jobs:
        if job.hourly:
            day, hour = _hour_slot(job, local)
            run = runs.get((job.name, day, hour))
            if _claimable(run, now):
                due.append(Due(job.name, day, retry=run, hour=hour))
            continue
        first = first_days.get(job.name, today)
        for day in window:
            if day < first or (day == today and local.time() < job.at):
                continue
            run = runs.get((job.name, day, 0))
            if _claimable(run, now):
                due.append(Due(job.name, day, retry=run))
    return sorted(due, key=lambda d: (d.day, d.hour, d.name))


def tick(now: dt.datetime | None = None, jobs: Iterable[registry.PeriodicJob] | None = None) -> list[Due]:
    """Claim and enqueue every run due at ``now`` (default: the clock); return those this
    scheduler claimed. ``jobs`` defaults to every registered job."""
    now = now or timezone.now()
    jobs = list(registry.jobs() if jobs is None else jobs)
    names = [job.name for job in jobs]
    since = timezone.localtime(now).date() - dt.timedelta(days=CATCH_UP_DAYS - 1)
    services.give_up_stale(since=since, now=now, after=STALE_AFTER)
    runs = {(r.name, r.day, r.hour): r for r in JobRun.objects.filter(name__in=names, day__gte=since)}
    first_days = dict(JobRun.objects.filter(name__in=names).values("name").annotate(first=Min("day"))
                      .values_list("name", "first"))
    claimed = []
    for due in decide(jobs, runs, first_days, now):
        with transaction.atomic():
            if due.retry is not None:
                run = due.retry if services.claim_retry(run=due.retry, now=now) else None
            else:
                run = services.claim(name=due.name, day=due.day, hour=due.hour, now=now)
            if run is None:
                continue  # another scheduler was first
            result = run_periodic_job.enqueue(due.name, due.day.isoformat(), due.hour)
            services.note_task(run=run, task_id=result.id)
        claimed.append(due)
        logger.info("queued %s for %s %02dh%s", due.name, due.day, due.hour, " (retry)" if due.retry else "")
    return claimed


class Scheduler(threading.Thread):
    """``tick`` every ``every`` seconds until ``stop``; runs beside the task worker in ``retain worker``."""

    def __init__(self, every: float = TICK_SECONDS):
        super().__init__(name="retain-scheduler", daemon=True)
        self.every = every
        self.stopping = threading.Event()

    def run(self):
        try:
            while not self.stopping.is_set():
                try:
                    tick()
                except Exception:  # a locked or unreachable database: log it and try again next tick
                    logger.exception("scheduler tick failed; next try in %g s", self.every)
                finally:
                    close_old_connections()
                self.stopping.wait(self.every)
        finally:
            connection.close()  # this thread's own connection

    def stop(self, timeout: float = 60.0) -> None:
        """Let the current tick finish, then end the thread."""
        self.stopping.set()
        self.join(timeout)
