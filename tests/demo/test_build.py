"""The demo as loaded into the database: its people, its logins, its integrity."""

import os
import subprocess
import sys

import numpy as np
import pytest
from django.contrib.auth import authenticate
from django.db.models import Count, F

from retain.customers import services
from retain.customers.access import visible_customers
from retain.customers.models import Customer, Transaction, Vehicle
from retain.customers.validators import normalise_mobile, normalise_national_id, normalise_plate, normalise_vin
from retain.demo import build
from retain.demo.generate import Scale, generate
from retain.org.models import AuditEvent, Role, Staff

TINY = Scale(regions=2, dealers=3, customers=3_000)


@pytest.fixture
def demo(db):
    return build.build_demo(TINY, seed=3)


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


def test_the_documented_logins_work_and_sit_where_the_readme_says(demo):
    for username in ("admin", "region1", "gm1", "sales1", "showroom1", "consultant1", "consultant2",
                     "service1", "servicemgr1", "marketing1"):
        assert authenticate(username=username, password=build.PASSWORD) is not None, username
    staff = {s.username: s for s in Staff.objects.select_related("dealer", "region")}
    gm1 = staff["gm1"]
    assert gm1.role == Role.DEALER_GM and gm1.dealer.code == "D01"
    assert staff["consultant1"].dealer == staff["consultant2"].dealer == gm1.dealer
    assert staff["region1"].role == Role.REGION_MANAGER and staff["region1"].region == gm1.dealer.region
    assert staff["admin"].role == Role.GROUP_ADMIN
    roles = {s.role for s in staff.values()}
    assert roles == set(Role)


def test_every_record_passes_the_validators(demo):
    for customer in Customer.objects.order_by("?")[:300]:
        assert normalise_mobile(customer.mobile) == customer.mobile
        if customer.national_id:
            assert normalise_national_id(customer.national_id) == customer.national_id
    for vehicle in Vehicle.objects.order_by("?")[:300]:
        assert normalise_vin(vehicle.vin) == vehicle.vin
        assert normalise_plate(vehicle.plate) == vehicle.plate
    assert Customer.objects.exclude(national_id="").exists()


def test_shape_of_the_customer_base(demo):
    customers = Customer.objects.all()
    assert customers.count() == TINY.customers
    unassigned = customers.filter(owner__isnull=True).count() / TINY.customers
    assert 0.08 < unassigned < 0.12
    duplicated = customers.values("mobile").annotate(n=Count("id")).filter(n__gt=1).count()
    assert duplicated == round(TINY.customers * 0.005)
    assert not Transaction.objects.filter(amount_cents__lt=0).exists()
    assert Transaction.objects.filter(vehicle__isnull=False).exclude(vehicle__customer=F("customer")).count() == 0
    owners = set(customers.filter(owner__isnull=False).values_list("owner__role", flat=True).distinct())
    assert owners == {Role.CONSULTANT}
    assert not customers.filter(owner__isnull=False).exclude(owner__dealer=F("dealer")).exists()


def test_access_door_sees_the_demo_by_role(demo):
    staff = {s.username: s for s in Staff.objects.all()}
    consultant1 = visible_customers(staff["consultant1"])
    assert consultant1.exists() and not consultant1.exclude(owner=staff["consultant1"]).exists()
    gm1 = visible_customers(staff["gm1"])
    assert gm1.count() == Customer.objects.filter(dealer=staff["gm1"].dealer).count()
    assert visible_customers(staff["admin"]).count() == TINY.customers


def test_new_rows_get_fresh_ids_after_the_bulk_load(demo):
    """The id sequences moved past the loaded rows (PostgreSQL would otherwise collide)."""
    consultant = Staff.objects.get(username="consultant1")
    customer = services.create_customer(actor=consultant, name="新客户", mobile="13912345678", confirm_duplicate=True)
    assert customer.pk == TINY.customers + 1


def test_the_build_is_recorded_and_audited(demo):
    assert demo["counts"]["customers.Customer"] == TINY.customers
    assert AuditEvent.objects.filter(action="demo.build").count() == 1
    text = build.describe(demo, elapsed=1.0, database="x")
    assert "consultant1" in text and build.PASSWORD in text


def test_reset_refuses_a_database_with_real_staff(org):
    with pytest.raises(build.NotADemoDatabase):
        build.reset_database()
    assert Staff.objects.exists()


def test_retain_demo_builds_and_rebuilds_a_fresh_data_dir(tmp_path):
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
