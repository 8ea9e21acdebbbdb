"""The e-mail channel against a real local SMTP server (aiosmtpd) that the test starts."""

from email import message_from_bytes
from email.header import decode_header, make_header

from retain.channels.models import Message, MessageStatus
from retain.channels.services import queue_message
from tests.channels.conftest import consent
from tests.conftest import make_customer


def _queue(customer, key="e1"):
    return queue_message(actor=None, customer=customer, purpose="marketing", template_code="care.birthday",
                         context={}, channel="email", key=key)


def test_an_email_reaches_the_smtp_server(org, customer, smtp_server, run_on_commit, no_quiet_hours):
    customer.language = "zh-hans"
    customer.save()
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.address == "lilei@example.com"
    (envelope,) = smtp_server.envelopes
    assert envelope.rcpt_tos == ["lilei@example.com"] and envelope.mail_from == "service@dealer.example"
    mail = message_from_bytes(envelope.original_content)
    assert str(make_header(decode_header(mail["Subject"]))) == message.subject
    assert mail["X-Retain-Message-Id"] == str(message.pk)
    text = mail.get_payload(decode=True).decode(mail.get_content_charset())
    assert text.replace("\r\n", "\n").rstrip("\n") == message.body  # SMTP ends the lines with CRLF
    assert "生日快乐" in message.body


def test_the_dealers_sender_address_is_used(org, customer, smtp_server, run_on_commit, no_quiet_hours):
    no_quiet_hours.email_from = "care@d1.example"
    no_quiet_hours.save()
    with run_on_commit():
        _queue(customer)
    assert smtp_server.envelopes[0].mail_from == "care@d1.example"


def test_an_address_the_server_refuses_is_dead_lettered(org, smtp_server, run_on_commit, no_quiet_hours):
    person = make_customer(dealer=org.d1, name="韩梅梅", email="nobody@refused.example")
    consent(person, "marketing", True)
    with run_on_commit():
        message = _queue(person)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and "refused the address" in message.last_error
    assert smtp_server.envelopes == []


def test_a_server_that_is_down_is_retried(org, customer, smtp_server, settings, run_on_commit, no_quiet_hours):
    settings.EMAIL_PORT = 9  # nothing listens there
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.next_attempt_at and message.last_error


def test_email_that_is_not_set_up_says_so(org, customer, settings, run_on_commit, no_quiet_hours):
    settings.EMAIL_BACKEND, settings.EMAIL_HOST = "django.core.mail.backends.smtp.EmailBackend", ""
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and "RETAIN_SMTP_HOST" in message.last_error
    assert Message.objects.count() == 1
