"""The send-time rules, each with its recorded reason: consent, quiet hours in the dealer's zone,
the frequency cap, no address, the suppression hook; applied when queued and again at delivery."""

import datetime as dt

import pytest

from retain.channels import suppression
from retain.channels.models import ChannelSettings, Message, MessageStatus
from retain.channels.services import delivery, queue_message
from tests.channels.conftest import consent
from tests.conftest import make_customer

UTC = dt.UTC


def _queue(customer, template_code="care.birthday", purpose="marketing", **extra):
    return queue_message(actor=None, customer=customer, purpose=purpose, template_code=template_code,
                         context=extra.pop("context", {}), **extra)


@pytest.fixture
def clock(monkeypatch):
    """Set the time every service and model default reads."""
    def at(moment: dt.datetime):
        monkeypatch.setattr("django.utils.timezone.now", lambda: moment)
        return moment
    return at


def test_marketing_without_any_consent_is_suppressed(org, no_quiet_hours):
    stranger = make_customer(dealer=org.d1, name="韩梅梅")
    message = _queue(stranger)
    assert (message.status, message.suppression_code) == (MessageStatus.SUPPRESSED, "no_consent")
    assert message.suppression_reason == "No marketing consent on record"


def test_withdrawn_consent_suppresses_marketing_at_once(org, customer, no_quiet_hours):
    consent(customer, "marketing", False)
    message = _queue(customer)
    assert (message.status, message.suppression_code) == (MessageStatus.SUPPRESSED, "consent_withdrawn")
    assert message.suppression_reason == "Consent withdrawn" and message.body  # the text is kept as evidence


def test_service_message_about_the_own_car_goes_without_marketing_consent(org, no_quiet_hours):
    owner = make_customer(dealer=org.d1, name="王先生")
    consent(owner, "marketing", False)
    vehicle = owner.vehicles.create(vin="LSVAM4187C2184801", plate="沪A12345", make="大众", model="途观L")
    message = _queue(owner, "care.service_due", "service", vehicle=vehicle, context={"due_date": dt.date(2026, 8, 1)})
    assert message.status == MessageStatus.QUEUED and not message.suppression_code
    assert "沪A12345" in message.body and "2026-08-01" in message.body


def test_a_refusal_of_service_contact_stops_service_messages(org, no_quiet_hours):
    owner = make_customer(dealer=org.d1, name="王先生")
    consent(owner, "service", False)
    message = _queue(owner, "survey.invitation", "survey", context={"survey_link": "https://s.example/1"})
    assert (message.status, message.suppression_code) == (MessageStatus.SUPPRESSED, "consent_withdrawn")


def test_consent_withdrawn_after_queueing_stops_the_delivery(org, customer, gateway, run_on_commit):
    gw = gateway("ok")
    message = _queue(customer, channel="webhook", key="later")  # on_commit not run: waiting for the worker
    assert message.status == MessageStatus.QUEUED
    consent(customer, "marketing", False)
    assert delivery.deliver(message.pk) == MessageStatus.SUPPRESSED
    message.refresh_from_db()
    assert message.suppression_code == "consent_withdrawn" and gw.received == []


@pytest.mark.parametrize("zone, deferred_to", [
    ("Asia/Shanghai", dt.datetime(2026, 7, 2, 1, 0, tzinfo=UTC)),  # 21:30 there: wait for 09:00
    ("Europe/Berlin", None),  # 15:30 there: send now
])
def test_quiet_hours_are_read_in_the_dealers_zone_and_defer(org, customer, clock, zone, deferred_to):
    ChannelSettings.objects.create(dealer=org.d1, time_zone=zone)
    clock(dt.datetime(2026, 7, 1, 13, 30, tzinfo=UTC))
    message = _queue(customer, channel="webhook", key=f"quiet-{zone}")
    assert message.status == MessageStatus.QUEUED and message.next_attempt_at == deferred_to


def test_a_deferred_message_waits_then_goes(org, customer, gateway, clock):
    gw = gateway("ok")
    ChannelSettings.objects.filter(dealer=org.d1).update(quiet_start=dt.time(21), quiet_end=dt.time(9))
    clock(dt.datetime(2026, 7, 1, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    message = _queue(customer, channel="webhook", key="night")
    assert message.next_attempt_at == dt.datetime(2026, 7, 2, 1, 0, tzinfo=UTC)
    assert delivery.deliver(message.pk, now=dt.datetime(2026, 7, 2, 0, 59, tzinfo=UTC)) == "not due"
    assert delivery.deliver(message.pk, now=dt.datetime(2026, 7, 2, 1, 0, tzinfo=UTC)) == MessageStatus.SENT
    assert gw.verified() == [True]


def test_same_start_and_end_means_no_quiet_hours(org, customer, clock):
    ChannelSettings.objects.create(dealer=org.d1, quiet_start=dt.time(22), quiet_end=dt.time(22))
    clock(dt.datetime(2026, 7, 1, 15, 0, tzinfo=UTC))
    assert _queue(customer, key="no-quiet").next_attempt_at is None


def test_frequency_cap_per_customer_and_purpose(org, customer, no_quiet_hours, clock):
    start = dt.datetime(2026, 7, 1, 3, 0, tzinfo=UTC)
    clock(start)
    first, second = _queue(customer, key="m1"), _queue(customer, key="m2")
    third = _queue(customer, key="m3")
    assert [m.status for m in (first, second)] == [MessageStatus.QUEUED] * 2
    assert third.status == MessageStatus.SUPPRESSED and third.suppression_code == "frequency_cap"
    assert third.suppression_reason == "Frequency cap reached"
    # Service messages are not capped; a suppressed marketing message did not count.
    assert _queue(customer, "care.accident_condolence", "service", key="s1",
                  vehicle=customer.vehicles.create(vin="LSVAM4187C2184801", make="大众", model="朗逸")).status == "queued"
    # Seven days after the first two, the window is clear again.
    clock(start + dt.timedelta(days=7, minutes=1))
    assert _queue(customer, key="m4").status == MessageStatus.QUEUED


def test_the_cap_is_checked_again_at_delivery_in_queue_order(org, customer, gateway):
    gateway("ok")
    ChannelSettings.objects.filter(dealer=org.d1).update(marketing_cap=1)
    first = _queue(customer, channel="webhook", key="c1")
    # A message queued before the cap was lowered, in the same window: the earlier one goes.
    second = Message.objects.create(dealer=org.d1, customer=customer, purpose="marketing", channel="webhook",
                                    language="en", body="x", key="c2")
    assert delivery.deliver(second.pk) == MessageStatus.SUPPRESSED
    assert delivery.deliver(first.pk) == MessageStatus.SENT


def test_no_address_for_the_channel(org, no_quiet_hours):
    without = make_customer(dealer=org.d1, name="无邮箱")
    consent(without, "marketing", True)
    message = _queue(without, channel="email")
    assert (message.status, message.suppression_code) == (MessageStatus.SUPPRESSED, "no_address")
    assert message.suppression_reason == "No address for this channel"


def test_the_suppression_hook_stops_a_message_with_its_reason(org, customer, no_quiet_hours):
    seen = []

    def blacklist(person, purpose, day):
        seen.append((person.pk, purpose, day))
        return suppression.Reason("blacklist", "On the blacklist") if person.pk == customer.pk else None

    suppression.register(blacklist)
    try:
        message = _queue(customer, key="hooked")
        other = make_customer(dealer=org.d1, name="韩梅梅")
        consent(other, "marketing", True)
        assert _queue(other, key="free").status == MessageStatus.QUEUED
    finally:
        suppression.unregister(blacklist)
    assert (message.status, message.suppression_code, message.suppression_reason) == (
        MessageStatus.SUPPRESSED, "blacklist", "On the blacklist")
    assert seen[0][:2] == (customer.pk, "marketing") and isinstance(seen[0][2], dt.date)


def test_a_hook_must_answer_a_reason(org, customer, no_quiet_hours):
    def sloppy(person, purpose, day):
        return "blacklist"

    suppression.register(sloppy)
    try:
        with pytest.raises(TypeError, match="not a Reason"):
            _queue(customer, key="sloppy")
    finally:
        suppression.unregister(sloppy)
    assert not Message.objects.exists()
