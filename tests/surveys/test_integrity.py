"""Integrity flags: each planted and detected, and an honest answer not flagged. A flagged
response is kept (stored, submitted) but not counted, waiting for review."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.surveys import integrity
from retain.surveys.integrity import RequestInfo
from retain.surveys.models import Response, SurveySettings
from retain.surveys.services import answers as service
from tests.conftest import make_customer
from tests.surveys.factories_answer import ITEMS, after_sales_answers, make_invitation, make_survey, make_visit

FIVE_MINUTES_AGO = dt.timedelta(minutes=5)


@pytest.fixture
def survey(org):
    return make_survey(org.groups[0])


def _link(org, survey, *, transaction=None):
    customer = transaction.customer if transaction else make_customer(dealer=org.d1)
    return make_invitation(survey, dealer=org.d1, customer=customer, transaction=transaction,
                           staff=org.staff["service_advisor"])


def _honest(invitation, **extra) -> RequestInfo:
    """A customer on their phone who read the form for five minutes."""
    fields = {"address": "203.0.113.7", "stamp": integrity.stamp(invitation.token_hash, timezone.now() - FIVE_MINUTES_AGO),
              "from_page": True, **extra}
    return RequestInfo(**fields)


def _submit(token, info, answers=None):
    return service.save(token=token, answers=answers or after_sales_answers(), submit=True, request_info=info)


def test_an_honest_answer_is_not_flagged_and_is_counted(org, survey):
    invitation, token = _link(org, survey)
    SurveySettings.objects.create(dealer=org.d1, staff_networks="10.1.0.0/16")
    response = _submit(token, _honest(invitation))
    assert response.flags == [] and response.counted is True and response.review == ""


@pytest.mark.parametrize("address, flagged", [
    ("10.1.2.3", True), ("10.2.0.1", False), ("2001:db8::5", True), ("::ffff:10.1.9.9", True),
    ("2001:db9::1", False), ("", False), (None, False), ("not an address", False),
])
def test_staff_network(org, survey, address, flagged):
    SurveySettings.objects.create(dealer=org.d1, staff_networks="10.1.0.0/16\n  2001:db8::/32 \nrubbish\n")
    invitation, token = _link(org, survey)
    response = _submit(token, _honest(invitation, address=address))
    assert (response.flags == ["staff_network"]) is flagged
    assert response.counted is not flagged
    assert response.review == ("pending" if flagged else "")


def test_another_dealers_network_does_not_flag(org, survey):
    SurveySettings.objects.create(dealer=org.d2, staff_networks="203.0.113.0/24")
    invitation, token = _link(org, survey)
    assert _submit(token, _honest(invitation)).flags == []


def test_staff_session(org, survey):
    invitation, token = _link(org, survey)
    response = _submit(token, _honest(invitation, staff_id=org.staff["service_advisor"].pk))
    assert response.flags == ["staff_session"] and not response.counted


def test_a_staff_survey_answered_signed_in_is_not_flagged(org):
    survey = make_survey(org.groups[0], kind="staff", audience="staff")
    advisor = org.staff["service_advisor"]
    invitation, token = make_invitation(survey, dealer=org.d1, respondent_staff=advisor)
    response = _submit(token, _honest(invitation, staff_id=advisor.pk))
    assert response.flags == [] and response.respondent_staff_id == advisor.pk


@pytest.mark.parametrize("seconds_ago, flagged", [(1, True), (2 * 10 - 1, True), (2 * 10 + 2, False), (300, False)])
def test_too_fast_is_under_two_seconds_per_answered_question(org, survey, seconds_ago, flagged):
    """Ten questions answered (eight items, overall, recommend): 20 seconds at least."""
    invitation, token = _link(org, survey)
    stamp = integrity.stamp(invitation.token_hash, timezone.now() - dt.timedelta(seconds=seconds_ago))
    response = _submit(token, _honest(invitation, stamp=stamp))
    assert (response.flags == ["too_fast"]) is flagged


def test_a_tampered_or_foreign_stamp_on_the_page_is_flagged_too_fast(org, survey):
    invitation, token = _link(org, survey)
    other, _token = _link(org, survey)
    genuine = integrity.stamp(invitation.token_hash, timezone.now() - FIVE_MINUTES_AGO)
    tampered = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    assert integrity.served_at(genuine, invitation.token_hash) is not None
    for stamp in (tampered, integrity.stamp(other.token_hash, timezone.now() - FIVE_MINUTES_AGO), "", "x" * 500):
        assert integrity.served_at(stamp, invitation.token_hash) is None
    assert _submit(token, _honest(invitation, stamp=tampered)).flags == ["too_fast"]


def test_the_api_is_timed_from_its_first_partial_save(org, survey):
    invitation, token = _link(org, survey)
    api = RequestInfo(address="203.0.113.7")
    service.save(token=token, answers={"overall": 8}, submit=False, request_info=api)
    assert _submit(token, api).flags == ["too_fast"]  # saved and submitted within a second

    second, token2 = _link(org, survey)
    service.save(token=token2, answers={"overall": 8}, submit=False, request_info=api)
    Response.objects.filter(invitation=second).update(started_at=timezone.now() - FIVE_MINUTES_AGO)
    assert _submit(token2, api).flags == []

    third, token3 = _link(org, survey)
    assert _submit(token3, api).flags == []  # one shot: not timed (documented in integrity)


def test_straight_lined(org, survey):
    invitation, token = _link(org, survey)
    response = _submit(token, _honest(invitation), {code: 7 for code in ITEMS} | {"overall": 7, "recommend": 7})
    assert response.flags == ["straight_lined"]


def test_fewer_than_five_items_the_same_is_not_straight_lined(org):
    short = make_survey(org.groups[0], questions=[
        {"code": code, "kind": "rating", "role": "item", "text": {"en": code}, "scale_min": 1, "scale_max": 10}
        for code in ITEMS[:4]])
    invitation, token = make_invitation(short, dealer=org.d1)
    assert _submit(token, _honest(invitation), {code: 10 for code in ITEMS[:4]}).flags == []


def test_varied_items_are_not_straight_lined(org, survey):
    invitation, token = _link(org, survey)
    answers = {code: 7 for code in ITEMS} | {"returned_clean": 8, "overall": 7, "recommend": 7}
    assert _submit(token, _honest(invitation), answers).flags == []


def test_second_answer_for_the_same_transaction(org, survey):
    customer = make_customer(dealer=org.d1)
    _vehicle, visit = make_visit(customer)
    first, token1 = _link(org, survey, transaction=visit)
    second, token2 = _link(org, survey, transaction=visit)
    other, token3 = _link(org, survey, transaction=make_visit(customer, plate="沪B1")[1])
    assert _submit(token1, _honest(first)).flags == []
    flagged = _submit(token2, _honest(second))
    assert flagged.flags == ["second_answer"] and not flagged.counted and flagged.review == "pending"
    assert _submit(token3, _honest(other)).flags == []
    assert Response.objects.filter(transaction=visit).count() == 2  # kept, not dropped


def test_several_flags_at_once(org, survey):
    SurveySettings.objects.create(dealer=org.d1, staff_networks="10.0.0.0/8")
    invitation, token = _link(org, survey)
    info = _honest(invitation, address="10.0.0.9", staff_id=org.staff["consultant"].pk, stamp="")
    response = _submit(token, info, {code: 10 for code in ITEMS} | {"overall": 10, "recommend": 10})
    assert response.flags == ["staff_network", "staff_session", "too_fast", "straight_lined"]
    assert response.counted is False
