"""``retain jobs`` (list), ``retain jobs run NAME [--date D]`` and ``retain worker``'s arguments."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.cli import main, parser
from retain.jobs.models import JobRun, RunStatus, Trigger


def _exit_code(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv)
    return exited.value.code, capsys.readouterr()


def test_jobs_lists_each_job_with_its_time_description_and_last_run(db, make_job, capsys):
    make_job("test.listed", at="04:15")
    make_job("test.never", at="05:00")
    main(["jobs", "run", "test.listed", "--date", "2026-06-30"])
    capsys.readouterr()
    main(["jobs"])
    out = capsys.readouterr().out
    listed = out[out.index("test.listed"):out.index("test.never")]
    assert "daily at 04:15" in listed and "test.listed for tests" in listed
    assert "last run: 2026-06-30 done" in listed and "(by hand)" in listed and "ran for 2026-06-30" in listed
    assert "last run: never" in out[out.index("test.never"):]
    assert "jobs.prune" in out and "insights.score" in out  # the project's own jobs are listed too


def test_the_listing_shows_a_failure_by_its_last_line(db, make_job, capsys):
    make_job("test.broken", failing=1)
    assert _exit_code(["jobs", "run", "test.broken", "--date", "2026-06-30"], capsys)[0] == 1
    main(["jobs"])
    out = capsys.readouterr().out
    assert "last run: 2026-06-30 failed" in out and "error: RuntimeError: planned failure for 2026-06-30" in out


def test_run_runs_the_job_for_the_day_records_it_and_prints_its_summary(db, make_job, capsys):
    _job, recorder = make_job("test.now")
    main(["jobs", "run", "test.now", "--date", "2026-02-28"])
    assert capsys.readouterr().out.strip() == "ran for 2026-02-28"
    assert recorder.days == [dt.date(2026, 2, 28)]
    run = JobRun.objects.get(name="test.now")
    assert (run.day, run.status, run.trigger, run.attempts, run.summary) == (
        dt.date(2026, 2, 28), RunStatus.DONE, Trigger.HAND, 1, "ran for 2026-02-28")


def test_run_defaults_to_today_and_counts_a_second_run(db, make_job, capsys):
    _job, recorder = make_job("test.today")
    main(["jobs", "run", "test.today"])
    main(["jobs", "run", "test.today"])
    assert recorder.days == [timezone.localdate()] * 2
    assert JobRun.objects.get(name="test.today").attempts == 2


def test_a_failing_job_exits_1_and_is_recorded_with_its_error(db, make_job, capsys):
    make_job("test.fails", failing=1)
    code, out = _exit_code(["jobs", "run", "test.fails", "--date", "2026-06-30"], capsys)
    assert code == 1 and "test.fails failed for 2026-06-30: RuntimeError: planned failure" in out.err
    run = JobRun.objects.get(name="test.fails")
    assert run.status == RunStatus.FAILED and "planned failure for 2026-06-30" in run.error and run.summary == ""


def test_an_unknown_job_is_refused_with_exit_2_naming_the_known_ones(db, make_job, capsys):
    code, out = _exit_code(["jobs", "run", "no.such.job"], capsys)
    assert code == 2 and "invalid choice: 'no.such.job'" in out.err and "jobs.prune" in out.err
    assert not JobRun.objects.exists()


@pytest.mark.parametrize("date", ["2026-02-30", "30/06/2026", "20260630", "1899-12-31", "2101-01-01", "", "today"])
def test_a_date_that_is_not_one_is_refused_with_exit_2(db, make_job, capsys, date):
    make_job("test.dated")
    code, out = _exit_code(["jobs", "run", "test.dated", "--date", date], capsys)
    assert code == 2 and "--date" in out.err and "YYYY-MM-DD" in out.err
    assert not JobRun.objects.exists()


def test_worker_arguments():
    args = parser().parse_args(["worker", "--interval", "0.5", "--tick", "10"])
    assert (args.interval, args.tick) == (0.5, 10.0)
    for bad in (["--interval", "0"], ["--tick", "-1"], ["--tick", "nan"], ["--interval", "x"]):
        with pytest.raises(SystemExit):
            parser().parse_args(["worker", *bad])
