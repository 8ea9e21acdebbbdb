"""The showroom and its prospects for the year before the demo's "today", as columns.

``add_sales(data, rng, customers, today)`` appends the sales tables to ``data.tables``
(after the customer tables, in insertion order): the walk-in / phone-in register, prospects with
their grade histories and follow-up contacts, monthly targets, the last month's daily reports,
and promotion events with their invitations. Everything is drawn column-wise with numpy; the
only Python loops run over dealers and events. Same ``rng`` state, same tables.

Rates planted (DOMAIN.md section 4):

- Prospects are existing customers, each with at most one prospect (so never two active ones):
  every *prospect*-class customer (registered in the last 180 days; first contact = the day the
  record was created) is an active prospect, 5% of them with a defeat awaiting approval; every
  *defeated*-class customer is a defeated prospect; older *other-brand* owners add 40% more
  defeats earlier in the year; *own-sold* owners registered before the year supply the won deals
  (replacement / additional purchases) and, if needed, more open prospects. Counts are set so
  that about 25% of prospects are won, 20% defeated (or pending), 55% open.
- Source of the visit that opened the prospect: 70% walk-in, 15% referred (base maintenance 10%,
  VIP 5%), 15% the other sources. A referred prospect is won twice as often as a walk-in (about
  43% against 22%); walk-ins are about 60% of won deals.
- Grades of open prospects O/H/A/B/C about 5/10/20/30/35%. The grade moves one step per change:
  winners climb to H and then O (order taken), defeated prospects slide towards C, open ones
  mostly warm up by a step. Every prospect's history starts with an opening change from "".
- Contacts follow the grade's cadence (``DEFAULT_CADENCE_DAYS``) from the first to the last
  contact; next_follow_up = last contact + cadence of the current grade. About 15% of active
  prospects are overdue by 1-10 days at ``today``, about 10-15% are due on it.
- Won: order 1-17 weeks after the first contact (deposit 5,000-20,000 yuan), delivery 3-30 days
  after the order. Defeated: competitor from ``names.OTHER_MAKES``, a ``DefeatReason``, the grade
  when lost; approved by the dealer's sales manager 0-4 days after the application.
- Register: each prospect's opening visit (25% by phone) plus four other first visits for each
  of them, so 40% of first visits leave details and half of those become prospects. The other
  visits fall on each consultant's working days (one weekday off, weekends twice as busy): about
  1-3 a consultant per working day, depending on customers per dealer. Won prospects add a
  return visit with outcome "order" on the order day.
- Monthly targets per consultant and per dealer (the consultants' sum) about 10% above the
  year's average actuals; daily reports for each consultant's working days of the last 30 days
  (signed by the showroom manager, yesterday's only submitted); 2-3 promotion events per dealer
  inviting about 5% of its own-sold owners each, 30% of whom come.
"""

import numpy as np

from retain.customers.models import Classification, Source
from retain.org.models import Role
from retain.sales.models import (
    DEFAULT_CADENCE_DAYS,
    GRADE_ORDER,
    ContactKind,
    ContactPurpose,
    DefeatReason,
    ProspectStatus,
    ReportStatus,
    VisitKind,
    VisitOutcome,
)

from . import columns as col
from . import names
from .records import Customers, DemoData

DAY = np.timedelta64(1, "D")
MINUTE = np.timedelta64(60, "s")

GRADES = np.array([g.value for g in GRADE_ORDER])  # O, H, A, B, C: hottest first
OPEN_GRADE_SHARES = [0.05, 0.10, 0.20, 0.30, 0.35]
#: Opening grades of prospects that are won / lost (index into GRADES).
WON_OPENING_SHARES = [0.0, 0.10, 0.30, 0.40, 0.20]
LOST_OPENING_SHARES = [0.0, 0.05, 0.25, 0.45, 0.25]
#: Open prospects: opening grade = current grade + this step (clipped), with these odds.
OPEN_STEPS, OPEN_STEP_SHARES = [-1, 0, 1, 2], [0.15, 0.45, 0.30, 0.10]

SOURCES = np.array(names.PROSPECT_SOURCES)
SOURCE_SHARES = np.array([0.70, 0.10, 0.05, 0.04, 0.04, 0.025, 0.025, 0.02])
REFERRED = (Source.BASE_MAINTENANCE.value, Source.VIP.value)
REFERRED_CLOSE_FACTOR = 2.0

WON_SHARE = 0.25
DEFEATED_SHARE = 0.20  # defeated + awaiting approval
OLD_DEFEATS_PER_RECENT = 0.4
PENDING_SHARE = 0.05  # of the prospect-class (open) prospects
OVERDUE_SHARE = 0.15
OPEN_REPLACEMENTS_WINDOW = 180
MAX_CONTACTS = 30

PHONE_IN_SHARE = 0.25
LEFT_DETAILS_SHARE = 0.40
PROSPECT_OF_DETAILS = 0.5
WEEKEND_FACTOR = 2.0

TARGET_UPLIFT = 1.10
REPORT_DAYS = 30
EVENTS_PER_DEALER = (2, 3)
INVITED_SHARE = 0.05
ATTENDANCE = 0.30

STATUS = np.array([s.value for s in (ProspectStatus.OPEN, ProspectStatus.DEFEAT_PENDING, ProspectStatus.WON,
                                      ProspectStatus.DEFEATED)])
OPEN, PENDING, WON, DEFEATED = range(4)

DEFEAT_REASONS = DefeatReason.values  # price, product, brand, service, financing, delivery, ..., other
DEFEAT_REASON_SHARES = [0.30, 0.15, 0.12, 0.05, 0.08, 0.08, 0.10, 0.07, 0.05]
EVENT_NAMES = ["新款上市发布会", "周末试驾日", "车主俱乐部自驾游", "夏季保养节", "金融购车节", "老客户置换专场"]
CONTACT_KINDS = [k.value for k in (ContactKind.CALL, ContactKind.MESSAGE, ContactKind.VISIT, ContactKind.TEST_DRIVE,
                                    ContactKind.QUOTE)]
CONTACT_KIND_SHARES = [0.55, 0.25, 0.10, 0.05, 0.05]


def add_sales(data: DemoData, rng: np.random.Generator, customers: Customers, today: np.datetime64) -> None:
    """Append the sales tables for the 365 days before ``today`` to ``data.tables``."""
    today = np.datetime64(today, "D")
    cadence = np.array([DEFAULT_CADENCE_DAYS[g] for g in GRADES.tolist()])
    streams = rng.spawn(5)
    staff = _staff(data, customers)
    p = _prospects(streams[0], customers, staff, today, cadence)
    history = _contacts(streams[1], p)
    visits = _visits(streams[2], p, staff, today)
    events, invitations, promotion = _events(streams[3], customers, staff, today)
    contacts = _all_contacts(history["contacts"], promotion)
    data.tables["sales.ShowroomVisit"] = visits
    data.tables["sales.Prospect"] = p["columns"]
    data.tables["sales.GradeChange"] = history["grade_changes"]
    data.tables["sales.Contact"] = contacts
    data.tables["sales.SalesTarget"] = _targets(streams[4], p, visits, staff, today)
    data.tables["sales.DailyReport"] = _reports(streams[4], contacts, p, staff, today)
    data.tables["sales.PromotionEvent"] = events
    data.tables["sales.Invitation"] = invitations


# --- helpers --------------------------------------------------------------------------------


def _weekday(days: np.ndarray) -> np.ndarray:
    """Monday 0 ... Sunday 6 (1970-01-01 was a Thursday)."""
    return (days.astype("datetime64[D]").astype(np.int64) + 3) % 7


def _staff(data: DemoData, customers: Customers) -> dict:
    """Consultant ids per dealer (dealers x consultants) and each dealer's managers by role."""
    org = customers.org
    n_dealers = len(org.dealer_city)
    consultants = org.first_consultant[:, None] + np.arange(org.consultants_per_dealer)[None, :]
    table = data.tables["org.Staff"]
    dealer = np.ma.filled(table["dealer_id"], 0)
    managers = {}
    for role in (Role.SALES_MANAGER.value, Role.SHOWROOM_MANAGER.value, Role.MARKETING.value):
        ids = np.zeros(n_dealers, dtype=np.int64)
        mine = table["role"] == role
        ids[dealer[mine] - 1] = table["id"][mine]
        managers[role] = ids
    # a consultant's weekly day off (Monday to Friday); showrooms open every day
    day_off = (np.arange(n_dealers)[:, None] + np.arange(org.consultants_per_dealer)[None, :]) % 5
    return {"consultants": consultants, "day_off": day_off, "n_dealers": n_dealers, **managers}


# --- prospects ------------------------------------------------------------------------------


def _source_given_won(won: np.ndarray, rng) -> np.ndarray:
    """Sources such that the referred close twice as often as the rest: P(source | won or not)
    from the overall shares and the per-source close rates (Bayes)."""
    referred = np.isin(SOURCES, REFERRED)
    rate = np.where(referred, REFERRED_CLOSE_FACTOR, 1.0)
    rate = rate * WON_SHARE / np.sum(SOURCE_SHARES * rate)
    if_won = SOURCE_SHARES * rate
    if_lost = SOURCE_SHARES * (1 - rate)
    source = np.empty(won.size, dtype=SOURCES.dtype)
    source[won] = col.pick(rng, SOURCES, if_won, int(won.sum()))
    source[~won] = col.pick(rng, SOURCES, if_lost, int((~won).sum()))
    return source


def _prospects(rng, customers: Customers, staff: dict, today, cadence: np.ndarray) -> dict:
    cls = customers.classification
    created_day = customers.created.astype("datetime64[D]")
    start = today - 365 * DAY
    old = created_day < start
    recent_prospects = np.flatnonzero((cls == Classification.PROSPECT.value) & (created_day <= today))
    recent_defeats = np.flatnonzero((cls == Classification.DEFEATED.value) & (created_day <= today))
    other_brand = rng.permutation(np.flatnonzero((cls == Classification.OTHER_BRAND.value) & old))
    old_defeats = other_brand[: min(int(round(OLD_DEFEATS_PER_RECENT * recent_defeats.size)), other_brand.size)]
    n_defeated = recent_defeats.size + old_defeats.size
    total = int(round(n_defeated / DEFEATED_SHARE))
    n_won = int(round(WON_SHARE * total))
    own = rng.permutation(np.flatnonzero((cls == Classification.OWN_SOLD.value) & (created_day <= today)))
    won = own[old[own]][:n_won]
    rest = own[~np.isin(own, won)]
    replacements = rest[: max(0, total - n_defeated - n_won - recent_prospects.size)]

    who = np.concatenate([recent_prospects, replacements, won, recent_defeats, old_defeats])
    status = np.concatenate([np.where(rng.random(recent_prospects.size) < PENDING_SHARE, PENDING, OPEN),
                             np.full(replacements.size, OPEN), np.full(won.size, WON),
                             np.full(recent_defeats.size + old_defeats.size, DEFEATED)])
    registered = np.concatenate([np.ones(recent_prospects.size, bool), np.zeros(replacements.size + won.size, bool),
                                 np.ones(recent_defeats.size, bool), np.zeros(old_defeats.size, bool)])
    n = who.size
    dealer = customers.dealer[who]
    active = status <= PENDING

    # First contact: the day the record was created (new prospects), a day in the last half-year
    # (replacements), early in the year (old defeats), early enough to order and deliver (won).
    lo = np.maximum(created_day[who], today - OPEN_REPLACEMENTS_WINDOW * DAY)
    span = ((today - lo) / DAY).astype(np.int64) + 1
    later = lo + np.floor(rng.random(n) * span).astype(np.int64) * DAY
    first = np.where(registered, np.minimum(created_day[who], today), later)
    first = np.where(np.isin(who, old_defeats), start + rng.integers(0, 166, size=n) * DAY, first)
    to_order = np.minimum(7 + np.round(rng.gamma(2.0, 15.0, size=n)).astype(np.int64), 120)
    to_deliver = rng.integers(3, 31, size=n)
    won_first = start + np.floor(rng.random(n) * (365 - to_order - to_deliver)).astype(np.int64) * DAY
    first = np.where(status == WON, won_first, first)

    # Current (final) and opening grades, as indices into GRADES (0 = O ... 4 = C).
    final = rng.choice(5, size=n, p=OPEN_GRADE_SHARES)
    final = np.where(status == PENDING, rng.choice([2, 3, 4], size=n, p=[0.2, 0.4, 0.4]), final)
    opening = np.clip(final + np.asarray(OPEN_STEPS)[rng.choice(4, size=n, p=OPEN_STEP_SHARES)], 0, 4)
    won_open = rng.choice(5, size=n, p=WON_OPENING_SHARES)
    lost_open = rng.choice(5, size=n, p=LOST_OPENING_SHARES)
    opening = np.where(status == WON, won_open, np.where(status == DEFEATED, lost_open, opening))
    lost_final = np.minimum(4, lost_open + rng.integers(0, 3, size=n))
    final = np.where(status == WON, 0, np.where(status == DEFEATED, lost_final, final))
    opening = np.where(status == PENDING, np.minimum(final, lost_open), opening)

    # Last contact and next follow-up. Active: next follow-up due around today, some overdue.
    cad = cadence[final]
    overdue = rng.random(n) < OVERDUE_SHARE / 0.9
    due = np.where(overdue, today - rng.integers(1, 11, size=n) * DAY,
                   today + np.floor(rng.random(n) * cad).astype(np.int64) * DAY)
    last_active = np.maximum(first, due - cad * DAY)
    to_defeat = np.minimum(7 + np.round(rng.gamma(2.0, 12.0, size=n)).astype(np.int64), 90)
    last_lost = np.maximum(first, np.minimum(first + to_defeat * DAY, today - DAY))
    ordered_won = first + to_order * DAY
    last = np.where(active, last_active, np.where(status == WON, ordered_won, last_lost))
    single_day = (last == first) & (status != WON)
    opening = np.where(single_day, final, opening)
    steps = np.abs(final - opening)
    mean_cad = (cadence[opening] + cadence[final]) / 2
    length = ((last - first) / DAY).astype(np.int64)
    contacts = 1 + np.floor(length / mean_cad * rng.uniform(0.75, 1.05, size=n)).astype(np.int64)
    contacts = np.maximum.reduce([np.minimum(contacts, MAX_CONTACTS), steps + 1, 1 + (length > 0)])
    next_follow_up = last + cad * DAY

    ordered = (final == 0)
    ordered_on = np.where(steps > 0, last, first)  # the contact of the change to O (or the first visit)
    delivered_on = ordered_won + to_deliver * DAY
    applied = np.where(status == PENDING, last,
                       np.minimum(last + rng.integers(0, 3, size=n) * DAY, today))
    closed_lost = np.minimum(applied + rng.integers(0, 5, size=n) * DAY, today)
    closed = np.where(status == WON, delivered_on, closed_lost)
    lost = (status == PENDING) | (status == DEFEATED)

    # Who works it: the customer's consultant, or one of the dealer's if the customer has none.
    n_cons = staff["consultants"].shape[1]
    fallback = staff["consultants"][dealer, rng.integers(0, n_cons, size=n)]
    owner = np.where(np.ma.getmaskarray(customers.owner)[who], fallback, np.ma.getdata(customers.owner)[who])

    source = _source_given_won(status == WON, rng)
    model = rng.integers(0, len(names.OUR_MODELS), size=n)
    model_name = np.array([m for m, _ in names.OUR_MODELS])[model]
    price = np.array([p for _, p in names.OUR_MODELS])[model]
    make = rng.integers(0, len(names.OTHER_MAKES), size=n)
    other_make = np.array([m for m, _, _ in names.OTHER_MAKES])[make]
    other_model = np.array([ms for _, _, ms in names.OTHER_MAKES])[make, rng.integers(0, 3, size=n)]
    horizon = np.array([0, 7, 15, 30, 90])[opening]

    # Ids follow the first contact, as a register's would.
    order = np.lexsort((who, first))
    arrays = dict(who=who, status=status, registered=registered, dealer=dealer, first=first, last=last,
                  next_follow_up=next_follow_up, final=final, opening=opening, steps=steps, contacts=contacts,
                  ordered=ordered, ordered_on=ordered_on, delivered_on=delivered_on, applied=applied, closed=closed,
                  lost=lost, owner=owner, source=source, model_name=model_name, price=price, other_make=other_make,
                  other_model=other_model, horizon=horizon)
    arrays = {k: v[order] for k, v in arrays.items()}
    a = arrays
    has_order = a["ordered"] & (a["status"] != DEFEATED) & (a["status"] != PENDING)
    won_ = a["status"] == WON
    lost_ = a["lost"]
    decided = a["status"] == DEFEATED
    arrival = np.where(a["registered"] & (customers.created[a["who"]].astype("datetime64[D]") == a["first"]),
                       customers.created[a["who"]] - rng.integers(10, 50, size=n) * MINUTE,
                       col.datetimes(rng, a["first"]))
    arrays["arrival"] = arrival
    closing = np.where(won_ | decided, a["closed"], a["last"])
    ids = col.ids(n)
    columns = {
        "id": ids, "customer_id": customers.id[a["who"]], "dealer_id": a["dealer"] + 1, "owner_id": a["owner"],
        "grade": GRADES[a["final"]], "status": STATUS[a["status"]], "source": a["source"],
        "model_of_interest": a["model_name"],
        "budget_cents": col.masked(np.round(a["price"] * rng.uniform(0.85, 1.05, size=n)).astype(np.int64) * 100,
                                rng.random(n) < 0.3),
        "purchase_by": col.masked(a["first"] + a["horizon"] * DAY, rng.random(n) < 0.4),
        "competitors": np.where(rng.random(n) < 0.4, np.char.add(np.char.add(a["other_make"], " "), a["other_model"]),
                                ""),
        "first_contact": a["first"], "last_contact": a["last"], "next_follow_up": a["next_follow_up"],
        "ordered_on": col.masked(a["ordered_on"], ~has_order),
        "deposit_cents": col.masked(rng.integers(5, 21, size=n) * 1000 * 100, ~has_order),
        "contract_number": np.where(has_order, np.char.add("HT", np.char.zfill(ids.astype(str), 7)), ""),
        "delivered_on": col.masked(a["delivered_on"], ~won_),
        "defeat_make": np.where(lost_, a["other_make"], ""),
        "defeat_model": np.where(lost_, a["other_model"], ""),
        "defeat_reason": np.where(lost_, col.pick(rng, DEFEAT_REASONS, DEFEAT_REASON_SHARES, n), ""),
        "defeat_note": np.where(lost_, "客户已在其他经销商订车", ""),
        "defeat_stage": np.where(lost_, GRADES[a["final"]], ""),
        "defeat_applied_on": col.masked(a["applied"], ~lost_),
        "defeat_decided_by_id": col.masked(staff[Role.SALES_MANAGER.value][a["dealer"]], ~decided),
        "defeat_decision_note": np.where(decided, "同意战败，转入战败客户回访", ""),
        "closed_on": col.masked(a["closed"], ~(won_ | decided)),
        "created_at": arrival + 30 * MINUTE,
        "updated_at": col.datetimes(rng, closing, 10.0, 11.0),
    }
    arrays["columns"] = columns
    return arrays


def _contacts(rng, p: dict) -> dict:
    """Follow-ups from first to last contact, a grade change at evenly spaced ones."""
    n_contacts, steps, first, last = p["contacts"], p["steps"], p["first"], p["last"]
    pid, pos, start = col.groups(n_contacts)
    total = pid.size
    u = rng.random(total)
    u = u[np.lexsort((u, pid))]
    u = np.where(pos == 0, 0.0, np.where(pos == n_contacts[pid] - 1, 1.0, u))
    length = ((last - first) / DAY).astype(np.int64)
    day = first[pid] + np.round(u * length[pid]).astype(np.int64) * DAY
    span = np.maximum(n_contacts - 1, 1)
    sign = np.sign(p["final"] - p["opening"])
    changes_so_far = (pos * steps[pid]) // span[pid]
    grade = p["opening"][pid] + sign[pid] * changes_so_far
    changed = (pos > 0) & (changes_so_far != np.concatenate([[0], changes_so_far[:-1]]))
    kind = np.where(pos == 0, "visit", col.pick(rng, CONTACT_KINDS, CONTACT_KIND_SHARES, total))
    seconds = rng.integers(3600, 10 * 3600, size=total)
    seconds = seconds[np.lexsort((seconds, pid))]  # increasing within a prospect: its history reads in order
    recorded = day.astype("datetime64[s]") + seconds.astype("timedelta64[s]")
    contacts = {
        "customer_id": p["columns"]["customer_id"][pid], "prospect_id": np.ma.masked_array(pid + 1, mask=False),
        "purpose": np.full(total, ContactPurpose.DEVELOPMENT.value), "kind": kind, "contacted_on": day, "grade": GRADES[grade],
        "notes": np.where(pos == 0, "首次到店，登记意向", "电话/微信跟进"),
        "result": np.where(changed, "意向级别调整", ""),
        "next_step": np.full(total, "按级别按时回访"), "recorded_by_id": p["owner"][pid], "recorded_at": recorded,
    }

    # Grade changes: the opening one ("" -> opening grade) and one per step, at contacts
    # ceil(j * (contacts - 1) / steps).
    gid, j, _ = col.groups(steps + 1)
    m = np.maximum(steps[gid], 1)
    at = np.where(j == 0, 0, (j * (n_contacts[gid] - 1) + m - 1) // m)
    row = start[gid] + at
    to_grade = p["opening"][gid] + sign[gid] * j
    warmer = sign[gid] < 0
    reason = np.where(j == 0, "首次接触建档",
                      np.where(to_grade == 0, "已收订金，签订合同",
                               np.where(warmer, "购买意向增强", "购买意向减弱，延后购车")))
    when = recorded[row] + 5 * MINUTE
    order = np.lexsort((gid, when))
    grade_changes = {
        "id": col.ids(gid.size), "prospect_id": (gid + 1)[order],
        "from_grade": np.where(j == 0, "", GRADES[np.clip(to_grade - sign[gid], 0, 4)])[order],
        "to_grade": GRADES[to_grade][order], "reason": reason[order],
        "changed_by_id": p["owner"][gid][order], "changed_at": when[order],
    }
    return {"contacts": contacts, "grade_changes": grade_changes}


def _all_contacts(development: dict, promotion: dict) -> dict:
    columns = {k: np.ma.concatenate([development[k], promotion[k]]) if k == "prospect_id"
               else np.concatenate([development[k], promotion[k]]) for k in development}
    order = np.lexsort((columns["recorded_at"], columns["contacted_on"]))
    out = {"id": col.ids(order.size)}
    out.update({k: v[order] for k, v in columns.items()})
    return out


# --- the register -----------------------------------------------------------------------------


def _visits(rng, p: dict, staff: dict, today) -> dict:
    n_dealers, consultants, day_off = staff["n_dealers"], staff["consultants"], staff["day_off"]
    n = p["who"].size
    phone = rng.random(n) < PHONE_IN_SHARE
    minutes = np.where(phone, rng.integers(3, 15, size=n), rng.integers(20, 90, size=n))
    opening = {
        "dealer": p["dealer"], "consultant": p["owner"], "kind": np.where(phone, VisitKind.PHONE_IN.value, VisitKind.WALK_IN.value),
        "arrived": p["arrival"], "minutes": minutes, "source": p["source"], "first_visit": np.ones(n, bool),
        "party": np.where(phone, 1, 1 + rng.poisson(0.6, size=n)), "model": p["model_name"],
        "outcome": np.full(n, VisitOutcome.PROSPECT.value), "customer": p["columns"]["customer_id"], "note": np.full(n, "登记为意向客户"),
    }
    won = np.flatnonzero(p["status"] == WON)
    orders = {
        "dealer": p["dealer"][won], "consultant": p["owner"][won], "kind": np.full(won.size, VisitKind.WALK_IN.value),
        "arrived": col.datetimes(rng, p["ordered_on"][won]), "minutes": rng.integers(60, 180, size=won.size),
        "source": p["source"][won], "first_visit": np.zeros(won.size, bool),
        "party": 1 + rng.poisson(1.0, size=won.size), "model": p["model_name"][won],
        "outcome": np.full(won.size, VisitOutcome.ORDER.value), "customer": p["columns"]["customer_id"][won],
        "note": np.full(won.size, "交订金签合同"),
    }

    # Other first visits: four per opening visit and dealer, spread over the consultants'
    # working days of the year in proportion to traffic (weekends twice as busy).
    days = today - 365 * DAY + np.arange(365) * DAY
    weekday = _weekday(days)
    weight = np.where(weekday >= 5, WEEKEND_FACTOR, 1.0)[None, None, :] * (
        weekday[None, None, :] != day_off[:, :, None])
    opening_per_dealer = np.bincount(p["dealer"], minlength=n_dealers)
    others = opening_per_dealer * (1 / (LEFT_DETAILS_SHARE * PROSPECT_OF_DETAILS) - 1)
    rate = weight * (others / weight.sum(axis=(1, 2)))[:, None, None]
    count = rng.poisson(rate).ravel()
    cell = np.repeat(np.arange(count.size), count)
    dealer, k, d = np.unravel_index(cell, weight.shape)
    m = cell.size
    phone = rng.random(m) < PHONE_IN_SHARE
    prospects = LEFT_DETAILS_SHARE * PROSPECT_OF_DETAILS
    left = rng.random(m) < (LEFT_DETAILS_SHARE - prospects) / (1 - prospects)
    other = {
        "dealer": dealer, "consultant": consultants[dealer, k], "kind": np.where(phone, VisitKind.PHONE_IN.value, VisitKind.WALK_IN.value),
        "arrived": col.datetimes(rng, days[d]),
        "minutes": np.where(phone, rng.integers(2, 10, size=m), rng.integers(10, 60, size=m)),
        "source": col.pick(rng, SOURCES, SOURCE_SHARES, m), "first_visit": np.ones(m, bool),
        "party": np.where(phone, 1, 1 + rng.poisson(0.6, size=m)),
        "model": np.where(rng.random(m) < 0.2, "", np.array([x for x, _ in names.OUR_MODELS])[
            rng.integers(0, len(names.OUR_MODELS), size=m)]),
        "outcome": np.where(left, VisitOutcome.LEFT_CONTACT.value, VisitOutcome.JUST_LOOKING.value), "customer": np.zeros(m, dtype=np.int64),
        "note": np.where(left, "留下电话", ""),
    }
    parts = (opening, orders, other)
    cols = {key: np.concatenate([part[key] for part in parts]) for key in opening}
    has_customer = np.concatenate([np.ones(n + won.size, bool), np.zeros(m, bool)])
    order = np.lexsort((cols["consultant"], cols["arrived"]))
    cols = {key: value[order] for key, value in cols.items()}
    has_customer = has_customer[order]
    total = order.size
    return {
        "id": col.ids(total), "dealer_id": cols["dealer"] + 1, "consultant_id": cols["consultant"],
        "kind": cols["kind"], "arrived_at": cols["arrived"], "left_at": cols["arrived"] + cols["minutes"] * MINUTE,
        "source": cols["source"], "first_visit": cols["first_visit"], "party_size": cols["party"],
        "model_of_interest": cols["model"], "outcome": cols["outcome"],
        "customer_id": np.ma.masked_array(cols["customer"], mask=~has_customer), "note": cols["note"],
        "recorded_by_id": cols["consultant"],
    }


# --- targets, reports, events ---------------------------------------------------------------------


def _months(today) -> np.ndarray:
    return np.datetime64(today, "M") - np.arange(11, -1, -1)


def _targets(rng, p: dict, visits: dict, staff: dict, today) -> dict:
    """Per consultant and month: the year's average actuals plus about 10%; dealer = the sum."""
    consultants = staff["consultants"]
    n_dealers, per = consultants.shape
    months = _months(today)
    index = np.full(consultants.max() + 1, -1)
    index[consultants.ravel()] = np.arange(consultants.size)

    def monthly(staff_ids, days, keep):
        month = days.astype("datetime64[M]")
        inside = keep & (month >= months[0]) & (month <= months[-1])
        slot = index[staff_ids[inside]] * 12 + (month[inside] - months[0]).astype(np.int64)
        return np.bincount(slot, minlength=consultants.size * 12).reshape(consultants.size, 12)

    first_visits = visits["first_visit"]
    actual = {
        "walk_ins": monthly(np.ma.getdata(visits["consultant_id"]), visits["arrived_at"].astype("datetime64[D]"),
                            first_visits),
        "new_prospects": monthly(p["owner"], p["first"], np.ones(p["owner"].size, bool)),
        "orders": monthly(p["owner"], p["ordered_on"], p["columns"]["contract_number"] != ""),
        "deliveries": monthly(p["owner"], p["delivered_on"], p["status"] == WON),
    }
    target = {key: np.ceil(value.mean(axis=1, keepdims=True) * TARGET_UPLIFT
                           * rng.uniform(0.95, 1.05, size=value.shape)).astype(np.int64)
              for key, value in actual.items()}
    n_rows = consultants.size * 12
    dealer_of = np.repeat(np.arange(n_dealers), per * 12)
    dealer_sum = {key: value.reshape(n_dealers, per, 12).sum(axis=1).ravel() for key, value in target.items()}
    columns = {
        "dealer_id": np.concatenate([dealer_of + 1, np.repeat(np.arange(n_dealers), 12) + 1]),
        "consultant_id": np.ma.masked_array(np.concatenate([np.repeat(consultants.ravel(), 12),
                                                            np.zeros(n_dealers * 12, dtype=np.int64)]),
                                            mask=np.repeat([False, True], [n_rows, n_dealers * 12])),
        "month": np.tile(months, consultants.size + n_dealers).astype("datetime64[D]"),
    }
    for key in actual:
        columns[key] = np.concatenate([target[key].ravel(), dealer_sum[key]])
    return {"id": col.ids(columns["dealer_id"].size), **columns}


def _reports(rng, contacts: dict, p: dict, staff: dict, today) -> dict:
    """Daily reports for each consultant's working days of the last 30 days."""
    consultants, day_off = staff["consultants"], staff["day_off"]
    n_dealers, per = consultants.shape
    days = today - REPORT_DAYS * DAY + np.arange(REPORT_DAYS) * DAY
    working = _weekday(days)[None, None, :] != day_off[:, :, None]
    dealer, k, d = np.nonzero(working)
    staff_id = consultants[dealer, k]
    n = staff_id.size
    index = np.full(consultants.max() + 1, -1)
    index[consultants.ravel()] = np.arange(consultants.size)

    def per_day(staff_ids, on):
        offset = ((on - days[0]) / DAY).astype(np.int64)
        inside = (offset >= 0) & (offset < REPORT_DAYS) & (index[np.clip(staff_ids, 0, index.size - 1)] >= 0)
        slot = index[staff_ids[inside]] * REPORT_DAYS + offset[inside]
        return np.bincount(slot, minlength=consultants.size * REPORT_DAYS)

    slot = index[staff_id] * REPORT_DAYS + d
    n_contacts = per_day(contacts["recorded_by_id"], contacts["contacted_on"])[slot]
    n_new = per_day(p["owner"], p["first"])[slot]
    # The headline counts, in the shape of the figures a report stores (sales.daily_report.figures).
    figures = np.char.add(np.char.add(np.char.add('{"contacts": {"total": ', n_contacts.astype(str)),
                                      '}, "new_prospects": '), np.char.add(n_new.astype(str), "}"))
    signed = days[d] < today - DAY
    submitted_at = col.datetimes(rng, days[d], 10.0, 11.5)
    order = np.lexsort((staff_id, days[d]))
    columns = {
        "consultant_id": staff_id, "dealer_id": dealer + 1, "date": days[d],
        "status": np.where(signed, ReportStatus.SIGNED.value, ReportStatus.SUBMITTED.value), "figures": figures,
        "visit_notes": np.char.add(np.char.add("今日接触", n_contacts.astype(str)), "位客户"),
        "tomorrow_plan": np.full(n, "按回访计划跟进到期意向客户"),
        "submitted_at": np.ma.masked_array(submitted_at, mask=False),
        "signed_by_id": col.masked(staff[Role.SHOWROOM_MANAGER.value][dealer], ~signed),
        "signed_at": col.masked(col.datetimes(rng, days[d] + DAY, 1.0, 2.0), ~signed),
        "instruction": np.where(signed & (rng.random(n) < 0.3), "逾期客户今日必须回访", ""),
    }
    return {"id": col.ids(n), **{key: value[order] for key, value in columns.items()}}


def _events(rng, customers: Customers, staff: dict, today):
    """2-3 events per dealer in the year, each inviting some of the dealer's own-sold owners."""
    n_dealers = staff["n_dealers"]
    per = rng.integers(EVENTS_PER_DEALER[0], EVENTS_PER_DEALER[1] + 1, size=n_dealers)
    event_dealer = np.repeat(np.arange(n_dealers), per)
    n_events = event_dealer.size
    starts = today - rng.integers(20, 350, size=n_events) * DAY
    ends = starts + rng.integers(0, 3, size=n_events) * DAY
    event_names = np.asarray(EVENT_NAMES)[rng.integers(0, len(EVENT_NAMES), size=n_events)]
    events = {
        "id": col.ids(n_events), "dealer_id": event_dealer + 1, "name": event_names, "starts_on": starts, "ends_on": ends,
        "description": np.full(n_events, "邀约保有客户到店参加活动"),
        "created_by_id": staff[Role.MARKETING.value][event_dealer],
        "created_at": col.datetimes(rng, starts - 21 * DAY),
    }
    own_sold = customers.classification == Classification.OWN_SOLD.value
    invited_parts, event_parts = [], []
    for e in range(n_events):  # a handful per dealer; each a draw without replacement
        pool = np.flatnonzero(own_sold & (customers.dealer == event_dealer[e]))
        chosen = rng.choice(pool, size=int(round(pool.size * INVITED_SHARE)), replace=False)
        invited_parts.append(np.sort(chosen))
        event_parts.append(np.full(chosen.size, e))
    who = np.concatenate(invited_parts)
    event = np.concatenate(event_parts)
    n = who.size
    dealer = event_dealer[event]
    n_cons = staff["consultants"].shape[1]
    fallback = staff["consultants"][dealer, rng.integers(0, n_cons, size=n)]
    by = np.where(np.ma.getmaskarray(customers.owner)[who], fallback, np.ma.getdata(customers.owner)[who])
    invited_on = starts[event] - rng.integers(3, 15, size=n) * DAY
    came = rng.random(n) < ATTENDANCE
    duration = ((ends[event] - starts[event]) / DAY).astype(np.int64)
    attended = starts[event] + np.floor(rng.random(n) * (duration + 1)).astype(np.int64) * DAY
    followed = np.minimum(np.where(came, attended, ends[event]) + rng.integers(1, 4, size=n) * DAY, today)
    is_followed = rng.random(n) < np.where(came, 0.8, 0.4)
    invitations = {
        "id": col.ids(n), "event_id": event + 1, "customer_id": customers.id[who], "invited_by_id": by,
        "invited_on": invited_on, "attended_on": col.masked(attended, ~came),
        "followed_up_on": col.masked(followed, ~is_followed),
        "follow_up_result": np.where(is_followed, np.where(came, "到店参加，满意", "未能到场，下次再约"), ""),
    }
    promotion = {
        "customer_id": customers.id[who], "prospect_id": col.nulls(n, np.int64),
        "purpose": np.full(n, ContactPurpose.PROMOTION.value),
        "kind": col.pick(rng, [ContactKind.CALL.value, ContactKind.MESSAGE.value], [0.6, 0.4], n),
        "contacted_on": invited_on, "grade": np.full(n, ""),
        "notes": np.char.add("邀约参加", event_names[event]), "result": np.full(n, "已邀约"),
        "next_step": np.full(n, "活动前一天再次提醒"), "recorded_by_id": by,
        "recorded_at": col.datetimes(rng, invited_on),
    }
    return events, invitations, promotion
