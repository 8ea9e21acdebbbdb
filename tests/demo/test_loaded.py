"""The demo as loaded into the database: its people, its logins, its integrity. One tiny build
serves the module (each test in a savepoint of its transaction)."""

import pytest
from django.contrib.auth import authenticate
from django.db.models import Count, F

from retain.customers import services
from retain.customers.access import visible_customers
from retain.customers.models import Customer, Transaction, Vehicle
from retain.customers.validators import normalise_mobile, normalise_national_id, normalise_plate, normalise_vin
from retain.demo import build
from retain.org.models import AuditEvent, Role, Staff
from tests.demo.rolled_back import built_demo
from tests.demo.test_build import TINY

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with built_demo(django_db_blocker, TINY, seed=3) as summary:
        yield summary


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
