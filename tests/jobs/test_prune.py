"""jobs.prune: finished task results older than the kept days go; nothing else does; twice is once."""

import datetime as dt
import uuid

from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from retain.jobs import registry
from tests.jobs.conftest import local

DAY = dt.date(2026, 6, 30)


def _result(status, finished_at):
    return DBTaskResult.objects.create(
        id=uuid.uuid4(), status=status, args_kwargs={"args": [], "kwargs": {}}, task_path="retain.jobs.tasks.x",
        backend_name="default", run_after=local(2026, 1, 1), finished_at=finished_at)


def test_prune_removes_old_finished_results_only_and_is_idempotent(db, settings):
    settings.TASK_RESULT_DAYS = 14
    cutoff = local(2026, 6, 16)  # the start of the day, 14 days before
    old_ok = _result(TaskResultStatus.SUCCESSFUL, cutoff - dt.timedelta(seconds=1))
    old_failed = _result(TaskResultStatus.FAILED, cutoff - dt.timedelta(days=40))
    recent = _result(TaskResultStatus.SUCCESSFUL, cutoff)
    waiting = _result(TaskResultStatus.READY, None)
    stuck = _result(TaskResultStatus.RUNNING, None)

    prune = registry.job("jobs.prune").run
    assert prune(DAY) == "2 finished task results removed (finished before 2026-06-16)"
    assert set(DBTaskResult.objects.values_list("id", flat=True)) == {recent.id, waiting.id, stuck.id}
    assert prune(DAY) == "0 finished task results removed (finished before 2026-06-16)"
    assert DBTaskResult.objects.count() == 3
    assert not DBTaskResult.objects.filter(id__in=[old_ok.id, old_failed.id]).exists()


def test_the_kept_days_come_from_the_setting(db, settings):
    settings.TASK_RESULT_DAYS = 1
    _result(TaskResultStatus.SUCCESSFUL, local(2026, 6, 28, 12))
    assert registry.job("jobs.prune").run(DAY) == "1 finished task result removed (finished before 2026-06-29)"
