"""``retain jobs``: the periodic jobs, when they are due and how their last run went."""

from django.utils import timezone

from . import registry
from .models import JobRun, RunStatus, Trigger
from .scheduler import CATCH_UP_DAYS, MAX_ATTEMPTS


def _moment(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "-"


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def last_runs() -> dict[str, JobRun]:
    """Each registered job's latest run (by the day it worked for)."""
    latest = {}
    for job in registry.jobs():
        run = JobRun.objects.filter(name=job.name).order_by("-day", "-hour").first()
        if run is not None:
            latest[job.name] = run
    return latest


def describe() -> str:
    jobs = registry.jobs()
    if not jobs:
        return "no periodic jobs are registered"
    latest = last_runs()
    width = max(len(job.name) for job in jobs)
    lines = []
    for job in jobs:
        every = f"hourly at :{job.at:%M}" if job.hourly else f"daily at {job.at:%H:%M}"
        lines.append(f"{job.name:<{width}}  {every}  {job.description}")
        run = latest.get(job.name)
        if run is None:
            lines.append(f"{'':<{width}}  last run: never")
            continue
        when = _moment(run.finished_at or run.started_at or run.claimed_at)
        tries = f", attempt {run.attempts}" if run.attempts > 1 else ""
        how = "by hand" if run.trigger == Trigger.HAND else "scheduled"
        occurrence = f"{run.day:%Y-%m-%d} {run.hour:02d}h" if job.hourly else f"{run.day:%Y-%m-%d}"
        lines.append(f"{'':<{width}}  last run: {occurrence} {run.status} at {when} ({how}{tries})")
        if run.status == RunStatus.DONE and run.summary:
            lines.append(f"{'':<{width}}    {run.summary}")
        elif run.error:
            lines.append(f"{'':<{width}}    error: {_last_line(run.error)}")
    lines += ["", f"Times are local ({timezone.get_current_timezone_name()}). `retain worker` runs each daily job "
                  f"once a day at or after its time (catching up the last {CATCH_UP_DAYS} days if it was down) and "
                  f"each hourly job once an hour, and retries a failed run up to {MAX_ATTEMPTS} attempts."]
    return "\n".join(lines)
