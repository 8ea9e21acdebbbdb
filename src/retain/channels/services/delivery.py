"""Delivering queued messages on the automatic channels (e-mail, the gateway webhook).

``schedule`` hands a message to the worker as a django task (``tasks.deliver_message``), with
``run_after`` when it must wait (quiet hours, a retry's backoff). ``deliver`` is one try: it
claims the message with a conditional UPDATE (queued or failed, due, or a claim left behind by
a worker that died more than ``STUCK`` ago), so two workers never send it at once and a task
run twice is a no-op; applies the send-time rules again (consent withdrawn since, the cap, the
hook; quiet hours defer it again); calls the transport outside any transaction (a slow gateway
holds no lock); and records the outcome with a ``DeliveryAttempt``. A failure worth another try
waits ``retry_seconds * 2**(tries - 1)`` (60 s, 2 min, 4 min, ...) until ``max_attempts`` tries
are used up; then, or at once for a permanent failure, the message is dead-lettered.

The worker's tries are recorded on the message and its attempts, not in the audit log, which
records what people do (and each message queued). ``sweep`` (the ``channels.deliver`` job) hands
the worker again whatever is due, in case a task was lost; a backend that cannot defer tasks
(the tests' inline one) leaves waiting messages to it.
"""

import datetime as dt
import logging

from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from .. import rules, tasks, transports
from ..models import AUTOMATIC, PENDING, AttemptOutcome, Channel, DeliveryAttempt, Message, MessageStatus, settings_for

logger = logging.getLogger(__name__)

#: A claim older than this is a worker that died mid-send: the message may be tried again.
STUCK = dt.timedelta(minutes=15)


def schedule(message_id: int, not_before: dt.datetime | None = None) -> None:
    """Enqueue the message's delivery, now or (if the backend can wait) at ``not_before``."""
    task = tasks.deliver_message
    if not_before is not None and not_before > timezone.now():
        if task.get_backend().supports_defer:
            task.using(run_after=not_before).enqueue(message_id)
        return
    task.enqueue(message_id)


def _due(now: dt.datetime, until: dt.datetime | None = None) -> Q:
    """Automatic messages waiting for a try due by ``until`` (default ``now``), and claims that
    have been left behind for longer than ``STUCK``."""
    until = until or now
    waiting = Q(status__in=PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=until))
    return Q(channel__in=AUTOMATIC) & (waiting | Q(status=MessageStatus.SENDING, last_attempt_at__lt=now - STUCK))


def _claim(message_id: int, now: dt.datetime) -> Message | None:
    claimed = Message.objects.filter(_due(now), pk=message_id).update(status=MessageStatus.SENDING,
                                                                      last_attempt_at=now)
    if not claimed:
        return None
    return Message.objects.select_related("customer", "dealer").get(pk=message_id)


def _release(message: Message, **fields) -> None:
    Message.objects.filter(pk=message.pk, status=MessageStatus.SENDING).update(**fields)


def _backoff(settings, tries: int) -> dt.timedelta:
    return dt.timedelta(seconds=settings.retry_seconds * 2 ** max(tries - 1, 0))


def _record(message: Message, outcome: transports.Outcome, address: str, settings, now: dt.datetime) -> str:
    tries = message.attempts + 1
    if outcome.ok:
        status, result = MessageStatus.SENT, AttemptOutcome.SENT
    elif outcome.retry and tries < settings.max_attempts:
        status, result = MessageStatus.FAILED, AttemptOutcome.RETRY
    else:
        status, result = MessageStatus.DEAD, AttemptOutcome.DEAD
    next_at = now + _backoff(settings, tries) if status == MessageStatus.FAILED else None
    with transaction.atomic():
        number = (DeliveryAttempt.objects.filter(message=message).aggregate(n=Max("number"))["n"] or 0) + 1
        DeliveryAttempt.objects.create(message=message, number=number, at=now, outcome=result,
                                       status_code=outcome.status_code, error=outcome.error[:500],
                                       duration_ms=outcome.duration_ms)
        _release(message, status=status, attempts=F("attempts") + 1, address=address, next_attempt_at=next_at,
                 last_error=outcome.error[:500], sent_at=now if outcome.ok else None)
    if next_at is not None:
        transaction.on_commit(lambda: schedule(message.pk, next_at))
    return status


def deliver(message_id: int, *, now: dt.datetime | None = None) -> str:
    """One try at delivering the message if it is due; answers the status it is left in (or
    ``"not due"`` when there was nothing to do)."""
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return "not due"
    settings = settings_for(message.dealer_id)
    customer = message.customer
    reason = rules.suppression_reason(customer, message.purpose, message.channel, settings, now, message)
    if reason is not None:
        _release(message, status=MessageStatus.SUPPRESSED, suppression_code=reason.code,
                 suppression_label=reason.label[:200], next_attempt_at=None)
        return MessageStatus.SUPPRESSED
    quiet = rules.quiet_until(settings, now)
    if quiet is not None:
        _release(message, status=MessageStatus.QUEUED if message.attempts == 0 else MessageStatus.FAILED,
                 next_attempt_at=quiet)
        schedule(message.pk, quiet)
        return "deferred"
    address = rules.address_for(customer, message.channel)
    if message.channel == Channel.EMAIL:
        outcome = transports.send_email(message, address, settings)
    else:
        outcome = transports.send_webhook(message, address, settings)
    if not outcome.ok:
        logger.warning("message %s: try %s failed: %s", message.pk, message.attempts + 1, outcome.error)
    return _record(message, outcome, address, settings, now)


def sweep(day: dt.date, *, now: dt.datetime | None = None) -> int:
    """Hand the worker every automatic message due by the end of ``day`` (local), again; answers
    how many. A message that already has its task is tried once all the same (the claim)."""
    now = now or timezone.now()
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    due = Message.objects.filter(_due(now, max(end, now))).order_by("next_attempt_at", "id")
    count = 0
    for pk, next_at in due.values_list("pk", "next_attempt_at").iterator(chunk_size=2000):
        schedule(pk, next_at if next_at and next_at > now else None)
        count += 1
    return count
