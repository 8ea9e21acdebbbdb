"""A manager's review of flagged answers: the list (in scope, flags in words, who served, when,
the answers), keep (counted) or exclude with a note, each audited; the API; refusals."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.org.models import AuditEvent
from retain.surveys import integrity
from retain.surveys.integrity import RequestInfo
from retain.surveys.models import Response, SurveySettings
from retain.surveys.services import answers as answer_service
from retain.surveys.services import reviews
from tests.conftest import make_customer
from tests.surveys.factories_answer import after_sales_answers, make_invitation, make_survey


@pytest.fixture
def answered(org):
    """Two submitted responses at D1 (one flagged from the dealer's network, one clean) and a
    flagged one at D3, all through the answer service."""
    survey = make_survey(org.groups[0])
    advisor = org.staff["service_advisor"]
    advisor.first_name, advisor.last_name = "建华", "欧阳"
    advisor.save()
    SurveySettings.objects.create(dealer=org.d1, staff_networks="10.9.0.0/16")
    SurveySettings.objects.create(dealer=org.d3, staff_networks="10.9.0.0/16")
    made = {}
    for name, dealer, address in (("flagged", org.d1, "10.9.1.1"), ("clean", org.d1, "198.51.100.4"),
                                  ("elsewhere", org.d3, "10.9.1.1")):
        invitation, token = make_invitation(survey, dealer=dealer, customer=make_customer(dealer=dealer),
                                            staff=advisor if dealer == org.d1 else None)
        info = RequestInfo(address=address, from_page=True,
                           stamp=integrity.stamp(invitation.token_hash, timezone.now() - dt.timedelta(minutes=5)))
        made[name] = answer_service.save(token=token, answers=after_sales_answers(comment=f"{name} 评论"),
                                         submit=True, request_info=info)
    return made


def test_the_list_shows_flagged_answers_in_scope_with_their_story(client, org, answered):
    client.force_login(org.staff["service_manager"])
    response = client.get("/surveys/reviews/")
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="response-{answered["flagged"].pk}"' in page
    assert f'id="response-{answered["clean"].pk}"' not in page  # not flagged: nothing to review
    assert f'id="response-{answered["elsewhere"].pk}"' not in page  # another dealer
    for text in ("Answered from the dealer&#x27;s own network", "欧阳建华", "Dealer 1", "flagged 评论",
                 timezone.localdate().isoformat(), "Keep and count", "Exclude"):
        assert text in page, text


def test_keep_counts_the_response_and_is_audited(org, answered):
    manager = org.staff["service_manager"]
    kept = reviews.review(actor=manager, response_id=answered["flagged"].pk, keep=True, note="核实为客户本人在店内作答")
    kept.refresh_from_db()
    assert kept.counted is True and kept.review == "kept" and kept.reviewed_by == manager
    assert kept.review_note == "核实为客户本人在店内作答" and kept.flags == ["staff_network"]  # the flags stay
    event = AuditEvent.objects.get(action="response.review")
    assert event.actor == manager and event.object_id == str(kept.pk)
    assert event.before == {"review": "pending", "counted": False}
    assert event.after["review"] == "kept" and event.after["counted"] is True


def test_exclude_through_the_page_keeps_it_uncounted(client, org, answered):
    client.force_login(org.staff["dealer_gm"])
    target = answered["flagged"]
    response = client.post(f"/surveys/reviews/{target.pk}/", {"decision": "exclude", "note": "店员代答"})
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.review == "excluded" and target.counted is False and target.review_note == "店员代答"
    assert Response.objects.filter(pk=target.pk).exists()  # kept, never deleted
    assert AuditEvent.objects.filter(action="response.review", object_id=str(target.pk)).count() == 1
    done = client.get("/surveys/reviews/?state=done").content.decode()
    assert f'id="response-{target.pk}"' in done


def test_review_through_the_api(client, org, answered):
    client.force_login(org.staff["marketing"])
    target = answered["flagged"]
    response = client.post(f"/api/v1/responses/{target.pk}/review", {"keep": False, "note": "x"},
                           content_type="application/json")
    assert response.status_code == 200
    assert response.json()["review"] == "excluded" and response.json()["counted"] is False
    bad = client.post(f"/api/v1/responses/{target.pk}/review", {"keep": "yes"}, content_type="application/json")
    assert bad.status_code == 422


def test_a_clean_response_is_not_reviewed(org, answered):
    with pytest.raises(ValidationError) as caught:
        reviews.review(actor=org.staff["service_manager"], response_id=answered["clean"].pk, keep=False)
    assert "response" in caught.value.message_dict
    assert not AuditEvent.objects.filter(action="response.review").exists()


def test_a_long_note_is_refused(org, answered):
    with pytest.raises(ValidationError) as caught:
        reviews.review(actor=org.staff["service_manager"], response_id=answered["flagged"].pk, keep=True,
                       note="很" * 501)
    assert set(caught.value.message_dict) == {"note"}
    answered["flagged"].refresh_from_db()
    assert answered["flagged"].review == "pending"


def test_the_page_refuses_a_missing_decision(client, org, answered):
    client.force_login(org.staff["service_manager"])
    response = client.post(f"/surveys/reviews/{answered['flagged'].pk}/", {"note": "?"})
    assert response.status_code == 422
    answered["flagged"].refresh_from_db()
    assert answered["flagged"].review == "pending"


def test_out_of_scope_is_404_and_the_served_advisor_cannot_review(client, org, answered):
    with pytest.raises(Http404):
        reviews.review(actor=org.staff["service_manager"], response_id=answered["elsewhere"].pk, keep=True)
    with pytest.raises(PermissionDenied):  # the advisor who served the customer sees the answer, may not review it
        reviews.review(actor=org.staff["service_advisor"], response_id=answered["flagged"].pk, keep=True)
    client.force_login(org.staff["service_advisor"])
    assert client.get("/surveys/reviews/").status_code == 403
    answered["flagged"].refresh_from_db()
    assert answered["flagged"].review == "pending"

