"""Notices to staff: how an app tells a member of staff about their work (a case escalated to
them). Customers' messages go through ``queue_message`` with consent, quiet hours and caps; a
notice is the business talking to its own people and has none of them.

``notify`` is called inside the calling service's transaction, whose audit row names whom it
told (an escalation: ``case.escalate``), so it writes none of its own. The notice shows in the
app at once; when the recipient has an e-mail address and the server sends mail, a task e-mails
it after the transaction commits, trying up to ``EMAIL_TRIES`` times.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from retain.org import audit
from retain.org.audit_codes import AuditCode

from .. import transports
from ..models import NoticeEmail, StaffNotice

EMAIL_TRIES = 3
RETRY_AFTER = dt.timedelta(minutes=5)  # doubled after each failed try


def notify(*, actor, staff, subject: str, body: str, key: str, link: str = "", dealer_id: int | None = None,
           origin: str = "") -> StaffNotice:
    """Tell ``staff`` (once per ``key``: a second call with the key returns the first notice)."""
    existing = StaffNotice.objects.filter(key=key).first()
    if existing is not None:
        return existing
    notice = StaffNotice(staff=staff, dealer_id=dealer_id, subject=subject[:200], body=body, link=link[:200],
                         key=key, origin=origin, created_at=timezone.now(),
                         email=NoticeEmail.QUEUED if staff.email else NoticeEmail.NONE)
    try:
        with transaction.atomic():
            notice.save()
    except IntegrityError:  # another transaction took the key meanwhile
        return StaffNotice.objects.get(key=key)
    if notice.email == NoticeEmail.QUEUED:
        pk = notice.pk
        transaction.on_commit(lambda: _schedule(pk))
    return notice


def _schedule(notice_id: int, not_before: dt.datetime | None = None) -> None:
    from ..tasks import email_notice  # the task calls back into this module

    if not_before is not None:
        if email_notice.get_backend().supports_defer:
            email_notice.using(run_after=not_before).enqueue(notice_id)
        return
    email_notice.enqueue(notice_id)


def email(notice_id: int) -> str:
    """One try at e-mailing a queued notice (the worker's task); answers its e-mail state."""
    notice = StaffNotice.objects.select_related("staff").filter(pk=notice_id, email=NoticeEmail.QUEUED).first()
    tries = notice.email_attempts + 1 if notice else 0
    # The claim: only the try that moves the count from what it read sends (a task run twice sends once).
    if notice is None or not StaffNotice.objects.filter(
            pk=notice_id, email=NoticeEmail.QUEUED, email_attempts=notice.email_attempts).update(email_attempts=tries):
        return "nothing to send"
    outcome = transports.send_notice_email(notice, notice.staff.email)
    if outcome.ok:
        StaffNotice.objects.filter(pk=notice_id).update(email=NoticeEmail.SENT, emailed_at=timezone.now(),
                                                        email_error="")
        return NoticeEmail.SENT
    if outcome.retry and tries < EMAIL_TRIES:
        StaffNotice.objects.filter(pk=notice_id).update(email_error=outcome.error[:500])
        _schedule(notice_id, timezone.now() + RETRY_AFTER * 2 ** (tries - 1))
        return NoticeEmail.QUEUED
    StaffNotice.objects.filter(pk=notice_id).update(email=NoticeEmail.FAILED, email_error=outcome.error[:500])
    return NoticeEmail.FAILED


@transaction.atomic
def mark_read(*, actor, notice_ids=None) -> int:
    """Mark the actor's own unread notices read (those of ``notice_ids``, or all); others' are
    not touched. Answers how many."""
    unread = StaffNotice.objects.filter(staff=actor, read_at__isnull=True)
    if notice_ids is not None:
        unread = unread.filter(pk__in=list(notice_ids))
    ids = list(unread.values_list("pk", flat=True))
    if not ids:
        return 0
    StaffNotice.objects.filter(pk__in=ids).update(read_at=timezone.now())
    audit.record(actor=actor, action=AuditCode.NOTICE_READ, object_type="staff", object_id=actor.pk,
                 after={"notice_ids": ids})
    return len(ids)
