"""Answer validation and the answer service: each bad answer of the issue is refused with a
message at its question and nothing stored; partial saves, then the submit; the link's states."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from retain.org.models import AuditEvent
from retain.surveys import answering
from retain.surveys.answering import ExpiredLink, UnknownLink, UsedLink
from retain.surveys.models import Answer, InvitationStatus, Response
from retain.surveys.services import answers as service
from tests.conftest import make_customer
from tests.surveys.factories_answer import (
    AFTER_SALES,
    EVERY_KIND,
    ITEMS,
    after_sales_answers,
    make_invitation,
    make_survey,
    make_visit,
)


@pytest.fixture
def survey(org):
    return make_survey(org.groups[0])


@pytest.fixture
def other_kinds(org):
    return make_survey(org.groups[0], kind="custom", questions=EVERY_KIND)


@pytest.fixture
def link(org, survey):
    customer = make_customer(dealer=org.d1, owner=org.staff["service_advisor"])
    _vehicle, visit = make_visit(customer, staff=org.staff["service_advisor"])
    invitation, token = make_invitation(survey, dealer=org.d1, customer=customer, transaction=visit,
                                        staff=org.staff["service_advisor"])
    return invitation, token


def _nothing_stored():
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="response.").exists()


def _refused(token, answers, *, submit=True):
    with pytest.raises(ValidationError) as caught:
        service.save(token=token, answers=answers, submit=submit)
    return caught.value.message_dict




@pytest.mark.parametrize("value", [11, -1, 7.5, 7.0, "7", True, False, [7], {"n": 7}])
def test_a_bad_nps_is_refused_at_its_question_and_nothing_is_stored(link, value):
    _invitation, token = link
    errors = _refused(token, after_sales_answers(recommend=value))
    assert set(errors) == {"recommend"}
    assert "0 to 10" in errors["recommend"][0]
    _nothing_stored()


def test_a_nul_byte_in_a_comment_is_refused(link):
    errors = _refused(link[1], after_sales_answers(comment="好\x00的"))
    assert set(errors) == {"comment"} and "NUL" in errors["comment"][0]
    _nothing_stored()


def test_a_5000_character_comment_is_refused_with_the_limit_and_its_length(link):
    errors = _refused(link[1], after_sales_answers(comment="很" * 5000))
    assert errors == {"comment": ["Write at most 2000 characters (this is 5000)."]}
    _nothing_stored()


def test_a_2000_character_comment_is_taken(link):
    response = service.save(token=link[1], answers=after_sales_answers(comment="很" * 2000), submit=True)
    assert response.answers.get(question__code="comment").text == "很" * 2000


def test_a_question_of_another_survey_is_refused(link, other_kinds):
    errors = _refused(link[1], after_sales_answers(kano_pickup={"functional": "like", "dysfunctional": "dislike"}))
    assert errors == {"kano_pickup": ["This is not a question of this survey."]}
    _nothing_stored()


@pytest.mark.parametrize("points, message", [
    ({code: 10 for code in ITEMS}, "add up to exactly 100 (they add up to 80)"),
    ({**{code: 12 for code in ITEMS}, "value": 20}, "(they add up to 104)"),
    ({"fixed_first_time": 100.0}, "whole number"),
    ({"fixed_first_time": 120, "no_rework": -20}, "0 or more"),
    ({"fixed_first_time": 50, "waiting": 50}, "only to the items listed"),
    ([50, 50], "only to the items listed"),
])
def test_an_allocation_not_summing_to_100_is_refused(link, points, message):
    errors = _refused(link[1], after_sales_answers(importance=points))
    assert set(errors) == {"importance"} and message in errors["importance"][0]
    _nothing_stored()


def test_an_allocation_of_100_is_stored_with_every_item(link):
    response = service.save(token=link[1], answers=after_sales_answers(importance={"fixed_first_time": 60,
                                                                                     "value": 40}), submit=True)
    stored = response.answers.get(question__code="importance").value
    assert stored == {**{code: 0 for code in ITEMS}, "fixed_first_time": 60, "value": 40}
    assert sum(stored.values()) == 100


@pytest.fixture
def every_kind_link(org, other_kinds):
    return make_invitation(other_kinds, dealer=org.d1, customer=make_customer(dealer=org.d1))


GOOD_OTHERS = {"channel": "app", "used": ["wifi", "lounge"], "kano_pickup": {"functional": "like",
                                                                            "dysfunctional": "live-with"},
               "waiting": {"performance": 4, "importance": 5}, "loyal": 5}


@pytest.mark.parametrize("code, value", [
    ("kano_pickup", {"functional": "love", "dysfunctional": "dislike"}),
    ("kano_pickup", {"functional": "like"}),
    ("kano_pickup", {"functional": "like", "dysfunctional": "dislike", "extra": "like"}),
    ("kano_pickup", {"functional": "喜欢", "dysfunctional": "dislike"}),
    ("kano_pickup", "like"),
    ("channel", "fax"), ("channel", ["app"]), ("channel", 1),
    ("used", ["wifi", "wifi"]), ("used", ["pool"]), ("used", "wifi"),
    ("waiting", {"performance": 6, "importance": 5}), ("waiting", {"performance": 4}),
    ("waiting", {"performance": "4", "importance": 5}),
    ("loyal", 0), ("loyal", 6), ("loyal", 4.5),
])
def test_other_kinds_refuse_what_is_not_an_answer(every_kind_link, code, value):
    errors = _refused(every_kind_link[1], {**GOOD_OTHERS, code: value})
    assert set(errors) == {code}
    _nothing_stored()


def test_other_kinds_store_as_the_contract_says(every_kind_link):
    response = service.save(token=every_kind_link[1], answers=GOOD_OTHERS, submit=True)
    stored = {a.question.code: (a.number, a.text, a.value) for a in response.answers.select_related("question")}
    assert stored == {
        "channel": (None, "app", None), "used": (None, "", ["lounge", "wifi"]),  # in the order offered
        "kano_pickup": (None, "", {"functional": "like", "dysfunctional": "live-with"}),
        "waiting": (None, "", {"performance": 4, "importance": 5}), "loyal": (5.0, "", None)}


def test_every_refusal_is_collected_and_named(link):
    errors = _refused(link[1], after_sales_answers(recommend=11, overall=0, comment="\x00", nobody=3))
    assert set(errors) == {"recommend", "overall", "comment", "nobody"}


def test_required_questions_only_on_submit(link):
    invitation, token = link
    partial = {"fixed_first_time": 9, "no_rework": 8}
    response = service.save(token=token, answers=partial, submit=False)
    assert response.submitted_at is None and response.answers.count() == 2
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.OPEN and invitation.opened_at is not None
    assert not AuditEvent.objects.filter(action="response.submit").exists()
    saved = AuditEvent.objects.get(action="response.save")
    assert saved.object_id == str(response.pk) and saved.actor_id is None and saved.after["answers"] == 2

    errors = _refused(token, {"recommend": 9})
    assert set(errors) == set(ITEMS[2:]) | {"overall"}  # the two saved items count as answered
    assert all(message == ["Please answer this question."] for message in errors.values())
    assert Response.objects.get().answers.count() == 2  # the refused submit stored nothing more


def test_partial_save_then_submit(link):
    invitation, token = link
    first = service.save(token=token, answers={"fixed_first_time": 9, "comment": "先存一下"}, submit=False)
    opened = Response.objects.get().invitation.opened_at
    second = service.save(token=token, answers={"fixed_first_time": 7, "comment": None}, submit=False)
    assert second.pk == first.pk
    assert {a.question.code: a.number for a in second.answers.select_related("question")} == {"fixed_first_time": 7}
    rest = {k: v for k, v in after_sales_answers().items() if k != "fixed_first_time"}
    Response.objects.update(started_at=timezone.now() - dt.timedelta(minutes=5))  # read, then answered
    final = service.save(token=token, answers=rest, submit=True)
    assert final.pk == first.pk and final.submitted_at is not None
    assert final.answers.count() == len(ITEMS) + 2
    assert final.answers.get(question__code="fixed_first_time").number == 7
    # what the analysis reads: the numeric answers by code, those saved before included
    final.refresh_from_db()
    assert final.scores == {a.question.code: a.number for a in final.answers.select_related("question")
                            if a.number is not None}
    assert final.scores["fixed_first_time"] == 7 and "comment" not in final.scores
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED and invitation.answered_at == final.submitted_at
    assert invitation.opened_at == opened  # the first POST, kept
    assert final.answered_on == timezone.localdate()
    assert final.customer_id == invitation.customer_id and final.transaction_id == invitation.transaction_id
    assert final.staff_id == invitation.staff_id and final.vehicle_id == invitation.vehicle_id
    event = AuditEvent.objects.get(action="response.submit")
    assert event.actor_id is None and event.object_id == str(final.pk) and event.dealer_id == invitation.dealer_id
    assert event.after["counted"] is True


def test_answered_on_is_the_dealers_local_day(link, settings):
    from retain.channels.models import ChannelSettings

    ChannelSettings.objects.create(dealer=link[0].dealer, time_zone="America/Los_Angeles")
    response = service.save(token=link[1], answers=after_sales_answers(), submit=True)
    import zoneinfo

    assert response.answered_on == response.submitted_at.astimezone(zoneinfo.ZoneInfo("America/Los_Angeles")).date()


def test_a_used_link_refuses_a_second_submit_and_a_partial_save(link):
    service.save(token=link[1], answers=after_sales_answers(), submit=True)
    for submit in (True, False):
        with pytest.raises(UsedLink):
            service.save(token=link[1], answers=after_sales_answers(score=3), submit=submit)
    assert Response.objects.count() == 1 and AuditEvent.objects.filter(action="response.submit").count() == 1


@pytest.mark.parametrize("status", [InvitationStatus.EXPIRED, InvitationStatus.WITHDRAWN])
def test_an_expired_or_withdrawn_link_is_refused(org, survey, status):
    _invitation, token = make_invitation(survey, dealer=org.d1, status=status)
    with pytest.raises(ExpiredLink):
        service.save(token=token, answers=after_sales_answers(), submit=True)
    _nothing_stored()


def test_a_link_past_its_expiry_is_refused_before_the_job_marks_it(org, survey):
    _invitation, token = make_invitation(survey, dealer=org.d1, created_at=timezone.now() - dt.timedelta(days=15))
    with pytest.raises(ExpiredLink):
        service.save(token=token, answers={"overall": 5}, submit=False)
    _nothing_stored()


@pytest.mark.parametrize("token", ["", "x", "A" * 43, "A" * 500, None, 12345])
def test_an_unknown_link_is_refused(org, survey, token):
    make_invitation(survey, dealer=org.d1)
    with pytest.raises(UnknownLink):
        service.save(token=token, answers={}, submit=False)
    _nothing_stored()


def test_messages_are_in_the_respondents_language(org, survey):
    customer = make_customer(dealer=org.d1, language="zh-hans")
    _invitation, token = make_invitation(survey, dealer=org.d1, customer=customer)
    errors = _refused(token, after_sales_answers(recommend=11))
    assert errors == {"recommend": ["请选择0到10之间的数字。"]}


def test_the_language_falls_back_to_the_dealers_then_the_sites(org, survey):
    from retain.channels.models import ChannelSettings

    invitation, _token = make_invitation(survey, dealer=org.d1, customer=make_customer(dealer=org.d1))
    assert answering.respondent_language(invitation) == "en"  # the tests' site language
    ChannelSettings.objects.create(dealer=org.d1, default_language="zh-hans")
    assert answering.respondent_language(invitation) == "zh-hans"
    invitation.customer.language = "en"
    assert answering.respondent_language(invitation) == "en"


def test_every_contract_code_of_the_after_sales_preset_validates():
    assert [spec["code"] for spec in AFTER_SALES][:10] == [*ITEMS, "overall", "recommend"]


def test_the_migration_fills_the_scores_of_responses_stored_before(link):
    """Responses answered before ``Response.scores`` existed get theirs from their answer rows."""
    import importlib

    from django.apps import apps

    invitation, token = link
    response = service.save(token=token, answers=after_sales_answers(), submit=True)
    kept = dict(Response.objects.get(pk=response.pk).scores)
    Response.objects.update(scores={})
    importlib.import_module("retain.surveys.migrations.0003_response_scores").fill_scores(apps, None)
    assert Response.objects.get(pk=response.pk).scores == kept and len(kept) == len(ITEMS) + 2
