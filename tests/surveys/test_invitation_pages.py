"""The invitation pages and API: the card's section and form, the link shown once, the QR page,
the list and one invitation, a dealer's rules, and the API's shapes and refusals."""

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from retain.channels.models import Message
from retain.org.audit import AuditEvent
from retain.surveys import qr, tokens
from retain.surveys.models import Invitation, InvitationStatus, SamplingRule, SurveyKind, SurveySettings, Trigger
from retain.surveys.services import invitations as service
from retain.surveys.services import settings as settings_service
from tests.conftest import make_customer

from .factories_invite import make_survey, make_transaction, make_vehicle

LINK = re.compile(re.escape(tokens.PUBLIC_PATH) + r"([A-Za-z0-9_-]{43})/")


@pytest.fixture
def survey(org):
    return make_survey(org.groups[0])


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五", mobile="+8613912345678",
                         service_advisor=org.staff["service_advisor"])


def _login(client, org, role="consultant"):
    client.force_login(org.staff[role])
    return client


# --- the customer card ------------------------------------------------------------------------

def test_card_section_folds_the_form_and_lists_invitations(org, client, survey, customer):
    repair = make_transaction(customer, "service", vehicle=make_vehicle(customer))
    _login(client, org)
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert 'id="surveys"' in card and "Not invited to a survey yet." in card
    assert f'hx-get="/surveys/customers/{customer.pk}/invite/form/"' in card  # fetched when opened
    assert f'name="transaction" value="{repair.pk}"' in card  # the repair order's QR button
    fold = client.get(f"/surveys/customers/{customer.pk}/invite/form/", HTTP_HX_REQUEST="true")
    assert fold.status_code == 200 and survey.title() in fold.content.decode()
    service.invite(actor=org.staff["consultant"], survey_id=survey.pk, customer_id=customer.pk)
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "Waiting for an answer" in card and survey.title() in card
    # someone who may not invite this customer sees no form (the advisor owns none of it)
    _login(client, org, "service_advisor")
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert "/invite/form/" not in card
    assert client.get(f"/surveys/customers/{customer.pk}/invite/form/").status_code == 403


def test_the_cards_repair_order_buttons_come_from_its_own_rows_or_are_asked_for(org, client, survey, customer):
    """The latest three repair orders, newest first: picked from the card's own transaction rows
    when those are all of the customer's (no query of their own), asked for when older than the
    rows the card shows."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    vehicle = make_vehicle(customer)
    today = timezone.localdate()
    repairs = [make_transaction(customer, kind, vehicle=vehicle, date=today - dt.timedelta(days=days))
               for kind, days in (("service", 300), ("insurance_claim", 200), ("service", 100), ("service", 50))]
    make_transaction(customer, "parts", vehicle=vehicle, date=today - dt.timedelta(days=10))

    def buttons(card):
        return [int(pk) for pk in re.findall(r'name="transaction" value="(\d+)"', card)]

    _login(client, org)
    with CaptureQueriesContext(connection) as captured:
        card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert buttons(card) == [repairs[3].pk, repairs[2].pk, repairs[1].pk]
    asked = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "customers_transaction"')]
    assert len(asked) == 1  # the card's own rows, not the repairs again
    for days in range(1, 21):  # twenty newer parts purchases: the repairs are beyond the rows shown
        make_transaction(customer, "parts", vehicle=vehicle, date=today - dt.timedelta(days=days % 9))
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert buttons(card) == [repairs[3].pk, repairs[2].pk, repairs[1].pk]


def test_invite_from_the_card_shows_the_link_once(org, client, survey, customer):
    _login(client, org)
    response = client.post(f"/surveys/customers/{customer.pk}/invite/", {"survey_id": survey.pk})
    page = response.content.decode()
    assert response.status_code == 201 and "no-store" in response["Cache-Control"]
    token = LINK.search(page).group(1)
    invitation = Invitation.objects.get()
    assert invitation.token_hash == tokens.digest(token)
    assert "The message with the link was queued." in page
    # the invitation's page never shows it again
    detail = client.get(f"/surveys/invitations/{invitation.pk}/").content.decode()
    assert token not in detail and "cannot be shown again" in detail
    # a second one is refused with the day the window ends, beside the form
    again = client.post(f"/surveys/customers/{customer.pk}/invite/", {"survey_id": survey.pk})
    ends = timezone.localdate(invitation.created_at + dt.timedelta(days=30)).isoformat()
    assert again.status_code == 422 and f"no new invitation until {ends}" in again.content.decode()
    assert Invitation.objects.count() == 1
    # someone else's customer: 404
    other = make_customer(dealer=org.d1, owner=org.staff["colleague"])
    assert client.post(f"/surveys/customers/{other.pk}/invite/", {"survey_id": survey.pk}).status_code == 404


def test_a_message_the_channels_would_stop_refuses_with_its_reason(org, client, survey, customer):
    """A channels rule that would stop the message (here the dealer's survey cap of 0) refuses
    the invitation with the channels' own reason, and nothing is stored."""
    from retain.channels.models import ChannelSettings

    ChannelSettings.objects.create(dealer=org.d1, survey_cap=0)
    _login(client, org)
    response = client.post(f"/surveys/customers/{customer.pk}/invite/", {"survey_id": survey.pk})
    assert response.status_code == 422 and "Frequency cap reached" in response.content.decode()
    assert not Invitation.objects.exists()


def test_qr_page_draws_the_link_once(org, client, survey, customer):
    repair = make_transaction(customer, "service")
    _login(client, org, "service_manager")
    response = client.post(f"/surveys/customers/{customer.pk}/repair-qr/", {"transaction": repair.pk})
    page = response.content.decode()
    assert response.status_code == 201 and "<svg" in page
    token = LINK.search(page).group(1)
    assert str(qr.svg(tokens.link(token))) in page  # the same code segno draws for this link
    invitation = Invitation.objects.get()
    assert invitation.trigger == Trigger.QR and invitation.transaction == repair and not Message.objects.exists()
    assert "@media print" in page
    # not a repair order of this customer: 404; a parts sale: refused
    other = make_transaction(make_customer(dealer=org.d1), "service")
    assert client.post(f"/surveys/customers/{customer.pk}/repair-qr/",
                       {"transaction": other.pk}).status_code == 404
    parts = make_transaction(customer, "parts")
    refused = client.post(f"/surveys/customers/{customer.pk}/repair-qr/", {"transaction": parts.pk})
    assert refused.status_code == 302 and Invitation.objects.count() == 1


# --- the list and one invitation ---------------------------------------------------------------

def test_list_is_scoped_filtered_and_masked(org, client, survey, customer):
    mine, _t = service.invite(actor=org.staff["consultant"], survey_id=survey.pk, customer_id=customer.pk)
    colleague_customer = make_customer(dealer=org.d1, owner=org.staff["colleague"], name="赵六")
    theirs, _t = service.invite(actor=org.staff["colleague"], survey_id=survey.pk,
                                customer_id=colleague_customer.pk, trigger=Trigger.REPAIR)
    page = _login(client, org).get("/surveys/invitations/").content.decode()
    assert "王五" in page and "赵六" not in page
    assert "139****5678" in page and "13912345678" not in page
    assert org.staff["consultant"].display_name in page
    manager_page = _login(client, org, "sales_manager").get("/surveys/invitations/").content.decode()
    assert "王五" in manager_page and "赵六" in manager_page
    filtered = client.get("/surveys/invitations/", {"trigger": "repair"}).content.decode()
    assert "赵六" in filtered and "王五" not in filtered
    assert "王五" in client.get("/surveys/invitations/", {"survey": survey.pk, "status": "open"}).content.decode()
    later = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "No invitations match." in client.get("/surveys/invitations/", {"start": later}).content.decode()
    assert client.get("/surveys/invitations/", {"start": "2026-02-30"}).status_code == 422
    assert client.get("/surveys/invitations/", {"status": "lost"}).status_code == 422
    assert client.get("/surveys/invitations/", {"after": "garbage~1"}).status_code == 200
    # one invitation: in scope, else 404; withdrawn from its page
    _login(client, org)
    assert client.get(f"/surveys/invitations/{theirs.pk}/").status_code == 404
    assert client.post(f"/surveys/invitations/{theirs.pk}/withdraw/").status_code == 404
    assert client.post(f"/surveys/invitations/{mine.pk}/withdraw/").status_code == 302
    assert Invitation.objects.get(pk=mine.pk).status == InvitationStatus.WITHDRAWN


def test_region_reads_its_dealers_invitations_without_inviting_or_withdrawing(org, client, survey, customer):
    """Those above the dealer watch the response rates: they read the invitations of their
    region's dealers (not another region's), and may neither withdraw one nor invite."""
    ours, _t = service.invite(actor=org.staff["consultant"], survey_id=survey.pk, customer_id=customer.pk)
    elsewhere = make_customer(dealer=org.d3, owner=org.staff["d3_consultant"], name="钱七")
    theirs, _t = service.invite(actor=org.staff["d3_consultant"], survey_id=survey.pk, customer_id=elsewhere.pk)
    _login(client, org, "region_manager")
    page = client.get("/surveys/invitations/").content.decode()
    assert "王五" in page and "钱七" not in page
    assert client.get(f"/surveys/invitations/{ours.pk}/").status_code == 200
    assert "withdraw/" not in client.get(f"/surveys/invitations/{ours.pk}/").content.decode()
    assert client.get(f"/surveys/invitations/{theirs.pk}/").status_code == 404
    assert client.post(f"/surveys/invitations/{ours.pk}/withdraw/").status_code == 403
    assert Invitation.objects.get(pk=ours.pk).status == InvitationStatus.OPEN
    listed = client.get("/api/v1/invitations").json()
    assert [item["id"] for item in listed["items"]] == [ours.pk]


def test_list_keyset_pages(org, client, survey):
    SurveySettings.objects.create(dealer=org.d1, fatigue_days=0)
    customers = [make_customer(dealer=org.d1, owner=org.staff["consultant"], name=f"客户{n:02d}") for n in range(30)]
    for c in customers:
        service.invite(actor=org.staff["consultant"], survey_id=survey.pk, customer_id=c.pk)
    _login(client, org)
    first = client.get("/surveys/invitations/").content.decode()
    assert "客户29" in first and "客户00" not in first and "30 invitations" in first
    after = re.search(r'after=([^"&]+)', first).group(1)
    second = client.get(f"/surveys/invitations/?after={after}").content.decode()
    assert "客户00" in second and "客户29" not in second


# --- a dealer's rules --------------------------------------------------------------------------

def test_rules_page_sets_settings_and_rules(org, client, survey):
    _login(client, org, "service_manager")
    page = client.get("/surveys/rules/")
    assert page.status_code == 200 and "rule-repair" in page.content.decode()
    response = client.post("/surveys/rules/", {"trigger": "settings", "fatigue_days": 45, "link_days": 10,
                                               "reminder_days": 4, "staff_networks": "10.1.2.3/24\n\n192.168.0.7"})
    assert response.status_code == 302
    saved = SurveySettings.objects.get(dealer=org.d1)
    assert (saved.fatigue_days, saved.link_days, saved.reminder_days) == (45, 10, 4)
    assert saved.staff_networks == "10.1.2.0/24\n192.168.0.7/32"
    bad = client.post("/surveys/rules/", {"trigger": "settings", "fatigue_days": 45, "link_days": 10,
                                          "reminder_days": 4, "staff_networks": "10.1.2.0/24\nour wifi"})
    assert bad.status_code == 422 and "Line 2, “our wifi”, is not a network" in bad.content.decode()
    response = client.post("/surveys/rules/", {"trigger": "repair", "repair-survey_id": survey.pk,
                                               "repair-delay_days": 2, "repair-rate_percent": 40,
                                               "repair-monthly_quota": "", "repair-active": "on"})
    assert response.status_code == 302
    rule = SamplingRule.objects.get(dealer=org.d1, trigger="repair")
    assert (rule.survey, rule.delay_days, rule.rate_percent, rule.monthly_quota, rule.active) == (
        survey, 2, 40, None, True)
    over = client.post("/surveys/rules/", {"trigger": "repair", "repair-survey_id": survey.pk,
                                           "repair-delay_days": 2, "repair-rate_percent": 101})
    assert over.status_code == 422
    assert AuditEvent.objects.filter(action="survey_settings.set").count() == 2
    assert client.get("/surveys/rules/", {"dealer": "D2"}).status_code == 404
    _login(client, org, "consultant")
    assert client.get("/surveys/rules/").status_code == 403


def test_settings_service_validates(org, survey):
    actor = org.staff["dealer_gm"]
    set_rule = settings_service.set_rule
    cases = [
        ({"survey_id": survey.pk, "rate_percent": 101}, "rate_percent"),
        ({"survey_id": survey.pk, "rate_percent": -1}, "rate_percent"),
        ({"survey_id": survey.pk, "rate_percent": "50"}, "rate_percent"),
        ({"survey_id": survey.pk, "rate_percent": True}, "rate_percent"),
        ({"survey_id": survey.pk, "monthly_quota": -1}, "monthly_quota"),
        ({"survey_id": survey.pk, "delay_days": 366}, "delay_days"),
        ({"survey_id": make_survey(org.groups[0], SurveyKind.CSS_SALES).pk}, "survey_id"),  # the wrong kind
        ({"survey_id": make_survey(org.groups[0], dealer=org.d2).pk}, "survey_id"),  # not at this dealer
        ({"survey_id": make_survey(org.groups[0], active=False).pk}, "survey_id"),
        ({"survey_id": 10**30}, "survey_id"),
        ({"delay_days": 3}, "survey_id"),  # a new rule names its survey
        ({"survey_id": survey.pk, "colour": "red"}, "colour"),
    ]
    for changes, field in cases:
        with pytest.raises(ValidationError) as refused:
            set_rule(actor=actor, dealer_id=org.d1.pk, trigger="repair", **changes)
        assert field in refused.value.message_dict, changes
    with pytest.raises(ValidationError):
        set_rule(actor=actor, dealer_id=org.d1.pk, trigger="manual", survey_id=survey.pk)
    assert not SamplingRule.objects.exists()
    rule = set_rule(actor=actor, dealer_id=org.d1.pk, trigger="repair", survey_id=survey.pk, rate_percent=0,
                    monthly_quota=0)
    assert (rule.rate_percent, rule.monthly_quota) == (0, 0)
    with pytest.raises(Http404):
        set_rule(actor=actor, dealer_id=org.d2.pk, trigger="repair", survey_id=survey.pk)
    for changes, field in [({"fatigue_days": 366}, "fatigue_days"), ({"link_days": 0}, "link_days"),
                           ({"reminder_days": 61}, "reminder_days"), ({"staff_networks": "300.1.1.1"},
                                                                      "staff_networks"),
                           ({"staff_networks": "10.0.0.0/8\x00"}, "staff_networks")]:
        with pytest.raises(ValidationError) as refused:
            settings_service.set_settings(actor=actor, dealer_id=org.d1.pk, **changes)
        assert list(refused.value.message_dict) == [field], changes
    assert not SurveySettings.objects.exists()
    networks = settings_service.set_settings(actor=actor, dealer_id=org.d1.pk, staff_networks="2001:db8::/32")
    assert networks.staff_networks == "2001:db8::/32"


# --- the API --------------------------------------------------------------------------------------

def _post(client, survey_id, body):
    return client.post(f"/api/v1/surveys/{survey_id}/invitations", data=body, content_type="application/json")


def test_api_invites_and_gives_the_link_this_once(org, client, survey, customer):
    _login(client, org)
    response = _post(client, survey.pk, {"customer_id": customer.pk})
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "status", "link", "expires_at"} and body["status"] == "open"
    token = LINK.search(body["link"]).group(1)
    assert Invitation.objects.get(pk=body["id"]).token_hash == tokens.digest(token)
    one = client.get(f"/api/v1/invitations/{body['id']}").json()
    listed = client.get("/api/v1/invitations").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]
    for shown in (one, listed["items"][0]):
        assert "link" not in shown and "token" not in str(shown) and token not in str(shown)
        assert shown["served_by"] == org.staff["consultant"].display_name and shown["customer_id"] == customer.pk
    # fatigue: 422 on customer_id with the end day
    again = _post(client, survey.pk, {"customer_id": customer.pk})
    assert again.status_code == 422
    detail = again.json()["detail"]
    assert detail[0]["loc"] == ["body", "customer_id"] and "no new invitation until" in detail[0]["msg"]


def test_api_refusals(org, client, survey, customer):
    _login(client, org)
    other = make_customer(dealer=org.d2, owner=org.staff["d2_consultant"])
    assert _post(client, survey.pk, {"customer_id": other.pk}).status_code == 404
    assert _post(client, 999_999, {"customer_id": customer.pk}).status_code == 404
    for body in ({"customer_id": str(customer.pk)}, {"customer_id": customer.pk, "extra": 1}, {},
                 {"customer_id": 0}, {"customer_id": customer.pk, "transaction_id": "1"}):
        assert _post(client, survey.pk, body).status_code == 422, body
    theirs = make_transaction(make_customer(dealer=org.d1, owner=org.staff["consultant"]))
    refused = _post(client, survey.pk, {"customer_id": customer.pk, "transaction_id": theirs.pk})
    assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["body", "transaction_id"]
    staff_survey = make_survey(org.groups[0], SurveyKind.STAFF)
    assert _post(client, staff_survey.pk, {"customer_id": customer.pk}).json()["detail"][0]["loc"] == [
        "body", "survey"]
    assert not Invitation.objects.exists()
    assert client.get("/api/v1/invitations?limit=5000").status_code == 422
    assert client.get("/api/v1/invitations?status=lost").status_code == 422
    assert client.get("/api/v1/invitations/999999").status_code == 404
    client.logout()
    assert _post(client, survey.pk, {"customer_id": customer.pk}).status_code == 401


def test_staff_self_assessment_page_shows_the_link(org, client):
    staff_survey = make_survey(org.groups[0], SurveyKind.STAFF)
    _login(client, org)
    form = client.get("/surveys/staff/invite/").content.decode()
    assert staff_survey.title() in form and org.staff["colleague"].display_name not in form  # only oneself
    response = client.post("/surveys/staff/invite/", {"survey_id": staff_survey.pk,
                                                      "staff_id": org.staff["consultant"].pk})
    assert response.status_code == 201
    token = LINK.search(response.content.decode()).group(1)
    invitation = Invitation.objects.get()
    assert invitation.respondent_staff == org.staff["consultant"] and invitation.token_hash == tokens.digest(token)
    refused = client.post("/surveys/staff/invite/", {"survey_id": staff_survey.pk,
                                                     "staff_id": org.staff["consultant"].pk})
    assert refused.status_code == 422 and "already has an open invitation" in refused.content.decode()
    assert _login(client, org, "region_manager").get("/surveys/staff/invite/").status_code == 403
