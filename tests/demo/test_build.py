"""Building the demo: the same seed gives the same data, its dates end on the build day, a
database with real staff is never wiped, and the README's first command builds and rebuilds.
(What the built demo holds: test_loaded.py.)"""

import os
import subprocess
import sys

import numpy as np
import pytest
from django.conf import settings

from retain.customers.models import Customer, Transaction
from retain.demo import build
from retain.demo.generate import Scale, generate
from retain.org.models import Staff

TINY = Scale(regions=2, dealers=3, customers=3_000)


def test_same_seed_same_data_other_seed_other_data():
    first, again, other = (generate(TINY, seed, "x") for seed in (5, 5, 6))
    for label, columns in first.tables.items():
        for name, column in columns.items():
            twin = again.tables[label][name]
            assert np.array_equal(np.ma.getmaskarray(column), np.ma.getmaskarray(twin)), (label, name)
            assert np.array_equal(np.ma.compressed(column), np.ma.compressed(twin)), (label, name)
    assert not np.array_equal(first.tables["customers.Customer"]["mobile"], other.tables["customers.Customer"]["mobile"])


def test_last_verified_dates_are_plausible():
    """The base re-check: most records confirmed within about a year, never before they were
    made nor after the build date, some never (more among customers not sold to)."""
    from retain.demo import truth

    customers = generate(TINY, 2, "x").tables["customers.Customer"]
    verified, never = customers["last_verified"], np.ma.getmaskarray(customers["last_verified"])
    created = customers["created_at"].astype("datetime64[D]")
    end = np.datetime64(truth.OBSERVATION_END, "D")
    assert 0.1 < never.mean() < 0.3
    unsold = np.isin(customers["classification"], ["potential", "prospect", "defeated"])
    assert never[unsold].mean() > 2 * never[~unsold].mean()
    known = np.ma.compressed(verified)
    assert (known >= created[~never]).all() and (known <= end).all()
    assert 0.5 < ((end - known) <= np.timedelta64(365, "D")).mean() < 0.85


def test_reset_refuses_a_database_with_real_staff(org):
    with pytest.raises(build.NotADemoDatabase):
        build.reset_database()
    assert Staff.objects.exists()


@pytest.mark.skipif(settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
                    reason="the command builds on SQLite whatever the suite's database: the SQLite run covers it")
def test_retain_demo_builds_and_rebuilds_a_fresh_data_dir(tmp_path):
    """The README's first command, as a fresh machine runs it (twice: the second run rebuilds)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RETAIN_")}
    env["RETAIN_DATA_DIR"] = str(tmp_path)
    for _ in range(2):
        done = subprocess.run([sys.executable, "-m", "retain.cli", "demo", "--no-serve"], env=env,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    assert "20,000 customers" in done.stdout and "gm1" in done.stdout


def test_one_timeline_ending_on_the_build_date(db):
    """The service history, the showroom's year and the scores all end on the build date (issue
    7, D3: the history used to end on 2026-06-30 while the showroom ran to the build date)."""
    from datetime import date, timedelta

    from retain.insights.models import ScoreRun
    from retain.sales.models import ShowroomVisit

    built_on = date(2027, 3, 15)
    summary = build.build_demo(TINY, seed=3, today=built_on)
    assert summary["today"] == built_on
    last_visit = Transaction.objects.filter(kind="service").order_by("-date").first().date
    assert built_on - timedelta(days=14) <= last_visit <= built_on
    assert not Transaction.objects.filter(date__gt=built_on).exists()
    assert not Customer.objects.filter(created_at__date__gt=built_on).exists()
    assert ShowroomVisit.objects.order_by("-arrived_at").first().arrived_at.date() <= built_on
    assert ScoreRun.objects.get().as_of == ScoreRun.objects.get().job_day == built_on
    assert not Customer.objects.filter(last_verified__gt=built_on).exists()


def test_the_history_moves_whole_so_the_planted_truths_hold_on_any_build_date():
    """Built on two dates, the customer base is the same but for its dates, which differ by the
    days between them (birthdays excepted: they are written into the ID numbers); so the
    recency, frequency and T the planted truths are about are the same."""
    from retain.demo import truth

    drawn = generate(TINY, 5, "x", today=truth.OBSERVATION_END)
    moved = generate(TINY, 5, "x", today=np.datetime64(truth.OBSERVATION_END) + 517)
    for label in [label for label in drawn.tables if label.split(".")[0] in ("org", "customers")]:
        for name, column in drawn.tables[label].items():
            twin = moved.tables[label][name]
            assert np.array_equal(np.ma.getmaskarray(column), np.ma.getmaskarray(twin)), (label, name)
            shift = 517 if column.dtype.kind == "M" and name != "birthday" else 0
            expected = np.ma.compressed(column) + np.timedelta64(shift, "D") if shift else np.ma.compressed(column)
            assert np.array_equal(np.ma.compressed(twin), expected), (label, name)
