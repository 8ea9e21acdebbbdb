"""The worker as a process: one real ``retain worker`` against the test database, and the child
worker ``retain demo`` runs beside its server.

Everywhere else tasks run inline; here a task goes through the database backend to a separate
process, as in production. On SQLite the test database is a file for this (settings: TEST NAME).
"""

import datetime as dt
import os
import sys
import time
from contextlib import contextmanager
from urllib.parse import quote

import pytest
from django.db import connection
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from retain import cli
from retain.jobs import worker
from retain.jobs.models import JobRun, RunStatus
from retain.jobs.tasks import run_periodic_job

SLEEPER = (sys.executable, "-c", "import time; time.sleep(120)")


def _database_url(db: dict) -> str:
    """The URL ``RETAIN_DATABASE_URL`` needs for the database this test runs on."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgresql://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{quote(db['NAME'])}"


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_process_runs_a_queued_task_and_stops_cleanly_on_sigterm(settings):
    assert connection.settings_dict["NAME"] != ":memory:" and "mode=memory" not in str(connection.settings_dict["NAME"])
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    day = dt.date(2026, 6, 30)
    queued = run_periodic_job.enqueue("jobs.prune", day.isoformat())
    assert DBTaskResult.objects.get(id=queued.id).status == TaskResultStatus.READY  # nothing runs it inline now

    env = {**os.environ, "RETAIN_DATABASE_URL": _database_url(connection.settings_dict), "RETAIN_LANGUAGE": "en"}
    command = [*cli.WORKER_COMMAND, "--interval", "0.2", "--tick", "3600"]
    with worker.beside(command, env=env) as child:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and child.poll() is None:
            if DBTaskResult.objects.get(id=queued.id).status in (TaskResultStatus.SUCCESSFUL, TaskResultStatus.FAILED):
                break
            time.sleep(0.2)
        assert child.poll() is None, "the worker stopped by itself"
    assert child.returncode == 0  # SIGTERM: it finished what it had in hand and left

    result = DBTaskResult.objects.get(id=queued.id)
    assert result.status == TaskResultStatus.SUCCESSFUL, result.traceback
    assert result.return_value == "0 finished task results removed (finished before 2026-06-16)"
    run = JobRun.objects.get(name="jobs.prune", day=day)
    assert run.status == RunStatus.DONE and run.summary == result.return_value


def test_a_worker_beside_a_command_stops_with_it():
    with worker.beside(SLEEPER) as child:
        assert child.poll() is None
    assert child.returncode == -15  # SIGTERM, at once (the sleeper has no handler)


def test_a_forked_process_leaving_the_block_does_not_stop_the_worker():
    """gunicorn forks its workers from the process that started the worker: when one of them
    exits through the block, the worker must keep running for the others."""

    def body():
        with worker.beside(SLEEPER) as child:
            pid = os.fork()
            if pid == 0:
                return "forked", child  # leaves the block in the forked process
            os.waitpid(pid, 0)
            alive = child.poll() is None
        return alive, child

    outcome, child = body()
    if outcome == "forked":
        os._exit(0)
    assert outcome is True and child.returncode is not None


def test_demo_serves_with_a_worker_beside_and_stops_it_with_the_server(monkeypatch):
    children, alive_while_serving = [], []
    real_beside = worker.beside

    @contextmanager
    def recording(command, **kwargs):
        with real_beside(command, **kwargs) as child:
            children.append((tuple(command), child))
            yield child

    monkeypatch.setattr(worker, "beside", recording)
    monkeypatch.setattr(cli, "WORKER_COMMAND", SLEEPER)
    monkeypatch.setattr("django.core.management.call_command", lambda name, **options: None)  # no build
    monkeypatch.setattr(cli, "_serve", lambda port: alive_while_serving.append(children[-1][1].poll() is None))

    cli.main(["demo", "--no-serve"])
    assert children == []
    cli.main(["demo", "--port", "8123"])
    assert [command for command, _child in children] == [SLEEPER] and alive_while_serving == [True]
    assert children[0][1].returncode is not None  # stopped when the server returned

