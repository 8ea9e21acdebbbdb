"""The care calendar over a whole year for fixture customers: every task it makes, on the right
day, for the right person, once; nothing for those it must leave alone."""

import datetime as dt

import pytest

from retain.care.models import Assignee, CareRule, Channel, Task, TaskKind, VipFile
from retain.care.services import generate_tasks
from retain.care.services.generate import Odometer, add_months_array
from retain.customers.models import Consent, Transaction, Vehicle
from retain.jobs.registry import job
from retain.org.policy import stand_ins
from tests.conftest import make_customer

D = dt.date
YEAR = [D(2024, 1, 1) + dt.timedelta(days=i) for i in range(366)]
FESTIVALS_2024 = {(TaskKind.SPRING_FESTIVAL, D(2024, 2, 10)), (TaskKind.DRAGON_BOAT, D(2024, 6, 10)),
                  (TaskKind.MID_AUTUMN, D(2024, 9, 17)), (TaskKind.NATIONAL_DAY, D(2024, 10, 1))}
_vins = iter(range(10_000, 99_999))


def vehicle(customer, **fields):
    return Vehicle.objects.create(customer=customer, vin=f"LSVAB2BM0PN{next(_vins):06d}", make=fields.pop("make", "大众"),
                                  model=fields.pop("model", "途观L"), **fields)


def transaction(customer, car, kind, day, km=None):
    return Transaction.objects.create(customer=customer, dealer=customer.dealer, vehicle=car, kind=kind, date=day,
                                      amount_cents=10_000, mileage_km=km)


@pytest.fixture
def calendar_customers(org):
    """D1's fixture customers (see the expectations in ``test_a_year_of_care``)."""
    s, d1 = org.staff, org.d1
    owner = make_customer(dealer=d1, owner=s["consultant"], name="周一", classification="own_sold",
                          birthday=D(1985, 7, 3), service_advisor=s["service_advisor"])
    v1 = vehicle(owner, purchase_date=D(2024, 3, 10), sold_by_us=True, insurance_expiry=D(2025, 3, 9))
    transaction(owner, v1, "vehicle_sale", D(2024, 3, 10))
    transaction(owner, v1, "parts", D(2024, 5, 10), km=3_000)
    transaction(owner, v1, "service", D(2024, 6, 22), km=5_200)
    v2 = vehicle(owner, make="丰田", model="卡罗拉", purchase_date=D(2014, 8, 15), insurance_expiry=D(2024, 9, 30))
    transaction(owner, v2, "insurance_claim", D(2024, 10, 8))
    vehicle(owner, make="本田", model="雅阁", purchase_date=D(2019, 5, 20))
    VipFile.objects.create(customer=owner, dealer=d1, source="driving_school", consultant=s["consultant"],
                           manager=s["sales_manager"], opened_on=D(2024, 1, 31))
    leap = make_customer(dealer=d1, owner=s["consultant"], name="闰月", classification="base",
                         birthday=D(1987, 8, 4), birthday_lunar=True)
    thirtieth = make_customer(dealer=d1, owner=s["colleague"], name="三十", classification="other_sold",
                              birthday=D(1984, 5, 30), birthday_lunar=True)
    prospect = make_customer(dealer=d1, owner=s["consultant"], name="意向", classification="prospect",
                             birthday=D(1990, 1, 5))
    withdrawn = make_customer(dealer=d1, owner=s["consultant"], name="拒绝", classification="own_sold",
                              birthday=D(1970, 4, 4))
    Consent.objects.create(customer=withdrawn, purpose="marketing", granted=True, channel="paper", notice_version="1")
    Consent.objects.create(customer=withdrawn, purpose="marketing", granted=False, channel="phone", notice_version="1")
    nobody = make_customer(dealer=d1, owner=None, name="无主", classification="base", birthday=D(1975, 3, 15))
    other_dealer = make_customer(dealer=org.d2, owner=s["d2_consultant"], name="别店", classification="base",
                                 birthday=D(1980, 8, 8))
    return dict(owner=owner, v1=v1, v2=v2, leap=leap, thirtieth=thirtieth, prospect=prospect, withdrawn=withdrawn,
                nobody=nobody, other_dealer=other_dealer)


def _tasks(customer):
    return {(t.kind, t.due_on) for t in Task.objects.filter(customer=customer)}


def test_a_year_of_care(org, calendar_customers):
    c, s = calendar_customers, org.staff
    for day in YEAR:
        generate_tasks(day=day, dealer_ids=[org.d1.pk])

    visits = [D(2024, m, 1) for m in range(2, 13)]
    month_ends = {calendar_end for calendar_end in (
        (first.replace(month=first.month % 12 + 1, year=first.year + first.month // 12) - dt.timedelta(days=1))
        for first in visits)}
    assert _tasks(c["owner"]) == {
        (TaskKind.BIRTHDAY, D(2024, 7, 3)), *FESTIVALS_2024,
        (TaskKind.DELIVERY_D1, D(2024, 3, 11)), (TaskKind.DELIVERY_D7, D(2024, 3, 17)),
        (TaskKind.DELIVERY_D30, D(2024, 4, 9)),
        # first service by mileage: 3,000 km in the 61 days after delivery -> 5,000 km on 20 June
        (TaskKind.SERVICE_DUE, D(2024, 6, 20)),
        # after the service of 22 June (5,200 km), 51 km a day -> 12,700 km on 16 November, before 22 December
        (TaskKind.SERVICE_DUE, D(2024, 11, 16)),
        (TaskKind.INSURANCE_60, D(2024, 8, 1)), (TaskKind.INSURANCE_30, D(2024, 8, 31)),
        (TaskKind.INSURANCE_7, D(2024, 9, 23)),
        (TaskKind.INSPECTION, D(2024, 8, 15)),  # registered 15 August 2014: the year-10 on-site inspection
        (TaskKind.REPLACEMENT, D(2024, 5, 20)),  # bought 20 May 2019: five years
        (TaskKind.ACCIDENT, D(2024, 10, 9)),  # the claim of 8 October
        *{(TaskKind.VIP_VISIT, day) for day in month_ends},  # opened on 31 January: each month's last day
        (TaskKind.MANAGER_CONTACT, D(2024, 4, 30)), (TaskKind.MANAGER_CONTACT, D(2024, 7, 31)),
        (TaskKind.MANAGER_CONTACT, D(2024, 10, 31)),  # every three months
    }
    assert _tasks(c["leap"]) == {(TaskKind.BIRTHDAY, D(2024, 7, 15)), *FESTIVALS_2024}  # leap 6/10 -> 6/10
    assert _tasks(c["thirtieth"]) == {(TaskKind.BIRTHDAY, D(2024, 6, 5)), *FESTIVALS_2024}  # 4/30 -> 4/29
    assert _tasks(c["prospect"]) == set()  # prospects are the showroom's follow-ups
    assert _tasks(c["withdrawn"]) == set()  # no greetings after withdrawing marketing consent
    assert _tasks(c["nobody"]) == {(TaskKind.BIRTHDAY, D(2024, 3, 15)), *FESTIVALS_2024}
    assert _tasks(c["other_dealer"]) == set()  # the run was for D1 only

    tasks = Task.objects.filter(customer=c["owner"])
    by_kind = {t.kind: t for t in tasks}
    assert by_kind[TaskKind.SERVICE_DUE].owner == s["service_advisor"]
    assert by_kind[TaskKind.SERVICE_DUE].department == "service"
    assert {t.reason for t in tasks.filter(kind=TaskKind.SERVICE_DUE)} == {"km"}
    assert by_kind[TaskKind.INSPECTION].reason == "on_site"
    assert by_kind[TaskKind.BIRTHDAY].owner == s["consultant"] and by_kind[TaskKind.BIRTHDAY].channel == "message"
    assert by_kind[TaskKind.BIRTHDAY].template_code == "birthday"
    assert by_kind[TaskKind.MANAGER_CONTACT].owner == s["sales_manager"]
    assert by_kind[TaskKind.VIP_VISIT].owner == s["consultant"]
    assert by_kind[TaskKind.REPLACEMENT].reason == "age"
    assert Task.objects.get(customer=c["leap"], kind=TaskKind.BIRTHDAY).reason == "lunar"
    assert Task.objects.get(customer=c["nobody"], kind=TaskKind.BIRTHDAY).owner == s["sales_manager"]
    assert Task.objects.get(customer=c["thirtieth"], kind=TaskKind.BIRTHDAY).owner == s["colleague"]
    # each task was made its rule's lead days before it fell due
    service = Task.objects.get(customer=c["owner"], kind=TaskKind.SERVICE_DUE, due_on=D(2024, 6, 20))
    assert service.occurrence.startswith(f"v{c['v1'].pk}:p")


def test_running_a_day_twice_adds_nothing(org, calendar_customers):
    day = D(2024, 2, 10)  # the Spring Festival: every customer cared for
    first = generate_tasks(day=day, dealer_ids=[org.d1.pk])
    count = Task.objects.count()
    assert first[TaskKind.SPRING_FESTIVAL] == 4 and count >= 4
    assert generate_tasks(day=day, dealer_ids=[org.d1.pk]) == {}
    assert Task.objects.count() == count
    summary = job("care.generate").run(day)  # the registered job, for every dealer
    assert "care tasks" in summary
    assert job("care.generate").run(day) == f"{day}: no new care tasks"


def test_a_dealer_without_rules_gets_the_defaults_once(org):
    generate_tasks(day=D(2024, 5, 1), dealer_ids=[org.d2.pk])
    rules = CareRule.objects.filter(dealer=org.d2)
    assert rules.count() == len(TaskKind) - 1
    assert rules.get(kind=TaskKind.SERVICE_DUE).assignee == Assignee.SERVICE_ADVISOR
    generate_tasks(day=D(2024, 5, 2), dealer_ids=[org.d2.pk])
    assert CareRule.objects.filter(dealer=org.d2).count() == len(TaskKind) - 1


def test_disabled_rules_and_lead_days(org, calendar_customers):
    generate_tasks(day=D(2024, 1, 1), dealer_ids=[org.d1.pk])  # writes the rules
    CareRule.objects.filter(dealer=org.d1, kind=TaskKind.BIRTHDAY).update(lead_days=5, channel=Channel.PHONE)
    CareRule.objects.filter(dealer=org.d1, kind=TaskKind.MID_AUTUMN).update(enabled=False)
    generate_tasks(day=D(2024, 6, 28), dealer_ids=[org.d1.pk])
    birthday = Task.objects.get(customer=calendar_customers["owner"], kind=TaskKind.BIRTHDAY)
    assert birthday.due_on == D(2024, 7, 3) and birthday.channel == Channel.PHONE
    generate_tasks(day=D(2024, 9, 17), dealer_ids=[org.d1.pk])
    assert not Task.objects.filter(kind=TaskKind.MID_AUTUMN).exists()


def test_an_inactive_owner_gives_the_task_to_the_manager(org, calendar_customers):
    consultant = org.staff["consultant"]
    consultant.is_active = False
    consultant.save()
    generate_tasks(day=D(2024, 7, 3), dealer_ids=[org.d1.pk])
    assert Task.objects.get(kind=TaskKind.BIRTHDAY, customer=calendar_customers["owner"]).owner == \
        org.staff["sales_manager"]
    assert stand_ins([org.d1.pk])[org.d1.pk] == {"sales": org.staff["sales_manager"].pk,
                                                "service": org.staff["service_manager"].pk}


def test_service_due_by_months_when_the_mileage_is_low(org):
    owner = make_customer(dealer=org.d1, owner=org.staff["consultant"], classification="own_sold")
    car = vehicle(owner, purchase_date=D(2023, 1, 10))
    transaction(owner, car, "service", D(2023, 3, 1), km=10_000)
    transaction(owner, car, "service", D(2024, 1, 15), km=11_000)  # 3 km a day
    for day in [D(2024, 7, 1) + dt.timedelta(days=i) for i in range(20)]:
        generate_tasks(day=day, dealer_ids=[org.d1.pk])
    task = Task.objects.get(customer=owner, kind=TaskKind.SERVICE_DUE)
    assert (task.due_on, task.reason) == (D(2024, 7, 15), "months")


def test_replacement_by_mileage(org):
    owner = make_customer(dealer=org.d1, owner=org.staff["consultant"], classification="own_sold")
    car = vehicle(owner, purchase_date=D(2021, 6, 1))
    transaction(owner, car, "service", D(2024, 1, 1), km=90_000)
    transaction(owner, car, "service", D(2024, 3, 11), km=97_000)  # 100 km a day: 100,000 km on 10 April
    for day in [D(2024, 3, 11) + dt.timedelta(days=i) for i in range(40)]:
        generate_tasks(day=day, dealer_ids=[org.d1.pk])
    task = Task.objects.get(customer=owner, kind=TaskKind.REPLACEMENT)
    assert (task.due_on, task.reason, task.owner) == (D(2024, 4, 10), "km", org.staff["consultant"])


def test_odometer_and_month_arithmetic_in_arrays():
    readings = [(1, D(2024, 1, 1), 1_000), (1, D(2024, 1, 11), 2_000), (1, D(2024, 1, 11), 1_900),
                (2, D(2024, 1, 1), 500), (3, D(2024, 1, 1), 100), (3, D(2024, 1, 2), 50)]
    meter = Odometer.of(readings)
    assert meter.per_day == {1: 100.0, 2: 0.0, 3: 0.0}
    assert meter.reaches(1, 2_500).astype(D) == D(2024, 1, 16)
    assert meter.reaches(2, 1_000) is None
    import numpy as np

    days = np.array(["2024-01-31", "2023-02-28", "2024-08-15"], dtype="datetime64[D]")
    assert add_months_array(days, np.array([1, 12, -6])).tolist() == [D(2024, 2, 29), D(2024, 2, 28), D(2024, 2, 15)]


def test_a_message_rule_queues_each_new_tasks_message_once_and_the_rules_apply(org, calendar_customers):
    """Birthday greetings are messages by default: the day's job queues one per new task through
    the channels (keyed on the task); a customer with no marketing consent on record gets the task
    but the message is suppressed with that reason; one who withdrew gets neither; a second run of
    the day queues nothing more."""
    from retain.channels.models import Message

    c = calendar_customers
    Consent.objects.create(customer=c["owner"], purpose="marketing", granted=True, channel="paper", notice_version="1")
    for day in (D(2024, 7, 3), D(2024, 3, 15), D(2024, 3, 15), D(2024, 4, 4)):
        generate_tasks(day=day, dealer_ids=[org.d1.pk])
    greeted = Task.objects.get(customer=c["owner"], kind=TaskKind.BIRTHDAY)
    message = Message.objects.get(key=f"care.task:{greeted.pk}")
    assert (message.customer, message.purpose) == (c["owner"], "marketing") and message.status != "suppressed"
    assert "周一" in message.body
    unconsented = Task.objects.get(customer=c["nobody"], kind=TaskKind.BIRTHDAY)
    suppressed = Message.objects.get(key=f"care.task:{unconsented.pk}")
    assert suppressed.status == "suppressed" and suppressed.suppression_reason
    assert not Task.objects.filter(customer=c["withdrawn"], kind=TaskKind.BIRTHDAY).exists()
    assert Message.objects.filter(key__startswith="care.task:").count() == 2
