"""The periodic jobs' registry: apps name their jobs once, with a due time and a description."""

import datetime as dt

import pytest

from retain.jobs import registry


def test_the_project_registers_its_jobs():
    """jobs.prune (the jobs app) and insights.score (InsightsConfig.ready) are there at start-up."""
    names = [job.name for job in registry.jobs()]
    assert {"jobs.prune", "insights.score"} <= set(names)
    assert names == sorted(names)
    assert registry.job("insights.score").at == dt.time(23, 0)
    assert str(registry.job("jobs.prune").description)


def test_a_job_is_registered_with_its_time_and_description(own_registry):
    def nightly(day):
        return "done"

    assert own_registry.periodic("test.nightly", at="01:30", description="Nightly")(nightly) is nightly
    job = own_registry.job("test.nightly")
    assert (job.name, job.run, job.at, job.description) == ("test.nightly", nightly, dt.time(1, 30), "Nightly")
    own_registry.periodic("test.nightly", at="01:30", description="Nightly")(nightly)  # importing twice is fine


def test_two_functions_cannot_share_a_name(own_registry):
    own_registry.periodic("test.same", description="one")(lambda day: "one")
    with pytest.raises(ValueError, match="registered twice"):
        own_registry.periodic("test.same", description="two")(lambda day: "two")


def test_an_unknown_job_names_the_known_ones(own_registry):
    with pytest.raises(KeyError, match="jobs.prune"):
        own_registry.job("test.nothing")


@pytest.mark.parametrize("at", ["25:00", "2am", ""])
def test_a_time_that_is_not_one_is_refused(own_registry, at):
    with pytest.raises(ValueError):
        own_registry.periodic("test.bad", at=at, description="bad")(lambda day: "")
    assert "test.bad" not in {job.name for job in own_registry.jobs()}
