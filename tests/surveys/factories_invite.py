"""Surveys made straight with the ORM for the invitation tests (the presets are the defs part's:
until it is merged these stand in, with the codes of the shared contract)."""

import datetime as dt
import itertools

from django.utils import timezone

from retain.customers.models import Transaction, Vehicle
from retain.surveys.models import Audience, Question, SamplingRule, Survey, SurveyKind, SurveyVersion

_serial = itertools.count(1)

QUESTIONS = {
    SurveyKind.CSS_AFTER_SALES: [("fixed_first_time", "rating"), ("overall", "rating"), ("recommend", "nps")],
    SurveyKind.CSS_SALES: [("attitude", "rating"), ("overall", "rating"), ("recommend", "nps")],
    SurveyKind.NPS: [("recommend", "nps"), ("reason", "text")],
    SurveyKind.STAFF: [("attitude", "rating"), ("comment", "text")],
}


def make_survey(group, kind=SurveyKind.CSS_AFTER_SALES, *, dealer=None, active=True, audience=None):
    """A survey of ``group`` (or of one dealer) with version 1 and a few questions of its kind."""
    audience = audience or (Audience.STAFF if kind == SurveyKind.STAFF else Audience.CUSTOMERS)
    survey = Survey.objects.create(group=group, dealer=dealer, kind=kind, preset=kind, audience=audience,
                                   active=active, name={"zh-hans": f"调查{next(_serial)}", "en": f"Survey {kind}"})
    version = SurveyVersion.objects.create(survey=survey, number=1)
    for position, (code, question_kind) in enumerate(QUESTIONS.get(kind, QUESTIONS[SurveyKind.NPS]), start=1):
        scale = (0, 10) if question_kind == "nps" else (1, 10) if question_kind == "rating" else (None, None)
        Question.objects.create(version=version, position=position, code=code, kind=question_kind,
                                role="outcome" if code in ("overall", "recommend") else "item",
                                text={"zh-hans": code, "en": code}, required=question_kind != "text",
                                scale_min=scale[0], scale_max=scale[1])
    survey.current_version = version
    survey.save(update_fields=["current_version"])
    return survey


def make_vehicle(customer, **extra):
    return Vehicle.objects.create(customer=customer, vin=extra.pop("vin", f"LSVTEST{next(_serial):010d}"),
                                  make="大众", model="途观L", plate=extra.pop("plate", f"沪A{next(_serial):05d}"),
                                  **extra)


def make_transaction(customer, kind="service", *, date=None, vehicle=None, dealer=None):
    return Transaction.objects.create(customer=customer, dealer=dealer or customer.dealer, vehicle=vehicle, kind=kind,
                                      date=date or timezone.localdate(), amount_cents=88_000,
                                      reference=f"RO{next(_serial)}")


def make_rule(dealer, trigger, survey, **values):
    return SamplingRule.objects.create(dealer=dealer, trigger=trigger, survey=survey,
                                       **{"delay_days": 3, "rate_percent": 100, **values})


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)
