"""The care calendar's daily run: the tasks whose touch falls due ``lead days`` after the day.

For each dealer and each of its enabled rules, the day the touch is due (the target: the day
plus the rule's lead days) is turned into one set-based question: which customers have a
birthday on the target (``birthday IN`` the birth dates whose anniversary it is), which cars
were delivered a day, a week or a month before it, whose insurance expires 60, 30 or 7 days
after it, which cars' inspection falls on it, which insurance claims were made the day before,
which VIP files have their monthly visit on it. Each answer goes into the task table in one
``INSERT ... SELECT``. Service due and replacement, which depend on each car's estimated daily
mileage, read the recent readings of one dealer's cars into numpy and compute the due dates
there. No customer is looked at one by one.

Idempotent: every task carries its occurrence (a year, a car and its due date, a VIP file's
month...), and the unique key (customer, rule, occurrence) makes a second run for the same day
insert nothing (``ON CONFLICT DO NOTHING``).

Who owns a task: the rule names the customer's consultant (``Customer.owner``) or service advisor
(``Customer.service_advisor``); the VIP touches go to the consultant and the manager named on
the VIP file. A customer without one (or whose one has left) is the department's manager's:
for sales, the dealer's sales manager, else its showroom manager, else its general manager; for
after-sales, the service manager, else the general manager (``org.policy.stand_ins``).
"""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import EmptyResultSet
from django.db import connection, models, transaction
from django.db.models import Case, Exists, F, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone

from retain.customers.models import (
    Classification,
    Consent,
    ConsentPurpose,
    Customer,
    Status,
    Transaction,
    TransactionKind,
    Vehicle,
)
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.models import Dealer, DepartmentKind
from retain.org.policy import stand_ins

from .. import calendar
from ..messages import queue_for
from ..models import (
    DEPARTMENT_OF_ASSIGNEE,
    MARKETING_KINDS,
    Assignee,
    CareRule,
    CareSettings,
    Channel,
    Task,
    TaskKind,
    TaskStatus,
    VipFile,
)
from ..rules import settings_for
from .rules import ensure_rules

#: The customer base the calendar cares for (DOMAIN.md section 3): not potential customers (no
#: contact yet) nor prospects (worked by the showroom's follow-ups).
CARE_CLASSES = (Classification.BASE, Classification.VIP, Classification.OWN_SOLD, Classification.OTHER_SOLD,
                Classification.OTHER_BRAND, Classification.DEFEATED)
#: Days after delivery of each after-delivery touch; days before expiry of each renewal touch.
DELIVERY_DAYS = {TaskKind.DELIVERY_D1: 1, TaskKind.DELIVERY_D7: 7, TaskKind.DELIVERY_D30: 30}
INSURANCE_DAYS = {TaskKind.INSURANCE_60: 60, TaskKind.INSURANCE_30: 30, TaskKind.INSURANCE_7: 7}
FESTIVALS = {TaskKind.SPRING_FESTIVAL: "spring_festival", TaskKind.DRAGON_BOAT: "dragon_boat",
             TaskKind.MID_AUTUMN: "mid_autumn", TaskKind.NATIONAL_DAY: "national_day"}
#: The accident condolence call is due the day after the claim.
ACCIDENT_AFTER_DAYS = 1
#: Readings older than this do not estimate a car's daily mileage.
READINGS_WINDOW_DAYS = 730
#: A due date computed from mileage may lie before the day it is noticed (the reading that shows
#: it came in late): its task is still made within this many days after.
CATCH_UP_DAYS = 30
#: Past this many cars a dealer's readings are read whole rather than by a list of ids.
MAX_LISTED_VEHICLES = 10_000
#: Replacement by mileage looks at cars within this distance of the threshold.
REPLACEMENT_APPROACH_KM = 30_000

SALES, SERVICE = DepartmentKind.SALES, DepartmentKind.SERVICE


@dataclass
class Run:
    """One dealer's rule on one day: what every kind's query needs."""

    rule: CareRule
    day: dt.date  # the day the job works for
    target: dt.date  # the day the touches fall due (day + lead days)
    settings: CareSettings
    manager: dict[str, int | None]  # department -> who takes its unowned tasks (org.policy.stand_ins)

    @property
    def dealer_id(self) -> int:
        return self.rule.dealer_id


# --- who takes what ------------------------------------------------------------------------

def _person(path: str) -> Case:
    """The staff member at ``path`` (a customer's owner or advisor) if still active, else NULL."""
    return Case(When(**{f"{path}__is_active": True}, then=F(f"{path}_id")), default=None,
                output_field=models.BigIntegerField())


def _owner_path(rule: CareRule, prefix: str) -> str:
    return prefix + ("service_advisor" if rule.assignee == Assignee.SERVICE_ADVISOR else "owner")


def _department(rule: CareRule) -> str:
    return SALES if rule.kind in (TaskKind.VIP_VISIT, TaskKind.MANAGER_CONTACT) else DEPARTMENT_OF_ASSIGNEE[
        Assignee(rule.assignee)]


# --- the customers cared for ---------------------------------------------------------------

def _cared_for(queryset, run: Run, prefix: str = ""):
    """``queryset`` narrowed to the dealer's active customers in the care classes (``prefix``
    leads from its rows to the customer) and, for a marketing touch, to those who have not
    withdrawn marketing consent (their newest marketing consent row is not a refusal)."""
    queryset = queryset.filter(**{f"{prefix}dealer_id": run.dealer_id, f"{prefix}status": Status.ACTIVE,
                                  f"{prefix}classification__in": CARE_CLASSES})
    if run.rule.kind in MARKETING_KINDS:
        latest = (Consent.objects.filter(customer=OuterRef(f"{prefix}pk" if prefix else "pk"),
                                         purpose=ConsentPurpose.MARKETING)
                  .order_by("-recorded_at", "-id").values("granted")[:1])
        queryset = queryset.annotate(marketing=Subquery(latest)).filter(Q(marketing__isnull=True) | Q(marketing=True))
    return queryset


def _text(*parts) -> Concat | Value:
    """An occurrence key built in SQL from constants and columns."""
    parts = [Cast(p, models.CharField()) if isinstance(p, F) else Value(str(p)) for p in parts]
    return parts[0] if len(parts) == 1 else Concat(*parts, output_field=models.CharField())


@dataclass
class Candidates:
    """A query whose rows are the run's new tasks: ``customer`` and ``vehicle`` name the columns
    (lookups from its rows), ``occurrence`` and ``person`` are expressions, ``due`` the day."""

    queryset: models.QuerySet
    customer: str
    vehicle: str | None
    occurrence: models.Expression
    person: models.Expression
    due: dt.date
    reason: str = ""


def _customer_candidates(run: Run, queryset, occurrence: str, reason: str = "") -> Candidates:
    return Candidates(_cared_for(queryset, run), "pk", None, Value(occurrence), _person(_owner_path(run.rule, "")),
                      run.target, reason)


# --- the kinds ------------------------------------------------------------------------------

def _birthdays(run: Run) -> list[Candidates]:
    target = run.target
    found = [_customer_candidates(run, Customer.objects.filter(birthday_lunar=False,
                                                               birthday__in=calendar.solar_births_on(target)),
                                  str(target.year), "solar")]
    lunar = calendar.lunar_births_on(target)
    if lunar:
        found.append(_customer_candidates(run, Customer.objects.filter(birthday_lunar=True, birthday__in=lunar),
                                          f"L{calendar.lunar_of(target).year}", "lunar"))
    return found


def _festival(run: Run) -> list[Candidates]:
    if calendar.festival_on(run.target) != FESTIVALS[run.rule.kind]:
        return []
    return [_customer_candidates(run, Customer.objects.all(), str(run.target.year))]


def _vehicle_candidates(run: Run, vehicles, occurrence, reason: str = "") -> Candidates:
    return Candidates(_cared_for(vehicles, run, "customer__"), "customer_id", "pk", occurrence,
                      _person(_owner_path(run.rule, "customer__")), run.target, reason)


def _delivery(run: Run) -> list[Candidates]:
    delivered = run.target - dt.timedelta(days=DELIVERY_DAYS[run.rule.kind])
    sales = Transaction.objects.filter(dealer_id=run.dealer_id, kind=TransactionKind.VEHICLE_SALE, date=delivered,
                                       vehicle__isnull=False)
    return [Candidates(_cared_for(sales, run, "customer__"), "customer_id", "vehicle_id",
                       _text("v", F("vehicle_id")), _person(_owner_path(run.rule, "customer__")), run.target)]


def _insurance(run: Run) -> list[Candidates]:
    expiry = run.target + dt.timedelta(days=INSURANCE_DAYS[run.rule.kind])
    return [_vehicle_candidates(run, Vehicle.objects.filter(insurance_expiry=expiry),
                                _text("v", F("pk"), f":{expiry.isoformat()}"))]


def _inspection(run: Run) -> list[Candidates]:
    """The purchase date stands in for the registration date (docs/care.md)."""
    due = calendar.registrations_due_on(run.target)
    found = []
    for what in (calendar.STICKER, calendar.ON_SITE):
        dates = [day for day, kind in due.items() if kind == what]
        if dates:
            found.append(_vehicle_candidates(run, Vehicle.objects.filter(purchase_date__in=dates),
                                             _text("v", F("pk"), f":{run.target.isoformat()}"), what))
    return found


def _accident(run: Run) -> list[Candidates]:
    claimed = run.target - dt.timedelta(days=ACCIDENT_AFTER_DAYS)
    claims = Transaction.objects.filter(dealer_id=run.dealer_id, kind=TransactionKind.INSURANCE_CLAIM, date=claimed)
    return [Candidates(_cared_for(claims, run, "customer__"), "customer_id", "vehicle_id", _text("t", F("pk")),
                       _person(_owner_path(run.rule, "customer__")), run.target)]


def _vip_files_due(run: Run):
    """Active VIP files of active customers whose monthly day is the target (a file opened on the
    31st falls due on the last day of shorter months), opened before it."""
    target = run.target
    last_day = calendar.add_months(target.replace(day=1), 1) - dt.timedelta(days=1)
    day = Q(opened_on__day__gte=target.day) if target == last_day else Q(opened_on__day=target.day)
    return VipFile.objects.filter(day, dealer_id=run.dealer_id, active=True, customer__status=Status.ACTIVE,
                                  opened_on__lt=target)


def _vip(run: Run) -> list[Candidates]:
    files = _vip_files_due(run)
    person, month = "consultant", run.target.strftime("%Y-%m")
    if run.rule.kind == TaskKind.MANAGER_CONTACT:
        every, person = run.settings.manager_contact_months, "manager"
        index = run.target.year * 12 + run.target.month
        due = [pk for pk, opened in files.values_list("pk", "opened_on")
               if (index - opened.year * 12 - opened.month) % every == 0]
        files = files.filter(pk__in=due)
    return [Candidates(files, "customer_id", None, _text("f", F("pk"), f":{month}"), _person(person), run.target)]


# --- service due and replacement: from each car's estimated daily mileage --------------------

def _days(values) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


def add_months_array(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """``calendar.add_months`` over arrays: the day of the month kept, or the month's last day."""
    month = days.astype("datetime64[M]")
    day_of_month = (days - month.astype("datetime64[D]")).astype(np.int64)
    moved = month + months.astype(np.int64)
    last = (moved + 1).astype("datetime64[D]") - np.timedelta64(1, "D")
    return np.minimum(moved.astype("datetime64[D]") + day_of_month, last)


@dataclass
class Odometer:
    """Each car's last reading and its daily mileage from the last two readings (0: unknown)."""

    last_day: dict[int, np.datetime64]
    last_km: dict[int, float]
    per_day: dict[int, float]

    @classmethod
    def of(cls, readings: list[tuple[int, dt.date, int]]) -> "Odometer":
        """``readings`` are (vehicle, day, km); a car's two latest on different days give its rate
        (several readings on one day count as its highest)."""
        if not readings:
            return cls({}, {}, {})
        vehicle = np.array([r[0] for r in readings], dtype=np.int64)
        day = _days([r[1] for r in readings])
        km = np.array([r[2] for r in readings], dtype=np.float64)
        order = np.lexsort((km, day, vehicle))
        vehicle, day, km = vehicle[order], day[order], km[order]
        daily = np.r_[(vehicle[1:] != vehicle[:-1]) | (day[1:] != day[:-1]), True]
        vehicle, day, km = vehicle[daily], day[daily], km[daily]
        last = np.flatnonzero(np.r_[vehicle[1:] != vehicle[:-1], True])
        previous = last - 1
        has = (previous >= 0) & (vehicle[np.maximum(previous, 0)] == vehicle[last])
        previous = np.maximum(previous, 0)
        span = (day[last] - day[previous]).astype(np.int64)
        rise = km[last] - km[previous]
        rate = np.where(has & (rise > 0), rise / np.maximum(span, 1), 0.0)
        cars = vehicle[last].tolist()
        return cls(dict(zip(cars, day[last])), dict(zip(cars, km[last].tolist())), dict(zip(cars, rate.tolist())))

    def reaches(self, vehicle: int, km: float) -> np.datetime64 | None:
        """The day the car's odometer reaches ``km`` at its current rate (None: unknown rate)."""
        rate = self.per_day.get(vehicle, 0.0)
        if not rate:
            return None
        days = int(np.ceil((km - self.last_km[vehicle]) / rate))
        return self.last_day[vehicle] + np.timedelta64(days, "D")


def _readings(run: Run, vehicles=None) -> list[tuple[int, dt.date, int]]:
    since = run.day - dt.timedelta(days=READINGS_WINDOW_DAYS)
    rows = Transaction.objects.filter(dealer_id=run.dealer_id, vehicle__isnull=False, mileage_km__isnull=False,
                                      date__range=(since, run.day))
    if vehicles is not None and len(vehicles) <= MAX_LISTED_VEHICLES:
        rows = rows.filter(vehicle_id__in=vehicles)
    return list(rows.values_list("vehicle_id", "date", "mileage_km"))


@dataclass
class Due:
    """A vehicle touch computed in numpy, ready to insert."""

    customer: int
    vehicle: int
    person: int | None
    due: dt.date
    occurrence: str
    reason: str


def _window(run: Run, due: np.datetime64) -> bool:
    return run.target - dt.timedelta(days=CATCH_UP_DAYS) <= due.astype(dt.date) <= run.target


def _service_due(run: Run) -> list[Due]:
    """By months or by mileage since the last service, whichever first; a car with no service on
    record counts from its purchase (a new car sold by us: the first-service interval, from 0 km)."""
    s, target = run.settings, run.target
    longest = max(s.service_months, s.first_service_months)
    since = calendar.add_months(target - dt.timedelta(days=CATCH_UP_DAYS), -longest)
    person = _person(_owner_path(run.rule, "customer__"))
    services = (_cared_for(Transaction.objects.filter(dealer_id=run.dealer_id, kind=TransactionKind.SERVICE,
                                                      vehicle__isnull=False, date__range=(since, run.day)),
                           run, "customer__")
                .annotate(person=person).values_list("vehicle_id", "customer_id", "person", "date", "mileage_km"))
    last: dict[int, tuple] = {}
    for vehicle, customer, owner, day, km in services:  # one dealer's services of a few months
        seen = last.get(vehicle)
        if seen is None or day > seen[3] or (day == seen[3] and (km or 0) > (seen[4] or 0)):
            last[vehicle] = (customer, owner, s.service_months, day, km, s.service_km, "s")
    never = ~Exists(Transaction.objects.filter(vehicle=OuterRef("pk"), kind=TransactionKind.SERVICE,
                                               date__lte=run.day))
    new = (_cared_for(Vehicle.objects.filter(never, purchase_date__range=(since, run.day)), run, "customer__")
           .annotate(person=person).values_list("pk", "customer_id", "person", "purchase_date", "sold_by_us"))
    for vehicle, customer, owner, bought, ours in new:
        months, km = (s.first_service_months, s.first_service_km) if ours else (s.service_months, s.service_km)
        last[vehicle] = (customer, owner, months, bought, 0 if ours else None, km, "p")
    if not last:
        return []
    odometer = Odometer.of(_readings(run, list(last)) + [
        (vehicle, row[3], 0) for vehicle, row in last.items() if row[6] == "p" and row[4] == 0])
    found = []
    for vehicle, (customer, owner, months, since_day, since_km, km, marker) in last.items():
        by_months = np.datetime64(calendar.add_months(since_day, months), "D")
        by_km = odometer.reaches(vehicle, since_km + km) if since_km is not None else None
        due, reason = (by_km, "km") if by_km is not None and by_km < by_months else (by_months, "months")
        if _window(run, due):
            found.append(Due(customer, vehicle, owner, due.astype(dt.date), f"v{vehicle}:{marker}{since_day}", reason))
    return found


def _replacement(run: Run) -> list[Due]:
    """When the car reaches the dealer's age or mileage for a replacement, whichever first (once
    per car)."""
    s, target = run.settings, run.target
    person = _person(_owner_path(run.rule, "customer__"))
    oldest = calendar.add_months(target - dt.timedelta(days=CATCH_UP_DAYS), -12 * s.replacement_years)
    youngest = calendar.add_months(target, -12 * s.replacement_years)
    near = (Transaction.objects.filter(dealer_id=run.dealer_id, vehicle__isnull=False,
                                       mileage_km__gte=s.replacement_km - REPLACEMENT_APPROACH_KM,
                                       date__range=(run.day - dt.timedelta(days=READINGS_WINDOW_DAYS), run.day))
            .values("vehicle_id"))
    cars = (_cared_for(Vehicle.objects.filter(Q(purchase_date__range=(oldest, youngest)) | Q(pk__in=near)),
                       run, "customer__")
            .annotate(person=person).values_list("pk", "customer_id", "person", "purchase_date"))
    cars = list(cars)
    if not cars:
        return []
    odometer = Odometer.of(_readings(run, [car[0] for car in cars]))
    found = []
    for vehicle, customer, owner, bought in cars:  # the cars reaching an age or a mileage soon
        dues = []
        if bought is not None:
            dues.append((np.datetime64(calendar.add_months(bought, 12 * s.replacement_years), "D"), "age"))
        by_km = odometer.reaches(vehicle, s.replacement_km)
        if by_km is not None:
            dues.append((by_km, "km"))
        if dues:
            due, reason = min(dues)
            if _window(run, due):
                found.append(Due(customer, vehicle, owner, due.astype(dt.date), f"v{vehicle}", reason))
    return found


# --- writing the tasks ------------------------------------------------------------------------

_COLUMNS = ("dealer_id", "customer_id", "vehicle_id", "kind", "rule_id", "occurrence", "reason", "due_on", "owner_id",
            "department", "channel", "template_code", "status", "outcome", "notes", "created_at")


def _insert(run: Run, found: Candidates, now: dt.datetime) -> int:
    """``INSERT INTO care_task ... SELECT`` the candidates' rows; an occurrence already made is
    left alone (the unique key). Answers how many tasks were added."""
    rule, department = run.rule, _department(run.rule)
    big, text = models.BigIntegerField(), models.CharField()
    values = {
        "dealer_id": Value(run.dealer_id, big), "customer_id": Cast(F(found.customer), big),
        "vehicle_id": Cast(F(found.vehicle), big) if found.vehicle else Cast(Value(None), big),
        "kind": Value(rule.kind, text), "rule_id": Value(rule.pk, big), "occurrence": found.occurrence,
        "reason": Value(found.reason, text), "due_on": Value(found.due, models.DateField()),
        "owner_id": Coalesce(found.person, Value(run.manager[department], big), output_field=big)
        if run.manager[department] else found.person,
        "department": Value(department, text), "channel": Value(rule.channel, text),
        "template_code": Value(rule.template_code, text), "status": Value(TaskStatus.OPEN, text),
        "outcome": Value("", text), "notes": Value("", text), "created_at": Value(now, models.DateTimeField()),
    }
    aliases = {name: f"new_{name}" for name in _COLUMNS}
    select = found.queryset.order_by().annotate(**{aliases[n]: values[n] for n in _COLUMNS}).values(
        *aliases.values())
    try:
        sql, params = select.query.sql_with_params()
    except EmptyResultSet:  # a list of dates or files that is empty: nothing falls due
        return 0
    quote = connection.ops.quote_name
    columns = ", ".join(quote(Task._meta.get_field(name).column) for name in _COLUMNS)
    picked = ", ".join(quote(aliases[n]) for n in _COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(Task._meta.db_table)} ({columns}) SELECT {picked} FROM ({sql}) AS found "
                       f"WHERE true ON CONFLICT DO NOTHING", params)
        return max(cursor.rowcount, 0)


def _insert_dues(run: Run, dues: list[Due], now: dt.datetime) -> int:
    """Insert tasks computed in numpy (a dealer's day: a few), the new occurrences only."""
    if not dues:
        return 0
    rule, department = run.rule, _department(run.rule)
    made = set(Task.objects.filter(rule=rule, occurrence__in=[d.occurrence for d in dues])
               .values_list("customer_id", "occurrence"))
    new = [Task(dealer_id=run.dealer_id, customer_id=d.customer, vehicle_id=d.vehicle, kind=rule.kind, rule=rule,
                occurrence=d.occurrence, reason=d.reason, due_on=d.due, owner_id=d.person or run.manager[department],
                department=department, channel=rule.channel, template_code=rule.template_code, created_at=now)
           for d in dues if (d.customer, d.occurrence) not in made]
    Task.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def _message_touches(run: Run, now: dt.datetime, create: Callable[[], int]) -> int:
    """The tasks of a rule whose channel is a message (SMS, WeChat, e-mail): made as every
    rule's are, then each queues its message (``care.messages``); the tasks this call made are
    those of ``run.rule`` created at ``now``."""
    made = create()
    if made:
        queue_for(Task.objects.filter(rule=run.rule, created_at=now).select_related("customer__dealer", "vehicle")
                  .order_by("pk"), run.day)
    return made


SQL_KINDS: dict[str, Callable[[Run], list[Candidates]]] = {
    TaskKind.BIRTHDAY: _birthdays,
    **dict.fromkeys(FESTIVALS, _festival),
    **dict.fromkeys(DELIVERY_DAYS, _delivery),
    **dict.fromkeys(INSURANCE_DAYS, _insurance),
    TaskKind.INSPECTION: _inspection,
    TaskKind.ACCIDENT: _accident,
    TaskKind.VIP_VISIT: _vip,
    TaskKind.MANAGER_CONTACT: _vip,
}
NUMPY_KINDS: dict[str, Callable[[Run], list[Due]]] = {
    TaskKind.SERVICE_DUE: _service_due,
    TaskKind.REPLACEMENT: _replacement,
}


def _make(run: Run, now: dt.datetime) -> int:
    if run.rule.kind in NUMPY_KINDS:
        def create():
            return _insert_dues(run, NUMPY_KINDS[run.rule.kind](run), now)
    else:
        def create():
            return sum(_insert(run, found, now) for found in SQL_KINDS[run.rule.kind](run))
    return _message_touches(run, now, create) if run.rule.channel == Channel.MESSAGE else create()


@transaction.atomic
def generate(*, actor=None, day: dt.date, dealer_ids=None) -> dict[str, int]:
    """Make the tasks of every enabled rule at the dealers (all, by default) whose touch falls
    due on ``day`` plus the rule's lead days. Answers ``{kind: tasks added}``; nothing is added
    for an occurrence already made. A dealer without rules gets the defaults written first."""
    dealers = list((Dealer.objects.filter(pk__in=dealer_ids) if dealer_ids is not None else Dealer.objects.all())
                   .order_by("pk").values_list("pk", flat=True))
    ensure_rules(actor=actor, dealer_ids=dealers)
    people = stand_ins(dealers)
    settings = {dealer: settings_for(dealer) for dealer in dealers}
    now, added = timezone.now(), dict.fromkeys(TaskKind.values, 0)
    for rule in CareRule.objects.filter(dealer_id__in=dealers, enabled=True).order_by("dealer_id", "id"):
        run = Run(rule, day, day + dt.timedelta(days=rule.lead_days), settings[rule.dealer_id],
                  people[rule.dealer_id])
        added[rule.kind] += _make(run, now)
    added = {kind: n for kind, n in added.items() if n}
    if added:
        audit.record(actor=actor, action=AuditCode.TASK_GENERATE, object_type="care", object_id=day.isoformat(),
                     after={"day": day, "dealers": len(dealers), **added, "total": sum(added.values())})
    return added
