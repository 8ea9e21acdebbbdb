"""``retain worker``: django-tasks-db's worker and the scheduler in one process; and a worker
started beside another command (``retain demo`` serves its site with one).

The task worker runs in the main thread, where its SIGTERM/SIGINT handler lives: it lets the
task in hand finish and then stops. The scheduler is a second thread that only claims and
enqueues (it never runs a job itself), stopped when the worker returns.
"""

import logging
import os
import subprocess
from collections.abc import Sequence
from contextlib import contextmanager

from django.core.management import call_command

from .scheduler import TICK_SECONDS, Scheduler


def run(*, interval: float = 1.0, every: float = TICK_SECONDS, verbosity: int = 1) -> None:
    """Work the task queue (polling every ``interval`` seconds when it is empty) and tick the
    scheduler every ``every`` seconds, until SIGTERM or SIGINT."""
    logging.getLogger("retain.jobs").setLevel(logging.INFO if verbosity else logging.WARNING)
    scheduler = Scheduler(every)
    scheduler.start()
    try:
        call_command("db_worker", interval=interval, reload=False, verbosity=verbosity)
    finally:
        scheduler.stop()


@contextmanager
def beside(command: Sequence[str], *, env: dict | None = None, stop_within: float = 30.0):
    """Run ``command`` (a ``retain worker``) as a child process while the block runs, then
    stop it with SIGTERM (SIGKILL if it has not stopped within ``stop_within`` seconds).

    Only the process that started the child stops it: a server that forks (gunicorn's workers)
    leaves this block in every forked process too, and those must not end the worker."""
    parent = os.getpid()
    child = subprocess.Popen(list(command), env=env)
    try:
        yield child
    finally:
        if os.getpid() == parent:
            stop(child, within=stop_within)


def stop(child: subprocess.Popen, *, within: float = 30.0) -> int:
    """SIGTERM, wait, then SIGKILL: the child's exit code."""
    if child.poll() is None:
        child.terminate()
        try:
            return child.wait(within)
        except subprocess.TimeoutExpired:
            child.kill()
    return child.wait()
