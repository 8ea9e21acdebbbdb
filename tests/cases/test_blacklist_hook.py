"""The blacklist through the channels' suppression hook: an entry in force stops a survey
invitation (refused with the blacklist's reason) and a marketing message, never a service
reminder about the customer's own car; a proposal, a lifted or an expired entry stops nothing."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from retain.cases.blacklist_hooks import blacklisted
from retain.cases.services import blacklist as service
from retain.channels import suppression
from retain.channels.models import Message, MessageStatus
from retain.channels.services import queue_message
from retain.surveys.models import Invitation
from retain.surveys.services import invitations
from tests.channels.conftest import consent
from tests.surveys.factories_invite import make_survey, make_vehicle

from .blacklist_factories import active, customer_of, proposed


@pytest.fixture
def customer(org):
    """A customer of D1 who may be sent marketing, with a car."""
    person = customer_of(org, name="韩梅梅")
    consent(person, "marketing", True, at=timezone.now() - dt.timedelta(days=30))
    make_vehicle(person)
    return person


def _marketing(customer, key="m"):
    return queue_message(actor=None, customer=customer, purpose="marketing", template_code="care.birthday",
                         context={}, key=f"test:{key}:{customer.pk}")


def _service_reminder(customer, key="s"):
    return queue_message(actor=None, customer=customer, purpose="service", template_code="care.service_due",
                         context={"due_date": "2026-12-20"}, vehicle=customer.vehicles.first(),
                         key=f"test:{key}:{customer.pk}")


def _invite(org, customer):
    return invitations.invite(actor=org.staff["consultant"], survey_id=make_survey(org.groups[0]).pk,
                              customer_id=customer.pk)


def test_the_hook_is_registered_by_the_app():
    assert blacklisted in suppression._hooks


def test_an_entry_in_force_stops_a_survey_and_marketing_but_not_a_service_reminder(org, customer):
    entry = active(org, customer)
    with pytest.raises(ValidationError) as refused:
        _invite(org, customer)
    assert refused.value.message_dict == {
        "customer_id": [f"Not invited: On the blacklist until {entry.expires_on.isoformat()}."]}
    assert not Invitation.objects.exists()

    marketing = _marketing(customer)
    assert marketing.status == MessageStatus.SUPPRESSED and marketing.suppression_code == "blacklist"
    assert marketing.suppression_reason == f"On the blacklist until {entry.expires_on.isoformat()}"

    reminder = _service_reminder(customer)
    assert reminder.status == MessageStatus.QUEUED and reminder.suppression_code == ""


def test_a_proposal_stops_nothing(org, customer):
    proposed(org, customer)
    assert _marketing(customer).status == MessageStatus.QUEUED
    invitation, _token = _invite(org, customer)
    assert invitation.pk


def test_lifting_lets_messages_go_again(org, customer):
    entry = active(org, customer)
    assert _marketing(customer, "before").status == MessageStatus.SUPPRESSED
    service.lift(actor=org.staff["dealer_gm"], entry_id=entry.pk, reason="客户已道歉")
    assert _marketing(customer, "after").status == MessageStatus.QUEUED


def test_the_expiry_day_is_decided_by_the_dates(org, customer):
    entry = active(org, customer, days=30)
    assert blacklisted(customer, "survey", entry.expires_on - dt.timedelta(days=1)) is not None
    assert blacklisted(customer, "marketing", entry.expires_on - dt.timedelta(days=1)) is not None
    assert blacklisted(customer, "marketing", entry.expires_on) is None  # before the job ran
    assert blacklisted(customer, "service", timezone.localdate()) is None


def test_a_queued_marketing_message_is_stopped_at_delivery_once_the_entry_is_in_force(org, customer):
    """The channels ask again just before delivery: an entry approved after queueing still counts."""
    from retain.channels.services import outbox

    message = _marketing(customer)
    assert message.status == MessageStatus.QUEUED
    active(org, customer)
    message = outbox.mark_sent(actor=org.staff["consultant"], message_id=message.pk)
    assert message.status == MessageStatus.SUPPRESSED and message.suppression_code == "blacklist"


def test_only_the_customers_own_entry_counts(org, customer):
    other = customer_of(org, name="李雷")
    consent(other, "marketing", True)
    active(org, other)
    assert _marketing(customer).status == MessageStatus.QUEUED
    assert Message.objects.filter(customer=other).count() == 0
