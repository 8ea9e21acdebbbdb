"""Fixtures for background work: a registry of the test's own jobs, and a fixed clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from retain.jobs import registry

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> dt.datetime:
    """An aware moment given in Asia/Shanghai (settings.TIME_ZONE), as the clock would give it."""
    return dt.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def own_registry(monkeypatch):
    """The registry as the apps filled it, restored after the test (jobs the test registers go)."""
    monkeypatch.setattr(registry, "_JOBS", dict(registry._JOBS))
    return registry


class Recorder:
    """A job function that notes each day it ran for, and can be told to fail."""

    def __init__(self, name="test.job", failing=0):
        self.name, self.days, self.failing = name, [], failing

    def __call__(self, day: dt.date) -> str:
        self.days.append(day)
        if self.failing:
            self.failing -= 1
            raise RuntimeError(f"planned failure for {day}")
        return f"ran for {day:%Y-%m-%d}"


@pytest.fixture
def make_job(own_registry):
    """Register a recording job: ``make_job("test.a", at="02:00", failing=0)`` -> (job, recorder)."""

    def make(name="test.job", *, at="02:00", failing=0):
        recorder = Recorder(name, failing)
        own_registry.periodic(name, at=at, description=f"{name} for tests")(recorder)
        return own_registry.job(name), recorder

    return make
