"""Survey records for the analysis tests, written straight to the tables (the definitions,
invitations and answer parts write theirs through their services; until they are merged the
analysis builds its own), with planted truths the pages must recover.

Codes follow COMMON.md's contract. Every planter draws from a seeded generator, so a test that
passes passes every time; the truths are planted in the data-generating process, never copied
into the expected values (the tests compute their references independently).
"""

import datetime as dt
import itertools

import numpy as np
from django.utils import timezone

from retain.customers.models import Customer, Transaction
from retain.surveys.models import Answer, Question, Response, Survey, SurveyVersion

_mobiles = itertools.count(13900000001)

AFTER_SALES_WEIGHTS = {"fixed_first_time": .19, "no_rework": .17, "value": .14, "friendliness": .12,
                       "explained_why": .11, "listened": .11, "explained_invoice": .08, "returned_clean": .08}
SALES_ITEMS = ("attitude", "product_knowledge", "needs_advised", "test_drive_offered", "pleasant_delivery",
               "contacted_after", "advisor_introduced")
TOUCHPOINTS = ("tp_first_contact", "tp_showroom", "tp_test_drive", "tp_negotiation", "tp_delivery",
               "tp_first_service", "tp_repair", "tp_complaint", "tp_renewal")
KANO_FEATURES = ("kano_pickup", "kano_online_booking", "kano_video_diagnosis", "kano_loaner_car", "kano_lounge")


def _text(code):
    return {"zh-hans": f"问题 {code}", "en": f"Question {code}"}


def _rating(code, role="item", weight=None, required=True, touchpoint=""):
    return {"code": code, "kind": "rating", "role": role, "scale_min": 1, "scale_max": 10, "weight": weight,
            "required": required, "touchpoint": touchpoint}


def _nps(code="recommend"):
    return {"code": code, "kind": "nps", "role": "outcome", "scale_min": 0, "scale_max": 10}


SPECS = {
    "css_after_sales": [*(_rating(code, weight=w) for code, w in AFTER_SALES_WEIGHTS.items()),
                        _rating("overall", role="outcome"), _nps(),
                        {"code": "importance", "kind": "allocation", "role": "other", "required": False,
                         "items": [{"code": c, "text": _text(c)} for c in AFTER_SALES_WEIGHTS]},
                        {"code": "comment", "kind": "text", "role": "reason", "required": False}],
    "css_sales": [*(_rating(code) for code in SALES_ITEMS), _rating("revisit", role="outcome"),
                  _rating("overall", role="outcome"), _rating("relative_advantage", role="outcome"), _nps()],
    "nps": [_nps(), {"code": "reason", "kind": "text", "role": "reason", "required": False}],
    "touchpoint": [_rating(code, role="touchpoint", required=False, touchpoint=code.removeprefix("tp_"))
                   for code in TOUCHPOINTS],
    "kano": [{"code": code, "kind": "kano", "role": "item"} for code in KANO_FEATURES],
}


def make_survey(group, kind, *, dealer=None, version=1, survey=None):
    """A survey of ``kind`` with the contract's codes (a new version of ``survey`` if given)."""
    if survey is None:
        survey = Survey.objects.create(group=group, dealer=dealer, kind=kind, preset=kind,
                                       name={"zh-hans": f"{kind} 调查", "en": f"{kind} survey"})
    v = SurveyVersion.objects.create(survey=survey, number=version)
    for position, spec in enumerate(SPECS[kind], start=1):
        spec = dict(spec)
        Question.objects.create(version=v, position=position, text=_text(spec["code"]), **spec)
    survey.current_version = v
    survey.save(update_fields=["current_version"])
    return survey


def make_customers(dealer, n, *, owner=None):
    made = Customer.objects.bulk_create([
        Customer(dealer=dealer, owner=owner, name=f"客户{i}", mobile=f"+86{next(_mobiles)}") for i in range(n)])
    return made


def plant(survey, dealer, answers, *, staff=None, customers=None, transactions=None, days=None, counted=True,
          submitted=True, version=None):
    """Responses at ``dealer`` to ``survey`` (its current version), one per entry of ``answers``
    (dicts ``{code: number or JSON value}``; ``None`` values are left unanswered). ``days``: the
    answer days (default: spread over the last 300 days). Returns the responses."""
    version = version or survey.current_version
    n = len(answers)
    today = timezone.localdate()
    if days is None:
        days = [today - dt.timedelta(days=int(d)) for d in np.random.default_rng(n).integers(1, 300, n)]
    now = timezone.now()
    rows = Response.objects.bulk_create([
        Response(survey=survey, version=version, dealer=dealer, staff=staff,
                 customer=customers[i] if customers is not None else None,
                 transaction=transactions[i] if transactions is not None else None,
                 started_at=now, submitted_at=now if submitted else None, answered_on=days[i], counted=counted,
                 scores={code: float(value) for code, value in answers[i].items()
                         if value is not None and not isinstance(value, dict)})
        for i in range(n)])
    questions = {q.code: q for q in version.questions.all()}
    made = []
    for response, values in zip(rows, answers):
        for code, value in values.items():
            if value is None:
                continue
            if isinstance(value, dict):
                made.append(Answer(response=response, question=questions[code], value=value))
            else:
                made.append(Answer(response=response, question=questions[code], number=float(value)))
    Answer.objects.bulk_create(made, batch_size=5000)
    return rows


# --- planted truths ------------------------------------------------------------------------------

def nps_answers(n, *, promoters, detractors, rng):
    """``n`` answers 0-10 drawn with the given promoter and detractor shares (true NPS = 100 x
    (promoters - detractors))."""
    kind = rng.choice(3, size=n, p=[detractors, 1 - promoters - detractors, promoters])
    low = rng.integers(0, 7, n)
    mid = rng.integers(7, 9, n)
    high = rng.integers(9, 11, n)
    return np.select([kind == 0, kind == 1], [low, mid], high)


def driver_answers(n, rng, weights=AFTER_SALES_WEIGHTS, noise=1.0):
    """After-sales answers whose overall is the weighted sum of the eight items (stretched over the
    scale) plus noise; items independent-ish (a shared halo of 0.3) on 1-10."""
    halo = rng.normal(0, 1, n)
    rows = []
    items = {code: np.clip(np.round(6.5 + 1.6 * (0.3 * halo + rng.normal(0, 1, n))), 1, 10) for code in weights}
    total = sum(w for w in weights.values())
    weighted = sum(w / total * items[c] for c, w in weights.items())
    overall = 6.5 + 2.5 * (weighted - 6.5) + rng.normal(0, noise * 0.5, n)
    overall = np.clip(np.round(overall), 1, 10)
    recommend = np.clip(np.round(overall + rng.normal(0, 1, n)), 0, 10)
    for i in range(n):
        row = {code: items[code][i] for code in weights}
        row["overall"], row["recommend"] = overall[i], recommend[i]
        rows.append(row)
    return rows


def service_history(dealer, customers, *, repair_on, returned):
    """A surveyed repair order per customer on ``repair_on`` and, where ``returned``, another
    service visit 60-300 days later; returns the surveyed transactions."""
    surveyed = Transaction.objects.bulk_create([
        Transaction(customer=c, dealer=dealer, kind="service", date=repair_on, amount_cents=50000) for c in customers])
    rng = np.random.default_rng(len(customers))
    later = [Transaction(customer=c, dealer=dealer, kind="service",
                         date=repair_on + dt.timedelta(days=int(rng.integers(60, 300))), amount_cents=40000)
             for c, back in zip(customers, returned) if back]
    # A visit after the twelve months does not count as a return.
    late = [Transaction(customer=c, dealer=dealer, kind="service", date=repair_on + dt.timedelta(days=400),
                        amount_cents=40000) for c, back in zip(customers, returned) if not back]
    Transaction.objects.bulk_create(later + late)
    return surveyed
