"""The demo's complaint and suggestion cases (the cases app), as columns.

``add_cases(data, rng, today, survey_tables, catalogue)`` reads the generated customers, staff
and transactions and the survey tables ``demo.surveys`` drew (not loaded yet: the cases name
their responses by id), and returns the cases' tables (the cases, their steps and compensation,
the blacklist and the lost owners: ``demo.blacklist``, ``demo.lost``) and the re-surveys after
closed cases, as rows to load after the survey tables. What it plants:

- **Detractor cases**: one case for every counted answer the detractor intake would open one
  for, selected with the intake's own rules and constants (``cases.detractors``: NPS 0-6, or an
  item at or below the dealer's ``item_threshold`` on 1-10 through its ``_on_ten``), with the
  owner, department, severity, category and description it would set (the description filled
  from the intake's own translated sentences, per language), opened a few seconds after the
  answer came to count (the submit, or the review that kept a flagged one).
- **Staff cases**: phone calls, walk-ins, letters and social media (15% suggestions) about 1% of
  the customers a year over the two years of the after-sales programme, opened days after a
  visit, owned by whoever serves the customer (the marketing desk for social media).
- **The six steps** as a person would record them: Listen at the first contact (within the 24
  hours for about 91%), Share in the same call, Probe, Check, Action with a plan, Satisfy and the
  close; some Probes before the first call, some Actions before the Check, some Shares skipped
  (recorded out of order, as the service marks them), second calls and a second Satisfy after
  a refused first one (taken again). Resolution within the severity's days for about 88%; 12%
  close unsatisfied with a reason; a quarter of the last month's cases drag on. Steps after the
  build's "now" are not taken, so recent cases are open and some are past a deadline right now. Breaches are read off the columns:
  ``first_contact_at > first_contact_due`` (or no contact while the due time has passed), and
  ``closed_at > resolution_due`` (or open past ``resolution_due``). Escalations are not drawn.
- **Compensation** on about a third of the cases that reached Action (more when the customer
  seeks compensation); above the dealer's approval threshold it waits for a manager, who
  approves most and rejects a few; recent ones still wait.
- **Recurrence checks** on 85% of the cases whose check day has passed; 6% came back.
- **Re-surveys**: a sampling rule "after a closed case" per dealer (the relational NPS survey,
  7 days after, half of the cases, by the job's own draw for recent ones) and the invitations,
  answers and responses it made, keyed ``case:<id>``; of those answering, customers who were
  recovered answer 9-10 more often (33%) than those who were not (12%). A re-survey answer that
  is again a detractor's opens its own case (as the intake would), re-surveyed in its turn. A
  re-survey the demo's other survey invitations follow within the fatigue window is not made
  (the invite job would have refused those after it; about 2% of them).

No audit rows: the demo's bulk-loaded records carry none, only the build is audited (``build``).
Everything is column-wise numpy; the Python loops run over dealers, questions, languages and
step kinds.
"""

import re

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import translation
from django.utils.translation import gettext

from retain.cases.detractors import CATEGORY_OF_ITEM, DETRACTOR_NPS, _on_ten
from retain.cases.models import (
    CaseKind,
    CaseStatus,
    Category,
    Channel,
    CompensationKind,
    CompensationStatus,
    Department,
    Motive,
    Outcome,
    Severity,
    Step,
)
from retain.cases.models.case import CUSTOMER_FACING, STEP_ORDER, CaseSettings, settings_for
from retain.cases.recovery import PROMOTER, resurvey_key
from retain.customers.models import Status, TransactionKind
from retain.loyalty.models import Programme
from retain.org.models import DepartmentKind
from retain.org.policy import POLICY, Action, Scope, stand_ins
from retain.surveys.models import Question, QuestionKind, QuestionRole, SurveyKind, Trigger
from retain.surveys.texts import localised

from . import case_texts as texts
from . import columns as col
from . import surveys as demo_surveys
from .blacklist import add_blacklist
from .lost import add_lost_owners
from .records import DemoData

DAY = np.timedelta64(1, "D")
HOUR = np.timedelta64(3600, "s")
MINUTE = np.timedelta64(60, "s")
SECOND = np.timedelta64(1, "s")
LOCAL_OFFSET = demo_surveys.LOCAL_OFFSET
#: The defaults of ``CaseSettings`` (the demo's dealers keep them).
RULES = CaseSettings()

#: Staff-opened cases per customer and year, over the after-sales programme's two years.
STAFF_CASES_PER_CUSTOMER_YEAR = 0.01
STAFF_CASE_DAYS = demo_surveys.AFTER_SALES_DAYS
CHANNELS = {Channel.PHONE: 45, Channel.WALK_IN: 25, Channel.LETTER: 5, Channel.SOCIAL: 15}
SUGGESTION_SHARE = 0.15
MOTIVES = {Motive.RESPECT: 35, Motive.VENTING: 30, Motive.COMPENSATION: 25, Motive.UNKNOWN: 10}
SEVERITIES = {Severity.MINOR: 45, Severity.MAJOR: 45, Severity.CRITICAL: 10}
CATEGORIES = {
    Department.SALES: {Category.SALES_PROMISE: 35, Category.STAFF_ATTITUDE: 25, Category.VEHICLE_QUALITY: 20,
                       Category.PRICE: 10, Category.FACILITIES: 10},
    Department.SERVICE: {Category.REPAIR_QUALITY: 35, Category.WAITING_TIME: 20, Category.PRICE: 20,
                         Category.STAFF_ATTITUDE: 15, Category.FACILITIES: 10},
    Department.PARTS: {Category.PARTS: 70, Category.PRICE: 30},
    Department.OTHER: {Category.OTHER: 70, Category.FACILITIES: 30},
}
#: The root causes (the dealer's list, by position) most likely for each category.
LIKELY_CAUSES = {Category.REPAIR_QUALITY: (0, 1), Category.WAITING_TIME: (6,), Category.PRICE: (7, 4),
                 Category.STAFF_ATTITUDE: (5, 4), Category.SALES_PROMISE: (3,), Category.PARTS: (2,),
                 Category.VEHICLE_QUALITY: (8,), Category.FACILITIES: (6, 9), Category.OTHER: (9, 4)}

#: First contact later than the clock allows; closed after the resolution deadline; unsatisfied.
LATE_CONTACT_SHARE, LATE_CLOSE_SHARE, UNSATISFIED_SHARE = 0.09, 0.12, 0.12
#: Of the cases opened in the last month, those still dragging on (open today).
STALLED_DAYS, STALLED_SHARE = 30, 0.25
#: Variations on the course book: Probe before the first call, Action before Check, no Share,
#: a second call, a refused Satisfy and a new plan before the final yes.
PROBE_FIRST, ACTION_FIRST, NO_SHARE, SECOND_CALL, SECOND_PLAN = 0.05, 0.04, 0.05, 0.08, 0.07
COMPENSATION_SHARE, COMPENSATION_SHARE_SEEKING = 0.3, 0.7
COMPENSATION_KINDS = {CompensationKind.APOLOGY: (35, 50, 300), CompensationKind.SERVICE: (30, 200, 1500),
                      CompensationKind.VOUCHER: (20, 100, 1000), CompensationKind.GOODWILL_POINTS: (15, 50, 800)}
#: Goodwill points per yuan of the compensation's value (the programme earns a point per yuan of
#: service), within the programme's cap per case.
POINTS_PER_YUAN = 2
COMPENSATION_REJECTED = 0.15
PENDING_DAYS = 45
RECURRENCE_CHECKED, RECURRED = 0.85, 0.06

#: The re-survey rule of every dealer, and how its customers answer.
RESURVEY_KIND, RESURVEY_DELAY, RESURVEY_RATE = "nps", 7, 50
MAX_GENERATIONS = 10
RESURVEY_TABLES = ("surveys.Invitation", "surveys.Response", "surveys.Answer")
RESURVEY_TILT = 1.5  # the customers of a case answer more often than the dealer's usual rate
CONVERTED = {True: 0.33, False: 0.12}  # 9-10, by whether the case closed with the customer satisfied
PASSIVE = {True: 0.37, False: 0.33}  # 7-8; the rest 0-6


def add_cases(data: DemoData, rng, today, survey_tables: dict,
              catalogue: demo_surveys.Catalogue) -> tuple[dict, dict]:
    """The cases' tables (in insertion order), and the re-surveys' invitations, responses and
    answers, with ids after those of ``survey_tables``, to be loaded after them (the dealers'
    re-survey rules are added to ``survey_tables``' sampling rules)."""
    today = np.datetime64(today, "D")
    streams = rng.spawn(6)
    world = demo_surveys._World(data, today)
    people = _People(data, world)
    questions = _Questions(survey_tables)
    detractors = _detractor_cases(world, people, questions, survey_tables, streams[0])
    by_staff = _staff_cases(data, world, people, streams[1])
    cases = _concat([detractors, by_staff])
    cases = {name: column[np.argsort(cases["opened_at"], kind="stable")] for name, column in cases.items()}
    cases["id"] = col.ids(cases["opened_at"].size)
    worked = _work(cases, people, today, streams[2])
    _add_rule(survey_tables, world.n_dealers, catalogue[RESURVEY_KIND].survey)
    # The customers of closed cases are re-surveyed; an answer that is again a detractor's opens
    # its own case, which is re-surveyed in turn (a few generations, each much smaller).
    # (The re-surveys' rows are returned apart, to be loaded after the survey tables: appending
    # them to those tables would copy them, a few gigabytes at large.)
    sizes = {label: len(survey_tables[label]["id"]) for label in RESURVEY_TABLES}
    asked = _asked(survey_tables["surveys.Invitation"])
    parts = []
    latest, latest_worked = cases, worked
    for _generation in range(MAX_GENERATIONS):
        part = _resurveys(world, latest, latest_worked, sizes, today, streams[3].spawn(1)[0], catalogue, asked)
        if part is None:
            break
        parts.append(part)
        if "surveys.Response" not in part:
            break
        latest = _detractor_cases(world, people, questions, part, streams[4].spawn(1)[0])
        if not latest["opened_at"].size:
            break
        latest["id"] = cases["id"][-1] + col.ids(latest["opened_at"].size)
        latest_worked = _work(latest, people, today, streams[4].spawn(1)[0])
        cases = _concat([cases, latest])
        worked = {name: _concat([worked[name], latest_worked[name]]) for name in worked}
    for name in ("steps", "compensations"):
        worked[name]["id"] = col.ids(worked[name]["id"].size)
    resurveys = {label: _concat([part[label] for part in parts if label in part]) for label in RESURVEY_TABLES
                 if any(label in part for part in parts)}
    tables = {"cases.Case": _case_table(cases, worked),
              "cases.CaseStep": worked["steps"], "cases.Compensation": worked["compensations"]}
    invitations = [survey_tables["surveys.Invitation"]] + [resurveys["surveys.Invitation"]] * bool(resurveys)
    tables.update(add_blacklist(data, world, people, invitations, today, streams[5].spawn(1)[0]))
    tables.update(add_lost_owners(data, world, people, today, streams[5].spawn(2)[1]))
    return tables, resurveys


def _concat(parts: list[dict]) -> dict:
    names = [name for name in parts[0] if all(name in part for part in parts)]
    return {name: np.ma.concatenate([p[name] for p in parts]) if any(np.ma.isMaskedArray(p[name]) for p in parts)
            else np.concatenate([p[name] for p in parts]) for name in names}


# --- who is who -----------------------------------------------------------------------------------

class _People:
    """The staff the cases need, by dealer (index), and who works cases (``POLICY``)."""

    def __init__(self, data: DemoData, world):
        staff = data.tables["org.Staff"]
        self.world = world
        working = [str(role) for (role, action), scope in POLICY.items()
                   if action == Action.WORK_CASES and scope is not Scope.NONE]
        n = len(staff["id"])
        self.works_cases = np.zeros(n + 1, dtype=bool)
        self.works_cases[staff["id"]] = np.isin(staff["role"], working) & staff["is_active"]
        self.dealer_of = np.zeros(n + 1, dtype=np.int64)  # dealer index + 1, 0 for none
        self.dealer_of[staff["id"]] = np.ma.filled(staff["dealer_id"], 0)
        dealers = [int(d) for d in data.tables["org.Dealer"]["id"]]
        found = stand_ins(dealers)
        self.stand_in = {kind: np.array([found[d][kind] or 0 for d in dealers], dtype=np.int64)
                         for kind in (DepartmentKind.SALES, DepartmentKind.SERVICE)}
        self.gm, self.service_manager = world.gm, world.service_manager
        self.sales_manager, self.marketing = world.sales_manager, world.marketing
        self.root_causes = [settings_for(d).root_cause_list() for d in dealers]  # in the dealer's language
        self.customer_active = data.tables["customers.Customer"]["status"] == Status.ACTIVE.value

    def manager(self, dealer: np.ndarray, department: np.ndarray, not_: np.ndarray) -> np.ndarray:
        """A manager of the case's department at its dealer who is not ``not_`` (else the GM)."""
        first = np.where(department == Department.SALES.value, self.sales_manager[dealer],
                         self.service_manager[dealer])
        return np.where(first == not_, self.gm[dealer], first)


# --- detractor cases -----------------------------------------------------------------------------

class _Questions:
    """The survey questions the answers name (a few dozen rows), as lookups by question id."""

    def __init__(self, survey_tables: dict):
        ids = np.unique(survey_tables["surveys.Answer"]["question_id"])
        rows = {q.pk: q for q in Question.objects.filter(pk__in=ids.tolist()).select_related("version__survey")}
        size = int(ids.max()) + 1
        self.by_id = rows
        self.kind = np.full(size, "", dtype=object)
        self.item = np.zeros(size, dtype=bool)
        self.code = np.full(size, "", dtype=object)
        for pk, q in rows.items():
            self.kind[pk], self.code[pk] = q.kind, q.code
            self.item[pk] = q.kind == QuestionKind.RATING and q.role == QuestionRole.ITEM
        # The order ``Response.scores`` gives back its codes in (the intake reads them in that
        # order, and its sort by score is stable): as written on SQLite (by code), by length
        # then code in PostgreSQL's jsonb.
        codes = sorted({q.code for q in rows.values()})
        if connection.vendor == "postgresql":
            codes.sort(key=lambda code: (len(code.encode()), code.encode()))
        position = {code: k for k, code in enumerate(codes)}
        self.stored_rank = np.zeros(size, dtype=np.int64)
        self.category = np.full(size, Category.OTHER.value, dtype=object)
        for pk, q in rows.items():
            self.stored_rank[pk] = position[q.code]
            self.category[pk] = str(CATEGORY_OF_ITEM.get(q.code, Category.OTHER))

    def names(self) -> np.ndarray:
        """Each question's text in the active language, by question id."""
        out = np.full(self.code.size, "", dtype=object)
        for pk, q in self.by_id.items():
            out[pk] = localised(q.text)
        return out

    def on_ten(self, question: np.ndarray, number: np.ndarray) -> np.ndarray:
        """Each rating mapped onto 1-10 by the intake's own ``_on_ten``."""
        out = number.astype(float).copy()
        for pk in np.unique(question[self.item[question]]).tolist():
            where = question == pk
            out[where] = _on_ten(number[where], self.by_id[pk])
        return out


def _detractor_cases(world, people: _People, questions: _Questions, survey_tables: dict, rng) -> dict:
    """One case per counted answer the intake opens a case for, among the responses of
    ``survey_tables`` (all of them, or a generation of re-surveys: ids in a row, as their answers')."""
    responses, answers = survey_tables["surveys.Response"], survey_tables["surveys.Answer"]
    n = len(responses["id"])
    if n == 0:
        return _empty_cases()
    customer = np.ma.filled(responses["customer_id"], 0)
    active = np.r_[False, people.customer_active]
    eligible = responses["counted"] & ~np.ma.getmaskarray(responses["submitted_at"]) & (customer > 0)
    eligible &= active[customer]
    threshold = RULES.item_threshold
    row = answers["response_id"] - responses["id"][0]
    question = answers["question_id"]
    number = np.ma.filled(answers["number"].astype(float), np.nan)
    numeric = ~np.isnan(number) & eligible[row]
    nps = numeric & (questions.kind[question] == QuestionKind.NPS) & (number <= DETRACTOR_NPS)
    on_ten = np.where(numeric, questions.on_ten(question, np.nan_to_num(number)), np.inf)
    low = numeric & questions.item[question] & (on_ten <= threshold)
    nps_score = np.full(n, np.inf)
    np.minimum.at(nps_score, row[nps], number[nps])
    has_nps = np.isfinite(nps_score)
    low_rows = np.flatnonzero(low)
    low_rows = low_rows[np.lexsort((questions.stored_rank[question[low_rows]], on_ten[low_rows], row[low_rows]))]
    has_items = np.zeros(n, dtype=bool)
    has_items[row[low_rows]] = True
    chosen = np.flatnonzero(has_nps | has_items)
    if chosen.size == 0:
        return _empty_cases()
    lowest_item = np.full(n, np.inf)
    np.minimum.at(lowest_item, row[low_rows], on_ten[low_rows])
    major = (nps_score <= 3) | (lowest_item <= 2)
    first_of = np.unique(row[low_rows], return_index=True)
    category = np.full(n, Category.OTHER.value, dtype=object)
    category[first_of[0]] = questions.category[question[low_rows[first_of[1]]]]
    category = category[chosen].astype(str)
    kind = _survey_kinds(responses, questions)[chosen]
    department = np.where(kind == SurveyKind.CSS_SALES.value, Department.SALES.value, Department.SERVICE.value)
    dealer = responses["dealer_id"][chosen] - 1
    served = np.ma.filled(responses["staff_id"], 0)[chosen]
    owner = _intake_owner(people, served, dealer, department)
    description = _descriptions(responses, answers, questions, chosen, row, low_rows, nps_score, number)
    kept = responses["review"][chosen] == "kept"
    counted_at = np.where(kept, np.ma.filled(responses["reviewed_at"], np.datetime64(0, "s"))[chosen],
                          np.ma.filled(responses["submitted_at"], np.datetime64(0, "s"))[chosen])
    opened_at = counted_at.astype("datetime64[s]") + rng.integers(2, 60, size=chosen.size) * SECOND
    m = chosen.size
    return {"dealer": dealer, "customer": customer[chosen],
            "vehicle": np.ma.filled(responses["vehicle_id"], 0)[chosen], "response": responses["id"][chosen],
            "kind": np.full(m, CaseKind.COMPLAINT.value), "channel": np.full(m, Channel.SURVEY.value),
            "department": department, "category": category,
            "severity": np.where(major[chosen], Severity.MAJOR.value, Severity.MINOR.value),
            "motive": np.full(m, Motive.UNKNOWN.value), "description": description, "owner": owner,
            "opened_by": np.zeros(m, dtype=np.int64), "opened_at": opened_at}


def _empty_cases() -> dict:
    empty = np.array([], dtype=np.int64)
    return {"dealer": empty, "customer": empty, "vehicle": empty, "response": empty, "kind": empty.astype(str),
            "channel": empty.astype(str), "department": empty.astype(str), "category": empty.astype(str),
            "severity": empty.astype(str), "motive": empty.astype(str), "description": empty.astype(object),
            "owner": empty, "opened_by": empty, "opened_at": empty.astype("datetime64[s]")}


def _survey_kinds(responses: dict, questions: _Questions) -> np.ndarray:
    kinds = {q.version.survey_id: q.version.survey.kind for q in questions.by_id.values()}
    out = np.full(len(responses["id"]), "", dtype=object)
    for survey, kind in kinds.items():
        out[responses["survey_id"] == survey] = str(kind)
    return out


def _intake_owner(people: _People, served: np.ndarray, dealer: np.ndarray, department: np.ndarray) -> np.ndarray:
    """Whoever served the customer if they work cases at the answer's dealer, else the
    department's stand-in (``cases.detractors._owner``)."""
    own = (served > 0) & people.works_cases[served] & (people.dealer_of[served] == dealer + 1)
    stand_in = np.where(department == Department.SALES.value, people.stand_in[DepartmentKind.SALES][dealer],
                        people.stand_in[DepartmentKind.SERVICE][dealer])
    return np.where(own, served, stand_in)


def _fill(template: str, **values) -> np.ndarray:
    """``template % values`` for columns of values (``%(name)s`` and ``%(name)d`` placeholders)."""
    pieces = re.split(r"%\((\w+)\)[sd]", template)
    n = len(next(iter(values.values())))
    out = np.full(n, pieces[0].replace("%%", "%"), dtype=object)
    for k in range(1, len(pieces), 2):
        out = out + np.asarray(values[pieces[k]], dtype=object) + pieces[k + 1].replace("%%", "%")
    return out


def _whole(number: np.ndarray) -> np.ndarray:
    return np.trunc(number).astype(np.int64).astype(str).astype(object)


def _descriptions(responses, answers, questions: _Questions, chosen, row, low_rows, nps_score, number) -> np.ndarray:
    """The intake's description (``cases.detractors._description``) of each chosen answer, in the
    answer's language: the NPS, the low items lowest first, the customer's comment."""
    n = len(responses["id"])
    day = np.datetime_as_string(np.ma.filled(responses["answered_on"], np.datetime64("2000-01-01")).astype(
        "datetime64[D]")).astype(object)
    text_answer = (questions.kind[answers["question_id"]] == QuestionKind.TEXT) & (answers["text"] != "")
    first_text = np.unique(row[text_answer], return_index=True)
    comment = np.full(n, "", dtype=object)
    comment[first_text[0]] = answers["text"][np.flatnonzero(text_answer)[first_text[1]]]
    language = np.asarray(responses["language"]).astype(str)
    out = np.full(chosen.size, "", dtype=object)
    rank = np.arange(low_rows.size) - np.searchsorted(row[low_rows], row[low_rows])  # position within its answer
    for lang in np.unique(language[chosen]).tolist():
        mine = chosen[language[chosen] == lang]
        with translation.override(lang or None):
            names = questions.names()
            nps_part = gettext("Would recommend us: %(score)d of 10")
            item_part, sep = gettext("%(item)s: %(score)d"), gettext("; ")
            sentence, wrote = gettext("Survey answer of %(day)s: %(scores)s."), gettext("The customer wrote: %(comment)s")
        has_nps = mine[np.isfinite(nps_score[mine])]
        items = low_rows[np.isin(row[low_rows], mine)]
        item_rank = rank[np.isin(row[low_rows], mine)]
        parts = pd.DataFrame({
            "response": np.concatenate([has_nps, row[items]]),
            "order": np.concatenate([np.full(has_nps.size, -1), item_rank]),
            "text": np.concatenate([_fill(nps_part, score=_whole(nps_score[has_nps])),
                                    _fill(item_part, item=names[answers["question_id"][items]],
                                          score=_whole(number[items]))]),
        }).sort_values(["response", "order"])
        joined = parts.groupby("response")["text"].agg(sep.join).reindex(mine).to_numpy()
        text = _fill(sentence, day=day[mine], scores=joined)
        said = comment[mine] != ""
        text[said] = text[said] + " " + _fill(wrote, comment=comment[mine][said])
        out[np.searchsorted(chosen, mine)] = text
    return out


# --- cases staff open ----------------------------------------------------------------------------

def _staff_cases(data: DemoData, world, people: _People, rng) -> dict:
    """Calls, walk-ins, letters and social media, each a few days after one of the customer's visits."""
    ledger = world.ledger
    window = (ledger["day"] > world.today - STAFF_CASE_DAYS * DAY) & (ledger["day"] < world.today - 1 * DAY)
    window &= people.customer_active[ledger["customer"]]
    pool = np.flatnonzero(window)
    n = int(round(STAFF_CASES_PER_CUSTOMER_YEAR * len(world.customer_dealer) * STAFF_CASE_DAYS / 365))
    if pool.size == 0 or n == 0:
        return _empty_cases()
    visit = np.sort(rng.choice(pool, size=n, replace=False))
    customer = ledger["customer"][visit]
    dealer = world.customer_dealer[customer]
    day = np.minimum(ledger["day"][visit] + rng.geometric(0.3, size=n) * DAY, world.today - 1 * DAY)
    opened_at = col.datetimes(rng, day, 1.0, 11.0)  # 09:00-19:00 Beijing
    sale = ledger["kind"][visit] == TransactionKind.VEHICLE_SALE.value
    department = np.where(sale, col.pick(rng, [Department.SALES.value, Department.OTHER.value], [85, 15], n),
                          col.pick(rng, [Department.SERVICE.value, Department.PARTS.value, Department.OTHER.value],
                                   [70, 20, 10], n))
    category = np.empty(n, dtype=object)
    for dept, shares in CATEGORIES.items():
        where = np.flatnonzero(department == dept.value)
        category[where] = col.pick(rng, [c.value for c in shares], list(shares.values()), where.size)
    channel = col.pick(rng, [c.value for c in CHANNELS], list(CHANNELS.values()), n)
    suggestion = (rng.random(n) < SUGGESTION_SHARE) & np.isin(channel, [Channel.PHONE.value, Channel.WALK_IN.value])
    description = texts.draw_by(rng, texts.DESCRIPTIONS, category)
    description[suggestion] = texts.draw(rng, texts.SUGGESTIONS, int(suggestion.sum()))
    category[suggestion] = Category.OTHER.value
    severity = col.pick(rng, [s.value for s in SEVERITIES], list(SEVERITIES.values()), n)
    severity[suggestion] = Severity.MINOR.value
    motive = col.pick(rng, [m.value for m in MOTIVES], list(MOTIVES.values()), n)
    motive[suggestion] = Motive.UNKNOWN.value
    # Whoever took it answers for it: the customer's advisor (service) or consultant (sales), else
    # the department's manager; the marketing desk for social media.
    serves = np.where(department == Department.SALES.value, world.owner[customer], world.advisor[customer])
    owner = np.where(serves > 0, serves, people.manager(dealer, department, np.zeros(n, dtype=np.int64)))
    owner = np.where(channel == Channel.SOCIAL.value, people.marketing[dealer], owner)
    return {"dealer": dealer, "customer": customer + 1, "vehicle": ledger["vehicle"][visit],
            "response": np.zeros(n, dtype=np.int64),
            "kind": np.where(suggestion, CaseKind.SUGGESTION.value, CaseKind.COMPLAINT.value),
            "channel": channel, "department": department, "category": category.astype(str),
            "severity": severity, "motive": motive, "description": description, "owner": owner,
            "opened_by": owner, "opened_at": opened_at}


# --- working the cases ---------------------------------------------------------------------------

def _deadlines(cases: dict) -> tuple[np.ndarray, np.ndarray]:
    """``cases.services.cases.deadlines`` for the demo's zone (Asia/Shanghai, no daylight saving)."""
    opened = cases["opened_at"]
    days = np.select([cases["severity"] == s.value for s in Severity], [RULES.days_for(s) for s in Severity])
    local_day = (opened + LOCAL_OFFSET).astype("datetime64[D]")
    resolution = (local_day + (days + 1) * DAY).astype("datetime64[s]") - LOCAL_OFFSET
    return opened + RULES.first_contact_hours * HOUR, resolution


def _work(cases: dict, people: _People, today, rng) -> dict:
    """The steps, the close, the recurrence check and the compensation of each case, as they
    happened up to the build's now (today 00:00 UTC, 08:00 in the dealers' zone)."""
    now = np.datetime64(today, "s")
    n = cases["opened_at"].size
    opened = cases["opened_at"]
    first_due, resolution_due = _deadlines(cases)
    late = rng.random(n) < LATE_CONTACT_SHARE
    quick = rng.random(n) < 0.6
    contact_hours = np.where(late, rng.uniform(24.5, 96, n), np.where(quick, rng.uniform(0.3, 4, n),
                                                                       rng.uniform(4, 23.5, n)))
    listen = opened + (contact_hours * 3600).astype(np.int64) * SECOND
    late_close = rng.random(n) < LATE_CLOSE_SHARE
    span = (resolution_due - listen).astype(np.int64)
    close = np.where(late_close, resolution_due + (rng.uniform(0.5, 20, n) * 86400).astype(np.int64) * SECOND,
                     listen + (np.maximum(span, 4 * 3600) * rng.beta(2, 3, n)).astype(np.int64) * SECOND)
    close = np.maximum(close, listen + 3 * HOUR)
    # Some of the last month's cases drag on: still open today, some past their deadline.
    stalled = (opened > now - STALLED_DAYS * DAY) & (rng.random(n) < STALLED_SHARE)
    close = np.where(stalled, np.maximum(close, now + rng.integers(1, 10 * 86400, n) * SECOND), close)
    length = (close - listen).astype(np.int64)

    def at(share):  # a moment between the first call and the close
        return listen + (length * np.clip(share, 0.01, 0.99)).astype(np.int64) * SECOND

    satisfied = rng.random(n) >= UNSATISFIED_SHARE
    second_plan = satisfied & (rng.random(n) < SECOND_PLAN)
    every = np.arange(n)
    share = np.flatnonzero(rng.random(n) >= NO_SHARE)
    plan = [  # (case rows, step, at, Satisfy's answer: 1 yes, 0 no, -1 not a Satisfy)
        (every, Step.LISTEN, listen, -1),
        (share, Step.SHARE, (listen + rng.integers(2, 15, n) * MINUTE)[share], -1),
    ]
    probe = np.where(rng.random(n) < PROBE_FIRST, opened + ((listen - opened).astype(np.int64) *
                                                             rng.uniform(0.1, 0.9, n)).astype(np.int64) * SECOND,
                     at(rng.uniform(0.1, 0.3, n)))
    check, action = at(rng.uniform(0.35, 0.5, n)), at(rng.uniform(0.55, 0.7, n))
    swap = rng.random(n) < ACTION_FIRST
    check, action = np.where(swap, action, check), np.where(swap, check, action)
    plan += [(every, Step.PROBE, probe, -1), (every, Step.CHECK, check, -1), (every, Step.ACTION, action, -1)]
    call = np.flatnonzero(rng.random(n) < SECOND_CALL)
    plan.append((call, Step.LISTEN, at(rng.uniform(0.05, 0.09, n))[call], -1))
    again = np.flatnonzero(second_plan)
    plan.append((again, Step.SATISFY, at(np.full(n, 0.75))[again], 0))
    plan.append((again, Step.ACTION, at(np.full(n, 0.82))[again], -1))
    plan.append((every, Step.SATISFY, close - rng.integers(5, 60, n) * MINUTE, satisfied.astype(np.int64)))
    rows = np.concatenate([p[0] for p in plan])
    step = np.concatenate([np.full(p[0].size, p[1].value) for p in plan])
    when = np.concatenate([p[2] for p in plan]).astype("datetime64[s]")
    answer = np.concatenate([np.broadcast_to(p[3], p[0].shape) for p in plan]).astype(np.int64)
    taken = when < now
    rows, step, when, answer = rows[taken], step[taken], when[taken], answer[taken]
    order = np.lexsort((when, rows))
    rows, step, when, answer = rows[order], step[order], when[order], answer[order]
    out_of_order, repeated = _marks(rows, step)
    closed = close < now
    owner = cases["owner"]

    # The first contact: the first customer-facing step.
    facing = np.isin(step, [s.value for s in CUSTOMER_FACING])
    first_contact = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
    first = np.unique(rows[facing], return_index=True)
    first_contact[first[0]] = when[facing][first[1]]
    # Probe's root cause: from the dealer's list, most often one that fits the category.
    dealer = cases["dealer"]
    cause = _root_causes(people, dealer, cases["category"], rng)
    is_probe = step == Step.PROBE.value
    root_cause = np.where(np.isin(np.arange(n), rows[is_probe]), cause, "")
    m = rows.size
    notes = np.empty(m, dtype=object)
    for kind in Step:
        where = np.flatnonzero(step == kind.value)
        if kind == Step.SATISFY:
            notes[where] = np.where(answer[where] == 1, texts.draw(rng, texts.STEP_NOTES["satisfy_yes"], where.size),
                                    texts.draw(rng, texts.STEP_NOTES["satisfy_no"], where.size))
        else:
            notes[where] = texts.draw(rng, texts.STEP_NOTES[kind.value], where.size)
    is_check, is_action, is_satisfy = (step == s.value for s in (Step.CHECK, Step.ACTION, Step.SATISFY))
    plan_due = (when + LOCAL_OFFSET).astype("datetime64[D]") + rng.integers(1, 6, m) * DAY
    steps = {
        "id": col.ids(m), "case_id": cases["id"][rows], "step": step, "notes": notes.astype(str), "at": when,
        "by_id": col.masked(owner[rows], owner[rows] == 0), "out_of_order": out_of_order, "repeated": repeated,
        "root_cause": np.where(is_probe, cause[rows], ""),
        "customer_confirmed": col.masked(np.ones(m, dtype=bool), ~is_check),
        "internally_confirmed": col.masked(np.ones(m, dtype=bool), ~is_check),
        "plan_due_on": col.masked(plan_due, ~is_action),
        "satisfied": col.masked(answer == 1, ~is_satisfy),
    }
    close_local = (close + LOCAL_OFFSET).astype("datetime64[D]")
    check_on = close_local + RULES.recurrence_days * DAY
    checked_at = col.datetimes(rng, check_on + rng.integers(0, 4, n) * DAY, 1.0, 9.0)
    checked = closed & (rng.random(n) < RECURRENCE_CHECKED) & (checked_at < now)
    recurred = checked & (rng.random(n) < RECURRED)
    recurrence_notes = np.where(recurred, texts.draw(rng, texts.RECURRENCE_NOTES[True], n),
                                texts.draw(rng, texts.RECURRENCE_NOTES[False], n))
    case_columns = {
        "first_contact_due": first_due, "resolution_due": resolution_due,
        "first_contact_at": first_contact, "root_cause": root_cause, "closed": closed, "close": close,
        "outcome": np.where(closed, np.where(satisfied, Outcome.SATISFIED.value, Outcome.UNSATISFIED.value), ""),
        "close_reason": np.where(closed & ~satisfied, texts.draw(rng, texts.UNSATISFIED_REASONS, n), ""),
        "recurrence_check_on": check_on, "checked": checked, "checked_at": checked_at, "recurred": recurred,
        "recurrence_notes": np.where(checked, recurrence_notes, ""),
    }
    compensations = _compensations(cases, people, rows, step, when, now, rng)
    return {"cases": case_columns, "steps": steps, "compensations": compensations}


def _marks(rows: np.ndarray, step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``out_of_order`` and ``repeated`` as ``record_step`` sets them, for steps sorted by case
    and time: a step before which an earlier step of LSPCAS was not taken, or taken before."""
    order = [s.value for s in STEP_ORDER]
    k = np.searchsorted(np.array(order), step, sorter=np.argsort(order))
    k = np.argsort(order)[k]  # the step's position in LSPCAS
    hot = np.zeros((rows.size, len(order)), dtype=np.int64)
    hot[np.arange(rows.size), k] = 1
    total = np.cumsum(hot, axis=0)
    start = np.searchsorted(rows, rows)  # the case's first row
    before = total - hot - np.where(start[:, None] > 0, total[np.maximum(start - 1, 0)], 0)
    taken = before > 0
    earlier = np.arange(len(order))[None, :] < k[:, None]
    return (earlier & ~taken).any(axis=1), taken[np.arange(rows.size), k]


def _root_causes(people: _People, dealer: np.ndarray, category: np.ndarray, rng) -> np.ndarray:
    n = dealer.size
    position = rng.integers(0, 10, n)
    for cat, likely in LIKELY_CAUSES.items():
        where = np.flatnonzero((category == cat.value) & (rng.random(n) < 0.7))
        position[where] = np.asarray(likely)[rng.integers(0, len(likely), where.size)]
    out = np.empty(n, dtype=object)
    for d in np.unique(dealer).tolist():
        causes = np.asarray(people.root_causes[d], dtype=object)
        where = dealer == d
        out[where] = causes[position[where] % causes.size]
    return out


def _compensations(cases: dict, people: _People, rows, step, when, now, rng) -> dict:
    """Compensation offered on the first Action of some cases, by the owner."""
    first_action = np.unique(rows[step == Step.ACTION.value], return_index=True)
    case_rows = first_action[0]
    action_at = when[step == Step.ACTION.value][first_action[1]]
    seeking = cases["motive"][case_rows] == Motive.COMPENSATION.value
    offered = rng.random(case_rows.size) < np.where(seeking, COMPENSATION_SHARE_SEEKING, COMPENSATION_SHARE)
    case_rows, action_at = case_rows[offered], action_at[offered]
    n = case_rows.size
    kinds = list(COMPENSATION_KINDS)
    kind = col.pick(rng, [k.value for k in kinds], [COMPENSATION_KINDS[k][0] for k in kinds], n)
    low = np.select([kind == k.value for k in kinds], [COMPENSATION_KINDS[k][1] for k in kinds])
    high = np.select([kind == k.value for k in kinds], [COMPENSATION_KINDS[k][2] for k in kinds])
    yuan = np.rint(rng.uniform(low, high) / 10) * 10
    value = (yuan * 100).astype(np.int64)
    points = kind == CompensationKind.GOODWILL_POINTS.value
    offered_at = np.minimum(action_at + rng.integers(1, 60, n) * MINUTE, now - SECOND)
    above = value > RULES.compensation_approval_cents
    decided_at = offered_at + (rng.uniform(2, 240, n) * 3600).astype(np.int64) * SECOND
    # Recent ones wait for a manager more often than not (a queue of approvals).
    waiting = (offered_at > now - PENDING_DAYS * DAY) & (rng.random(n) < 0.5)
    decided = above & (decided_at < now) & ~waiting
    rejected = decided & (rng.random(n) < COMPENSATION_REJECTED)
    status = np.select([~above, rejected, decided], [CompensationStatus.APPROVED.value, CompensationStatus.REJECTED.value,
                                                     CompensationStatus.APPROVED.value], CompensationStatus.PENDING.value)
    offerer = cases["owner"][case_rows]
    decider = people.manager(cases["dealer"][case_rows], cases["department"][case_rows], offerer)
    return {"id": col.ids(n), "case_id": cases["id"][case_rows], "kind": kind, "value_cents": value,
            "points": col.masked(np.minimum(yuan * POINTS_PER_YUAN, Programme().goodwill_case_cap).astype(np.int64),
                                 ~points),
            "description": texts.draw_by(rng, texts.COMPENSATION, kind).astype(str), "status": status,
            "offered_by_id": offerer, "offered_at": offered_at,
            "decided_by_id": col.masked(decider, ~decided), "decided_at": col.masked(decided_at, ~decided),
            "decision_note": np.where(rejected, texts.draw(rng, texts.REJECTED_NOTE, n), "")}


def _case_table(cases: dict, worked: dict) -> dict:
    w = worked["cases"]
    closed = w["closed"]
    contact = w["first_contact_at"]
    return {
        "id": cases["id"], "dealer_id": cases["dealer"] + 1, "customer_id": cases["customer"],
        "vehicle_id": col.masked(cases["vehicle"], cases["vehicle"] == 0),
        "response_id": col.masked(cases["response"], cases["response"] == 0),
        "kind": cases["kind"], "channel": cases["channel"], "department": cases["department"],
        "category": cases["category"], "severity": cases["severity"], "motive": cases["motive"],
        "description": cases["description"].astype(str), "owner_id": col.masked(cases["owner"], cases["owner"] == 0),
        "status": np.where(closed, CaseStatus.CLOSED.value, CaseStatus.OPEN.value), "opened_at": cases["opened_at"],
        "opened_by_id": col.masked(cases["opened_by"], cases["opened_by"] == 0),
        "first_contact_due": w["first_contact_due"], "resolution_due": w["resolution_due"],
        "first_contact_at": col.masked(np.where(np.isnat(contact), cases["opened_at"], contact), np.isnat(contact)),
        "root_cause": w["root_cause"].astype(str), "outcome": w["outcome"], "close_reason": w["close_reason"],
        "closed_at": col.masked(w["close"], ~closed),
        "closed_by_id": col.masked(cases["owner"], ~closed | (cases["owner"] == 0)),
        "recurrence_check_on": col.masked(w["recurrence_check_on"], ~closed),
        "recurrence_checked_at": col.masked(w["checked_at"], ~w["checked"]),
        "recurrence_checked_by_id": col.masked(cases["owner"], ~w["checked"] | (cases["owner"] == 0)),
        "recurred": col.masked(w["recurred"], ~w["checked"]), "recurrence_notes": w["recurrence_notes"],
    }


# --- re-surveys after closed cases ---------------------------------------------------------------

def _asked(invitations: dict) -> np.ndarray:
    """The customers' survey invitations as sorted keys customer x 100,000 + day number."""
    customer = np.ma.filled(invitations["customer_id"], 0)
    day = (invitations["created_at"].astype("datetime64[D]") - np.datetime64("2000-01-01")).astype(np.int64)
    return np.sort((customer * 100_000 + day)[customer > 0])


def _held_back(asked: np.ndarray, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Re-surveys (customer id, day) followed by another survey invitation of the demo within the
    fatigue window (and the link's life): that one would have been refused after a re-survey, so
    the re-survey is not made."""
    key = customer * 100_000 + (day - np.datetime64("2000-01-01")).astype(np.int64)
    following = np.searchsorted(asked, key, side="left")
    found = following < asked.size
    nxt = asked[np.minimum(following, asked.size - 1)]
    return found & (nxt // 100_000 == customer) & (nxt - key <= demo_surveys.FATIGUE_GAP)


def _resurveys(world, cases: dict, worked: dict, sizes: dict, today, rng, catalogue, asked) -> dict | None:
    """The invitations, responses and answers of the re-surveys after these cases, with ids after
    ``sizes`` (the rows so far, moved on), or None if nobody is re-surveyed."""
    catalogue = {RESURVEY_KIND: catalogue[RESURVEY_KIND]}
    recommend, reason = (catalogue[RESURVEY_KIND].questions[code] for code in ("recommend", "reason"))
    w = worked["cases"]
    close_day = (w["close"] + LOCAL_OFFSET).astype("datetime64[D]")
    day = close_day + RESURVEY_DELAY * DAY
    due = w["closed"] & (day <= today) & ~world.no_survey[cases["customer"] - 1]
    due &= ~_held_back(asked, cases["customer"], day)
    keys = np.char.add(resurvey_key(""), cases["id"][due].astype(str))  # case:<id>
    where = np.flatnonzero(due)
    sampled = demo_surveys._sampled(rng, keys.astype(object), day[due], today, RESURVEY_RATE) if keys.size else \
        np.zeros(0, dtype=bool)
    where, keys = where[sampled], keys[sampled]
    n = where.size
    if n == 0:
        return None
    customer = cases["customer"][where] - 1
    inv = {"kind": np.full(n, RESURVEY_KIND, dtype=object), "trigger": np.full(n, Trigger.CASE.value, dtype=object),
           "day": day[where], "dealer": cases["dealer"][where], "customer": customer,
           "respondent": np.zeros(n, dtype=np.int64), "transaction": np.zeros(n, dtype=np.int64),
           "vehicle": cases["vehicle"][where], "staff": cases["owner"][where],
           "created_by": np.zeros(n, dtype=np.int64), "key": keys.astype(object)}
    outcome = demo_surveys._outcomes(world, rng, inv, np.full(n, RESURVEY_TILT))
    made = demo_surveys._responses(world, rng, inv, outcome, catalogue)
    satisfied = w["outcome"][where] == Outcome.SATISFIED.value
    m = made["id"].size
    recovered = satisfied[made["invitation"]]
    draw = rng.random(m)
    promoter = draw < np.where(recovered, CONVERTED[True], CONVERTED[False])
    passive = ~promoter & (draw < np.where(recovered, CONVERTED[True] + PASSIVE[True],
                                           CONVERTED[False] + PASSIVE[False]))
    low = rng.choice(7, size=m, p=demo_surveys.DETRACTOR_WEIGHTS / demo_surveys.DETRACTOR_WEIGHTS.sum())
    score = np.select([promoter, passive], [PROMOTER + rng.integers(0, 2, m), 7 + rng.integers(0, 2, m)], low)
    collected = demo_surveys._Answers()
    submitted = made["submitted"]
    collected.add(np.flatnonzero(submitted), recommend, number=score[submitted].astype(float))
    said = submitted & (rng.random(m) < 0.3)
    collected.add(np.flatnonzero(said), reason, text=texts.draw(rng, demo_surveys.NPS_REASONS, int(said.sum())))
    inv_table = demo_surveys._invitation_table(rng, inv, outcome, world, catalogue)
    if not submitted.any():  # invited, nobody answered (yet)
        inv_table["id"] = inv_table["id"] + sizes["surveys.Invitation"]
        sizes["surveys.Invitation"] += n
        return {"surveys.Invitation": inv_table}
    resp_table = demo_surveys._response_table(inv, made, world, catalogue)
    resp_table["scores"] = collected.scores(m, catalogue)
    ans_table = collected.table(made)
    # Ids after the rows so far.
    inv_offset, resp_offset = sizes["surveys.Invitation"], sizes["surveys.Response"]
    inv_table["id"] = inv_table["id"] + inv_offset
    resp_table["id"] = resp_table["id"] + resp_offset
    resp_table["invitation_id"] = resp_table["invitation_id"] + inv_offset
    ans_table["id"] = ans_table["id"] + sizes["surveys.Answer"]
    ans_table["response_id"] = ans_table["response_id"] + resp_offset
    part = {"surveys.Invitation": inv_table, "surveys.Response": resp_table, "surveys.Answer": ans_table}
    for label, table in part.items():
        sizes[label] += len(table["id"])
    return part


def _add_rule(survey_tables: dict, n_dealers: int, survey: int) -> None:
    """Each dealer re-surveys half of its closed cases a week after closing."""
    rules = survey_tables["surveys.SamplingRule"]
    start = len(rules["id"])
    extra = {"id": start + col.ids(n_dealers), "dealer_id": col.ids(n_dealers),
             "trigger": np.full(n_dealers, Trigger.CASE.value), "survey_id": np.full(n_dealers, survey),
             "delay_days": np.full(n_dealers, RESURVEY_DELAY), "rate_percent": np.full(n_dealers, RESURVEY_RATE),
             "monthly_quota": col.nulls(n_dealers, np.int64), "every_months": col.nulls(n_dealers, np.int64),
             "active": np.ones(n_dealers, dtype=bool)}
    survey_tables["surveys.SamplingRule"] = _concat([rules, {name: extra[name] for name in rules}])
