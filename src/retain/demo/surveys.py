"""The demo's surveys (the surveys app), as columns: two years of after-sales CSS and one of
everything else, drawn from the demo's own transactions with the truths of ``truth`` planted.

``add_surveys(data, rng, today, catalogue)`` reads the generated customers (with the service
advisors ``care`` gives them), vehicles, transactions, consents and staff from ``data.tables``
and returns the survey tables: every dealer's survey settings and sampling rules, the
invitations (after-sales CSS for a sample of repair orders two days after, sales CSS for every
delivery three days after, relational NPS, touchpoint ratings, one Kano study at D01 and one staff
self-assessment), the responses and their answers. ``catalogue`` names the ids of the group's
preset surveys (``surveys.presets.install``), so the columns point at real questions.

How the truths are planted (docs/demo.md, "Surveys", says it at length):

- after-sales: items from a one-factor model (correlated, as real items are), ``overall`` =
  sum of weight x item + noise with ``truth.AFTER_SALES_WEIGHTS``, rounded and clipped to 1-10;
- service return by satisfaction band (``truth.RETURN_BY_SATISFACTION``) without touching the
  transaction history: for each answered repair whose 12 months have passed we know from the
  demo's own transactions whether the customer came back; the band is then drawn from
  P(band | came back) by Bayes, with band shares pi that make sum pi_b p_b equal the observed
  return rate, and items and overall are drawn from the model given the band;
- dealers' NPS (``truth.NPS_BASE``, ``NPS_BY_DEALER``): "would you recommend" follows each
  dealer's mix of promoters, passives and detractors, in exactly the planted numbers per dealer
  and year of answers, tied to the overall score by a Gaussian copula so that the two correlate;
- the experience curve (``truth.TOUCHPOINT_MEANS``), the Kano categories and the staff's
  self-assessment lift.

Invitations keep the invite job's keys, and the events of the last 60 days are sampled by the
job's own draw, so the job run on a recent day finds its work done. Everything is drawn
column-wise with numpy; the Python loops run over survey kinds, questions and dealers. The only
per-row Python is the job's draw of those recent events and the digests of the links still open
(SHA-256 of a random token, as the app stores them; the demo never needs the tokens).
"""

import base64
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from retain.customers.models import ConsentPurpose, TransactionKind
from retain.org.models import Role
from retain.surveys.models import Flag, InvitationStatus, Review, Trigger
from retain.surveys.sampling import TRANSACTION_KINDS, drawn
from retain.surveys.tokens import digest

from . import columns as col
from . import truth
from .records import DemoData

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")
HOUR = 3600

#: The after-sales programme has run for two years (the retention curve needs repairs whose 12
#: months have passed); the other surveys for the last year.
AFTER_SALES_DAYS = 730
YEAR_DAYS = 365
#: Sampling rules (every dealer the same): days after the event and share of events invited.
#: Events of the last ``JOB_DRAW_DAYS`` days are sampled by the invite job's own draw (a hash of
#: the occurrence's key), so a run of the job on one of those days finds its invitations made.
JOB_DRAW_DAYS = 60
REPAIR_DELAY, REPAIR_RATE = 2, 30
DELIVERY_DELAY, DELIVERY_RATE = 3, 100
NPS_EVERY_MONTHS, NPS_RATE = 12, 15
#: The settings' defaults (``SurveySettings``).
FATIGUE_DAYS, LINK_DAYS, REMINDER_DAYS = 30, 14, 5
#: Candidates closer than this to the customer's previous candidate are not invited: the fatigue
#: window plus the link's life, so no invitation falls within 30 days of an answer either.
FATIGUE_GAP = FATIGUE_DAYS + LINK_DAYS + 1
#: Each dealer's response rate is drawn uniformly from this range.
RESPONSE_RATES = (0.21, 0.34)
#: Of the answers, this share comes after the reminder.
AFTER_REMINDER_SHARE = 0.3
#: Touchpoint ratings: share of customers with a car asked once in the year.
TOUCHPOINT_SHARE = 0.08
#: Kano study: customers of D01 invited (a few hundred answer), days before the build date.
KANO_INVITED, KANO_DAYS_AGO = 1400, 120
#: Flags among the customers' answers to the CSS surveys (the rest are counted as they are).
FLAG_SHARES = {Flag.STAFF_NETWORK: 0.012, Flag.TOO_FAST: 0.012, Flag.STRAIGHT_LINED: 0.01}
#: Second answers for the same repair order (an in-store QR code answered after the link).
SECOND_ANSWER_SHARE = 0.006
#: Flagged answers reviewed by the dealer's service manager; of those, kept (genuine customers on
#: the dealer's wifi or in a hurry; straight-lined and second answers are always excluded).
REVIEWED_SHARE, KEPT_SHARE = 0.4, 0.5
#: Unanswered invitations whose link was opened; of those, a partial answer saved.
OPENED_SHARE, PARTIAL_SHARE = 0.25, 0.3

#: The one-factor model of the CSS items (1-10): item means, spread and the loading's share of
#: the variance (inter-item correlations of about ``FACTOR_SHARE``), and the noise of ``overall``.
AFTER_SALES_MEANS = {"fixed_first_time": 8.2, "no_rework": 8.3, "value": 7.3, "friendliness": 8.5,
                     "explained_why": 7.7, "listened": 8.0, "explained_invoice": 7.6, "returned_clean": 8.0}
SALES_ITEMS = ("attitude", "product_knowledge", "needs_advised", "test_drive_offered", "pleasant_delivery",
               "contacted_after", "advisor_introduced")
SALES_MEANS = (8.6, 8.3, 8.0, 8.4, 8.8, 7.6, 7.4)
SALES_OUTCOMES = ("revisit", "overall", "relative_advantage")
ITEM_SPREAD, FACTOR_SHARE, OVERALL_NOISE = 1.6, 0.4, 0.3
#: Correlation of "would recommend" with the overall score (Gaussian copula).
RECOMMEND_COPULA = 0.7
#: Scores within each NPS category: detractors 0-6 (mostly 5-6), passives 7-8, promoters 9-10.
DETRACTOR_WEIGHTS = np.array([1, 1, 2, 3, 5, 8, 10], dtype=float)

TOUCHPOINT_ANSWERED = {"first_contact": 0.75, "showroom": 0.8, "test_drive": 0.6, "negotiation": 0.7,
                       "delivery": 0.8, "first_service": 0.7, "repair": 0.75, "complaint": 0.3, "renewal": 0.5}
#: Answer pairs (functional, dysfunctional) that Berger et al.'s table classifies in each category.
KANO_PAIRS = {
    "A": [("like", "must-be"), ("like", "neutral"), ("like", "live-with")],
    "O": [("like", "dislike")],
    "M": [("must-be", "dislike"), ("neutral", "dislike"), ("live-with", "dislike")],
    "I": [("neutral", "neutral"), ("must-be", "neutral"), ("neutral", "live-with"), ("live-with", "live-with")],
    "R": [("dislike", "like"), ("dislike", "neutral")],
    "Q": [("like", "like")],
}
COMMENTS = {
    "low": ["等了很久才交车", "问题没有一次修好", "价格比预期高", "没有解释清楚为什么要换件"],
    "middle": ["整体还可以", "休息区可以再改进", "希望能提前通知完工时间"],
    "high": ["服务很好，谢谢顾问", "修得又快又好", "车洗得很干净"],
}
NPS_REASONS = ["服务态度好", "离家近", "价格合理", "维修质量好", "等待时间太长", "沟通不够及时"]
STAFF_COMMENTS = ["我会多介绍服务顾问", "交车后的回访要更及时", "需要加强产品知识"]
#: Dealer-local time zone (Asia/Shanghai, as ``ChannelSettings`` of the demo): answered_on.
LOCAL_OFFSET = np.timedelta64(8 * HOUR, "s")


@dataclass(frozen=True)
class SurveyRef:
    """One preset survey of the group: its id, its current version's id, its questions' ids by code."""

    survey: int
    version: int
    questions: dict[str, int]


#: The group's presets by survey kind (``css_after_sales``, ...).
Catalogue = dict[str, SurveyRef]


def catalogue(surveys) -> Catalogue:
    """The ids of installed surveys (``surveys.presets.install``'s answer), by kind."""
    out = {}
    for survey in surveys:
        version = survey.current_version
        out[str(survey.kind)] = SurveyRef(survey.id, version.id, {q.code: q.id for q in version.questions.all()})
    return out


@dataclass
class _Invites:
    """Invitations while they are drawn, collected part by part (one part per survey kind)."""

    parts: list[dict] = field(default_factory=list)

    def add(self, kind: str, trigger: str, day, dealer, *, customer=None, respondent=None, transaction=None,
            vehicle=None, staff=None, created_by=None, key) -> None:
        n = len(dealer)
        if n == 0:
            return

        def ids(values):
            return np.zeros(n, dtype=np.int64) if values is None else np.asarray(values, dtype=np.int64)

        self.parts.append({"kind": np.full(n, kind, dtype=object), "trigger": np.full(n, trigger, dtype=object),
                           "day": np.asarray(day).astype("datetime64[D]"), "dealer": ids(dealer),
                           "customer": ids(customer), "respondent": ids(respondent),
                           "transaction": ids(transaction), "vehicle": ids(vehicle), "staff": ids(staff),
                           "created_by": ids(created_by), "key": np.asarray(key).astype(str).astype(object)})

    def columns(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate([p[name] for p in self.parts]) for name in self.parts[0]}


def add_surveys(data: DemoData, rng: np.random.Generator, today, catalogue: Catalogue) -> dict:
    """The survey tables (in insertion order) for the demo ending on ``today``."""
    today = np.datetime64(today, "D")
    streams = rng.spawn(8)
    world = _World(data, today)
    tables = {"surveys.SurveySettings": _settings(world),
              "surveys.SamplingRule": _rules(world, catalogue)}
    invites = _Invites()
    _after_sales_invitations(invites, world, streams[0], catalogue)
    _sales_invitations(invites, world, streams[0], catalogue)
    _nps_invitations(invites, world, streams[1], catalogue)
    _touchpoint_invitations(invites, world, streams[1], catalogue)
    _kano_invitations(invites, world, streams[1], catalogue)
    inv = _fatigue(invites.columns())
    _staff_invitations(invites, world, catalogue)  # not customers: no fatigue
    staff_part = invites.parts[-1]
    inv = {name: np.concatenate([inv[name], staff_part[name]]) for name in inv}
    inv = {name: column[np.argsort(inv["day"], kind="stable")] for name, column in inv.items()}
    pool = AfterSalesPool.draw(streams[4], max(100_000, (inv["kind"] == "css_after_sales").sum()))
    outcome = _outcomes(world, streams[2], inv, _answer_tilt(world, inv, pool.shares(0.0) @ RETURN_RATES))
    answers = _Answers()
    responses = _responses(world, streams[3], inv, outcome, catalogue)
    _answer_after_sales(world, streams[4], inv, responses, answers, catalogue, pool)
    _answer_sales(world, streams[5], inv, responses, answers, catalogue)
    _answer_others(world, streams[6], inv, responses, answers, catalogue)
    tables["surveys.Invitation"] = _invitation_table(streams[7], inv, outcome, world, catalogue)
    tables["surveys.Response"] = _response_table(inv, responses, world, catalogue)
    tables["surveys.Response"]["scores"] = answers.scores(len(responses["id"]), catalogue)
    tables["surveys.Answer"] = answers.table(responses)
    return tables


# --- the world the surveys are drawn from ------------------------------------------------------

class _World:
    """What the surveys read of the generated demo, as arrays indexed by id - 1."""

    def __init__(self, data: DemoData, today):
        self.today = today
        customers, staff = data.tables["customers.Customer"], data.tables["org.Staff"]
        ledger, dealers = data.tables["customers.Transaction"], data.tables["org.Dealer"]
        self.n_dealers = len(dealers["id"])
        self.dealer_codes = dealers["code"]
        self.customer_dealer = customers["dealer_id"] - 1
        self.owner = np.ma.filled(customers["owner_id"], 0)
        self.advisor = np.ma.filled(customers.get("service_advisor_id", col.nulls(len(customers["id"]), np.int64)), 0)
        self.language = np.where(customers.get("language", np.full(len(customers["id"]), "")) == "en", "en", "zh-hans")
        consents = data.tables["customers.Consent"]
        refused = consents["purpose"] == ConsentPurpose.SERVICE.value
        refused &= ~consents["granted"]
        self.no_survey = np.zeros(len(customers["id"]), dtype=bool)
        self.no_survey[consents["customer_id"][refused] - 1] = True  # service contact refused: no survey
        self.holders = np.zeros(len(customers["id"]), dtype=bool)
        self.holders[data.tables["customers.Vehicle"]["customer_id"] - 1] = True
        self.first_vehicle = np.full(len(customers["id"]), 0, dtype=np.int64)
        vehicles = data.tables["customers.Vehicle"]
        self.first_vehicle[vehicles["customer_id"][::-1] - 1] = vehicles["id"][::-1]
        self.ledger = {"id": ledger["id"], "customer": ledger["customer_id"] - 1, "kind": ledger["kind"],
                       "day": ledger["date"].astype("datetime64[D]"),
                       "vehicle": np.ma.filled(ledger["vehicle_id"], 0)}
        dealer_of_staff = np.ma.filled(staff["dealer_id"], 0)
        self.staff_id, self.staff_role, self.staff_dealer = staff["id"], staff["role"], dealer_of_staff - 1

        def first(role):
            ids = np.zeros(self.n_dealers, dtype=np.int64)
            mine = (staff["role"] == role) & (dealer_of_staff > 0)
            ids[dealer_of_staff[mine][::-1] - 1] = staff["id"][mine][::-1]
            return ids

        self.service_manager = first(Role.SERVICE_MANAGER.value)
        self.sales_manager = first(Role.SALES_MANAGER.value)
        self.marketing = first(Role.MARKETING.value)
        self.gm = first(Role.DEALER_GM.value)
        self.mix = np.array([[m.promoters, m.passives, m.detractors] for m in
                             (truth.NPS_BY_DEALER.get(code, truth.NPS_BASE) for code in self.dealer_codes)])



def _settings(world: _World) -> dict:
    n = world.n_dealers
    dealer = col.ids(n)
    return {"id": dealer, "dealer_id": dealer, "fatigue_days": np.full(n, FATIGUE_DAYS),
            "link_days": np.full(n, LINK_DAYS), "reminder_days": np.full(n, REMINDER_DAYS),
            # The dealer's own networks: an answer from them is flagged ``staff_network``.
            "staff_networks": np.char.add(np.char.add("10.", dealer.astype(str)), ".0.0/16"),
            "updated_at": np.full(n, np.datetime64("2024-01-01T00:00:00", "s"))}


def _rules(world: _World, catalogue: Catalogue) -> dict:
    rules = [(Trigger.REPAIR, "css_after_sales", REPAIR_DELAY, REPAIR_RATE, None),
             (Trigger.DELIVERY, "css_sales", DELIVERY_DELAY, DELIVERY_RATE, None),
             (Trigger.PERIODIC, "nps", 0, NPS_RATE, NPS_EVERY_MONTHS)]
    n, per = world.n_dealers, len(rules)
    every = np.array([r[4] or 0 for r in rules])
    return {"id": col.ids(n * per), "dealer_id": np.repeat(col.ids(n), per),
            "trigger": np.tile([str(r[0].value) for r in rules], n),
            "survey_id": np.tile([catalogue[r[1]].survey for r in rules], n),
            "delay_days": np.tile([r[2] for r in rules], n), "rate_percent": np.tile([r[3] for r in rules], n),
            "monthly_quota": col.nulls(n * per, np.int64),
            "every_months": col.masked(np.tile(every, n), np.tile(every == 0, n)),
            "active": np.ones(n * per, dtype=bool)}


# --- who is invited ------------------------------------------------------------------------------

def _drawn(keys: np.ndarray, rate_percent: int) -> np.ndarray:
    """The invite job's sampling draw (``surveys.sampling.drawn``, a hash of each occurrence's
    key), so the demo samples exactly the events the job would, and a run of the job on a day
    of the demo finds them done. (Per key in Python: a SHA-256 each, about a microsecond.)"""
    if rate_percent >= 100:
        return np.ones(keys.size, dtype=bool)
    return np.fromiter((drawn(key, rate_percent) for key in keys.tolist()), dtype=bool, count=keys.size)


def _sampled(rng, keys: np.ndarray, day: np.ndarray, today, rate_percent: int) -> np.ndarray:
    """The events of the last ``JOB_DRAW_DAYS`` days by the job's own draw, older ones by a
    random draw at the same rate (hashing every key of two years would cost a minute at large)."""
    recent = day > today - JOB_DRAW_DAYS * DAY
    out = rng.random(keys.size) < rate_percent / 100
    out[recent] = _drawn(keys[recent], rate_percent)
    return out


def _event_invitations(invites: _Invites, world: _World, rng, catalogue: Catalogue, *, kind: str, trigger: str,
                       transaction_kinds, delay: int, rate: int, days: int, served_by) -> None:
    """The events of a rule (repair orders, deliveries) of the last ``days`` days, as the invite
    job samples them, invited ``delay`` days after; keyed as the job keys them."""
    ledger = world.ledger
    day = ledger["day"] + delay * DAY
    event = np.isin(ledger["kind"], [str(k) for k in transaction_kinds]) & (day > world.today - days * DAY)
    event &= (day <= world.today) & ~world.no_survey[ledger["customer"]]
    keys = np.char.add(f"{trigger.value}:", ledger["id"][event].astype(str))
    sampled = _sampled(rng, keys, day[event], world.today, rate)
    event[np.flatnonzero(event)[~sampled]] = False
    customer = ledger["customer"][event]
    invites.add(kind, trigger, day[event], world.customer_dealer[customer], customer=customer,
                transaction=ledger["id"][event], vehicle=ledger["vehicle"][event], staff=served_by(customer),
                key=keys[sampled])


def _after_sales_invitations(invites: _Invites, world: _World, rng, catalogue: Catalogue) -> None:
    """Repair orders (service visits and insurance repairs) of the programme's two years, the
    rule's share of them, two days after."""
    _event_invitations(invites, world, rng, catalogue, kind="css_after_sales", trigger=Trigger.REPAIR,
                       transaction_kinds=TRANSACTION_KINDS[Trigger.REPAIR], delay=REPAIR_DELAY, rate=REPAIR_RATE,
                       days=AFTER_SALES_DAYS, served_by=lambda customer: world.advisor[customer])


def _sales_invitations(invites: _Invites, world: _World, rng, catalogue: Catalogue) -> None:
    """Every delivery (vehicle sale) of the year, three days after."""
    _event_invitations(invites, world, rng, catalogue, kind="css_sales", trigger=Trigger.DELIVERY,
                       transaction_kinds=TRANSACTION_KINDS[Trigger.DELIVERY], delay=DELIVERY_DELAY,
                       rate=DELIVERY_RATE, days=YEAR_DAYS, served_by=lambda customer: world.owner[customer])


def _eligible(world: _World) -> np.ndarray:
    return np.flatnonzero(world.holders & ~world.no_survey)


def _nps_invitations(invites: _Invites, world: _World, rng, catalogue: Catalogue) -> None:
    """Relational NPS, as the invite job asks: each customer with a car has a turn in each month
    (the day of the month given by their id modulo the month's length); in the one month of the
    year they come up in (drawn here), the rule's share of them (the job's draw) is invited."""
    who = _eligible(world)
    survey = catalogue["nps"].survey
    month = (world.today.astype("datetime64[M]") - rng.integers(0, 12, size=who.size)).astype("datetime64[M]")
    length = ((month + 1).astype("datetime64[D]") - month.astype("datetime64[D]")).astype(np.int64)
    day = month.astype("datetime64[D]") + ((who + 1) % length) * DAY
    keys = np.char.add(np.char.add(f"periodic:{survey}:", (who + 1).astype(str)),
                       np.char.add(":", np.datetime_as_string(month)))
    chosen = (day <= world.today) & _sampled(rng, keys, day, world.today, NPS_RATE)
    who = who[chosen]
    invites.add("nps", Trigger.PERIODIC, day[chosen], world.customer_dealer[who], customer=who,
                staff=world.owner[who], key=keys[chosen])


def _touchpoint_invitations(invites: _Invites, world: _World, rng, catalogue: Catalogue) -> None:
    """Touchpoint ratings: a sample of customers with a car, asked by the marketing officer."""
    who = _eligible(world)
    who = who[rng.random(who.size) < TOUCHPOINT_SHARE]
    day = world.today - rng.integers(0, YEAR_DAYS, size=who.size) * DAY
    dealer = world.customer_dealer[who]
    invites.add("touchpoint", Trigger.MANUAL, day, dealer, customer=who, staff=world.owner[who],
                created_by=world.marketing[dealer], key=_keys(catalogue["touchpoint"].survey, "customer", who + 1))


def _kano_invitations(invites: _Invites, world: _World, rng, catalogue: Catalogue) -> None:
    """One Kano study: customers of D01 with a car, invited on one day by its marketing officer."""
    who = _eligible(world)
    who = who[world.customer_dealer[who] == 0]
    who = np.sort(rng.choice(who, size=min(KANO_INVITED, who.size), replace=False))
    day = np.full(who.size, world.today - KANO_DAYS_AGO * DAY)
    invites.add("kano", Trigger.MANUAL, day, np.zeros(who.size, dtype=np.int64), customer=who,
                created_by=np.full(who.size, world.marketing[0]),
                key=_keys(catalogue["kano"].survey, "customer", who + 1))


def _staff_invitations(invites: _Invites, world: _World, catalogue: Catalogue) -> None:
    """The self-assessment: every consultant, asked by their dealer's general manager a month
    before the after-sales programme started (staff rate themselves before customers are asked)."""
    consultant = world.staff_role == Role.CONSULTANT.value
    ids, dealer = world.staff_id[consultant], world.staff_dealer[consultant]
    day = np.full(ids.size, world.today - (AFTER_SALES_DAYS + 30) * DAY)
    invites.add("staff", Trigger.MANUAL, day, dealer, respondent=ids, staff=ids, created_by=world.gm[dealer],
                key=_keys(catalogue["staff"].survey, "staff", ids))


def _keys(survey: int, what: str, ids) -> np.ndarray:
    return np.char.add(f"{Trigger.MANUAL.value}:{survey}:{what}:", np.asarray(ids).astype(str))


def _fatigue(inv: dict) -> dict:
    """Contact fatigue: a candidate within ``FATIGUE_GAP`` days of the same customer's previous
    candidate is not invited (stricter than the rule, never looser)."""
    order = np.lexsort((inv["day"], inv["customer"]))
    customer, day = inv["customer"][order], inv["day"][order]
    same = np.r_[False, customer[1:] == customer[:-1]]
    gap = np.r_[np.int64(1 << 30), (day[1:] - day[:-1]).astype(np.int64)]
    keep = np.zeros(customer.size, dtype=bool)
    keep[order] = ~same | (gap >= FATIGUE_GAP)
    return {name: column[keep] for name, column in inv.items()}


# --- what became of each invitation --------------------------------------------------------------

def _return_known(world: _World, inv: dict) -> np.ndarray:
    """After-sales invitations whose repair's 12 months have passed by the build date."""
    repair = (inv["kind"] == "css_after_sales") & (inv["transaction"] > 0)
    day = world.ledger["day"][np.maximum(inv["transaction"], 1) - 1]
    return repair & (day + truth.RETURN_DAYS * DAY <= world.today)


def _answer_tilt(world: _World, inv: dict, target: float) -> np.ndarray:
    """Multipliers of the answer probability of the after-sales invitations whose return is
    known, so that the answered ones return at about ``target`` (the rate that the model's
    natural band shares ask for: sum_b pi_b p_b); 1 for every other invitation. Customers who do
    not come back answer somewhat more often (they have something to say), and the overall
    response rate is unchanged."""
    tilt = np.ones(inv["day"].size)
    known = np.flatnonzero(_return_known(world, inv))
    if not known.size:
        return tilt
    back = came_back(world, inv["transaction"][known] - 1)
    share = back.mean()
    if 0 < share < 1:
        ratio = (target / (1 - target)) / (share / (1 - share))  # odds of coming back, answered / invited
        not_back = 1 / (share * ratio + 1 - share)
        tilt[known] = np.where(back, ratio * not_back, not_back)
    return tilt


def _outcomes(world: _World, rng, inv: dict, tilt: np.ndarray) -> dict:
    """Answered or not, when, reminded, opened; by each dealer's response rate (the staff: all),
    times the after-sales ``tilt``."""
    n = inv["day"].size
    rate = rng.uniform(*RESPONSE_RATES, size=world.n_dealers)
    staff = inv["kind"] == "staff"
    answers = rng.random(n) < np.where(staff, 1.0, rate[inv["dealer"]] * tilt)  # every consultant answers
    after_reminder = rng.random(n) < AFTER_REMINDER_SHARE
    delay = np.where(after_reminder, rng.integers(REMINDER_DAYS, LINK_DAYS, size=n),
                     col.pick(rng, [0, 1, 2, 3, 4], [45, 25, 15, 10, 5], n))
    created = col.datetimes(rng, inv["day"], 1.0, 3.0)  # the morning's job, 09:00-11:00 Beijing
    answer_at = created + delay * DAY + rng.integers(20 * 60, 10 * HOUR, size=n) * SECOND
    answered = answers & (answer_at.astype("datetime64[D]") < world.today)
    expires = created + LINK_DAYS * DAY
    expired = ~answered & (expires.astype("datetime64[D]") < world.today)
    reminded = (~answered | (delay >= REMINDER_DAYS)) & (inv["day"] + REMINDER_DAYS * DAY < world.today) & ~staff
    opened = answered | (rng.random(n) < OPENED_SHARE)
    # Opened before the answer was started (at most 30 minutes: the longest answer), else a while after.
    open_at = np.where(answered, answer_at - rng.integers(1800, 2400, size=n) * SECOND,
                       created + rng.integers(HOUR, 3 * 24 * HOUR, size=n) * SECOND)
    opened &= open_at.astype("datetime64[D]") < world.today
    partial = opened & ~answered & (rng.random(n) < PARTIAL_SHARE) & np.isin(inv["kind"], ["css_after_sales",
                                                                                           "css_sales"])
    return {"created": created, "answered": answered, "answer_at": answer_at, "expires": expires,
            "expired": expired, "reminded": reminded, "reminded_at": created + REMINDER_DAYS * DAY,
            "opened": opened, "open_at": open_at, "partial": partial}


def _invitation_table(rng, inv: dict, outcome: dict, world: _World, catalogue: Catalogue) -> dict:
    n = inv["day"].size
    status = np.select([outcome["answered"], outcome["expired"]],
                       [InvitationStatus.ANSWERED.value, InvitationStatus.EXPIRED.value], InvitationStatus.OPEN.value)
    hashes = _token_hashes(rng, status == InvitationStatus.OPEN.value)
    return {"id": col.ids(n), "survey_id": _by_kind(inv["kind"], catalogue, "survey"),
            "version_id": _by_kind(inv["kind"], catalogue, "version"), "dealer_id": inv["dealer"] + 1,
            "customer_id": _nullable_index(inv["customer"], inv["respondent"] > 0),
            "respondent_staff_id": col.masked(inv["respondent"], inv["respondent"] == 0),
            "transaction_id": col.masked(inv["transaction"], inv["transaction"] == 0),
            "vehicle_id": col.masked(inv["vehicle"], inv["vehicle"] == 0),
            "staff_id": col.masked(inv["staff"], inv["staff"] == 0), "trigger": inv["trigger"].astype(str),
            "key": inv["key"].astype(str), "token_hash": np.array(hashes), "status": status,
            "created_at": outcome["created"], "created_by_id": col.masked(inv["created_by"], inv["created_by"] == 0),
            "expires_at": outcome["expires"], "opened_at": col.masked(outcome["open_at"], ~outcome["opened"]),
            "reminded_at": col.masked(outcome["reminded_at"], ~outcome["reminded"]),
            "answered_at": col.masked(outcome["answer_at"], ~outcome["answered"]),
            "message_id": col.nulls(n, np.int64)}


def _token_hashes(rng, live: np.ndarray) -> np.ndarray:
    """The stored token digests. A link still open gets the SHA-256 of a random token, as the
    app makes them (``surveys.tokens.digest``; nobody holds the token, so the demo's links open
    nothing); an answered or expired link can never open again, so its digest is 256 random
    bits in hex, drawn column-wise: hashing every token would cost seconds at large."""
    n = live.size
    hexes = np.array([f"{i:02x}" for i in range(256)])
    raw = np.frombuffer(rng.bytes(32 * n), dtype=np.uint8).reshape(n, 32)
    hashes = np.ascontiguousarray(hexes[raw]).view("<U64")[:, 0]  # 32 two-digit strings side by side
    for i in np.flatnonzero(live).tolist():
        hashes[i] = digest(base64.urlsafe_b64encode(raw[i].tobytes()).rstrip(b"=").decode())
    return hashes


def _nullable_index(index: np.ndarray, missing: np.ndarray) -> np.ma.MaskedArray:
    return col.masked(index + 1, missing)


def _by_kind(kind: np.ndarray, catalogue: Catalogue, what: str) -> np.ndarray:
    out = np.zeros(kind.size, dtype=np.int64)
    for name, ref in catalogue.items():
        out[kind == name] = getattr(ref, what)
    return out


# --- responses -----------------------------------------------------------------------------------

def _responses(world: _World, rng, inv: dict, outcome: dict, catalogue: Catalogue) -> dict:
    """One response per answered invitation (and per saved partial answer), the flags of the
    CSS answers and their review, and the second answers (an in-store QR code) for a few repairs."""
    answered = np.flatnonzero(outcome["answered"] | outcome["partial"])
    submitted = outcome["answered"][answered]
    n = answered.size
    kind = inv["kind"][answered]
    css = submitted & np.isin(kind, ["css_after_sales", "css_sales"])
    flag = np.full(n, "", dtype=object)
    draw = rng.random(n)
    edge = 0.0
    for code, share in FLAG_SHARES.items():
        flag[css & (draw >= edge) & (draw < edge + share)] = code.value
        edge += share
    duration = np.clip(rng.lognormal(np.log(200), 0.5, size=n), 60, 1800).astype(np.int64)
    duration = np.where(flag == Flag.TOO_FAST.value, rng.integers(12, 30, size=n), duration)
    submitted_at = outcome["answer_at"][answered]
    started_at = np.where(submitted, submitted_at - duration * SECOND, outcome["open_at"][answered])
    responses = {"invitation": answered, "kind": kind, "submitted": submitted, "started_at": started_at,
                 "submitted_at": submitted_at, "flag": flag, "second": np.zeros(n, dtype=bool)}
    # Second answers: a few answered repairs were answered again on the QR code in the store.
    again = np.flatnonzero(css & (kind == "css_after_sales") & (flag == "") & (rng.random(n) < SECOND_ANSWER_SHARE))
    if again.size:
        later = submitted_at[again] + rng.integers(HOUR, 2 * 24 * HOUR, size=again.size) * SECOND
        later = np.minimum(later, np.datetime64(world.today, "s") - SECOND)
        extra = {"invitation": answered[again], "kind": kind[again], "submitted": np.ones(again.size, dtype=bool),
                 "started_at": later - 150 * SECOND, "submitted_at": later,
                 "flag": np.full(again.size, Flag.SECOND_ANSWER.value, dtype=object),
                 "second": np.ones(again.size, dtype=bool)}
        responses = {name: np.concatenate([responses[name], extra[name]]) for name in responses}
    flagged = responses["flag"] != ""
    m = flagged.size
    responses["reviewed_at"] = responses["submitted_at"] + rng.integers(1, 5, size=m) * DAY
    reviewed = flagged & (rng.random(m) < REVIEWED_SHARE)
    reviewed &= responses["reviewed_at"].astype("datetime64[D]") < world.today
    keepable = np.isin(responses["flag"], [Flag.STAFF_NETWORK.value, Flag.TOO_FAST.value])
    kept = reviewed & keepable & (rng.random(m) < KEPT_SHARE)
    responses["reviewed"] = reviewed
    responses["review"] = np.select([kept, reviewed, flagged], [Review.KEPT.value, Review.EXCLUDED.value,
                                                                 Review.PENDING.value], "")
    responses["counted"] = ~flagged | kept
    # The response rows in the order they were started: ids follow time.
    order = np.argsort(responses["started_at"], kind="stable")
    responses = {name: column[order] for name, column in responses.items()}
    responses["id"] = col.ids(order.size)
    return responses


def _response_table(inv: dict, responses: dict, world: _World, catalogue: Catalogue) -> dict:
    i = responses["invitation"]
    second = responses["second"]
    submitted = responses["submitted"]
    customer = inv["customer"][i]
    staff_answer = inv["respondent"][i] > 0
    dealer = inv["dealer"][i]
    reviewer = np.where(responses["kind"] == "css_sales", world.sales_manager[dealer], world.service_manager[dealer])
    flags = np.where(responses["flag"] == "", "[]", np.char.add(np.char.add('["', responses["flag"].astype(str)),
                                                                  '"]'))
    language = np.where(staff_answer, "zh-hans", world.language[np.where(staff_answer, 0, customer)])
    return {"id": responses["id"], "invitation_id": col.masked(i + 1, second),
            "survey_id": _by_kind(responses["kind"], catalogue, "survey"),
            "version_id": _by_kind(responses["kind"], catalogue, "version"), "dealer_id": dealer + 1,
            "customer_id": _nullable_index(customer, staff_answer),
            "respondent_staff_id": col.masked(inv["respondent"][i], ~staff_answer),
            "transaction_id": col.masked(inv["transaction"][i], inv["transaction"][i] == 0),
            "vehicle_id": col.masked(inv["vehicle"][i], inv["vehicle"][i] == 0),
            "staff_id": col.masked(inv["staff"][i], inv["staff"][i] == 0), "language": language,
            "started_at": responses["started_at"],
            "submitted_at": col.masked(responses["submitted_at"], ~submitted),
            "answered_on": col.masked((responses["submitted_at"] + LOCAL_OFFSET).astype("datetime64[D]"), ~submitted),
            "flags": flags, "counted": responses["counted"], "review": responses["review"].astype(str),
            "reviewed_by_id": col.masked(reviewer, ~responses["reviewed"]),
            "reviewed_at": col.masked(responses["reviewed_at"], ~responses["reviewed"]),
            "review_note": np.where(responses["reviewed"],
                                    np.where(responses["review"] == Review.KEPT.value, "已核实为客户本人作答",
                                             "判定为无效答卷"), "")}


# --- answers -------------------------------------------------------------------------------------

class _Answers:
    """Answer rows, collected question by question."""

    def __init__(self):
        self.parts: list[dict] = []

    def add(self, response_index, question: int, *, number=None, text=None, value=None) -> None:
        response_index = np.asarray(response_index, dtype=np.int64)
        n = response_index.size
        if n == 0:
            return
        self.parts.append({
            "response": response_index, "question": np.full(n, question, dtype=np.int64),
            "number": np.full(n, np.nan) if number is None else np.asarray(number, dtype=float),
            "text": np.full(n, "", dtype=object) if text is None else np.asarray(text, dtype=object),
            "value": np.full(n, None, dtype=object) if value is None else np.asarray(value, dtype=object)})

    def _columns(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate([p[name] for p in self.parts]) for name in self.parts[0]}

    def scores(self, n: int, catalogue: Catalogue) -> np.ndarray:
        """Each of the ``n`` responses' numeric answers as ``Response.scores`` holds them: the JSON
        text ``{"code": number, ...}`` (``{}`` for a response without any)."""
        columns = self._columns()
        numeric = ~np.isnan(columns["number"])
        code_of = {question: code for ref in catalogue.values() for code, question in ref.questions.items()}
        pairs = pd.DataFrame({"response": columns["response"][numeric],
                              "code": pd.Series(columns["question"][numeric]).map(code_of).to_numpy(),
                              "number": columns["number"][numeric]}).sort_values(["response", "code"])
        pairs["pair"] = '"' + pairs["code"] + '": ' + pairs["number"].astype(str)
        joined = pairs.groupby("response")["pair"].agg(", ".join)
        out = np.full(n, "{}", dtype=object)
        out[joined.index.to_numpy()] = ("{" + joined + "}").to_numpy()
        return out

    def table(self, responses: dict) -> dict:
        columns = self._columns()
        order = np.lexsort((columns["question"], columns["response"]))
        columns = {name: column[order] for name, column in columns.items()}
        n = order.size
        value = columns["value"]
        no_value = np.array([v is None for v in value.tolist()], dtype=bool)
        return {"id": col.ids(n), "response_id": responses["id"][columns["response"]],
                "question_id": columns["question"],
                "number": col.masked(np.nan_to_num(columns["number"]), np.isnan(columns["number"])),
                "text": columns["text"].astype(str),
                "value": col.masked(np.where(no_value, "", value).astype(str), no_value)}


def _factor_items(rng, n: int, means) -> tuple[np.ndarray, np.ndarray]:
    """Items (n x k, integers 1-10) from one common factor plus item noise, and the factor."""
    means = np.asarray(means, dtype=float)
    factor = rng.standard_normal(n)
    noise = rng.standard_normal((n, means.size))
    latent = means + ITEM_SPREAD * (np.sqrt(FACTOR_SHARE) * factor[:, None] + np.sqrt(1 - FACTOR_SHARE) * noise)
    return np.clip(np.rint(latent), 1, 10), factor


def _recommend(rng, dealer: np.ndarray, rank: np.ndarray, mix: np.ndarray, exact: np.ndarray,
               recent: np.ndarray) -> np.ndarray:
    """0-10 answers following each dealer's promoter/passive/detractor mix, correlated with
    ``rank`` (a uniform score in (0, 1), e.g. the overall score's rank) by a Gaussian copula.

    The ``exact`` answers (the counted ones) get each dealer's mix in exactly the planted
    numbers, per dealer and per year of answers (``recent``: the last 365 days, the pages'
    default period): within each such group the answers are ordered by their copula score and
    the lowest share are detractors, the next passives, the rest promoters (counts rounded). So a
    dealer's NPS is its planted one to rounding and the league table's verdicts do not hang on
    the luck of a draw; the others (not counted) are drawn from the mix."""
    n = dealer.size
    z = RECOMMEND_COPULA * stats.norm.ppf(rank) + np.sqrt(1 - RECOMMEND_COPULA ** 2) * rng.standard_normal(n)
    u = stats.norm.cdf(z)
    promoters, passives, detractors = mix[dealer].T
    detractor = u < detractors
    passive = ~detractor & (u < detractors + passives)
    where = np.flatnonzero(exact)
    if where.size:
        group = dealer[where] * 2 + recent[where]
        order = where[np.lexsort((u[where], group))]
        sorted_group = dealer[order] * 2 + recent[order]
        sizes = np.bincount(sorted_group, minlength=2 * mix.shape[0])
        position = np.arange(order.size) - (np.cumsum(sizes) - sizes)[sorted_group]
        size = sizes[sorted_group]
        n_detractors = np.rint(detractors[order] * size)
        n_passives = np.rint((detractors[order] + passives[order]) * size) - n_detractors
        detractor[order] = position < n_detractors
        passive[order] = ~detractor[order] & (position < n_detractors + n_passives)
    low = rng.choice(7, size=n, p=DETRACTOR_WEIGHTS / DETRACTOR_WEIGHTS.sum())
    return np.select([detractor, passive], [low, 7 + (rng.random(n) < 0.55)], 9 + (rng.random(n) < 0.5)).astype(float)


def _recent(world: _World, responses: dict, mine: np.ndarray) -> np.ndarray:
    """Responses answered within the last 365 days (the pages' default period), by answer day."""
    day = (responses["submitted_at"][mine] + LOCAL_OFFSET).astype("datetime64[D]")
    return (day > world.today - YEAR_DAYS * DAY).astype(np.int64)


def _counted(responses: dict, mine: np.ndarray) -> np.ndarray:
    return responses["counted"][mine] & responses["submitted"][mine]


def _ranks(values: np.ndarray, rng) -> np.ndarray:
    """Each value's rank as a uniform score in (0, 1), ties broken at random."""
    order = np.lexsort((rng.random(values.size), values))
    rank = np.empty(values.size)
    rank[order] = (np.arange(values.size) + 0.5) / values.size
    return rank


def _band_of(overall: np.ndarray) -> np.ndarray:
    """0 low, 1 middle, 2 high (``truth.RETURN_BY_SATISFACTION``)."""
    bands = truth.RETURN_BY_SATISFACTION
    return (overall >= bands["middle"][0]).astype(np.int64) + (overall >= bands["high"][0])


RETURN_RATES = np.array([truth.RETURN_BY_SATISFACTION[b][2] for b in ("low", "middle", "high")])


@dataclass
class AfterSalesPool:
    """Draws of the after-sales model: items, the continuous overall before its shift, and the
    shift that gives the band shares the observed return rate asks for."""

    items: np.ndarray
    latent: np.ndarray
    shift: float = 0.0

    @classmethod
    def draw(cls, rng, n: int) -> "AfterSalesPool":
        items, _ = _factor_items(rng, n, list(AFTER_SALES_MEANS.values()))
        weights = np.array([truth.AFTER_SALES_WEIGHTS[code] for code in AFTER_SALES_MEANS])
        # The weights apply to the items as answered, standardised: the scale on which relative
        # weights (and standardised betas) measure importance, whatever each item's mean and the
        # clipping at 10 do to its spread.
        standard = (items - items.mean(axis=0)) / items.std(axis=0)
        latent = items.mean() + ITEM_SPREAD * standard @ (weights / weights.sum())
        return cls(items, latent + OVERALL_NOISE * rng.standard_normal(n))

    def overall(self, shift: float | None = None) -> np.ndarray:
        return np.clip(np.rint(self.latent + (self.shift if shift is None else shift)), 1, 10)

    def shares(self, shift: float | None = None) -> np.ndarray:
        return np.bincount(_band_of(self.overall(shift)), minlength=3) / self.latent.size

    def fit(self, return_rate: float) -> None:
        """The shift whose band shares pi give sum_b pi_b p_b = ``return_rate`` (bisection; the
        expected return is increasing in the shift). Outside what any shift allows: the nearest end."""
        low, high = -8.0, 8.0
        for _ in range(30):
            middle = (low + high) / 2
            if self.shares(middle) @ RETURN_RATES < return_rate:
                low = middle
            else:
                high = middle
        self.shift = (low + high) / 2


def came_back(world: _World, transaction_index: np.ndarray) -> np.ndarray:
    """Whether the customer of each service transaction (index into the ledger) had another
    service visit 1 to ``truth.RETURN_DAYS`` days later (the demo's own history)."""
    ledger = world.ledger
    service = np.flatnonzero(ledger["kind"] == TransactionKind.SERVICE.value)
    day = (ledger["day"][service] - np.datetime64("2000-01-01", "D")).astype(np.int64)
    key = ledger["customer"][service].astype(np.int64) * 100_000 + day
    key.sort()
    asked = ledger["customer"][transaction_index].astype(np.int64) * 100_000 + \
        (ledger["day"][transaction_index] - np.datetime64("2000-01-01", "D")).astype(np.int64)
    nxt = np.searchsorted(key, asked, side="right")
    found = nxt < key.size
    following = key[np.minimum(nxt, key.size - 1)]
    return found & (following - asked <= truth.RETURN_DAYS) & (following // 100_000 == asked // 100_000)


def _allocate_bands(rng, back: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Bands for answers whose return is known: by Bayes, P(band | back) = pi_b p_b / r and
    P(band | not back) = pi_b (1 - p_b) / (1 - r), as expected counts (rounded, largest
    remainders), assigned in a random order; so each band's return rate is p_b to rounding."""
    band = np.zeros(back.size, dtype=np.int64)
    rate = shares @ RETURN_RATES
    for group, weights in ((back, shares * RETURN_RATES / rate), (~back, shares * (1 - RETURN_RATES) / (1 - rate))):
        where = np.flatnonzero(group)
        counts = _largest_remainders(weights / weights.sum() * where.size)
        band[rng.permutation(where)] = np.repeat(np.arange(3), counts)
    return band


def _largest_remainders(expected: np.ndarray) -> np.ndarray:
    counts = np.floor(expected).astype(np.int64)
    short = int(round(expected.sum())) - counts.sum()
    counts[np.argsort(counts - expected)[:short]] += 1
    return counts


def _answer_after_sales(world: _World, rng, inv: dict, responses: dict, answers: _Answers,
                        catalogue: Catalogue, pool: "AfterSalesPool") -> None:
    ref = catalogue["css_after_sales"]
    mine = np.flatnonzero(responses["kind"] == "css_after_sales")
    i = responses["invitation"][mine]
    dealer = inv["dealer"][i]
    ledger_index = inv["transaction"][i] - 1
    n = mine.size
    counted = responses["counted"][mine] & responses["submitted"][mine]
    flag = responses["flag"][mine]
    known = counted & _return_known(world, {name: column[i] for name, column in inv.items()})
    back = came_back(world, ledger_index[known])
    pool.fit(back.mean() if back.size else 0.7)
    shares = pool.shares()
    band = rng.choice(3, size=n, p=shares)
    band[known] = _allocate_bands(rng, back, shares)
    # Each answer is a draw of the model given its band: a row of the pool from that band.
    pool_band = _band_of(pool.overall())
    row = np.zeros(n, dtype=np.int64)
    for b in range(3):
        mine_b = np.flatnonzero(band == b)
        rows_b = np.flatnonzero(pool_band == b)
        row[mine_b] = rng.choice(rows_b, size=mine_b.size, replace=rows_b.size < mine_b.size)
    items, overall = pool.items[row].copy(), pool.overall()[row]
    recommend = _recommend(rng, dealer, _ranks(pool.latent, rng)[row], world.mix, counted,
                           _recent(world, responses, mine))
    _spoil(rng, flag, counted, items, overall, recommend)
    submitted = responses["submitted"][mine]
    answered_items = np.where(submitted[:, None], True, np.arange(items.shape[1]) < 3)  # a partial: three items
    for k, code in enumerate(AFTER_SALES_MEANS):
        answers.add(mine[answered_items[:, k]], ref.questions[code], number=items[answered_items[:, k], k])
    answers.add(mine[submitted], ref.questions["overall"], number=overall[submitted])
    answers.add(mine[submitted], ref.questions["recommend"], number=recommend[submitted])
    # Stated importance (optional): 100 points, roughly in proportion to the true weights.
    stated = submitted & counted & (rng.random(n) < 0.4)
    if "importance" in ref.questions and stated.any():
        weights = np.array(list(truth.AFTER_SALES_WEIGHTS.values()))
        points = rng.multinomial(100, rng.dirichlet(25 * weights, size=int(stated.sum())))
        text = np.full(points.shape[0], "{", dtype=object)
        for k, code in enumerate(truth.AFTER_SALES_WEIGHTS):
            text = text + f'{", " if k else ""}"{code}": ' + points[:, k].astype(str).astype(object)
        answers.add(mine[stated], ref.questions["importance"], value=text + "}")
    commented = submitted & (rng.random(n) < 0.12)
    if "comment" in ref.questions and commented.any():
        band_name = np.array(["low", "middle", "high"])[_band_of(overall[commented])]
        answers.add(mine[commented], ref.questions["comment"], text=_pick_text(rng, band_name))


def _pick_text(rng, band_name: np.ndarray) -> np.ndarray:
    out = np.empty(band_name.size, dtype=object)
    for name, choices in COMMENTS.items():
        where = band_name == name
        out[where] = np.asarray(choices, dtype=object)[rng.integers(0, len(choices), size=where.sum())]
    return out


def _spoil(rng, flag, counted, items, overall, recommend) -> None:
    """Answers that are not counted look like what got them flagged: straight-lined ones give
    every question one score, coached ones (the dealer's own network) a 10 everywhere, and the
    too-fast ones scores clicked at random. Kept ones (reviewed, genuine) stay as drawn."""
    n = flag.size
    straight = (flag == Flag.STRAIGHT_LINED.value) & ~counted
    score = rng.integers(8, 11, size=n).astype(float)
    items[straight] = score[straight, None]
    overall[straight] = score[straight]
    recommend[straight] = score[straight]
    coached = (flag == Flag.STAFF_NETWORK.value) & ~counted
    items[coached], overall[coached], recommend[coached] = 10, 10, 10
    fast = (flag == Flag.TOO_FAST.value) & ~counted
    items[fast] = rng.integers(5, 11, size=(int(fast.sum()), items.shape[1]))
    overall[fast] = rng.integers(5, 11, size=int(fast.sum()))


def _answer_sales(world: _World, rng, inv: dict, responses: dict, answers: _Answers, catalogue: Catalogue) -> None:
    ref = catalogue["css_sales"]
    mine = np.flatnonzero(responses["kind"] == "css_sales")
    n = mine.size
    if not n:
        return
    i = responses["invitation"][mine]
    items, factor = _factor_items(rng, n, SALES_MEANS)
    mean = items.mean(axis=1)
    outcomes = np.clip(np.rint(mean[:, None] + OVERALL_NOISE * rng.standard_normal((n, 3))
                               + np.array([0.0, 0.0, -0.4])), 1, 10)
    recommend = _recommend(rng, inv["dealer"][i], _ranks(mean + 0.3 * rng.standard_normal(n), rng), world.mix,
                           _counted(responses, mine), _recent(world, responses, mine))
    counted = responses["counted"][mine] & responses["submitted"][mine]
    overall = outcomes[:, 1].copy()
    _spoil(rng, responses["flag"][mine], counted, items, overall, recommend)
    outcomes[:, 1] = overall
    submitted = responses["submitted"][mine]
    for k, code in enumerate(SALES_ITEMS):
        keep = submitted | (k < 3)
        answers.add(mine[keep], ref.questions[code], number=items[keep, k])
    for k, code in enumerate(SALES_OUTCOMES):
        answers.add(mine[submitted], ref.questions[code], number=outcomes[submitted, k])
    answers.add(mine[submitted], ref.questions["recommend"], number=recommend[submitted])


def _answer_others(world: _World, rng, inv: dict, responses: dict, answers: _Answers, catalogue: Catalogue) -> None:
    """Relational NPS, touchpoints, Kano and the staff's self-assessment."""
    kind, i = responses["kind"], responses["invitation"]
    # relational NPS: the dealer's mix, and a reason from a third
    mine = np.flatnonzero(kind == "nps")
    ref = catalogue["nps"]
    answers.add(mine, ref.questions["recommend"],
                number=_recommend(rng, inv["dealer"][i[mine]], rng.random(mine.size), world.mix,
                                  _counted(responses, mine), _recent(world, responses, mine)))
    reason = mine[rng.random(mine.size) < 0.3]
    answers.add(reason, ref.questions["reason"],
                text=np.asarray(NPS_REASONS, dtype=object)[rng.integers(0, len(NPS_REASONS), size=reason.size)])
    # touchpoints: only those lived through; a personal level plus the touchpoint's mean
    mine = np.flatnonzero(kind == "touchpoint")
    ref = catalogue["touchpoint"]
    person = 0.8 * rng.standard_normal(mine.size)
    lived = np.column_stack([rng.random(mine.size) < share for share in TOUCHPOINT_ANSWERED.values()])
    lived[~lived.any(axis=1), 4] = True  # everyone rates at least the delivery
    for k, (code, mean) in enumerate(truth.TOUCHPOINT_MEANS.items()):
        score = np.clip(np.rint(mean + person + 1.2 * rng.standard_normal(mine.size)), 1, 10)
        answers.add(mine[lived[:, k]], ref.questions[f"tp_{code}"], number=score[lived[:, k]])
    # Kano: the planted category for KANO_DOMINANT_SHARE of respondents, the others spread
    mine = np.flatnonzero(kind == "kano")
    ref = catalogue["kano"]
    letters = list(KANO_PAIRS)
    for feature, planted in truth.KANO_CATEGORIES.items():
        shares = np.array([truth.KANO_DOMINANT_SHARE if c == planted else 0.0 for c in letters])
        rest = np.array([1.0 if c in ("A", "O", "M", "I") else 0.25 for c in letters]) * (shares == 0)
        shares = shares + rest / rest.sum() * (1 - truth.KANO_DOMINANT_SHARE)
        category = rng.choice(len(letters), size=mine.size, p=shares)
        text = np.empty(mine.size, dtype=object)
        for c, letter in enumerate(letters):
            where = np.flatnonzero(category == c)
            pairs = np.asarray([f'{{"functional": "{f}", "dysfunctional": "{d}"}}' for f, d in KANO_PAIRS[letter]],
                               dtype=object)
            text[where] = pairs[rng.integers(0, pairs.size, size=where.size)]
        answers.add(mine, ref.questions[feature], value=text)
    # staff: their own work on the sales items, above what their customers give them
    mine = np.flatnonzero(kind == "staff")
    ref = catalogue["staff"]
    for k, code in enumerate(SALES_ITEMS):
        score = np.clip(np.rint(SALES_MEANS[k] + truth.STAFF_SELF_LIFT + 0.9 * rng.standard_normal(mine.size)), 1, 10)
        answers.add(mine, ref.questions[code], number=score)
    commented = mine[rng.random(mine.size) < 0.3]
    answers.add(commented, ref.questions["comment"], text=np.asarray(STAFF_COMMENTS, dtype=object)[
        rng.integers(0, len(STAFF_COMMENTS), size=commented.size)])
