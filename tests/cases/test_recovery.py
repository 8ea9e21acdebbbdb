"""After a detractor's case: the re-survey after closure (once per case, fatigue not holding it
back, consent still does) and the funnel with its conversion and recovery rates."""

import datetime as dt

import numpy as np
import pytest
from django.utils import timezone

from retain.analytics.retention import wilson_interval
from retain.cases.detractors import open_for_answer
from retain.cases.recovery import funnel, resurvey, resurvey_day, resurvey_key
from retain.cases.services import cases as case_service
from retain.customers.models import Consent
from retain.surveys.models import Answer, Invitation, Response, SamplingRule, Trigger
from retain.surveys.services import answers as answer_service
from tests.conftest import make_customer
from tests.surveys.factories_answer import after_sales_answers, make_invitation, make_survey


@pytest.fixture
def survey(org):
    return make_survey(org.groups[0], dealer=org.d1)


def _detractor_case(org, survey, *, closed_days_ago=3, satisfied=True):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    _invitation, token = make_invitation(survey, dealer=org.d1, customer=customer, staff=org.staff["service_advisor"])
    response = answer_service.save(token=token, answers=after_sales_answers(recommend=3), submit=True)
    case = open_for_answer(response)
    advisor = org.staff["service_advisor"]
    for step, details in (("listen", {}), ("check", {"customer_confirmed": True, "internally_confirmed": True}),
                          ("satisfy", {"satisfied": satisfied})):
        case_service.record_step(actor=advisor, case_id=case.pk, step=step, **details)
    closed_at = timezone.now() - dt.timedelta(days=closed_days_ago)
    case_service.close(actor=advisor, case_id=case.pk, outcome="satisfied" if satisfied else "unsatisfied",
                       reason="" if satisfied else "要求退款", now=closed_at)
    return case


def _answer_resurvey(case, recommend: int):
    invitation = Invitation.objects.get(key=resurvey_key(case.pk))
    now = timezone.now()
    response = Response.objects.create(invitation=invitation, survey=invitation.survey, version=invitation.version,
                                       dealer=invitation.dealer, customer=invitation.customer, started_at=now,
                                       submitted_at=now, answered_on=timezone.localdate(), counted=True,
                                       scores={"recommend": recommend})
    Answer.objects.create(response=response, question=invitation.version.questions.get(code="recommend"),
                          number=recommend)


def test_closed_cases_are_re_surveyed_once_despite_the_fatigue_window(org, survey):
    SamplingRule.objects.create(dealer=org.d1, trigger=Trigger.CASE, survey=survey, delay_days=3, rate_percent=100)
    case = _detractor_case(org, survey, closed_days_ago=3)
    recent = _detractor_case(org, survey, closed_days_ago=1)  # not due yet
    today = timezone.localdate()
    assert resurvey(today) == f"{today}: 1 invited, 0 not_sampled, 0 refused, 0 done"
    invitation = Invitation.objects.get(key=resurvey_key(case.pk))
    assert invitation.trigger == Trigger.CASE and invitation.customer_id == case.customer_id
    assert not Invitation.objects.filter(key=resurvey_key(recent.pk)).exists()
    assert resurvey_day(today)["done"] == 1 and Invitation.objects.filter(trigger=Trigger.CASE).count() == 1


def test_consent_still_holds_the_re_survey_back(org, survey):
    SamplingRule.objects.create(dealer=org.d1, trigger=Trigger.CASE, survey=survey, delay_days=3)
    case = _detractor_case(org, survey)
    Consent.objects.create(customer_id=case.customer_id, purpose="service", granted=False, channel="paper",
                           notice_version="1")
    tally = resurvey_day(timezone.localdate())
    assert tally["refused"] == 1 and not Invitation.objects.filter(key=resurvey_key(case.pk)).exists()


def test_without_a_rule_nobody_is_re_surveyed(org, survey):
    _detractor_case(org, survey)
    assert resurvey_day(timezone.localdate()) == {}


def test_the_funnel_counts_each_stage_and_rates_with_wilson_intervals(org, survey):
    SamplingRule.objects.create(dealer=org.d1, trigger=Trigger.CASE, survey=survey, delay_days=3)
    cases = [_detractor_case(org, survey, satisfied=k != 3) for k in range(5)]
    resurvey_day(timezone.localdate())
    for case, score in zip(cases, (10, 9, 6, 2)):  # the fifth does not answer
        _answer_resurvey(case, score)
    today = timezone.localdate()
    found = funnel(org.staff["service_manager"], start=today - dt.timedelta(days=30), end=today)
    assert (found["detected"], found["contacted"], found["closed"], found["recovered"]) == (5, 5, 5, 4)
    assert (found["resurveyed"], found["answered"], found["converted"]) == (5, 4, 2)
    low, high = wilson_interval(np.array([2]), np.array([4]), 0.95)
    assert found["conversion"] == {"value": 0.5, "low": round(float(low[0]), 4), "high": round(float(high[0]), 4),
                                   "n": 4, "k": 2}
    assert found["recovery"]["value"] == 0.8 and found["recovery"]["n"] == 5
    # the door: another dealer's consultant counts none of these
    assert funnel(org.staff["d2_consultant"], start=today - dt.timedelta(days=30), end=today)["detected"] == 0


def test_the_funnel_api_and_its_bad_periods(client, org, survey):
    _detractor_case(org, survey)
    client.force_login(org.staff["service_manager"])
    answer = client.get("/api/v1/cases/detractors")
    assert answer.status_code == 200 and answer.json()["detected"] == 1 and answer.json()["recovery"]["n"] == 1
    assert client.get("/api/v1/cases/detractors", {"from": "2026-05-01", "to": "2026-04-01"}).status_code == 422
    assert client.get("/api/v1/cases/detractors", {"from": "5621-01-01"}).status_code == 422
