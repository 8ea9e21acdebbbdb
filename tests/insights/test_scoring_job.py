"""insights.score, the periodic re-scoring: one stored run per day however often it runs."""

import datetime as dt

from retain.demo import build, truth
from retain.demo.generate import Scale
from retain.insights.models import CustomerScore, ScoreRun
from retain.jobs import registry
from retain.org.models import AuditEvent

END = truth.OBSERVATION_END


def test_scoring_the_same_day_twice_stores_one_run(db):
    build.build_demo(Scale(regions=2, dealers=3, customers=2_000), seed=4, today=END)
    built = ScoreRun.objects.get()
    assert built.job_day == END  # the build's scoring counts as its day's run
    score = registry.job("insights.score").run
    assert score(END) == f"Already scored as of {END:%Y-%m-%d}: run #{built.pk}, {built.customers} customers"

    day = END - dt.timedelta(days=1)
    first = score(day)
    run = ScoreRun.objects.get(job_day=day)
    assert first == f"{run.customers} customers scored as of {day:%Y-%m-%d} (run #{run.pk})"
    assert run.as_of == day and run.customers > 0
    counts = (ScoreRun.objects.count(), CustomerScore.objects.count(),
              AuditEvent.objects.filter(action="scores.compute").count())
    assert score(day).startswith(f"Already scored as of {day:%Y-%m-%d}: run #{run.pk}")
    assert (ScoreRun.objects.count(), CustomerScore.objects.count(),
            AuditEvent.objects.filter(action="scores.compute").count()) == counts


def test_nothing_to_score_is_a_summary_not_a_failure(db):
    summary = registry.job("insights.score").run(END)
    assert summary.startswith("Nothing scored: no purchases on or before 2026-06-30")
    assert not ScoreRun.objects.exists()
