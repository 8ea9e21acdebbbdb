"""Inviting one customer (``services.invitations``): the link, who served, the message, and every
refusal with nothing stored."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.channels import suppression
from retain.channels.models import Message
from retain.customers.models import Consent
from retain.org.audit import AuditEvent
from retain.org.models import Role
from retain.surveys import tokens
from retain.surveys.models import Invitation, InvitationStatus, Response, SurveyKind, SurveySettings, Trigger
from retain.surveys.services import invitations as service
from tests.conftest import make_customer, make_staff

from .factories_invite import make_survey, make_transaction, make_vehicle


@pytest.fixture
def survey(org):
    return make_survey(org.groups[0])


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王五",
                         service_advisor=org.staff["service_advisor"])


def _invite(org, survey, customer, role="consultant", **extra):
    return service.invite(actor=org.staff[role], survey_id=survey.pk, customer_id=customer.pk, **extra)


def _nothing_stored():
    assert not Invitation.objects.exists()
    assert not Message.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="survey_invitation").exists()


def test_token_has_at_least_128_bits_and_only_its_digest_is_stored(org, survey, customer):
    invitation, token = _invite(org, survey, customer)
    # token_urlsafe: 6 bits per character; 43 characters of 256 random bits
    assert len(token) * 6 >= 128
    assert invitation.token_hash == tokens.digest(token) and len(invitation.token_hash) == 64
    stored = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert token not in str(stored)
    audit = AuditEvent.objects.get(action="survey_invitation.create")
    assert token not in str(audit.after) and invitation.token_hash not in str(audit.after)
    # the link names the token, and the token finds this invitation and no other
    link = tokens.link(token)
    assert link.endswith(f"{tokens.PUBLIC_PATH}{token}/")
    opened = link.rsplit("/", 2)[-2]
    assert Invitation.objects.get(token_hash=tokens.digest(opened)) == invitation
    other, other_token = _invite(org, survey, make_customer(dealer=org.d1, owner=org.staff["consultant"]))
    assert other_token != token and other.token_hash != invitation.token_hash


def test_invitation_records_who_served_the_visit_and_queues_the_message(org, survey, customer):
    car = make_vehicle(customer)
    repair = make_transaction(customer, "service", vehicle=car)
    invitation, token = _invite(org, survey, customer, transaction_id=repair.pk)
    assert invitation.staff == org.staff["service_advisor"]  # a repair: the service advisor
    assert invitation.vehicle == car and invitation.transaction == repair
    assert invitation.version == survey.current_version and invitation.trigger == Trigger.MANUAL
    assert invitation.created_by == org.staff["consultant"] and invitation.status == InvitationStatus.OPEN
    days = (invitation.expires_at - invitation.created_at).days
    assert days == 14
    message = Message.objects.get()
    assert invitation.message_id == message.pk
    assert message.template_code == "survey.invitation" and message.purpose == "survey"
    assert message.key == f"survey:{invitation.key}" and message.vehicle == car
    assert tokens.link(token) in message.body
    assert AuditEvent.objects.filter(action="survey_invitation.create", object_id=str(invitation.pk)).count() == 1


def test_a_sale_is_about_the_consultant_and_no_transaction_about_the_owner(org, survey, customer):
    sale = make_transaction(customer, "vehicle_sale")
    invitation, _token = _invite(org, survey, customer, transaction_id=sale.pk)
    assert invitation.staff == org.staff["consultant"]
    SurveySettings.objects.create(dealer=org.d1, fatigue_days=0, link_days=3)
    second, _token = _invite(org, survey, customer)
    assert second.staff == org.staff["consultant"] and (second.expires_at - second.created_at).days == 3


def test_outside_the_scope_is_404_with_nothing_stored(org, survey):
    colleagues = make_customer(dealer=org.d1, owner=org.staff["colleague"])
    elsewhere = make_customer(dealer=org.d4, owner=org.staff["d4_consultant"])
    with pytest.raises(Http404):
        _invite(org, survey, colleagues)
    with pytest.raises(Http404):
        service.invite(actor=org.staff["dealer_gm"], survey_id=survey.pk, customer_id=elsewhere.pk)
    with pytest.raises(Http404):  # a survey of another group
        service.invite(actor=org.staff["dealer_gm"], survey_id=make_survey(org.groups[1]).pk,
                       customer_id=colleagues.pk)
    with pytest.raises(Http404):  # another dealer's own copy
        service.invite(actor=org.staff["dealer_gm"], survey_id=make_survey(org.groups[0], dealer=org.d2).pk,
                       customer_id=colleagues.pk)
    with pytest.raises(PermissionDenied):  # seen, not allowed: the region sees but does not invite
        service.invite(actor=org.staff["region_manager"], survey_id=survey.pk, customer_id=colleagues.pk)
    _nothing_stored()


def test_no_consent_is_refused_with_the_reason(org, survey, customer):
    Consent.objects.create(customer=customer, purpose="service", granted=False, channel="paper", notice_version="1")
    with pytest.raises(ValidationError) as refused:
        _invite(org, survey, customer)
    assert "customer_id" in refused.value.message_dict
    assert "Consent withdrawn" in refused.value.message_dict["customer_id"][0]
    _nothing_stored()
    with pytest.raises(ValidationError):  # a QR code, with no message, is refused too
        _invite(org, survey, customer, send=False, trigger=Trigger.QR)
    _nothing_stored()


def test_blacklisted_customer_is_refused_through_the_suppression_hook(org, survey, customer):
    def blacklist(who, purpose, day):
        return suppression.Reason("blacklist", "On the blacklist") if who.pk == customer.pk else None

    suppression.register(blacklist)
    try:
        with pytest.raises(ValidationError) as refused:
            _invite(org, survey, customer)
        assert refused.value.message_dict == {"customer_id": ["Not invited: On the blacklist."]}
        with pytest.raises(ValidationError):
            _invite(org, survey, customer, send=False)
        _nothing_stored()
    finally:
        suppression.unregister(blacklist)
    _invite(org, survey, customer)  # off the blacklist: invited


def test_fatigue_names_the_day_the_window_ends(org, survey, customer):
    first, _token = _invite(org, survey, customer)
    other_survey = make_survey(org.groups[0], SurveyKind.NPS)
    with pytest.raises(ValidationError) as refused:  # any survey
        _invite(org, other_survey, customer)
    ends = timezone.localdate(first.created_at + dt.timedelta(days=30))
    assert refused.value.message_dict["customer_id"] == [
        f"Invited or answered a survey on {timezone.localdate(first.created_at)}: no new invitation until {ends}."]
    assert Invitation.objects.count() == 1 and Message.objects.count() == 1
    # 31 days later the window is over; a dealer's shorter window is honoured
    Invitation.objects.filter(pk=first.pk).update(created_at=first.created_at - dt.timedelta(days=31))
    second, _token = _invite(org, other_survey, customer)
    assert second.pk


def test_fatigue_counts_an_answer_and_ignores_a_withdrawn_invitation(org, survey, customer):
    withdrawn, _token = _invite(org, survey, customer)
    service.withdraw(actor=org.staff["consultant"], invitation_id=withdrawn.pk)
    assert Invitation.objects.get(pk=withdrawn.pk).status == InvitationStatus.WITHDRAWN
    assert AuditEvent.objects.filter(action="survey_invitation.withdraw").count() == 1
    with pytest.raises(ValidationError):  # only an open one is withdrawn
        service.withdraw(actor=org.staff["consultant"], invitation_id=withdrawn.pk)
    # an answer 10 days ago (without this system's invitation) starts a window too
    answered = timezone.now() - dt.timedelta(days=10)
    Invitation.objects.filter(pk=withdrawn.pk).update(created_at=answered - dt.timedelta(days=40))
    Response.objects.create(survey=survey, version=survey.current_version, dealer=org.d1, customer=customer,
                            started_at=answered, submitted_at=answered)
    with pytest.raises(ValidationError) as refused:
        _invite(org, survey, customer)
    assert str(timezone.localdate(answered + dt.timedelta(days=30))) in refused.value.message_dict["customer_id"][0]
    SurveySettings.objects.create(dealer=org.d1, fatigue_days=7)
    assert _invite(org, survey, customer)[0].pk


def test_transaction_of_another_customer_is_refused(org, survey, customer):
    someone_else = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    theirs = make_transaction(someone_else)
    with pytest.raises(ValidationError) as refused:
        _invite(org, survey, customer, transaction_id=theirs.pk)
    assert list(refused.value.message_dict) == ["transaction_id"]
    with pytest.raises(ValidationError):
        _invite(org, survey, customer, transaction_id="x")
    _nothing_stored()


def test_inactive_survey_and_staff_survey_are_refused(org, customer):
    with pytest.raises(ValidationError) as refused:
        _invite(org, make_survey(org.groups[0], active=False), customer)
    assert refused.value.message_dict == {"survey": ["This survey is not active."]}
    with pytest.raises(ValidationError) as refused:
        _invite(org, make_survey(org.groups[0], SurveyKind.STAFF), customer)
    assert refused.value.message_dict == {"survey": ["This survey is for staff, not customers."]}
    _nothing_stored()


def test_same_key_twice_makes_one_invitation(org, survey, customer):
    first, token = service.invite(actor=None, survey_id=survey.pk, customer_id=customer.pk, key="repair:1",
                                  trigger=Trigger.REPAIR)
    again, second_token = service.invite(actor=None, survey_id=survey.pk, customer_id=customer.pk, key="repair:1",
                                         trigger=Trigger.REPAIR)
    assert again == first and token and second_token == ""
    assert Invitation.objects.count() == 1 and Message.objects.count() == 1
    assert AuditEvent.objects.filter(action="survey_invitation.create").count() == 1
    with pytest.raises(ValidationError) as refused:  # a key is one person's
        service.invite(actor=None, survey_id=survey.pk, key="repair:1",
                       customer_id=make_customer(dealer=org.d1).pk)
    assert list(refused.value.message_dict) == ["key"]


def test_case_trigger_is_accepted_for_the_cases_app(org, survey, customer):
    invitation, token = service.invite(actor=None, survey_id=survey.pk, customer_id=customer.pk,
                                       trigger=Trigger.CASE, key="case:17")
    assert invitation.trigger == Trigger.CASE and token
    with pytest.raises(ValidationError) as refused:
        service.invite(actor=None, survey_id=survey.pk, customer_id=customer.pk, trigger="whenever")
    assert "trigger" in refused.value.message_dict


def test_staff_self_assessment_shows_the_link_and_sends_nothing(org):
    staff_survey = make_survey(org.groups[0], SurveyKind.STAFF)
    manager = org.staff["sales_manager"]
    invitation, token = service.invite_staff(actor=manager, survey_id=staff_survey.pk,
                                             staff_id=org.staff["consultant"].pk)
    assert invitation.respondent_staff == org.staff["consultant"] and invitation.customer is None
    assert token and invitation.token_hash == tokens.digest(token) and not Message.objects.exists()
    with pytest.raises(ValidationError) as refused:  # one open self-assessment at a time
        service.invite_staff(actor=manager, survey_id=staff_survey.pk, staff_id=org.staff["consultant"].pk)
    assert list(refused.value.message_dict) == ["staff_id"]
    with pytest.raises(Http404):  # staff at a dealer outside the actor's scope
        service.invite_staff(actor=manager, survey_id=staff_survey.pk, staff_id=org.staff["d2_consultant"].pk)
    with pytest.raises(Http404):  # a consultant asks only themselves
        service.invite_staff(actor=org.staff["consultant"], survey_id=staff_survey.pk,
                             staff_id=org.staff["colleague"].pk)
    assert service.invite_staff(actor=org.staff["colleague"], survey_id=staff_survey.pk,
                                staff_id=org.staff["colleague"].pk)[1]
    with pytest.raises(ValidationError) as refused:  # a customer survey is not for staff
        service.invite_staff(actor=manager, survey_id=make_survey(org.groups[0]).pk,
                             staff_id=make_staff("new_one", Role.CONSULTANT, group=org.groups[0], dealer=org.d1).pk)
    assert refused.value.message_dict == {"survey": ["This survey is for customers, not staff."]}


def test_qr_code_invitation_sends_no_message(org, survey, customer):
    repair = make_transaction(customer, "service")
    invitation, token = service.invite_by_qr(actor=org.staff["dealer_gm"], transaction_id=repair.pk)
    assert invitation.trigger == Trigger.QR and invitation.transaction == repair and invitation.survey == survey
    assert not Message.objects.exists() and re.fullmatch(r"[A-Za-z0-9_-]{43}", token)
    with pytest.raises(ValidationError):
        service.invite_by_qr(actor=org.staff["dealer_gm"], transaction_id=make_transaction(customer, "parts").pk)
