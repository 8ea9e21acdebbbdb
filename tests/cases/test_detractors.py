"""A detractor's survey answer opens a case: NPS 0-6 or a CSS item at or below the dealer's
threshold, once per answer (the hook after the commit and the daily sweep), owned by whoever
served the customer or the department's stand-in; a flagged answer only once a review keeps it."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.cases.detractors import open_for_answer, sweep
from retain.cases.models import Case, CaseSettings, Channel, Severity
from retain.org.audit import AuditEvent
from retain.surveys.services import answers as answer_service
from retain.surveys.services import reviews
from tests.surveys.factories_answer import after_sales_answers, make_invitation, make_survey


@pytest.fixture
def survey(org):
    return make_survey(org.groups[0], dealer=org.d1)


def _answer(org, survey, django_capture_on_commit_callbacks, **answers):
    from tests.conftest import make_customer

    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="钱七")
    invitation, token = make_invitation(survey, dealer=org.d1, customer=customer, staff=org.staff["service_advisor"])
    with django_capture_on_commit_callbacks(execute=True):
        response = answer_service.save(token=token, answers=after_sales_answers(**answers), submit=True)
    return response


def test_a_detractor_opens_one_case_owned_by_who_served_with_deadlines(org, survey, django_capture_on_commit_callbacks):
    response = _answer(org, survey, django_capture_on_commit_callbacks, recommend=2, value=3)
    case = Case.objects.get()
    assert case.response == response and case.channel == Channel.SURVEY and case.customer_id == response.customer_id
    assert case.owner == org.staff["service_advisor"] and case.severity == Severity.MAJOR
    assert case.first_contact_due > case.opened_at and case.resolution_due > case.first_contact_due
    assert "2" in case.description and case.category == "price"
    assert AuditEvent.objects.filter(action="case.open", actor__isnull=True).count() == 1
    assert open_for_answer(response) is None and Case.objects.count() == 1  # once per answer
    assert sweep(timezone.localdate()).endswith(": 0 cases for detractors' answers")


def test_promoters_and_passives_with_good_items_open_nothing(org, survey, django_capture_on_commit_callbacks):
    _answer(org, survey, django_capture_on_commit_callbacks, recommend=7)
    _answer(org, survey, django_capture_on_commit_callbacks, recommend=10)
    assert not Case.objects.exists()


def test_a_low_item_opens_a_minor_case_and_the_threshold_is_the_dealers(org, survey,
                                                                       django_capture_on_commit_callbacks):
    CaseSettings.objects.create(dealer=org.d1, item_threshold=3)
    _answer(org, survey, django_capture_on_commit_callbacks, recommend=9, friendliness=4)  # above 3: nothing
    assert not Case.objects.exists()
    _answer(org, survey, django_capture_on_commit_callbacks, recommend=9, friendliness=3)
    case = Case.objects.get()
    assert case.severity == Severity.MINOR and case.category == "staff_attitude"


def test_a_dealer_may_switch_the_intake_off(org, survey, django_capture_on_commit_callbacks):
    CaseSettings.objects.create(dealer=org.d1, detractor_cases=False)
    _answer(org, survey, django_capture_on_commit_callbacks, recommend=0)
    assert not Case.objects.exists()


def test_the_sweep_catches_what_the_hook_missed_and_runs_twice(org, survey):
    from tests.conftest import make_customer

    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    _invitation, token = make_invitation(survey, dealer=org.d1, customer=customer)
    answer_service.save(token=token, answers=after_sales_answers(recommend=1), submit=True)  # no commit hooks ran
    assert not Case.objects.exists()
    today = timezone.localdate()
    assert sweep(today) == f"{today}: 1 cases for detractors' answers"
    assert sweep(today) == f"{today}: 0 cases for detractors' answers"
    case = Case.objects.get()  # nobody served: the service manager takes it
    assert case.owner == org.staff["service_manager"]
    assert sweep(today + dt.timedelta(days=5)).endswith(": 0 cases for detractors' answers")


def test_a_flagged_detractor_opens_a_case_only_when_a_review_keeps_it(org, survey,
                                                                      django_capture_on_commit_callbacks):
    from retain.surveys.models import Response

    response = _answer(org, survey, django_capture_on_commit_callbacks, recommend=1, **{
        item: 5 for item in ("fixed_first_time", "no_rework", "value", "friendliness", "explained_why", "listened",
                             "explained_invoice", "returned_clean")})  # straight-lined: flagged, not counted
    assert Response.objects.get(pk=response.pk).flags and not Case.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        reviews.review(actor=org.staff["service_manager"], response_id=response.pk, keep=True, note="核实为客户本人")
    assert Case.objects.get().response_id == response.pk
