"""The gateway webhook against a real local HTTP server: signed requests, retries with
exponential backoff, timeouts, the dead letter, receipts, and the worker's claim."""

import datetime as dt
import json
import time

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks import task_backends

from retain.channels import signing
from retain.channels.models import DeliveryAttempt, Message, MessageStatus
from retain.channels.services import delivery, queue_message
from retain.org.models import AuditEvent
from tests.channels.conftest import SECRET


def _queue(customer, key="w1"):
    return queue_message(actor=None, customer=customer, purpose="marketing", template_code="care.birthday",
                         context={}, channel="webhook", key=key)


def _tries(message):
    return list(DeliveryAttempt.objects.filter(message=message).values_list("outcome", flat=True))


def test_a_gateway_that_accepts(org, customer, gateway, run_on_commit):
    gw = gateway("ok")
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and message.attempts == 1 and message.sent_at
    assert message.address == customer.mobile
    assert gw.verified() == [True]  # the server checked our signature
    headers, body, _valid = gw.received[0]
    assert headers[signing.MESSAGE_HEADER] == str(message.pk)
    sent = json.loads(body)
    assert sent["to"] == customer.mobile and sent["text"] == message.body and sent["key"] == "w1"
    assert sent["dealer"] == "D1" and sent["purpose"] == "marketing"
    assert _tries(message) == ["sent"]


def test_a_gateway_that_fails_twice_then_accepts_backs_off_exponentially(org, customer, gateway, run_on_commit):
    gw = gateway("fail", "fail", "ok")
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    first = message.last_attempt_at
    assert message.status == MessageStatus.FAILED and message.next_attempt_at == first + dt.timedelta(seconds=60)
    assert "HTTP 500" in message.last_error
    assert delivery.deliver(message.pk, now=first + dt.timedelta(seconds=59)) == "not due"
    second = first + dt.timedelta(seconds=60)
    assert delivery.deliver(message.pk, now=second) == MessageStatus.FAILED
    message.refresh_from_db()
    assert message.next_attempt_at == second + dt.timedelta(seconds=120)  # twice as long
    assert delivery.deliver(message.pk, now=second + dt.timedelta(seconds=120)) == MessageStatus.SENT
    message.refresh_from_db()
    assert message.attempts == 3 and message.last_error == "" and message.next_attempt_at is None
    assert _tries(message) == ["retry", "retry", "sent"]
    assert gw.verified() == [True, True, True]


def test_a_gateway_that_never_answers_times_out_and_retries(org, customer, gateway, run_on_commit):
    gateway("hang", hang_seconds=2.5)
    started = time.monotonic()
    with run_on_commit():
        message = _queue(customer)
    assert time.monotonic() - started < 2.4  # the 1 s timeout, not the gateway's silence
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.last_error == "No answer within 1 s."
    assert DeliveryAttempt.objects.get(message=message).duration_ms >= 900


def test_a_gateway_that_always_fails_dead_letters_after_the_tries(org, customer, gateway, run_on_commit):
    gw = gateway("fail")
    with run_on_commit():
        message = _queue(customer)
    for _ in range(2):
        message.refresh_from_db()
        delivery.deliver(message.pk, now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and message.attempts == 3 and message.next_attempt_at is None
    assert _tries(message) == ["retry", "retry", "dead"] and len(gw.received) == 3
    assert delivery.deliver(message.pk, now=timezone.now() + dt.timedelta(days=1)) == "not due"


@pytest.mark.parametrize("answer", [400, 404, 301])
def test_a_refusal_is_permanent(org, customer, gateway, run_on_commit, answer):
    gw = gateway(answer)
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and f"HTTP {answer}" in message.last_error
    assert len(gw.received) == 1


def test_a_gateway_that_is_not_set_up_dead_letters_with_the_reason(org, customer, run_on_commit, no_quiet_hours):
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and "not set up" in message.last_error


def test_a_refused_connection_is_retried(org, customer, gateway, run_on_commit):
    gw = gateway("ok")
    from retain.channels.models import ChannelSettings

    ChannelSettings.objects.filter(dealer=org.d1).update(webhook_url="http://127.0.0.1:9/closed")
    with run_on_commit():
        message = _queue(customer)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and "refused" in message.last_error.lower()
    assert gw.received == []


def test_a_backend_that_can_wait_gets_the_retry_with_run_after(org, customer, gateway, settings, run_on_commit):
    gateway("fail")
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    message = _queue(customer)
    with run_on_commit():
        assert delivery.deliver(message.pk) == MessageStatus.FAILED
    message.refresh_from_db()
    (result,) = task_backends["default"].results
    assert result.task.run_after == message.next_attempt_at and result.args == [message.pk]


def test_two_workers_never_send_one_message_twice(org, customer, gateway):
    gw = gateway("ok")
    message = _queue(customer)
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.SENDING, last_attempt_at=timezone.now())
    assert delivery.deliver(message.pk) == "not due"  # another worker holds the claim
    # A claim left by a worker that died is taken over after STUCK.
    later = timezone.now() + delivery.STUCK + dt.timedelta(seconds=1)
    assert delivery.deliver(message.pk, now=later) == MessageStatus.SENT
    assert delivery.deliver(message.pk, now=later) == "not due"
    assert len(gw.received) == 1


def test_the_daily_job_hands_due_messages_to_the_worker(org, customer, gateway):
    from retain.jobs.registry import job

    gw = gateway("ok")
    message = _queue(customer)  # its task was never run (as if lost)
    summary = job("channels.deliver").run(timezone.localdate())
    assert summary == "1 message handed to the worker"
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT and len(gw.received) == 1
    assert job("channels.deliver").run(timezone.localdate()) == "0 messages handed to the worker"


# --- receipts from the gateway -----------------------------------------------------------------

def _receipt(message_id, status="delivered", *, secret=SECRET, age=0, error=""):
    body = json.dumps({"message_id": message_id, "status": status, "error": error}).encode()
    headers = signing.headers(secret, int(time.time()) - age, body)
    return Client().post("/api/v1/messages/receipts", body, content_type="application/json",
                         headers=headers)


def test_a_signed_receipt_marks_the_message_delivered(org, customer, gateway, run_on_commit):
    gateway("ok")
    with run_on_commit():
        message = _queue(customer)
    response = _receipt(message.pk)
    assert response.status_code == 200 and response.json() == {"id": message.pk, "status": "delivered"}
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.delivered_at
    assert AuditEvent.objects.filter(action="message.receipt", object_id=str(message.pk)).count() == 1
    assert _receipt(message.pk).status_code == 200  # sent twice: no change, no second row
    assert AuditEvent.objects.filter(action="message.receipt").count() == 1


def test_a_failure_receipt_dead_letters_with_the_gateways_reason(org, customer, gateway, run_on_commit):
    gateway("ok")
    with run_on_commit():
        message = _queue(customer)
    assert _receipt(message.pk, "failed", error="号码已停机").status_code == 200
    message.refresh_from_db()
    assert message.status == MessageStatus.DEAD and message.last_error == "号码已停机"


@pytest.mark.parametrize("change", ["secret", "stale", "unknown"])
def test_a_receipt_that_does_not_verify_is_401_and_changes_nothing(org, customer, gateway, run_on_commit, change):
    gateway("ok")
    with run_on_commit():
        message = _queue(customer)
    response = {"secret": lambda: _receipt(message.pk, secret="not-the-secret-123456"),
                "stale": lambda: _receipt(message.pk, age=301),
                "unknown": lambda: _receipt(message.pk + 1000)}[change]()
    assert response.status_code == 401 and set(response.json()) == {"detail"}
    message.refresh_from_db()
    assert message.status == MessageStatus.SENT


def test_a_receipt_for_a_message_never_sent_is_refused(org, customer, gateway):
    gateway("ok")
    message = _queue(customer)  # still queued: the worker has not run
    response = _receipt(message.pk)
    assert response.status_code == 422 and "message_id" in json.dumps(response.json())
