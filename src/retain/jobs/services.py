"""Every write of background work: claiming a job's day, recording its start and its end,
giving up on runs that never finished, and pruning finished task results.

A claim is an INSERT of the (job, day, hour) record under its unique constraint, or, for a retry, an
UPDATE that only matches the failed record as the scheduler last saw it: the database decides
who owns a run, so two workers (two processes, two machines) never run one day twice.

Unlike the apps' business actions these take no ``actor`` and write no audit row: the scheduler,
the worker and the command line act for the system, the run records are themselves the log of
background work, and the jobs app stands below ``org`` (it imports no other app). Each write is
one statement, atomic by itself; the scheduler wraps a claim and its task in one transaction.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django_tasks_db.models import DBTaskResult

from .models import JobRun, RunStatus, Trigger


def claim(*, name: str, day: dt.date, hour: int = 0, now: dt.datetime) -> JobRun | None:
    """Claim a day (an hourly job: an hour) no one has run yet; ``None`` if another scheduler (or
    a person) was first."""
    try:
        with transaction.atomic():
            return JobRun.objects.create(name=name, day=day, hour=hour, claimed_at=now)
    except IntegrityError:
        return None


def claim_retry(*, run: JobRun, now: dt.datetime) -> bool:
    """Claim a failed run again, only if it is still the failure this scheduler saw (same
    attempts): a second scheduler deciding on the same snapshot matches nothing."""
    return JobRun.objects.filter(pk=run.pk, status=RunStatus.FAILED, attempts=run.attempts).update(
        status=RunStatus.QUEUED, trigger=Trigger.SCHEDULE, claimed_at=now) == 1


def note_task(*, run: JobRun, task_id: str) -> None:
    """Keep the id of the task that will run it (to find its traceback in the task results)."""
    JobRun.objects.filter(pk=run.pk).update(task_id=str(task_id)[:64])


def start(*, name: str, day: dt.date, hour: int = 0, trigger: str, now: dt.datetime) -> JobRun:
    """The run begins: its record (made now if nobody claimed the day: a run by hand) turns
    running and counts one more attempt. (Should the process stop between the two statements,
    the record stays queued and the scheduler treats it as any run that never finished.)"""
    run, _created = JobRun.objects.get_or_create(name=name, day=day, hour=hour, defaults={"claimed_at": now})
    JobRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, trigger=trigger, started_at=now,
                                            finished_at=None, attempts=F("attempts") + 1)
    run.refresh_from_db()
    return run


def finish(*, run: JobRun, now: dt.datetime, summary: str = "", error: str = "") -> None:
    """The run ended: done with its summary, or failed with its error (the summary is cleared,
    so a failure never shows an earlier run's result as its own)."""
    JobRun.objects.filter(pk=run.pk).update(
        status=RunStatus.FAILED if error else RunStatus.DONE, finished_at=now, summary="" if error else summary,
        error=error)


def give_up_stale(*, since: dt.date, now: dt.datetime, after: dt.timedelta) -> int:
    """Runs queued or running for longer than ``after`` (their worker stopped mid-run, or the
    task was lost) are failed, so the scheduler retries them like any failure."""
    cutoff = now - after
    stale = JobRun.objects.filter(day__gte=since).filter(
        Q(status=RunStatus.QUEUED, claimed_at__lt=cutoff) | Q(status=RunStatus.RUNNING, started_at__lt=cutoff))
    hours = after.total_seconds() / 3600
    return stale.update(status=RunStatus.FAILED, finished_at=now,
                        error=f"no result after {hours:g} hours: the worker stopped during the run, or lost its task")


def prune_task_results(*, finished_before: dt.datetime) -> int:
    """Delete the task results (successful or failed) that finished before the cutoff; queued
    and running tasks are never touched."""
    deleted, _by_model = DBTaskResult.objects.finished().filter(finished_at__lt=finished_before).delete()
    return deleted
