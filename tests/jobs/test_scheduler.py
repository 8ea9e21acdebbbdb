"""The scheduler's decisions on a fixed clock, and its claims in the database.

Tasks run inline (ImmediateBackend, tests/conftest.py): a claimed run has run by the time
``tick`` returns, so its record shows the outcome.
"""

import datetime as dt
import threading

import pytest
from django.db import connection

from retain.jobs import scheduler, services
from retain.jobs.models import JobRun, RunStatus, Trigger
from tests.jobs.conftest import local

DAY = dt.date(2026, 6, 30)


def _runs(name="test.job"):
    return list(JobRun.objects.filter(name=name).order_by("day"))


def test_not_due_before_its_time_then_due_once(db, make_job):
    job, recorder = make_job(at="02:00")
    assert scheduler.tick(local(2026, 6, 30, 1, 59), jobs=[job]) == []
    assert _runs() == [] and recorder.days == []

    claimed = scheduler.tick(local(2026, 6, 30, 2, 0), jobs=[job])
    assert [(d.name, d.day) for d in claimed] == [("test.job", DAY)]
    run = JobRun.objects.get()
    assert (run.day, run.status, run.summary, run.attempts, run.trigger) == (
        DAY, RunStatus.DONE, "ran for 2026-06-30", 1, Trigger.SCHEDULE)
    assert run.task_id and run.started_at and run.finished_at >= run.started_at
    assert recorder.days == [DAY]


def test_a_day_already_done_is_not_run_again(db, make_job):
    job, recorder = make_job(at="02:00")
    scheduler.tick(local(2026, 6, 30, 2, 0), jobs=[job])
    for minute in (1, 30, 59):
        assert scheduler.tick(local(2026, 6, 30, 23, minute), jobs=[job]) == []
    assert recorder.days == [DAY] and len(_runs()) == 1


def test_the_due_time_is_local_not_utc(db, make_job):
    """18:30 UTC on 30 June is 02:30 on 1 July in Shanghai: the job is due for 1 July."""
    job, recorder = make_job(at="02:00")
    scheduler.tick(dt.datetime(2026, 6, 30, 18, 30, tzinfo=dt.UTC), jobs=[job])
    assert recorder.days == [dt.date(2026, 7, 1)]


def test_a_new_job_starts_today_without_catching_up(db, make_job):
    job, recorder = make_job(at="02:00")
    scheduler.tick(local(2026, 6, 30, 9, 0), jobs=[job])
    assert recorder.days == [DAY]


def test_days_missed_while_down_are_caught_up_oldest_first_within_the_window(db, make_job):
    """Last run ten days ago, worker down since: the last seven days (today included) run, the
    three before them are left (the bound)."""
    job, recorder = make_job(at="02:00")
    scheduler.tick(local(2026, 6, 20, 3, 0), jobs=[job])
    assert recorder.days == [dt.date(2026, 6, 20)]

    scheduler.tick(local(2026, 6, 30, 9, 0), jobs=[job])
    expected = [dt.date(2026, 6, day) for day in range(24, 31)]
    assert recorder.days[1:] == expected
    assert [r.day for r in _runs()] == [dt.date(2026, 6, 20), *expected]


def test_catching_up_before_todays_time_leaves_today_for_later(db, make_job):
    job, recorder = make_job(at="02:00")
    scheduler.tick(local(2026, 6, 27, 3, 0), jobs=[job])
    scheduler.tick(local(2026, 6, 30, 1, 0), jobs=[job])
    assert recorder.days == [dt.date(2026, 6, 27), dt.date(2026, 6, 28), dt.date(2026, 6, 29)]
    scheduler.tick(local(2026, 6, 30, 2, 0), jobs=[job])
    assert recorder.days[-1] == DAY


def test_several_jobs_each_at_their_time(db, make_job):
    early, early_days = make_job("test.early", at="01:00")
    late, late_days = make_job("test.late", at="23:00")
    scheduler.tick(local(2026, 6, 30, 12, 0), jobs=[early, late])
    assert (early_days.days, late_days.days) == ([DAY], [])
    scheduler.tick(local(2026, 6, 30, 23, 0), jobs=[early, late])
    assert (early_days.days, late_days.days) == ([DAY], [DAY])


def test_a_failed_run_is_recorded_and_retried_later_a_bounded_number_of_times(db, make_job):
    job, recorder = make_job(at="02:00", failing=5)
    start = local(2026, 6, 30, 2, 0)
    scheduler.tick(start, jobs=[job])
    run = JobRun.objects.get()
    assert run.status == RunStatus.FAILED and run.attempts == 1 and run.summary == ""
    assert "RuntimeError: planned failure for 2026-06-30" in run.error

    # Not before the retry delay...
    assert scheduler.tick(start + scheduler.RETRY_AFTER - dt.timedelta(seconds=1), jobs=[job]) == []
    # ...then once per later tick, until it has had MAX_ATTEMPTS attempts.
    moment = start
    for attempt in range(2, scheduler.MAX_ATTEMPTS + 1):
        moment += scheduler.RETRY_AFTER
        claimed = scheduler.tick(moment, jobs=[job])
        assert [d.retry is not None for d in claimed] == [True]
        run.refresh_from_db()
        assert (run.status, run.attempts) == (RunStatus.FAILED, attempt)
    assert scheduler.tick(moment + dt.timedelta(hours=5), jobs=[job]) == []
    assert len(recorder.days) == scheduler.MAX_ATTEMPTS


def test_a_retry_that_succeeds_clears_the_error(db, make_job):
    job, recorder = make_job(at="02:00", failing=1)
    start = local(2026, 6, 30, 2, 0)
    scheduler.tick(start, jobs=[job])
    scheduler.tick(start + scheduler.RETRY_AFTER, jobs=[job])
    run = JobRun.objects.get()
    assert (run.status, run.attempts, run.error, run.summary) == (RunStatus.DONE, 2, "", "ran for 2026-06-30")


def test_a_run_whose_worker_died_counts_as_failed_and_is_run_again(db, make_job):
    job, recorder = make_job(at="02:00")
    claimed_at = local(2026, 6, 30, 2, 0)
    services.claim(name=job.name, day=DAY, now=claimed_at)  # claimed, never run: the worker died
    assert scheduler.tick(claimed_at + dt.timedelta(hours=1), jobs=[job]) == []  # may still be in the queue
    assert recorder.days == []

    claimed = scheduler.tick(claimed_at + scheduler.STALE_AFTER + dt.timedelta(minutes=1), jobs=[job])
    assert [d.retry is not None for d in claimed] == [True]
    run = JobRun.objects.get()
    assert run.status == RunStatus.DONE and recorder.days == [DAY]


def test_giving_up_on_stale_runs_says_why(db):
    now = local(2026, 6, 30, 12, 0)
    queued = services.claim(name="test.queued", day=DAY, now=now - dt.timedelta(hours=7))
    running = services.start(name="test.running", day=DAY, trigger=Trigger.SCHEDULE, now=now - dt.timedelta(hours=7))
    fresh = services.claim(name="test.fresh", day=DAY, now=now - dt.timedelta(hours=1))
    old = services.claim(name="test.old", day=DAY - dt.timedelta(days=30), now=now - dt.timedelta(days=30))
    assert services.give_up_stale(since=DAY - dt.timedelta(days=6), now=now, after=dt.timedelta(hours=6)) == 2
    states = {r.name: (r.status, r.error) for r in JobRun.objects.filter(pk__in=[queued.pk, running.pk, fresh.pk, old.pk])}
    assert states["test.queued"][0] == states["test.running"][0] == RunStatus.FAILED
    assert "no result after 6 hours" in states["test.running"][1]
    assert states["test.fresh"] == (RunStatus.QUEUED, "") and states["test.old"][0] == RunStatus.QUEUED


def test_decide_is_a_pure_function_of_the_records_and_the_clock(make_job):
    job, _recorder = make_job(at="06:00")
    now = local(2026, 6, 30, 7, 0)
    failed = JobRun(name=job.name, day=dt.date(2026, 6, 29), status=RunStatus.FAILED, attempts=1,
                    claimed_at=now - dt.timedelta(hours=1))
    done = JobRun(name=job.name, day=dt.date(2026, 6, 28), status=RunStatus.DONE, attempts=1)
    due = scheduler.decide([job], {(job.name, r.day, r.hour): r for r in (failed, done)}, {job.name: dt.date(2026, 6, 27)},
                           now)
    assert [(d.day, d.retry is failed) for d in due] == [(dt.date(2026, 6, 27), False), (dt.date(2026, 6, 29), True),
                                                        (DAY, False)]


def test_two_schedulers_deciding_on_the_same_records_run_the_day_once(db, make_job):
    """Both saw no record and decided to run; the database gives the day to the first claim."""
    job, _recorder = make_job(at="02:00")
    now = local(2026, 6, 30, 2, 0)
    first = scheduler.decide([job], {}, {}, now)
    second = scheduler.decide([job], {}, {}, now)
    assert first == second == [scheduler.Due(job.name, DAY)]
    assert services.claim(name=job.name, day=DAY, now=now) is not None
    assert services.claim(name=job.name, day=DAY, now=now) is None

    # The same for a retry: only the failure as it was seen can be claimed, once.
    JobRun.objects.filter(name=job.name).update(status=RunStatus.FAILED, attempts=1, finished_at=now)
    seen = JobRun.objects.get()
    assert services.claim_retry(run=seen, now=now) is True
    assert services.claim_retry(run=seen, now=now) is False
    assert JobRun.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_ticking_at_once_run_the_day_once(make_job):
    """Two threads (two database connections) tick at the same moment, as two workers would."""
    job, recorder = make_job(at="02:00")
    now = local(2026, 6, 30, 2, 0)
    barrier, claimed, errors = threading.Barrier(2), [], []

    def worker():
        try:
            barrier.wait(timeout=10)
            claimed.extend(scheduler.tick(now, jobs=[job]))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert len(claimed) == 1 and recorder.days == [DAY]
    assert JobRun.objects.filter(name=job.name).count() == 1


class Moments:
    """An hourly job's function: notes each moment it ran for."""

    def __init__(self):
        self.moments = []

    def __call__(self, moment: dt.datetime) -> str:
        self.moments.append(moment)
        return f"ran for {moment:%Y-%m-%d %H:%M}"


@pytest.fixture
def hourly_job(own_registry):
    recorder = Moments()
    own_registry.hourly("test.hourly", minute=5, description="hourly for tests")(recorder)
    return own_registry.job("test.hourly"), recorder


def test_an_hourly_job_runs_once_an_hour_after_its_minute_with_its_moment(db, hourly_job):
    job, recorder = hourly_job
    assert [d.hour for d in scheduler.tick(local(2026, 6, 30, 14, 4), jobs=[job])] == [13]
    assert scheduler.tick(local(2026, 6, 30, 14, 4, 30), jobs=[job]) == []
    assert [d.hour for d in scheduler.tick(local(2026, 6, 30, 14, 5), jobs=[job])] == [14]
    for minute in (6, 30, 59):
        assert scheduler.tick(local(2026, 6, 30, 14, minute), jobs=[job]) == []
    assert recorder.moments == [local(2026, 6, 30, 13, 5), local(2026, 6, 30, 14, 5)]
    assert [(r.day, r.hour, r.status) for r in JobRun.objects.order_by("hour")] == [
        (DAY, 13, RunStatus.DONE), (DAY, 14, RunStatus.DONE)]


def test_an_hourly_job_catches_up_only_its_latest_hour(db, hourly_job):
    """Down from 09:00 to 15:20: one run, for 15:05 (the job works from the state at its moment)."""
    job, recorder = hourly_job
    scheduler.tick(local(2026, 6, 30, 9, 5), jobs=[job])
    scheduler.tick(local(2026, 6, 30, 15, 20), jobs=[job])
    assert recorder.moments == [local(2026, 6, 30, 9, 5), local(2026, 6, 30, 15, 5)]


def test_an_hourly_job_just_after_midnight_works_for_the_day_before(db, hourly_job):
    job, recorder = hourly_job
    scheduler.tick(local(2026, 7, 1, 0, 2), jobs=[job])
    assert recorder.moments == [local(2026, 6, 30, 23, 5)]
    assert JobRun.objects.get().day == DAY


def test_a_failed_hour_is_retried_within_its_hour(db, own_registry):
    calls = []

    def flaky(moment):
        calls.append(moment)
        if len(calls) == 1:
            raise RuntimeError("planned failure")
        return "ok"

    own_registry.hourly("test.flaky", minute=0, description="flaky")(flaky)
    job = own_registry.job("test.flaky")
    scheduler.tick(local(2026, 6, 30, 10, 0), jobs=[job])
    assert scheduler.tick(local(2026, 6, 30, 10, 5), jobs=[job]) == []  # resting (RETRY_AFTER)
    assert [d.retry is not None for d in scheduler.tick(local(2026, 6, 30, 10, 11), jobs=[job])] == [True]
    run = JobRun.objects.get()
    assert (run.hour, run.status, run.attempts) == (10, RunStatus.DONE, 2)
    assert calls == [local(2026, 6, 30, 10, 0)] * 2
