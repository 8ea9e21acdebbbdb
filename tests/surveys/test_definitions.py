"""A question set's checks (every rule refused with a bad input, nothing stored), and the
services: editing a survey that was sent or answered makes the next version and leaves the old
one as it was; one nobody was asked yet is edited in place; copies, presets and the switch."""

import copy

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.org.models import AuditEvent
from retain.surveys import presets, tokens
from retain.surveys.access import access_survey, survey_for, visible_surveys
from retain.surveys.definitions import check_questions
from retain.surveys.models import Answer, Invitation, Question, Response, Survey, SurveyVersion
from retain.surveys.services import definitions as services
from tests.conftest import make_customer


def rating(code="q1", **extra):
    return {"code": code, "kind": "rating", "role": "item", "text": {"zh-hans": "满意吗？", "en": "Satisfied?"},
            "scale_min": 1, "scale_max": 10, **extra}


def choice(code="pick", kind="single", options=None, **extra):
    return {"code": code, "kind": kind, "role": "other", "text": {"zh-hans": "选择", "en": "Pick"},
            "choices": options if options is not None else [{"code": "a", "text": {"zh-hans": "甲"}},
                                                             {"code": "b", "text": {"zh-hans": "乙"}}], **extra}


def _refused(questions, key, fragment=""):
    with pytest.raises(ValidationError) as caught:
        check_questions(questions)
    errors = caught.value.message_dict
    assert key in errors, errors
    assert fragment in " ".join(errors[key]), errors[key]
    return errors


# -- the checks ---------------------------------------------------------------------------------

def test_a_good_set_is_normalised():
    rows = check_questions([rating("b", position=2), rating("a", position=1),
                            {"code": "n", "kind": "nps", "role": "outcome", "text": {"zh-hans": "推荐吗"}}])
    assert [row["code"] for row in rows] == ["a", "b", "n"]
    assert [row["position"] for row in rows] == [1, 2, 3]
    nps = rows[2]
    assert (nps["scale_min"], nps["scale_max"], nps["required"]) == (0, 10, True)
    assert nps["low_label"]["en"] == "Not at all likely"  # default end labels in every language
    assert rows[0]["high_label"]["en"] == "Very satisfied" and rows[0]["text"] == {"zh-hans": "满意吗？",
                                                                                    "en": "Satisfied?"}


@pytest.mark.parametrize("question, key, fragment", [
    ({"kind": "nps", "scale_min": 1, "scale_max": 10}, "questions.0.scale_max", "0 to 10"),
    ({"scale_min": 1, "scale_max": 7}, "questions.0.scale_max", "1-5, 1-10 or 0-10"),
    ({"scale_min": None, "scale_max": None}, "questions.0.scale_max", "scale"),
    ({"scale_min": "1", "scale_max": 10}, "questions.0.scale_max", "scale"),
    ({"scale_min": True, "scale_max": 10}, "questions.0.scale_max", "scale"),
    ({"low_label": {"zh-hans": "差"}}, "questions.0.high_label", "both ends"),
    ({"kind": "text"}, "questions.0.scale_max", "Only ratings"),
    ({"kind": "sideways"}, "questions.0.kind", "kind"),
    ({"role": "boss"}, "questions.0.role", "role"),
    ({"code": "Bad Code"}, "questions.0.code", "lower-case"),
    ({"code": ""}, "questions.0.code", "code"),
    ({"code": "x" * 41}, "questions.0.code", "40"),
    ({"text": {"en": "English only"}}, "questions.0.text", "Chinese"),
    ({"text": {"zh-hans": ""}}, "questions.0.text", "Write the text"),
    ({"text": "满意吗"}, "questions.0.text", "zh-hans"),
    ({"text": {"zh-hans": "满意", "fr": "Satisfait"}}, "questions.0.text", "fr"),
    ({"text": {"zh-hans": "字" * 501}}, "questions.0.text", "500"),
    ({"text": {"zh-hans": "满意\x00吗"}}, "questions.0.text", "Null"),
    ({"required": "yes"}, "questions.0.required", "yes or no"),
    ({"weight": 1.5}, "questions.0.weight", "0 to 1"),
    ({"weight": -0.1}, "questions.0.weight", "0 to 1"),
    ({"weight": float("nan")}, "questions.0.weight", "0 to 1"),
    ({"weight": True}, "questions.0.weight", "0 to 1"),
    ({"weight": 1.0, "role": "outcome"}, "questions.0.weight", "Only scored items"),
    ({"choices": [{"code": "a", "text": {"zh-hans": "甲"}}]}, "questions.0.choices", "no choices"),
    ({"role": "touchpoint", "code": "showroom"}, "questions.0.touchpoint", "step"),
    ({"touchpoint": "showroom"}, "questions.0.touchpoint", "Only touchpoint"),
    ({"colour": "red"}, "questions.0.colour", "cannot be set"),
    ({"position": -1}, "questions.0.position", "0 to 1000"),
])
def test_each_bad_field_is_named_with_its_question(question, key, fragment):
    errors = _refused([{**rating(), **question}], key, fragment)
    assert errors[key][0].startswith("Question 1")


@pytest.mark.parametrize("options, fragment", [
    ([{"code": "a", "text": {"zh-hans": "甲"}}], "at least two"),
    ([], "at least two"),
    ([{"code": "a", "text": {"zh-hans": "甲"}}, {"code": "a", "text": {"zh-hans": "乙"}}], "used twice"),
    ([{"code": "A b", "text": {"zh-hans": "甲"}}, {"code": "b", "text": {"zh-hans": "乙"}}], "lower-case"),
    ([{"code": "a", "text": {"en": "A"}}, {"code": "b", "text": {"zh-hans": "乙"}}], "Chinese"),
    ([{"code": "a", "text": {"zh-hans": "甲" * 201}}, {"code": "b", "text": {"zh-hans": "乙"}}], "200"),
    ([{"code": f"c{i}", "text": {"zh-hans": "项"}} for i in range(31)], "At most 30"),
    ("a, b", "list"),
])
def test_choices_need_two_or_more_unique_slug_codes(options, fragment):
    _refused([choice(options=options)], "questions.0.choices", fragment)
    _refused([choice(kind="multiple", options=options)], "questions.0.choices", fragment)


def test_allocation_needs_two_items_and_kano_its_pair():
    one = [{"code": "a", "text": {"zh-hans": "甲"}}]
    _refused([{**rating(), "kind": "allocation", "scale_min": None, "scale_max": None, "items": one}],
             "questions.0.items", "at least two")
    kano = {"code": "k", "kind": "kano", "role": "item", "text": {"zh-hans": "代步车"}}
    rows = check_questions([kano])  # the usual prompts filled in
    assert [side["code"] for side in rows[0]["items"]] == ["functional", "dysfunctional"]
    _refused([{**kano, "items": [{"code": "dysfunctional", "text": {"zh-hans": "没有"}},
                                 {"code": "functional", "text": {"zh-hans": "有"}}]}], "questions.0.items", "Kano")
    _refused([{**kano, "scale_min": 1, "scale_max": 5}], "questions.0.scale_max", "Only ratings")


def test_performance_importance_takes_the_rating_scales():
    pair = {**rating(), "kind": "performance_importance"}
    assert check_questions([pair])[0]["scale_max"] == 10
    _refused([{**pair, "scale_min": 2, "scale_max": 9}], "questions.0.scale_max", "1-5")


def test_the_set_as_a_whole():
    _refused([], "questions", "at least one")
    _refused("q1", "questions", "list")
    _refused([rating(f"q{i}") for i in range(61)], "questions", "60")
    errors = _refused([rating("same"), rating("same")], "questions.1.code", "question 1")
    assert errors["questions.1.code"][0].startswith("Question 2 (same)")
    _refused([rating("a", weight=0.5), rating("b", weight=0.4)], "questions", "add up to 0.9")
    _refused([rating("a", weight=0.5), rating("b")], "questions.1.weight", "or none")
    ok = check_questions([rating("a", weight=0.5), rating("b", weight=0.5 - 1e-7), rating("c", role="outcome")])
    assert [row["weight"] for row in ok] == [0.5, 0.5 - 1e-7, None]
    _refused([rating("a", weight=0.5), rating("b", weight=0.5 - 1e-5)], "questions", "add up")


# -- the services ---------------------------------------------------------------------------------

@pytest.fixture
def group_surveys(org):
    return {s.preset: s for s in presets.install(org.groups[0])}


def _rows(survey):
    from retain.surveys.definitions import version_rows

    return version_rows(survey.current_version)


def _invite(survey, dealer, customer):
    _token, digest = tokens.new_token()
    now = timezone.now()
    return Invitation.objects.create(survey=survey, version=survey.current_version, dealer=dealer, customer=customer,
                                     trigger="manual", key=f"k{digest[:10]}", token_hash=digest, created_at=now,
                                     expires_at=now + timezone.timedelta(days=14))


def _respond(survey, dealer, customer, answers):
    response = Response.objects.create(survey=survey, version=survey.current_version, dealer=dealer,
                                       customer=customer, started_at=timezone.now(), submitted_at=timezone.now(),
                                       scores={code: float(number) for code, number in answers.items()})
    for code, number in answers.items():
        Answer.objects.create(response=response, question=survey.current_version.questions.get(code=code),
                              number=number)
    return response


def test_editing_without_invitations_or_answers_edits_in_place(org, group_surveys):
    admin = org.staff["group_admin"]
    survey = group_surveys["nps"]
    version = survey.current_version
    rows = _rows(survey)
    rows[1]["text"] = {"zh-hans": "请告诉我们原因", "en": "Tell us why"}
    edited = services.edit_survey(actor=admin, survey_id=survey.pk, questions=rows)
    assert edited.current_version_id == version.pk and SurveyVersion.objects.filter(survey=survey).count() == 1
    assert version.questions.get(code="reason").text == {"zh-hans": "请告诉我们原因", "en": "Tell us why"}
    event = AuditEvent.objects.filter(action="survey.edit").get()
    assert event.after["version"] == 1


@pytest.mark.parametrize("answered_by", ["invitation", "response"])
def test_editing_a_sent_or_answered_survey_makes_the_next_version(org, group_surveys, answered_by):
    admin = org.staff["group_admin"]
    survey = group_surveys["nps"]
    old = survey.current_version
    old_questions = {q.pk: (q.code, q.text) for q in old.questions.all()}
    customer = make_customer(dealer=org.d1)
    response = None
    if answered_by == "invitation":
        _invite(survey, org.d1, customer)
    else:
        response = _respond(survey, org.d1, customer, {"recommend": 9})
    rows = _rows(survey)
    rows[0]["text"] = {"zh-hans": "您会推荐本店吗？", "en": "Would you recommend us?"}
    rows.append(rating("wait", role="outcome"))
    edited = services.edit_survey(actor=admin, survey_id=survey.pk, questions=rows,
                                  name={"zh-hans": "新名字", "en": "New name"})
    new = edited.current_version
    assert new.number == 2 and new.pk != old.pk and new.created_by == admin
    assert [q.code for q in new.questions.order_by("position")] == ["recommend", "reason", "wait"]
    old.refresh_from_db()
    assert {q.pk: (q.code, q.text) for q in old.questions.all()} == old_questions  # untouched
    if response is not None:
        response.refresh_from_db()
        assert response.version_id == old.pk
        assert response.answers.get().question.version_id == old.pk
    assert edited.name == {"zh-hans": "新名字", "en": "New name"}
    event = AuditEvent.objects.filter(action="survey.version").get()
    assert (event.before["version"], event.after["version"]) == (1, 2)
    # the next edit of the new, unsent version is in place again
    services.edit_survey(actor=admin, survey_id=survey.pk, questions=_rows(edited)[:2])
    assert Survey.objects.get(pk=survey.pk).current_version.number == 2
    assert SurveyVersion.objects.filter(survey=survey).count() == 2


def test_a_refused_edit_writes_nothing(org, group_surveys):
    admin = org.staff["group_admin"]
    survey = group_surveys["css_after_sales"]
    rows = _rows(survey)
    before = copy.deepcopy(rows)
    rows[0]["weight"] = 0.5  # the weights no longer add up to 1
    with pytest.raises(ValidationError) as caught:
        services.edit_survey(actor=admin, survey_id=survey.pk, questions=rows, name={"zh-hans": "改名"})
    assert "questions" in caught.value.message_dict
    survey.refresh_from_db()
    assert _rows(survey) == before and survey.name["zh-hans"] != "改名"
    assert not AuditEvent.objects.filter(action__startswith="survey.").exists()
    with pytest.raises(ValidationError) as caught:
        services.edit_survey(actor=admin, survey_id=survey.pk, name={"en": "English only"})
    assert "name" in caught.value.message_dict


def test_an_edit_that_changes_nothing_writes_nothing(org, group_surveys):
    survey = group_surveys["loyalty"]
    services.edit_survey(actor=org.staff["group_admin"], survey_id=survey.pk, questions=_rows(survey),
                         name=dict(survey.name))
    assert not AuditEvent.objects.filter(action__startswith="survey.").exists()


def test_copy_for_a_dealer_keeps_kind_and_codes_and_is_the_dealers_to_edit(org, group_surveys):
    marketing = org.staff["marketing"]
    source = group_surveys["css_after_sales"]
    with pytest.raises(PermissionDenied):  # a dealer does not edit the group's survey
        services.edit_survey(actor=marketing, survey_id=source.pk, name={"zh-hans": "本店"})
    copy_ = services.copy_survey(actor=marketing, survey_id=source.pk, dealer_id=org.d1.pk)
    assert (copy_.dealer, copy_.kind, copy_.preset, copy_.current_version.number) == (org.d1, source.kind,
                                                                                       "css_after_sales", 1)
    assert [r["code"] for r in _rows(copy_)] == [r["code"] for r in _rows(source)]
    assert survey_for(org.d1, "css_after_sales") == copy_ and survey_for(org.d2, "css_after_sales") == source
    services.edit_survey(actor=marketing, survey_id=copy_.pk, name={"zh-hans": "本店售后调查"})
    assert AuditEvent.objects.filter(action="survey.copy", object_id=str(copy_.pk)).count() == 1
    with pytest.raises(ValidationError) as caught:  # one active copy per kind
        services.copy_survey(actor=marketing, survey_id=source.pk, dealer_id=org.d1.pk)
    assert "dealer" in caught.value.message_dict
    with pytest.raises(Http404):  # another dealer is out of the desk's scope
        services.copy_survey(actor=marketing, survey_id=source.pk, dealer_id=org.d2.pk)
    with pytest.raises(ValidationError):  # a dealer's own survey is not copied again
        services.copy_survey(actor=org.staff["group_admin"], survey_id=copy_.pk, dealer_id=org.d2.pk)


def test_presets_for_the_group_need_the_groups_scope(org):
    with pytest.raises(PermissionDenied):
        services.install_presets(actor=org.staff["region_manager"])
    with pytest.raises(PermissionDenied):
        services.install_presets(actor=org.staff["consultant"], dealer_id=org.d1.pk)
    with pytest.raises(Http404):
        services.install_presets(actor=org.staff["marketing"], dealer_id=org.d2.pk)
    own = services.install_presets(actor=org.staff["marketing"], dealer_id=org.d1.pk)
    assert len(own) == 7 and {s.dealer_id for s in own} == {org.d1.pk}
    services.install_presets(actor=org.staff["marketing"], dealer_id=org.d1.pk)  # again: nothing added
    assert AuditEvent.objects.filter(action="survey.install").count() == 1
    assert len(services.install_presets(actor=org.staff["group_admin"])) == 7
    assert Survey.objects.count() == 14


def test_switching_a_survey_off_and_on(org, group_surveys):
    admin = org.staff["group_admin"]
    survey = group_surveys["nps"]
    services.set_active(actor=admin, survey_id=survey.pk, active=False)
    assert survey_for(org.d1, "nps") is None
    services.set_active(actor=admin, survey_id=survey.pk, active=False)  # no change, no row
    services.set_active(actor=admin, survey_id=survey.pk, active=True)
    assert survey_for(org.d1, "nps") == survey
    assert list(AuditEvent.objects.filter(action__startswith="survey.").values_list("action", flat=True)
                .order_by("id")) == ["survey.deactivate", "survey.activate"]
    with pytest.raises(ValidationError):
        services.set_active(actor=admin, survey_id=survey.pk, active="yes")


# -- the door -----------------------------------------------------------------------------------

def test_the_door(org, group_surveys):
    own = services.copy_survey(actor=org.staff["group_admin"], survey_id=group_surveys["nps"].pk,
                               dealer_id=org.d2.pk)
    other_group = presets.install(org.groups[1])[0]
    consultant, d2 = org.staff["consultant"], org.staff["d2_consultant"]
    assert set(visible_surveys(consultant)) == set(group_surveys.values())
    assert own in set(visible_surveys(d2))
    with pytest.raises(Http404):
        access_survey(consultant, own.pk)  # another dealer's own survey
    with pytest.raises(Http404):
        access_survey(consultant, other_group.pk)
    with pytest.raises(Http404):
        access_survey(consultant, "abc")
    with pytest.raises(PermissionDenied):
        access_survey(consultant, group_surveys["nps"].pk, "manage_surveys")
    with pytest.raises(PermissionDenied):  # the region edits its dealers' copies, not the group's survey
        access_survey(org.staff["region_manager"], group_surveys["nps"].pk, "manage_surveys")
    assert access_survey(org.staff["region_manager"], own.pk, "manage_surveys") == own
    assert Question.objects.filter(version__survey=own).count() == 2
