"""The synthetic dealer group, as columns.

``generate(scale, seed)`` returns every table of the demo as numpy columns keyed by model field
(attname), in insertion order, without touching the database; ``load`` writes them. The same
seed gives the same data. Each part draws from its own child random stream, so changing how
vehicles are drawn does not reshuffle the customers.

What is planted and why is in docs/demo.md; the numbers are in ``truth``.
"""

from dataclasses import dataclass

import numpy as np

from retain.customers.models import Classification as Class
from retain.customers.models import ConsentChannel, ConsentPurpose, CustomerKind, Gender, Source, Status
from retain.customers.models import TransactionKind as Kind
from retain.org.models import DepartmentKind as Dept
from retain.org.models import Role

from . import columns as col
from . import history, identifiers, names, sales, truth
from .records import Customers, DemoData, Org

DAY = np.timedelta64(1, "D")
START = np.datetime64(truth.OBSERVATION_START, "D")
END = np.datetime64(truth.OBSERVATION_END, "D")
WINDOW_DAYS = int((END - START) / DAY)

CLASSES = [c.value for c in (Class.OWN_SOLD, Class.OTHER_SOLD, Class.OTHER_BRAND, Class.BASE, Class.VIP, Class.PROSPECT,
                              Class.DEFEATED, Class.POTENTIAL)]
CLASS_SHARES = [0.48, 0.12, 0.08, 0.07, 0.03, 0.10, 0.04, 0.08]
#: Classes whose members own cars on record.
HOLDERS = {c.value for c in (Class.OWN_SOLD, Class.OTHER_SOLD, Class.OTHER_BRAND, Class.BASE, Class.VIP)}
PROSPECT_SOURCES = names.PROSPECT_SOURCES
PROSPECT_SOURCE_SHARES = [0.42, 0.16, 0.06, 0.05, 0.08, 0.06, 0.09, 0.08]
OWNER_SOURCES = [s.value for s in (Source.WALK_IN, Source.SERVICE, Source.BASE_MAINTENANCE, Source.IMPORT, Source.VIP)]
OWNER_SOURCE_SHARES = [0.45, 0.25, 0.15, 0.10, 0.05]

UNASSIGNED_SHARE = 0.10
DUPLICATE_SHARE = 0.005
EXTRA_VEHICLES_PER_HOLDER = 0.6
PARTS_PER_SERVICE_VISIT = 0.6
INSURANCE_RENEWAL_SHARE = 0.7


@dataclass(frozen=True)
class Scale:
    regions: int
    dealers: int
    customers: int
    consultants_per_dealer: int = 3
    advisors_per_dealer: int = 2


SCALES = {
    "small": Scale(regions=3, dealers=8, customers=20_000),
    "medium": Scale(regions=8, dealers=80, customers=200_000),
    # A group at the size the speed targets are set for (README, "Speed"): a million customers.
    "large": Scale(regions=10, dealers=100, customers=1_000_000),
}

#: Dealer managers, one per dealer, numbered by dealer (gm1 runs D01).
DEALER_MANAGERS = [(prefix, role.value, dept.value) for prefix, role, dept in (
    ("gm", Role.DEALER_GM, Dept.MANAGEMENT), ("sales", Role.SALES_MANAGER, Dept.SALES),
    ("showroom", Role.SHOWROOM_MANAGER, Dept.SALES), ("servicemgr", Role.SERVICE_MANAGER, Dept.SERVICE),
    ("marketing", Role.MARKETING, Dept.MARKETING))]
DEPARTMENTS = [d.value for d in (Dept.SALES, Dept.SERVICE, Dept.MARKETING, Dept.MANAGEMENT)]


def generate(scale: Scale, seed: int, password_hash: str, today=None) -> DemoData:
    """The whole demo, on one timeline ending on ``today`` (the build date; default
    ``truth.OBSERVATION_END``): the customer base's four years of history are drawn on the
    grid ending ``truth.OBSERVATION_END`` and moved to end on ``today``, and the showroom's
    year of sales work ends on ``today``, so a demo built today has follow-ups due today and
    its last service visits in the last days. The same seed and day give the same data."""
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(8)]
    data = DemoData()
    org = _organisation(data, scale, password_hash)
    customers = _customers(data, streams[0], scale, org)
    vehicles = _vehicles(data, streams[1], customers)
    _transactions(data, streams[2], customers, vehicles)
    _consents(data, streams[3], customers)
    _classification_history(data, customers)
    _tags(data, streams[4], customers)
    today = np.datetime64(today or truth.OBSERVATION_END, "D")
    move_history(data, customers, today - END)
    sales.add_sales(data, streams[5], customers, today)
    return data


#: Dates that stay where they are drawn when the history moves: a birthday is also written into
#: the national ID number.
FIXED_DATES = {("customers.Customer", "birthday")}


def move_history(data: DemoData, customers: Customers, offset: np.timedelta64) -> None:
    """Move every date and time drawn so far (the customer base and its history) by ``offset``
    days, birthdays excepted. Intervals are unchanged, so every planted truth (docs/demo.md)
    holds as drawn: the history's T, recency and frequency are the same on the moved grid."""
    offset = np.timedelta64(offset, "D")
    if offset == np.timedelta64(0, "D"):
        return
    for label, columns in data.tables.items():
        for name, column in columns.items():
            if column.dtype.kind == "M" and (label, name) not in FIXED_DATES:
                columns[name] = column + offset
    customers.created = customers.created + offset


def _organisation(data: DemoData, scale: Scale, password_hash: str) -> Org:
    """Group -> regions -> dealers -> departments -> staff. Few rows: plain Python is clearest."""
    data.tables["org.DealerGroup"] = {"id": np.array([1]), "name": np.array([names.GROUP_NAME])}
    regions = [names.REGIONS[i % len(names.REGIONS)] for i in range(scale.regions)]
    data.tables["org.Region"] = {
        "id": col.ids(scale.regions), "group_id": np.ones(scale.regions, dtype=np.int64),
        "code": np.array([f"R{i + 1}" for i in range(scale.regions)]),
        "name": np.array([name for name, _ in regions]),
    }
    dealer_region = np.arange(scale.dealers) * scale.regions // scale.dealers
    cities, plates, districts, dealer_names, seen = [], [], [], [], {}
    for region in dealer_region:
        places = [(c, p, d) for c, p, ds in regions[region][1] for d in ds]
        turn = seen.get(region, 0)
        seen[region] = turn + 1
        city, plate, district = places[turn % len(places)]
        round_ = turn // len(places)
        cities.append(city), plates.append(plate), districts.append(district)
        dealer_names.append(f"瑞泰{city}{district}{round_ + 1 if round_ else ''}店")
    data.tables["org.Dealer"] = {
        "id": col.ids(scale.dealers), "region_id": dealer_region + 1,
        "code": np.array([f"D{i + 1:02d}" for i in range(scale.dealers)]),
        "name": np.array(dealer_names), "city": np.array(cities),
    }
    data.tables["org.Department"] = {
        "id": col.ids(scale.dealers * len(DEPARTMENTS)),
        "dealer_id": np.repeat(col.ids(scale.dealers), len(DEPARTMENTS)),
        "kind": np.tile(DEPARTMENTS, scale.dealers),
    }

    staff = []  # (username, role, region, dealer, department kind)
    staff.append(("admin", Role.GROUP_ADMIN.value, None, None, None))
    staff += [(f"region{r + 1}", Role.REGION_MANAGER.value, r + 1, None, None) for r in range(scale.regions)]
    first_consultant = []
    for d in range(scale.dealers):
        region = int(dealer_region[d]) + 1
        staff += [(f"{prefix}{d + 1}", role, region, d + 1, kind) for prefix, role, kind in DEALER_MANAGERS]
        first_consultant.append(len(staff) + 1)
        staff += [(f"consultant{d * scale.consultants_per_dealer + k + 1}", Role.CONSULTANT.value, region, d + 1,
                   Dept.SALES.value)
                  for k in range(scale.consultants_per_dealer)]
        staff += [(f"service{d * scale.advisors_per_dealer + k + 1}", Role.SERVICE_ADVISOR.value, region, d + 1,
                   Dept.SERVICE.value)
                  for k in range(scale.advisors_per_dealer)]
    n = len(staff)
    rng = np.random.default_rng(len(staff))
    usernames, roles, region_ids, dealer_ids, kinds = (np.array(column, dtype=object) for column in zip(*staff))
    department = np.array(
        [None if k is None else (d - 1) * len(DEPARTMENTS) + DEPARTMENTS.index(k) + 1 for d, k in zip(dealer_ids, kinds)],
        dtype=object,
    )
    data.tables["org.Staff"] = {
        "id": col.ids(n), "username": usernames.astype(str), "password": np.full(n, password_hash),
        "last_name": np.asarray(names.SURNAMES)[rng.integers(0, 40, size=n)],
        "first_name": _given_names(rng, n), "email": np.full(n, ""),
        "is_superuser": np.zeros(n, dtype=bool), "is_staff": np.zeros(n, dtype=bool),
        "is_active": np.ones(n, dtype=bool),
        "date_joined": np.full(n, np.datetime64(truth.OBSERVATION_START, "s") - np.timedelta64(365, "D")),
        "last_login": col.nulls(n, "datetime64[s]"),
        "role": roles.astype(str), "group_id": np.ones(n, dtype=np.int64),
        "region_id": col.nullable(region_ids), "dealer_id": col.nullable(dealer_ids), "department_id": col.nullable(department),
    }
    dealer_names_by_id = dict(zip(range(1, scale.dealers + 1), dealer_names))
    region_names = {r + 1: regions[r][0] for r in range(scale.regions)}
    data.logins = [
        (u, r, dealer_names_by_id.get(d) or region_names.get(g) or names.GROUP_NAME)
        for u, r, g, d, _ in staff
        if u in {"admin", "region1", "gm1", "sales1", "showroom1", "consultant1", "consultant2", "service1",
                 "servicemgr1", "marketing1"}
    ]
    return Org(np.array(cities), np.array(plates), np.array(districts), np.array(first_consultant),
               scale.consultants_per_dealer)


def _given_names(rng, n: int) -> np.ndarray:
    chars = np.asarray(names.GIVEN_CHARACTERS)
    one = chars[rng.integers(0, len(chars), size=n)]
    two = np.where(rng.random(n) < 0.65, chars[rng.integers(0, len(chars), size=n)], "")
    return np.char.add(one, two)


def _customers(data: DemoData, rng, scale: Scale, org: Org) -> Customers:
    n = scale.customers
    n_dealers = len(org.dealer_city)
    dealer = rng.choice(n_dealers, size=n, p=rng.dirichlet(np.full(n_dealers, 8.0)))
    classification = col.pick(rng, CLASSES, CLASS_SHARES, n)
    company = rng.random(n) < 0.03
    male = rng.random(n) < 0.58

    # About 0.5% of records are a second registration of someone already on file: same person,
    # same mobile, entered later as a potential customer (the duplicates the merge action fixes).
    n_duplicates = int(round(n * DUPLICATE_SHARE))
    duplicate_of = rng.choice(np.flatnonzero(~company[: n - n_duplicates]), size=n_duplicates, replace=False)
    duplicates = np.arange(n - n_duplicates, n)
    classification[duplicates] = Class.POTENTIAL.value
    company[duplicates] = False

    person_names = np.char.add(
        np.asarray(names.SURNAMES)[rng.choice(len(names.SURNAMES), size=n,
                                              p=np.array(names.SURNAME_WEIGHTS) / sum(names.SURNAME_WEIGHTS))],
        _given_names(rng, n),
    )
    company_names = np.char.add(
        np.char.add(org.dealer_city[dealer], np.asarray(names.COMPANY_WORDS)[rng.integers(0, 12, size=n)]),
        np.char.add(np.asarray(names.COMPANY_TRADES)[rng.integers(0, 8, size=n)], "有限公司"),
    )
    name = np.where(company, company_names, person_names)
    mobile = identifiers.mobiles(rng, n)
    name[duplicates], mobile[duplicates] = name[duplicate_of], mobile[duplicate_of]
    male[duplicates] = male[duplicate_of]

    birthday = START - (rng.integers(22 * 365, 62 * 365, size=n) * DAY)
    has_birthday = ~company & (rng.random(n) < 0.9)
    has_id = has_birthday & (rng.random(n) < 0.2)
    area = np.array([names.AREA_CODES[city] for city in org.dealer_city])[dealer]  # per dealer, then gathered
    national_id = np.where(has_id, identifiers.national_ids(rng, area, birthday, male), "")

    has_address = rng.random(n) < 0.7
    address = np.char.add(
        np.char.add(np.char.add(org.dealer_district[dealer], "区"), np.asarray(names.ROADS)[rng.integers(0, 10, size=n)]),
        np.char.add(rng.integers(1, 900, size=n).astype(str), "号"),
    )

    segment = np.full(n, "", dtype="<U8")
    for name_, (classes, _) in truth.SEGMENTS.items():
        segment[np.isin(classification, classes)] = name_
    window_weeks = WINDOW_DAYS / truth.DAYS_PER_UNIT
    birth = np.where(segment != "", rng.random(n) * (window_weeks - truth.LAST_BIRTH_WEEKS_BEFORE_END), np.nan)
    birth_day = START + np.floor(np.nan_to_num(birth) * truth.DAYS_PER_UNIT).astype(np.int64) * DAY
    # Records are created when the customer first appears: at the first service visit for
    # service customers, in the last half-year for prospects, any time for the rest.
    recent = np.isin(classification, [Class.PROSPECT.value, Class.DEFEATED.value])
    created_day = np.where(
        segment != "", birth_day,
        np.where(recent, END - rng.integers(0, 180, size=n) * DAY, START + rng.integers(0, WINDOW_DAYS, size=n) * DAY),
    )
    created_day[duplicates] = np.maximum(created_day[duplicate_of], END - 90 * DAY) + rng.integers(0, 60, size=n_duplicates) * DAY
    created_day = np.minimum(created_day, END)
    created = col.datetimes(rng, created_day)

    owner = org.first_consultant[dealer] + rng.integers(0, org.consultants_per_dealer, size=n)
    owner = np.ma.masked_array(owner, mask=rng.random(n) < UNASSIGNED_SHARE)
    source = np.where(
        np.isin(classification, [Class.PROSPECT.value, Class.DEFEATED.value, Class.POTENTIAL.value]),
        col.pick(rng, PROSPECT_SOURCES, PROSPECT_SOURCE_SHARES, n),
        col.pick(rng, OWNER_SOURCES, OWNER_SOURCE_SHARES, n),
    )
    source[duplicates] = Source.IMPORT.value

    ids = col.ids(n)
    data.tables["customers.Customer"] = {
        "id": ids, "kind": np.where(company, CustomerKind.COMPANY.value, CustomerKind.PERSON.value), "name": name, "mobile": mobile,
        "mobile_suffix": np.strings.slice(mobile, -4, None),  # as Customer.save keeps it
        "gender": np.where(company, Gender.UNKNOWN.value, np.where(male, Gender.MALE.value, Gender.FEMALE.value)),
        "birthday": np.ma.masked_array(birthday, mask=~has_birthday),
        "city": org.dealer_city[dealer], "address": np.where(has_address, address, ""),
        "national_id": national_id, "classification": classification,
        "classified_on": created_day, "source": source, "dealer_id": dealer + 1, "owner_id": owner,
        "status": np.full(n, Status.ACTIVE.value), "merged_into_id": col.nulls(n, np.int64),
        "created_at": created, "updated_at": created,
    }
    return Customers(ids, dealer, owner, classification, created, birth, segment, org)


@dataclass
class Vehicles:
    id: np.ndarray
    customer: np.ndarray  # index into customers
    first_of_customer: np.ndarray  # per customer: index of their first vehicle (-1: none)
    count_of_customer: np.ndarray
    purchase: np.ndarray
    sold_by_us: np.ndarray
    price: np.ndarray  # list price, yuan


def _vehicles(data: DemoData, rng, customers: Customers) -> Vehicles:
    n_customers = len(customers.id)
    holds = np.isin(customers.classification, list(HOLDERS))
    count = np.where(holds, 1 + rng.poisson(EXTRA_VEHICLES_PER_HOLDER, size=n_customers), 0)
    owner = np.repeat(np.arange(n_customers), count)
    first = np.cumsum(count) - count
    primary = np.arange(owner.size) == first[owner]
    n = owner.size
    cls = customers.classification[owner]

    ours = np.where(primary, np.isin(cls, [Class.OWN_SOLD.value, Class.OTHER_SOLD.value]) | ((cls != Class.OTHER_BRAND) & (rng.random(n) < 0.6)),
                    rng.random(n) < 0.5)
    sold_by_us = ours & np.where(primary, cls == Class.OWN_SOLD, rng.random(n) < 0.3)
    our_model = rng.integers(0, len(names.OUR_MODELS), size=n)
    other_make = rng.integers(0, len(names.OTHER_MAKES), size=n)
    other_model = rng.integers(0, 3, size=n)
    make = np.where(ours, names.OUR_MAKE, np.array([m for m, _, _ in names.OTHER_MAKES])[other_make])
    model = np.where(ours, np.array([m for m, _ in names.OUR_MODELS])[our_model],
                     np.array([models for _, _, models in names.OTHER_MAKES])[other_make, other_model])
    price = np.where(ours, np.array([p for _, p in names.OUR_MODELS])[our_model], 0)
    wmi = np.where(ours, np.asarray(names.OUR_WMIS)[rng.integers(0, 2, size=n)],
                   np.array([w for _, w, _ in names.OTHER_MAKES])[other_make])

    # The car that brings a service customer in was bought one to four months before the first visit.
    birth = customers.birth[owner]
    first_visit = START + np.floor(np.nan_to_num(birth) * truth.DAYS_PER_UNIT).astype(np.int64) * DAY
    purchase = np.where(
        primary & ~np.isnan(birth), first_visit - rng.integers(7, 120, size=n) * DAY,
        START - 5 * 365 * DAY + rng.integers(0, WINDOW_DAYS + 5 * 365, size=n) * DAY,
    )
    age_days = ((END - purchase) / DAY).astype(np.int64)
    years = 1 + np.maximum(0, (age_days - 60)) // 365
    new_energy = np.isin(model, ["ID.4 X", "秦PLUS", "宋PLUS", "汉"])
    model_year = purchase.astype("datetime64[Y]").astype(np.int64) + 1970

    ids = col.ids(n)
    data.tables["customers.Vehicle"] = {
        "id": ids, "customer_id": owner + 1,
        "vin": identifiers.vins(rng, wmi, model_year),
        "plate": identifiers.plates(rng, customers.org.dealer_plate[customers.dealer[owner]], new_energy),
        "make": make, "model": model, "purchase_date": purchase, "sold_by_us": sold_by_us,
        "mileage_km": np.ma.masked_array((age_days * rng.uniform(25, 55, size=n)).astype(np.int64),
                                         mask=rng.random(n) < 0.1),
        "insurance_expiry": purchase + np.round(years * 365.25).astype(np.int64) * DAY,
    }
    return Vehicles(ids, owner, np.where(count > 0, first, -1), count, purchase, sold_by_us, price)


def _transactions(data: DemoData, rng, customers: Customers, vehicles: Vehicles) -> None:
    """Service visits (the planted BG/NBD and Gamma-Gamma), parts sold with them, vehicle
    sales and yearly insurance renewals. Ids follow the date, as a real ledger's would."""
    parts = []  # (customer index, vehicle index or -1, day, kind, amount yuan)
    window_weeks = WINDOW_DAYS / truth.DAYS_PER_UNIT
    for segment, (_, params) in truth.SEGMENTS.items():
        members = np.flatnonzero(customers.segment == segment)
        birth = customers.birth[members]
        visits = history.simulate_bg_nbd(rng, params, window_weeks - birth)
        who = np.concatenate([np.arange(len(members)), visits.customer])
        when = np.concatenate([birth, birth[visits.customer] + visits.time])
        spend = history.gamma_gamma_spend(rng, truth.SERVICE_SPEND, who, len(members))
        customer = members[who]
        vehicle = vehicles.first_of_customer[customer] + rng.integers(0, 1 << 30, size=customer.size) % vehicles.count_of_customer[customer]
        day = START + np.floor(when * truth.DAYS_PER_UNIT).astype(np.int64) * DAY
        parts.append((customer, vehicle, day, Kind.SERVICE.value, spend))
        with_parts = rng.random(customer.size) < PARTS_PER_SERVICE_VISIT
        parts.append((customer[with_parts], vehicle[with_parts], day[with_parts], Kind.PARTS.value,
                      rng.gamma(2.0, 300.0, size=with_parts.sum())))

    sold = np.flatnonzero(vehicles.sold_by_us & (vehicles.purchase >= START))
    parts.append((vehicles.customer[sold], sold, vehicles.purchase[sold], Kind.VEHICLE_SALE.value,
                  vehicles.price[sold] * rng.uniform(0.88, 1.0, size=sold.size)))

    insured = np.flatnonzero(vehicles.sold_by_us & (rng.random(len(vehicles.id)) < INSURANCE_RENEWAL_SHARE))
    anniversaries = vehicles.purchase[insured, None] + np.round(np.arange(12) * 365.25).astype(np.int64) * DAY
    inside = (anniversaries >= START) & (anniversaries <= END)
    row, _ = np.nonzero(inside)
    parts.append((vehicles.customer[insured[row]], insured[row], anniversaries[inside], Kind.INSURANCE.value,
                  vehicles.price[insured[row]] * rng.uniform(0.025, 0.04, size=row.size)))

    customer = np.concatenate([p[0] for p in parts])
    vehicle = np.concatenate([p[1] for p in parts])
    day = np.concatenate([p[2] for p in parts])
    kind = np.concatenate([np.full(len(p[0]), p[3]) for p in parts])
    amount = np.concatenate([p[4] for p in parts])
    order = np.argsort(day, kind="stable")
    customer, vehicle, day, kind, amount = customer[order], vehicle[order], day[order], kind[order], amount[order]
    ids = col.ids(customer.size)
    prefix = np.select([kind == Kind.SERVICE, kind == Kind.PARTS, kind == Kind.VEHICLE_SALE], ["RO", "PA", "VS"], "IN")
    data.tables["customers.Transaction"] = {
        "id": ids, "customer_id": customer + 1, "dealer_id": customers.dealer[customer] + 1,
        "vehicle_id": np.ma.masked_array(vehicle + 1, mask=vehicle < 0),
        "kind": kind, "date": day, "amount_cents": np.round(amount * 100).astype(np.int64),
        "reference": np.char.add(prefix, np.char.zfill(ids.astype(str), 8)),
    }


def _consents(data: DemoData, rng, customers: Customers) -> None:
    """Consent as collected at registration: most agree to service contact, fewer to marketing,
    fewer still to sharing with the manufacturer."""
    columns = []
    n = len(customers.id)
    for purpose, asked, yes in ((ConsentPurpose.SERVICE.value, 0.9, 0.95), (ConsentPurpose.MARKETING.value, 0.75, 0.7),
                               (ConsentPurpose.MANUFACTURER.value, 0.5, 0.6)):
        who = np.flatnonzero(rng.random(n) < asked)
        columns.append((who, np.full(who.size, purpose), rng.random(who.size) < yes))
    who = np.concatenate([c[0] for c in columns])
    count = who.size
    data.tables["customers.Consent"] = {
        "id": col.ids(count), "customer_id": who + 1, "purpose": np.concatenate([c[1] for c in columns]),
        "granted": np.concatenate([c[2] for c in columns]),
        "channel": col.pick(rng, ConsentChannel.values, [4, 1, 1, 1, 2, 3], count),
        "notice_version": np.full(count, "2022.1"), "recorded_at": customers.created[who],
        "recorded_by_id": customers.owner[who],
    }


def _classification_history(data: DemoData, customers: Customers) -> None:
    """Each record's class from registration; defeated customers were prospects first."""
    n = len(customers.id)
    defeated = np.flatnonzero(customers.classification == "defeated")
    first_class = customers.classification.copy()
    first_class[defeated] = "prospect"
    who = np.concatenate([np.arange(n), defeated])
    count = who.size
    data.tables["customers.ClassificationChange"] = {
        "id": col.ids(count), "customer_id": who + 1,
        "from_class": np.concatenate([np.full(n, ""), np.full(defeated.size, "prospect")]),
        "to_class": np.concatenate([first_class, np.full(defeated.size, "defeated")]),
        "reason": np.concatenate([np.full(n, "建档"), np.full(defeated.size, "已购买竞品车型")]),
        "changed_by_id": customers.owner[who],
        "changed_at": np.concatenate([customers.created, customers.created[defeated] + np.timedelta64(3, "D")]),
    }


def _tags(data: DemoData, rng, customers: Customers) -> None:
    n_tags = len(names.TAGS)
    data.tables["customers.Tag"] = {"id": col.ids(n_tags), "group_id": np.ones(n_tags, dtype=np.int64),
                                    "name": np.array(names.TAGS)}
    tagged = np.flatnonzero(rng.random(len(customers.id)) < 0.15)
    data.tables["customers.Customer_tags"] = {
        "id": col.ids(tagged.size), "customer_id": tagged + 1, "tag_id": rng.integers(1, n_tags + 1, size=tagged.size),
    }
