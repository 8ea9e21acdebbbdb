"""The public answer page and the public answer API: what a respondent sees, partial saves and
the submit, errors at the question with nothing stored, the link's states (409, 410, 404: never a
500), no writes on GET, CSRF on the page and none on the token-authorised API."""

import datetime as dt
import json
import re

import pytest
from django.apps import apps
from django.test import Client
from django.utils import timezone

from retain.surveys import integrity, tokens
from retain.surveys.models import Answer, Invitation, InvitationStatus, Response
from tests.conftest import make_customer
from tests.surveys.factories_answer import (
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
def advisor(org):
    advisor = org.staff["service_advisor"]
    advisor.first_name, advisor.last_name = "建华", "欧阳"
    advisor.save()
    return advisor


@pytest.fixture
def link(org, survey, advisor):
    customer = make_customer(dealer=org.d1, owner=advisor, name="王建国", language="en")
    _vehicle, visit = make_visit(customer, day=dt.date(2026, 3, 14), plate="沪A88888")
    return make_invitation(survey, dealer=org.d1, customer=customer, transaction=visit, staff=advisor)


def _url(token):
    return f"/s/{token}/"


def _form(answers: dict, *, stamp="", do="submit") -> dict:
    """The page's form post for an after-sales answer set."""
    data = {"do": do, "served": stamp, "lang": "en"}
    for code, value in answers.items():
        if isinstance(value, dict):
            data.update({f"{code}.{part}": str(v) for part, v in value.items()})
        else:
            data[code] = str(value)
    return data


def _read_stamp(content: str) -> str:
    return re.search(r'name="served" value="([^"]+)"', content).group(1)


def _table_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_the_page_shows_the_dealer_the_visit_and_the_questions(client, link, org):
    invitation, token = link
    response = client.get(_url(token))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("Dealer 1", "大众 途观L", "沪A88888", "Service / repair order", "2026-03-14", "欧阳建华",
                 "How likely are you to recommend us?", "extremely likely", "Send my answers",
                 "Save and continue later"):
        assert text in page, text
    assert "王建国" not in page  # a forwarded link shows nobody's name
    assert 'lang="en"' in page
    # Not the staff shell: no menu, no staff links, no sign-out.
    assert "Log out" not in page and 'class="menu"' not in page and "/customers/" not in page
    # One fieldset and legend per question; every radio sits in its label.
    assert page.count("<fieldset class=\"question") == 12 and page.count("<legend>") >= 12
    assert re.search(r'<label class="score"><input type="radio" name="recommend" value="0"', page)
    # No inline script: only the static file (the CSP allows nothing else).
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page, re.S)
    assert scripts == [""] and "script-src 'self'" in response["Content-Security-Policy"]
    assert 'name="csrfmiddlewaretoken"' in page
    assert "no-store" in response["Cache-Control"]  # saved answers are the respondent's


def test_the_page_is_in_the_customers_language_and_switches(client, org, survey):
    customer = make_customer(dealer=org.d1, language="zh-hans")
    _invitation, token = make_invitation(survey, dealer=org.d1, customer=customer)
    page = client.get(_url(token)).content.decode()
    assert '<html lang="zh-hans">' in page and "您向亲友推荐本店的可能性有多大？" in page
    page = client.get(_url(token) + "?lang=en").content.decode()
    assert '<html lang="en">' in page and "How likely are you to recommend us?" in page


def test_get_twice_writes_nothing(client, link):
    invitation, token = link
    before, row = _table_counts(), Invitation.objects.filter(pk=invitation.pk).values().get()
    assert client.get(_url(token)).status_code == 200
    assert client.get(_url(token)).status_code == 200
    assert Client().head(_url(token)).status_code == 200
    assert _table_counts() == before
    assert Invitation.objects.filter(pk=invitation.pk).values().get() == row  # not even opened_at


def test_submit_through_the_page_then_thanks(client, link):
    invitation, token = link
    stamp = integrity.stamp(invitation.token_hash, timezone.now() - dt.timedelta(minutes=4))
    response = client.post(_url(token), _form(after_sales_answers(comment="很好"), stamp=stamp))
    assert response.status_code == 302 and response["Location"] == f"/s/{token}/thanks/?lang=en"
    thanks = client.get(response["Location"])
    assert thanks.status_code == 200 and "Thank you" in thanks.content.decode()
    stored = Response.objects.get()
    assert stored.submitted_at and stored.flags == [] and stored.counted
    assert stored.answers.get(question__code="recommend").number == 9
    assert stored.answers.get(question__code="comment").text == "很好"
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.ANSWERED
    # The link is used now: the form is not shown again.
    again = client.get(_url(token))
    assert again.status_code == 409 and "Already answered" in again.content.decode()


def test_the_stamp_the_page_serves_times_the_answer(client, link):
    """Served and submitted within a second: too fast (the stamp is read back from the page)."""
    _invitation, token = link
    stamp = _read_stamp(client.get(_url(token)).content.decode())
    client.post(_url(token), _form(after_sales_answers(), stamp=stamp))
    assert Response.objects.get().flags == ["too_fast"]


def test_save_and_continue_later_then_submit(client, link):
    invitation, token = link
    response = client.post(_url(token), _form({"fixed_first_time": 9, "overall": ""}, do="save"))
    assert response.status_code == 302 and response["Location"].endswith("saved=1")
    stored = Response.objects.get()
    assert stored.submitted_at is None and stored.answers.count() == 1
    invitation.refresh_from_db()
    assert invitation.opened_at is not None and invitation.status == InvitationStatus.OPEN
    page = client.get(response["Location"]).content.decode()
    assert "Your answers are saved" in page
    assert '<input type="radio" name="fixed_first_time" value="9" checked>' in page  # shown again
    stamp = integrity.stamp(invitation.token_hash, timezone.now() - dt.timedelta(minutes=4))
    response = client.post(_url(token), _form(after_sales_answers(), stamp=stamp))
    assert response.status_code == 302
    assert Response.objects.get().submitted_at is not None


@pytest.mark.parametrize("code, value, message", [
    ("recommend", "11", "Choose a number from 0 to 10."),
    ("recommend", "-1", "Choose a number from 0 to 10."),
    ("recommend", "7.5", "Choose a whole number from 0 to 10."),
    ("comment", "很" * 5000, "Write at most 2000 characters (this is 5000)."),
    ("comment", "a\x00b", "NUL"),
])
def test_a_bad_answer_on_the_page_is_shown_at_its_question_and_nothing_is_stored(client, link, code, value, message):
    _invitation, token = link
    before = _table_counts()
    response = client.post(_url(token), _form(after_sales_answers(**{code: value})))
    assert response.status_code == 422
    page = response.content.decode()
    assert f'id="{code}-error"' in page and message in page
    assert re.search(rf'<fieldset class="question invalid" id="q-{code}"', page)
    assert "Nothing was saved" in page
    assert _table_counts() == before


def test_missing_required_answers_are_named_on_submit(client, link):
    _invitation, token = link
    response = client.post(_url(token), _form({"overall": 8}))
    assert response.status_code == 422
    page = response.content.decode()
    assert all(f'id="{code}-error"' in page for code in [*ITEMS, "recommend"])
    assert not Response.objects.exists()


def test_every_kind_is_answered_through_the_page(client, org):
    survey = make_survey(org.groups[0], kind="custom", questions=EVERY_KIND)
    invitation, token = make_invitation(survey, dealer=org.d1)
    stamp = integrity.stamp(invitation.token_hash, timezone.now() - dt.timedelta(minutes=4))
    data = {"do": "submit", "served": stamp, "channel": "phone", "used": ["wifi", "loaner"],
            "kano_pickup.functional": "must-be", "kano_pickup.dysfunctional": "dislike",
            "waiting.performance": "3", "waiting.importance": "5", "loyal": "4"}
    assert client.post(_url(token), data).status_code == 302
    stored = {a.question.code: (a.number, a.text, a.value)
              for a in Response.objects.get().answers.select_related("question")}
    assert stored["used"] == (None, "", ["wifi", "loaner"])
    assert stored["kano_pickup"][2] == {"functional": "must-be", "dysfunctional": "dislike"}
    assert stored["waiting"][2] == {"performance": 3, "importance": 5}


def test_an_allocation_through_the_page_must_total_100(client, link):
    _invitation, token = link
    answers = after_sales_answers(importance={code: 10 for code in ITEMS})
    response = client.post(_url(token), _form(answers))
    assert response.status_code == 422 and "they add up to 80" in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("status, code, words", [
    (InvitationStatus.EXPIRED, 410, "This link has expired"),
    (InvitationStatus.WITHDRAWN, 410, "This link has expired"),
    (InvitationStatus.ANSWERED, 409, "Already answered"),
])
def test_closed_links_get_their_page(client, org, survey, status, code, words):
    _invitation, token = make_invitation(survey, dealer=org.d1, status=status)
    for response in (client.get(_url(token)), client.post(_url(token), _form(after_sales_answers()))):
        assert response.status_code == code and words in response.content.decode()
        assert "Traceback" not in response.content.decode()
    assert not Response.objects.exists()


@pytest.mark.parametrize("token", ["A" * 43, "x", "A" * 300, "%00", "中文令牌", "..%2E"])
def test_an_unknown_link_reveals_nothing(client, org, survey, token):
    make_invitation(survey, dealer=org.d1)
    for response in (client.get(_url(token)), client.post(_url(token), {"do": "submit"})):
        assert response.status_code == 404
        page = response.content.decode()
        assert "Link not found" in page and "Dealer 1" not in page and "After-sales" not in page


def test_the_page_posts_need_the_csrf_token(link):
    _invitation, token = link
    client = Client(enforce_csrf_checks=True)
    assert client.post(_url(token), _form(after_sales_answers())).status_code == 403
    page = client.get(_url(token)).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(_url(token), {**_form(after_sales_answers()), "csrfmiddlewaretoken": csrf}).status_code == 302


def test_the_public_url_of_a_token_is_the_page():
    from django.urls import reverse

    assert reverse("survey_answer", args=["abc"]) == f"{tokens.PUBLIC_PATH}abc/"


# -- the public API -------------------------------------------------------------------------------

def _api(token, body, raw=False):
    client = Client(enforce_csrf_checks=True)  # no session, no CSRF token: the link's token is enough
    return client.post(f"/api/v1/public/responses/{token}", body if raw else json.dumps(body),
                       content_type="application/json")


def test_api_submit_is_201_then_409(link):
    invitation, token = link
    response = _api(token, {"answers": after_sales_answers()})
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": Response.objects.get().pk, "submitted": True, "flagged": False}
    again = _api(token, {"answers": after_sales_answers()})
    assert again.status_code == 409 and again.json()["detail"]
    assert Response.objects.count() == 1


def test_api_partial_save_then_submit(link):
    _invitation, token = link
    first = _api(token, {"answers": {"overall": 7}, "submit": False})
    assert first.status_code == 201 and first.json()["submitted"] is False
    rest = {k: v for k, v in after_sales_answers().items() if k != "overall"}
    second = _api(token, {"answers": rest, "submit": True})
    assert second.status_code == 201 and second.json()["id"] == first.json()["id"]
    assert Response.objects.get().answers.get(question__code="overall").number == 7


@pytest.mark.parametrize("status", [InvitationStatus.EXPIRED, InvitationStatus.WITHDRAWN])
def test_api_expired_is_410(org, survey, status):
    _invitation, token = make_invitation(survey, dealer=org.d1, status=status)
    assert _api(token, {"answers": after_sales_answers()}).status_code == 410


def test_api_unknown_is_404(org, survey):
    make_invitation(survey, dealer=org.d1)
    response = _api("A" * 43, {"answers": after_sales_answers()})
    assert response.status_code == 404 and response.json() == {"detail": "No survey for this link."}


@pytest.mark.parametrize("answers, codes", [
    (after_sales_answers(recommend=11), {"recommend"}),
    (after_sales_answers(recommend=-1), {"recommend"}),
    (after_sales_answers(recommend=7.5), {"recommend"}),
    (after_sales_answers(recommend="7"), {"recommend"}),
    (after_sales_answers(recommend=True), {"recommend"}),
    (after_sales_answers(comment="x\u0000y"), {"comment"}),
    (after_sales_answers(comment="x" * 5000), {"comment"}),
    (after_sales_answers(kano_pickup={"functional": "like", "dysfunctional": "like"}), {"kano_pickup"}),
    (after_sales_answers(importance={"value": 99}), {"importance"}),
    ({"overall": 8}, {*ITEMS, "recommend"}),
])
def test_api_bad_answers_are_422_naming_the_codes(link, answers, codes):
    _invitation, token = link
    response = _api(token, {"answers": answers})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert {entry["loc"][-1] for entry in detail} == codes
    assert all(entry["loc"][:2] == ["body", "answers"] and entry["msg"] for entry in detail)
    assert not Response.objects.exists() and not Answer.objects.exists()


@pytest.mark.parametrize("body", ['{"answers": [1, 2]}', '{"answers": {}, "submit": "yes"}', "[]", "not json",
                                  '{"answers": {}, "extra": 1}'])
def test_api_malformed_bodies_are_4xx(link, body):
    response = _api(link[1], body, raw=True)
    assert response.status_code in (400, 422) and response.json()["detail"]
    assert not Response.objects.exists()


def test_api_body_size_is_bounded(link):
    response = _api(link[1], {"answers": {"comment": "x" * 70_000}})
    assert response.status_code == 400 and "too large" in response.json()["detail"]
    assert not Response.objects.exists()


def test_api_is_in_the_openapi_document_with_its_answers(org, client):
    client.force_login(org.staff["dealer_gm"])
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/public/responses/{token}"]["post"]
    assert {"201", "404", "409", "410", "422"} <= set(operation["responses"])
    assert "security" not in operation or operation["security"] in ([], [{}])
