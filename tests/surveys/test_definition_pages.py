"""The survey definition pages (list, survey, version, edit, the POST buttons) in both languages,
and the JSON API's shapes and refusals."""

import json

import pytest
from django.utils import translation

from retain.org.models import AuditEvent
from retain.surveys import presets
from retain.surveys.definitions import version_rows
from retain.surveys.forms import QuestionForm
from retain.surveys.models import Survey, SurveyVersion
from retain.surveys.services import definitions as services
from tests.conftest import make_customer
from tests.surveys.test_definitions import _invite

KINDS = {"css_sales", "css_after_sales", "nps", "loyalty", "touchpoint", "kano", "staff", "custom"}


@pytest.fixture
def surveys(org):
    return {s.preset: s for s in presets.install(org.groups[0])}


def _login(client, org, role):
    client.force_login(org.staff[role])
    return client


def _in(client, language):
    client.cookies["django_language"] = language
    return client


def _edit_data(survey, **changes) -> dict:
    """The edit page's form for the survey as it stands, with ``changes`` applied."""
    rows = version_rows(survey.current_version)
    data = {"name_zh": survey.name["zh-hans"], "name_en": survey.name.get("en", ""), "save": "1",
            "q-TOTAL_FORMS": str(len(rows)), "q-INITIAL_FORMS": str(len(rows))}
    for index, row in enumerate(rows):
        for field, value in QuestionForm.initial_for(row).items():
            if field == "required":
                if value:
                    data[f"q-{index}-required"] = "on"
            elif value is not None:
                data[f"q-{index}-{field}"] = str(value)
    data.update(changes)
    return data


# -- pages --------------------------------------------------------------------------------------

@pytest.mark.parametrize("language, name, question, label", [
    ("zh-hans", "售后满意度（CSS）调查", "您对服务人员的友善程度满意吗？", "非常满意"),
    ("en", "After-sales satisfaction survey (CSS)", "How satisfied are you with the friendliness of our staff?",
     "Very satisfied"),
])
def test_list_and_survey_pages_in_both_languages(client, org, surveys, language, name, question, label):
    client = _in(_login(client, org, "consultant"), language)
    listing = client.get("/surveys/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert name in text and text.count('id="survey-') == 7
    survey = surveys["css_after_sales"]
    page = client.get(f"/surveys/{survey.pk}/").content.decode()
    assert name in page and question in page and label in page
    assert 'id="question-fixed_first_time"' in page and "0.1900" in page
    assert f'/surveys/{survey.pk}/edit/' not in page  # a consultant reads, does not edit
    assert client.get(f"/surveys/{survey.pk}/versions/1/").status_code == 200
    assert client.get(f"/surveys/{survey.pk}/versions/2/").status_code == 404


def test_list_shows_owner_version_count_and_active(client, org, surveys):
    copy = services.copy_survey(actor=org.staff["marketing"], survey_id=surveys["nps"].pk, dealer_id=org.d1.pk)
    services.set_active(actor=org.staff["group_admin"], survey_id=surveys["kano"].pk, active=False)
    text = _login(client, org, "marketing").get("/surveys/").content.decode()
    row = text[text.index(f'id="survey-{copy.pk}"'):]
    row = row[:row.index("</tr>")]
    assert "Dealer 1" in row and '<td class="num">1</td><td class="num">2</td>' in row
    kano = text[text.index(f'id="survey-{surveys["kano"].pk}"'):]
    assert "Whole group" in kano[:kano.index("</tr>")] and "<td>no</td>" in kano[:kano.index("</tr>")]
    assert 'action="/surveys/presets/"' in text  # marketing may install presets for its dealer


def test_the_nav_offers_surveys_to_marketing(client, org):
    text = _login(client, org, "marketing").get("/surveys/").content.decode()
    assert 'href="/surveys/"' in text


def test_pages_outside_the_scope_answer_404_and_edits_without_the_right_403(client, org, surveys):
    other = presets.install(org.groups[1])[0]
    client = _login(client, org, "consultant")
    assert client.get(f"/surveys/{other.pk}/").status_code == 404
    assert client.get(f"/surveys/{other.pk}/versions/1/").status_code == 404
    assert client.get(f"/surveys/{surveys['nps'].pk}/edit/").status_code == 403
    assert client.post(f"/surveys/{surveys['nps'].pk}/active/", {"active": "0"}).status_code == 403
    assert client.post("/surveys/presets/", {}).status_code == 403
    assert client.post(f"/surveys/{surveys['nps'].pk}/copy/", {"dealer": org.d1.pk}).status_code == 403
    marketing = _login(client, org, "marketing")
    assert marketing.get(f"/surveys/{surveys['nps'].pk}/edit/").status_code == 403  # the group's survey
    assert marketing.get("/surveys/presets/").status_code == 405  # no GET writes


def test_copy_and_install_buttons(client, org, surveys):
    client = _login(client, org, "marketing")
    page = client.get(f"/surveys/{surveys['css_sales'].pk}/").content.decode()
    assert 'id="copy"' in page
    response = client.post(f"/surveys/{surveys['css_sales'].pk}/copy/", {"dealer": org.d1.pk})
    copy = Survey.objects.get(dealer=org.d1, kind="css_sales")
    assert response.status_code == 302 and response["Location"] == f"/surveys/{copy.pk}/"
    assert 'id="copy"' not in client.get(f"/surveys/{copy.pk}/").content.decode()
    assert client.post(f"/surveys/{surveys['css_sales'].pk}/copy/", {"dealer": org.d2.pk}).status_code == 404
    assert client.post("/surveys/presets/", {"dealer": org.d1.pk}).status_code == 302
    assert Survey.objects.filter(dealer=org.d1).count() == 7  # the copy counts as its preset
    assert client.post("/surveys/presets/", {"dealer": org.d2.pk}).status_code == 404


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_edit_page_renders_the_questions(client, org, language):
    survey = presets.install(org.groups[0], dealer=org.d1)[1]
    text = _in(_login(client, org, "marketing"), language).get(f"/surveys/{survey.pk}/edit/").content.decode()
    assert text.count('class="card question-form"') == 12
    assert 'value="fixed_first_time"' in text and "fixed_first_time | " in text  # the allocation's items
    with translation.override(language):
        assert translation.gettext("Add a question") in text


def test_edit_page_saves_in_place_then_as_a_new_version(client, org):
    survey = presets.install(org.groups[0], dealer=org.d1)[2]  # nps
    client = _login(client, org, "marketing")
    response = client.post(f"/surveys/{survey.pk}/edit/", _edit_data(survey, **{"q-1-text_zh": "为什么？"}))
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.current_version.number == 1
    assert survey.current_version.questions.get(code="reason").text["zh-hans"] == "为什么？"
    _invite(survey, org.d1, make_customer(dealer=org.d1))
    response = client.post(f"/surveys/{survey.pk}/edit/", _edit_data(survey, **{"q-1-DELETE": "on"}), follow=True)
    survey.refresh_from_db()
    assert survey.current_version.number == 2
    assert [q.code for q in survey.current_version.questions.all()] == ["recommend"]
    assert "version 2" in response.content.decode()
    assert SurveyVersion.objects.get(survey=survey, number=1).questions.count() == 2


def test_edit_page_puts_each_refusal_beside_its_field(client, org):
    survey = presets.install(org.groups[0], dealer=org.d1)[1]  # after-sales
    client = _login(client, org, "marketing")
    # what the form itself cannot read comes first
    response = client.post(f"/surveys/{survey.pk}/edit/", _edit_data(survey, **{"q-10-options": "a | 甲\nbad line",
                                                                                "q-4-weight": "heavy"}))
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="q-10-options-error"' in text and "Line 2" in text
    assert 'id="q-4-weight-error"' in text
    # then the service's refusals, each beside its question's field
    data = _edit_data(survey, **{"q-2-scale": "", "q-3-code": "value", "q-10-options": "a | 甲"})
    response = client.post(f"/surveys/{survey.pk}/edit/", data)
    assert response.status_code == 422
    text = response.content.decode()
    assert 'id="q-2-scale-error"' in text and "Question 3 (value)" in text
    assert 'id="q-3-code-error"' in text and "already used by question 3" in text
    assert 'id="q-10-options-error"' in text and "at least two" in text
    assert not AuditEvent.objects.filter(action__startswith="survey.").exists()
    data = _edit_data(survey, **{"q-0-weight": "0.5"})
    text = client.post(f"/surveys/{survey.pk}/edit/", data).content.decode()
    assert "add up to 1.31" in text  # the set's own refusal, above the questions


def test_add_a_question_shows_one_more_and_saves_nothing(client, org):
    survey = presets.install(org.groups[0], dealer=org.d1)[2]
    client = _login(client, org, "marketing")
    data = _edit_data(survey, add="1")
    del data["save"]
    response = client.post(f"/surveys/{survey.pk}/edit/", data)
    assert response.status_code == 200
    assert response.content.decode().count('class="card question-form"') == 3
    data = _edit_data(survey, **{"q-TOTAL_FORMS": "3", "q-2-code": "visit_again", "q-2-kind": "rating",
                                 "q-2-role": "outcome", "q-2-text_zh": "您还会再来吗？", "q-2-scale": "1-5",
                                 "q-2-required": "on"})
    assert client.post(f"/surveys/{survey.pk}/edit/", data).status_code == 302
    survey.refresh_from_db()
    added = survey.current_version.questions.get(code="visit_again")
    assert (added.scale_min, added.scale_max, added.text) == (1, 5, {"zh-hans": "您还会再来吗？"})


def test_switch_off_and_on(client, org, surveys):
    client = _login(client, org, "group_admin")
    assert client.post(f"/surveys/{surveys['nps'].pk}/active/", {"active": "0"}).status_code == 302
    assert not Survey.objects.get(pk=surveys["nps"].pk).active
    client.post(f"/surveys/{surveys['nps'].pk}/active/", {"active": "1"})
    assert Survey.objects.get(pk=surveys["nps"].pk).active


# -- API ----------------------------------------------------------------------------------------

def _api(client, method, path, body=None):
    if method == "get":
        return client.get("/api/v1" + path)
    return getattr(client, method)("/api/v1" + path, json.dumps(body), content_type="application/json")


def test_api_list_and_detail_shapes(client, org, surveys):
    client = _in(_login(client, org, "consultant"), "zh-hans")
    body = _api(client, "get", "/surveys").json()
    assert body["count"] == 7 and len(body["items"]) == 7
    item = next(i for i in body["items"] if i["kind"] == "css_after_sales")
    assert set(item) >= {"id", "kind", "name", "version", "dealer", "active", "questions"}
    assert (item["name"], item["version"], item["dealer"], item["active"], item["questions"]) == \
        ("售后满意度（CSS）调查", 1, None, True, 12)
    assert {i["kind"] for i in body["items"]} <= KINDS
    detail = _api(_in(client, "en"), "get", f"/surveys/{item['id']}").json()
    assert detail["name"] == "After-sales satisfaction survey (CSS)"
    codes = [q["code"] for q in detail["questions"]]
    assert codes[:10] == ["fixed_first_time", "no_rework", "value", "friendliness", "explained_why", "listened",
                          "explained_invoice", "returned_clean", "overall", "recommend"]
    first = detail["questions"][0]
    assert set(first) >= {"code", "kind", "role", "text", "scale_min", "scale_max", "labels", "choices", "items",
                          "weight", "touchpoint", "required"}
    assert (first["kind"], first["scale_min"], first["scale_max"], first["weight"], first["required"]) == \
        ("rating", 1, 10, 0.19, True)
    assert first["labels"] == {"low": "Very dissatisfied", "high": "Very satisfied"}
    assert first["texts"]["zh-hans"] != first["texts"]["en"]
    assert all(q["required"] for q in detail["questions"][:10])
    assert detail["questions"][10]["items"][0]["code"] == "fixed_first_time"


def test_api_put_round_trips_and_makes_a_version_when_sent(client, org):
    survey = presets.install(org.groups[0], dealer=org.d1)[2]
    client = _login(client, org, "marketing")
    detail = _api(client, "get", f"/surveys/{survey.pk}").json()
    questions = [{k: v for k, v in q.items()} for q in detail["questions"]]
    same = _api(client, "put", f"/surveys/{survey.pk}", {"questions": questions})
    assert same.status_code == 200 and same.json()["version"] == 1
    assert not AuditEvent.objects.filter(action__startswith="survey.").exists()  # nothing changed
    _invite(survey, org.d1, make_customer(dealer=org.d1))
    questions[1]["texts"] = {"zh-hans": "原因是？", "en": "Why?"}
    changed = _api(client, "put", f"/surveys/{survey.pk}", {"questions": questions})
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert changed.json()["questions"][1]["texts"] == {"zh-hans": "原因是？", "en": "Why?"}


@pytest.mark.parametrize("body, field", [
    ({"questions": [{"code": "q", "kind": "nps", "texts": {"zh-hans": "推荐"}, "scale_min": 1, "scale_max": 10}]},
     "questions.0.scale_max"),
    ({"questions": [{"code": "q", "kind": "single", "texts": {"zh-hans": "选"},
                     "choices": [{"code": "a", "texts": {"zh-hans": "甲"}}]}]}, "questions.0.choices"),
    ({"questions": [{"code": "q", "kind": "rating", "texts": {"en": "English"}, "scale_min": 1, "scale_max": 5}]},
     "questions.0.text"),
    ({"names": {"en": "English only"}}, "name"),
])
def test_api_put_refusals_name_the_field(client, org, body, field):
    survey = presets.install(org.groups[0], dealer=org.d1)[2]
    response = _api(_login(client, org, "marketing"), "put", f"/api/v1/surveys/{survey.pk}"[7:], body)
    assert response.status_code == 422
    assert ["body", field] in [d["loc"] for d in response.json()["detail"]]


@pytest.mark.parametrize("body", [
    {"questions": []},
    {"questions": [{"code": "q" * 41, "kind": "text", "texts": {"zh-hans": "说"}}]},
    {"questions": [{"code": "q", "kind": "text", "texts": {"zh-hans": "说" * 501}}]},
    {"questions": [{"code": "q", "kind": "text", "texts": {"fr": "dis"}}]},
    {"questions": [{"code": "q", "kind": "rating", "texts": {"zh-hans": "评"}, "weight": "0.5"}]},
    {"questions": [{"code": "q", "kind": "rating", "texts": {"zh-hans": "评"}, "scale_max": 10.0}]},
    {"questions": [{"code": "q", "kind": "text", "texts": {"zh-hans": "说\x00"}}]},
    {"colour": "red"},
    {"questions": [{"code": "q", "kind": "text", "texts": {"zh-hans": "说"}}] * 61},
])
def test_api_put_bounds_in_the_schema(client, org, body):
    survey = presets.install(org.groups[0], dealer=org.d1)[2]
    response = _api(_login(client, org, "marketing"), "put", f"/surveys/{survey.pk}", body)
    assert response.status_code == 422, response.content
    assert isinstance(response.json()["detail"], list)
    assert Survey.objects.get(pk=survey.pk).current_version.questions.count() == 2


def test_api_presets_and_refusals(client, org):
    marketing = _login(client, org, "marketing")
    first = _api(marketing, "post", "/surveys/presets", {"dealer_id": org.d1.pk})
    assert first.status_code == 200 and first.json()["count"] == 7
    assert {i["dealer"] for i in first.json()["items"]} == {"Dealer 1"}
    again = _api(marketing, "post", "/surveys/presets", {"dealer_id": org.d1.pk}).json()
    assert [i["id"] for i in again["items"]] == [i["id"] for i in first.json()["items"]]
    assert _api(marketing, "post", "/surveys/presets", {"dealer_id": org.d2.pk}).status_code == 404
    assert _api(marketing, "post", "/surveys/presets", {}).status_code == 403  # the whole group's: not theirs
    assert _api(marketing, "post", "/surveys/presets", {"dealer_id": "1"}).status_code == 422
    consultant = _login(client, org, "consultant")
    assert _api(consultant, "post", "/surveys/presets", {"dealer_id": org.d1.pk}).status_code == 403
    assert _api(consultant, "put", f"/surveys/{first.json()['items'][0]['id']}",
                {"names": {"zh-hans": "改"}}).status_code == 403
    assert _api(consultant, "get", "/surveys/999999").status_code == 404
    admin = _login(client, org, "group_admin")
    assert _api(admin, "post", "/surveys/presets", {}).json()["count"] == 7
