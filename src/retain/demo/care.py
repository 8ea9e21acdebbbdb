"""The care calendar's year before the demo's "today", as columns.

``add_care(data, rng, today)`` reads the generated customers, vehicles, transactions, consents
and staff from ``data.tables``, completes the customers (a service advisor for every owner of a
car, 8% lunar birthdays, the introductions credited to VIPs), adds insurance claims, and appends
the care tables: every dealer's default rules, a VIP file per VIP customer and the tasks the
daily job would have made in the 365 days before ``today`` (and those already made for the days
just after it), with the same occurrence keys, so a job run on the demo adds only what is new.
Everything is drawn column-wise with numpy; the Python loops run over the rules, the festivals,
the inspection steps and the distinct birth dates.

Planted:

- Tasks due before today are done, with outcomes reached 55%, no answer 15%, booked a service 8%,
  not interested 10%, interested in a replacement 5%, wrong number 5%, asked not to be contacted
  2% (each of those withdraws marketing consent: a consent row on the day); about 8% are left
  open (overdue). Done 0-3 days after the due day, by the task's owner. Tasks due from today on
  are open.
- Service due six months after each service with no service since (by months: the demo's
  transactions carry no odometer readings); insurance renewal 60, 30 and 7 days before expiry;
  inspections by the schedule of ``care.calendar``; replacement at five years; an accident
  condolence the day after each claim (2% of cars a year); after-delivery calls for the year's
  vehicle sales; the four festivals and every birthday; a VIP visit every month and the manager's
  contact every three.
"""

import datetime as dt

import numpy as np
import pandas as pd

from retain.care import calendar
from retain.care.models import (
    RULE_KINDS,
    Assignee,
    Outcome,
    TaskKind,
    TaskStatus,
    VipSource,
)
from retain.care.rules import DEFAULTS, default_template
from retain.care.services.generate import CARE_CLASSES, DELIVERY_DAYS, FESTIVALS, INSURANCE_DAYS, add_months_array
from retain.care.services.tasks import WITHDRAWN_ON_A_CALL
from retain.customers.models import ConsentChannel, ConsentPurpose, Source, TransactionKind
from retain.org.models import DepartmentKind, Role
from retain.org.policy import STAND_INS

from . import columns as col
from .records import DemoData

DAY = np.timedelta64(1, "D")
LUNAR_SHARE = 0.08
CLAIMS_PER_CAR_YEAR = 0.02
REFERRED_BY_VIP_SHARE = 0.5  # of the customers whose source is a VIP introduction
OPEN_SHARE = 0.08
OUTCOMES = [Outcome.REACHED, Outcome.NO_ANSWER, Outcome.BOOKED_SERVICE, Outcome.NOT_INTERESTED,
            Outcome.INTERESTED_REPLACEMENT, Outcome.WRONG_NUMBER, Outcome.DO_NOT_CONTACT]
OUTCOME_SHARES = [0.55, 0.15, 0.08, 0.10, 0.05, 0.05, 0.02]
SERVICE_MONTHS, REPLACEMENT_YEARS, MANAGER_EVERY = 6, 5, 3
CARE_CLASS_VALUES = [c.value for c in CARE_CLASSES]


def _iso(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"))


def _text(*parts) -> np.ndarray:
    """Occurrence keys: numpy strings and numbers joined."""
    out = np.asarray(parts[0]).astype(str)
    for part in parts[1:]:
        out = np.char.add(out, np.asarray(part).astype(str))
    return out


class Batch:
    """The tasks of the year, collected kind by kind, then written as one table."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, kind: str, customer, due, *, vehicle=None, occurrence, reason="") -> None:
        customer = np.asarray(customer, dtype=np.int64)
        if customer.size == 0:
            return
        self.parts.append({
            "kind": np.full(customer.size, kind, dtype=object), "customer": customer,
            "vehicle": np.full(customer.size, -1) if vehicle is None else np.asarray(vehicle, dtype=np.int64),
            "due": np.asarray(due).astype("datetime64[D]"), "occurrence": np.asarray(occurrence).astype(object),
            "reason": np.full(customer.size, reason, dtype=object)})

    def column(self, name):
        return np.concatenate([p[name] for p in self.parts])


def add_care(data: DemoData, rng: np.random.Generator, today) -> None:
    """Append the care tables for the year before ``today`` (see the module's docstring)."""
    today = np.datetime64(today, "D")
    start = today - 364 * DAY
    streams = rng.spawn(6)
    customers = data.tables["customers.Customer"]
    staff = data.tables["org.Staff"]
    n = len(customers["id"])
    dealer = customers["dealer_id"] - 1
    n_dealers = len(data.tables["org.Dealer"]["id"])
    role_of = _managers(staff, n_dealers)

    cared = np.isin(customers["classification"], CARE_CLASS_VALUES)
    has_birthday = ~np.ma.getmaskarray(customers["birthday"])
    customers["birthday_lunar"] = has_birthday & (streams[0].random(n) < LUNAR_SHARE)
    advisors = role_of["advisors"]
    holders = np.isin(np.arange(n) + 1, data.tables["customers.Vehicle"]["customer_id"])
    pick = advisors[dealer, streams[0].integers(0, advisors.shape[1], size=n)]
    customers["service_advisor_id"] = np.ma.masked_array(pick, mask=~holders | (pick == 0))
    vip_customers = np.flatnonzero(customers["classification"] == "vip")
    _referrals(customers, streams[1], dealer, vip_customers)
    claims = _claims(data, streams[2], today)

    marketing_ok = ~_withdrew(data.tables["customers.Consent"], n)
    batch = Batch()
    _birthdays(batch, customers, cared & marketing_ok & has_birthday, start, today)
    _festivals(batch, cared & marketing_ok, start, today)
    _vehicles(batch, data, cared, marketing_ok, start, today)
    batch.add(TaskKind.ACCIDENT, claims["customer_id"], claims["date"] + DAY,
              vehicle=claims["vehicle_id"], occurrence=_text("t", claims["id"]))
    files = _vip_files(data, streams[3], customers, vip_customers, dealer, role_of, today)
    _vip_touches(batch, files, start, today)
    rules = _rules(data, n_dealers)
    _tasks(data, streams[4], batch, customers, dealer, rules, role_of, files, today)


# --- the customers completed ------------------------------------------------------------------

def _managers(staff: dict, n_dealers: int) -> dict:
    """Per dealer: its service advisors, and per department the manager who takes the work nobody
    owns (``org.policy.STAND_INS``: the first of its roles the dealer has; 0 for none)."""
    dealer = np.ma.filled(staff["dealer_id"], 0)
    role_ids = {}
    for role in {role for roles in STAND_INS.values() for role in roles}:
        ids = np.zeros(n_dealers, dtype=np.int64)
        mine = (staff["role"] == str(role)) & (dealer > 0)
        ids[dealer[mine][::-1] - 1] = staff["id"][mine][::-1]  # the lowest id of the role wins
        role_ids[role] = ids
    fallback = {}
    for department, roles in STAND_INS.items():
        chosen = np.zeros(n_dealers, dtype=np.int64)
        for role in reversed(roles):  # the first role in the list takes precedence
            chosen = np.where(role_ids[role] > 0, role_ids[role], chosen)
        fallback[department] = chosen
    advisor = staff["role"] == Role.SERVICE_ADVISOR.value
    per_dealer = np.bincount(dealer[advisor] - 1, minlength=n_dealers)
    advisors = np.zeros((n_dealers, max(1, int(per_dealer.max(initial=0)))), dtype=np.int64)
    order = np.argsort(dealer[advisor], kind="stable")
    ids, where = staff["id"][advisor][order], dealer[advisor][order] - 1
    advisors[where, np.arange(ids.size) - np.searchsorted(where, where)] = ids
    return {"advisors": advisors, "fallback": fallback}


def _referrals(customers: dict, rng, dealer: np.ndarray, vips: np.ndarray) -> None:
    """Half the customers who came by a VIP's introduction name a VIP of their dealer."""
    referred = np.full(dealer.size, 0, dtype=np.int64)
    came = np.flatnonzero((customers["source"] == Source.VIP.value) & (rng.random(dealer.size) < REFERRED_BY_VIP_SHARE))
    if vips.size:
        by_dealer = np.argsort(dealer[vips], kind="stable")
        sorted_vips, vip_dealer = vips[by_dealer], dealer[vips][by_dealer]
        first = np.searchsorted(vip_dealer, dealer[came], side="left")
        count = np.searchsorted(vip_dealer, dealer[came], side="right") - first
        ok = count > 0
        came = came[ok]
        choice = first[ok] + (rng.integers(0, 1 << 30, size=came.size) % count[ok])
        referred[came] = sorted_vips[choice] + 1
        referred[came[referred[came] == came + 1]] = 0  # nobody introduces themselves
    customers["referred_by_id"] = np.ma.masked_array(referred, mask=referred == 0)


def _claims(data: DemoData, rng, today) -> dict:
    """Insurance claims (accident repairs) of the last year, appended to the transactions."""
    vehicles, ledger = data.tables["customers.Vehicle"], data.tables["customers.Transaction"]
    cars = np.flatnonzero(rng.random(len(vehicles["id"])) < CLAIMS_PER_CAR_YEAR)
    day = today - rng.integers(1, 365, size=cars.size) * DAY
    owner = vehicles["customer_id"][cars]
    dealer = data.tables["customers.Customer"]["dealer_id"][owner - 1]
    ids = len(ledger["id"]) + col.ids(cars.size)
    claim = {"id": ids, "customer_id": owner, "dealer_id": dealer,
             "vehicle_id": np.ma.masked_array(vehicles["id"][cars], mask=np.zeros(cars.size, bool)),
             "kind": np.full(cars.size, TransactionKind.INSURANCE_CLAIM.value), "date": day,
             "amount_cents": (rng.gamma(2.0, 2_500.0, size=cars.size) * 100).astype(np.int64),
             "reference": np.char.add("CL", np.char.zfill(ids.astype(str), 8))}
    for name, values in claim.items():
        column = ledger[name]
        ledger[name] = (np.ma.concatenate([column, values]) if np.ma.isMaskedArray(column)
                        else np.concatenate([column, np.asarray(values, dtype=column.dtype)]))
    return claim


def _withdrew(consents: dict, n: int) -> np.ndarray:
    """Customers whose newest marketing consent row is a refusal."""
    marketing = consents["purpose"] == ConsentPurpose.MARKETING.value
    refused = np.zeros(n, dtype=bool)
    refused[consents["customer_id"][marketing & ~consents["granted"]] - 1] = True  # one row per purpose here
    return refused


# --- the kinds ------------------------------------------------------------------------------

def _in_window(days, start, today) -> np.ndarray:
    return (days >= start) & (days <= today + 14 * DAY)


def _birthdays(batch: Batch, customers: dict, who: np.ndarray, start, today) -> None:
    birth = np.ma.getdata(customers["birthday"]).astype("datetime64[D]")
    lunar = customers["birthday_lunar"]
    years = np.arange(start.astype("datetime64[Y]").astype(int) + 1970, today.astype("datetime64[Y]").astype(int) + 1971)
    for year in years:  # solar: the anniversary in each calendar year of the window
        age = year - (birth.astype("datetime64[Y]").astype(int) + 1970)
        due = add_months_array(birth, 12 * age)
        hit = who & ~lunar & _in_window(due, start, today)
        batch.add(TaskKind.BIRTHDAY, np.flatnonzero(hit) + 1, due[hit], occurrence=np.full(hit.sum(), str(year)),
                  reason="solar")
    lunar_who = np.flatnonzero(who & lunar)
    dates, which = np.unique(birth[lunar_who], return_inverse=True)
    for lunar_year in range(int(years[0]) - 1, int(years[-1]) + 1):  # each distinct birth date once
        greeting = np.array([calendar.lunar_birthday(d, lunar_year) or np.datetime64("NaT", "D")
                             for d in dates.astype(dt.date).tolist()], dtype="datetime64[D]")
        due = greeting[which] if dates.size else np.array([], dtype="datetime64[D]")
        hit = ~np.isnat(due) & _in_window(due, start, today)
        batch.add(TaskKind.BIRTHDAY, lunar_who[hit] + 1, due[hit], occurrence=np.full(hit.sum(), f"L{lunar_year}"),
                  reason="lunar")


def _festivals(batch: Batch, who: np.ndarray, start, today) -> None:
    for kind, festival in FESTIVALS.items():
        for year in {start.astype(dt.date).year, today.astype(dt.date).year}:
            day = calendar.festivals(year).get(festival)
            if day is not None and start.astype(dt.date) <= day <= today.astype(dt.date):
                ids = np.flatnonzero(who) + 1
                batch.add(kind, ids, np.full(ids.size, np.datetime64(day, "D")), occurrence=np.full(ids.size, str(year)))


def _vehicles(batch: Batch, data: DemoData, cared, marketing_ok, start, today) -> None:
    vehicles, ledger = data.tables["customers.Vehicle"], data.tables["customers.Transaction"]
    owner = vehicles["customer_id"]
    ok = cared[owner - 1]
    vid = vehicles["id"]
    # after delivery: the year's vehicle sales
    sale = (ledger["kind"] == TransactionKind.VEHICLE_SALE.value) & ~np.ma.getmaskarray(ledger["vehicle_id"])
    sold_car, sold_on = np.ma.getdata(ledger["vehicle_id"])[sale], ledger["date"][sale].astype("datetime64[D]")
    for kind, days in DELIVERY_DAYS.items():
        due = sold_on + days * DAY
        hit = _in_window(due, start, today) & ok[sold_car - 1]
        batch.add(kind, owner[sold_car[hit] - 1], due[hit], vehicle=sold_car[hit], occurrence=_text("v", sold_car[hit]))
    # service due six months after a service with none since
    service = (ledger["kind"] == TransactionKind.SERVICE.value) & ~np.ma.getmaskarray(ledger["vehicle_id"])
    car, day = np.ma.getdata(ledger["vehicle_id"])[service], ledger["date"][service].astype("datetime64[D]")
    order = np.lexsort((day, car))
    car, day = car[order], day[order]
    last = np.r_[car[1:] != car[:-1], True]
    nxt = np.where(last, np.datetime64("NaT", "D"), np.r_[day[1:], day[:1]])
    due = add_months_array(day, np.full(day.size, SERVICE_MONTHS))
    hit = _in_window(due, start, today) & (np.isnat(nxt) | (nxt > due)) & ok[car - 1]
    hit &= np.r_[(car[1:] != car[:-1]) | (day[1:] != day[:-1]), True]  # one per car and day
    batch.add(TaskKind.SERVICE_DUE, owner[car[hit] - 1], due[hit], vehicle=car[hit],
              occurrence=_text("v", car[hit], ":s", _iso(day[hit])), reason="months")
    # insurance renewal
    expiry = np.ma.getdata(vehicles["insurance_expiry"]).astype("datetime64[D]")
    has_expiry = ~np.ma.getmaskarray(vehicles["insurance_expiry"])
    for kind, days in INSURANCE_DAYS.items():
        due = expiry - days * DAY
        hit = has_expiry & ok & _in_window(due, start, today)
        batch.add(kind, owner[hit], due[hit], vehicle=vid[hit], occurrence=_text("v", vid[hit], ":", _iso(expiry[hit])))
    # inspection and replacement, from the purchase date
    bought = np.ma.getdata(vehicles["purchase_date"]).astype("datetime64[D]")
    has_date = ~np.ma.getmaskarray(vehicles["purchase_date"])
    for months, what in calendar.INSPECTION_STEPS:
        due = add_months_array(bought, np.full(bought.size, months))
        hit = has_date & ok & _in_window(due, start, today)
        batch.add(TaskKind.INSPECTION, owner[hit], due[hit], vehicle=vid[hit],
                  occurrence=_text("v", vid[hit], ":", _iso(due[hit])), reason=what)
    due = add_months_array(bought, np.full(bought.size, 12 * REPLACEMENT_YEARS))
    hit = has_date & ok & marketing_ok[owner - 1] & _in_window(due, start, today)
    batch.add(TaskKind.REPLACEMENT, owner[hit], due[hit], vehicle=vid[hit], occurrence=_text("v", vid[hit]),
              reason="age")


def _vip_files(data: DemoData, rng, customers: dict, vips: np.ndarray, dealer: np.ndarray, role_of: dict,
               today) -> dict:
    """A file per VIP customer, opened in the last three years, visited by their consultant (or the
    dealer's sales manager for an unassigned VIP), kept in touch with by the sales manager."""
    n = vips.size
    owner = np.ma.filled(customers["owner_id"], 0)[vips]
    manager = role_of["fallback"][DepartmentKind.SALES][dealer[vips]]
    sources = np.array(VipSource.values)
    files = {
        "id": col.ids(n), "customer_id": vips + 1, "dealer_id": dealer[vips] + 1,
        "source": sources[rng.integers(0, sources.size, size=n)], "organisation": np.full(n, ""),
        "consultant_id": np.where(owner > 0, owner, manager), "manager_id": manager,
        "opened_on": today - rng.integers(30, 3 * 365, size=n) * DAY, "active": rng.random(n) < 0.95,
        "notes": np.full(n, ""), "updated_at": np.full(n, today.astype("datetime64[s]")),
    }
    data.tables["care.VipFile"] = files
    return files


def _vip_touches(batch: Batch, files: dict, start, today) -> None:
    opened = files["opened_on"].astype("datetime64[D]")
    active = files["active"]
    first_month = start.astype("datetime64[M]")
    for step in range(14):  # each month of the window
        month = first_month + step
        last = (month + 1).astype("datetime64[D]") - DAY
        day_of = (opened - opened.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
        due = np.minimum(month.astype("datetime64[D]") + day_of, last)
        hit = active & (opened < due) & _in_window(due, start, today)
        label = str(month)
        batch.add(TaskKind.VIP_VISIT, files["customer_id"][hit], due[hit],
                  occurrence=_text("f", files["id"][hit], f":{label}"))
        months_since = (month - opened.astype("datetime64[M]")).astype(np.int64)
        manager = hit & (months_since % MANAGER_EVERY == 0)
        batch.add(TaskKind.MANAGER_CONTACT, files["customer_id"][manager], due[manager],
                  occurrence=_text("f", files["id"][manager], f":{label}"))


# --- rules and tasks -------------------------------------------------------------------------

def _rules(data: DemoData, n_dealers: int) -> dict:
    """Every dealer's default rules (ids: dealer by kind)."""
    kinds = [str(k) for k in RULE_KINDS]
    per = len(kinds)
    defaults = [DEFAULTS[k] for k in kinds]
    data.tables["care.CareRule"] = {
        "id": col.ids(n_dealers * per), "dealer_id": np.repeat(col.ids(n_dealers), per),
        "kind": np.tile(kinds, n_dealers), "enabled": np.ones(n_dealers * per, dtype=bool),
        "lead_days": np.tile([d.lead_days for d in defaults], n_dealers),
        "channel": np.tile([str(d.channel) for d in defaults], n_dealers),
        "template_code": np.tile([default_template(k, d.channel) for k, d in zip(kinds, defaults)], n_dealers),
        "assignee": np.tile([str(d.assignee) for d in defaults], n_dealers),
        "updated_at": np.full(n_dealers * per, np.datetime64("2020-01-01T00:00:00", "s")),
    }
    return {"index": {k: i for i, k in enumerate(kinds)}, "per": per, "defaults": dict(zip(kinds, defaults))}


def _per_kind(kind: np.ndarray, value) -> np.ndarray:
    """``value(k)`` for each task's kind, asked once per kind (millions of tasks, a dozen kinds)."""
    codes, kinds = pd.factorize(kind)
    return np.array([value(k) for k in kinds])[codes]


def _tasks(data: DemoData, rng, batch: Batch, customers: dict, dealer: np.ndarray, rules: dict, role_of: dict,
           files: dict, today) -> None:
    if not batch.parts:
        return
    kind, customer, vehicle, due = batch.column("kind"), batch.column("customer"), batch.column("vehicle"), \
        batch.column("due")
    occurrence, reason = batch.column("occurrence").astype(str), batch.column("reason").astype(str)
    keep = due <= today + _per_kind(kind, lambda k: DEFAULTS[k].lead_days) * DAY  # made by today
    # one per customer, rule and occurrence (the first drawn): hashed by pandas, not sorted as text
    keep &= ~pd.DataFrame({"customer": customer, "kind": kind, "occurrence": occurrence}).duplicated().to_numpy()
    kind, customer, vehicle, due, occurrence, reason = (a[keep] for a in (kind, customer, vehicle, due, occurrence,
                                                                            reason))
    n = kind.size
    where = dealer[customer - 1]
    rule_index = _per_kind(kind, lambda k: rules["index"][k])
    assignee = _per_kind(kind, lambda k: str(rules["defaults"][k].assignee))
    advisor = assignee == Assignee.SERVICE_ADVISOR
    department = np.where(advisor, DepartmentKind.SERVICE.value, DepartmentKind.SALES.value)
    person = np.where(advisor, np.ma.filled(customers["service_advisor_id"], 0)[customer - 1],
                      np.ma.filled(customers["owner_id"], 0)[customer - 1])
    file_of = np.zeros(len(customers["id"]) + 1, dtype=np.int64)
    file_of[files["customer_id"]] = np.arange(files["id"].size)
    vip_visit, manager_contact = kind == TaskKind.VIP_VISIT, kind == TaskKind.MANAGER_CONTACT
    person[vip_visit] = files["consultant_id"][file_of[customer[vip_visit]]]
    person[manager_contact] = files["manager_id"][file_of[customer[manager_contact]]]
    fallback = np.where(advisor, role_of["fallback"][DepartmentKind.SERVICE][where],
                        role_of["fallback"][DepartmentKind.SALES][where])
    person = np.where(person > 0, person, fallback)
    channel = _per_kind(kind, lambda k: str(rules["defaults"][k].channel))

    past = due < today
    done = past & (rng.random(n) >= OPEN_SHARE)
    outcome = np.where(done, col.pick(rng, [str(o) for o in OUTCOMES], OUTCOME_SHARES, n), "")
    done_on = np.minimum(due + rng.integers(0, 4, size=n) * DAY, today)
    lead = _per_kind(kind, lambda k: DEFAULTS[k].lead_days)
    data.tables["care.Task"] = {
        "id": col.ids(n), "dealer_id": where + 1, "customer_id": customer,
        "vehicle_id": np.ma.masked_array(vehicle, mask=vehicle < 0), "kind": kind.astype(str),
        "rule_id": where * rules["per"] + rule_index + 1, "occurrence": occurrence, "reason": reason, "due_on": due,
        "owner_id": np.ma.masked_array(person, mask=person == 0), "department": department, "channel": channel,
        "template_code": np.array([default_template(k, c) for k, c in zip(kind.tolist(), channel.tolist())]),
        "status": np.where(done, TaskStatus.DONE.value, TaskStatus.OPEN.value), "outcome": outcome,
        "notes": np.full(n, ""), "done_on": np.ma.masked_array(done_on, mask=~done),
        "done_by_id": np.ma.masked_array(person, mask=~done | (person == 0)),
        "created_at": col.datetimes(rng, due - lead * DAY, 0.0, 1.0),
    }
    _withdrawals(data, customer[outcome == Outcome.DO_NOT_CONTACT], done_on[outcome == Outcome.DO_NOT_CONTACT],
                 person[outcome == Outcome.DO_NOT_CONTACT], rng)


def _withdrawals(data: DemoData, customer, day, person, rng) -> None:
    """The consent withdrawn by each "asked not to be contacted" (as the outcome service records)."""
    consents = data.tables["customers.Consent"]
    n = customer.size
    new = {"id": len(consents["id"]) + col.ids(n), "customer_id": customer,
           "purpose": np.full(n, ConsentPurpose.MARKETING.value), "granted": np.zeros(n, dtype=bool),
           "channel": np.full(n, ConsentChannel.PHONE.value), "notice_version": np.full(n, WITHDRAWN_ON_A_CALL),
           "recorded_at": col.datetimes(rng, day, 2.0, 9.0), "recorded_by_id": np.ma.masked_array(person)}
    for name, values in new.items():
        column = consents[name]
        consents[name] = (np.ma.concatenate([column, values]) if np.ma.isMaskedArray(column)
                          else np.concatenate([column, values.astype(column.dtype) if column.dtype.kind != "U"
                                               else values]))

