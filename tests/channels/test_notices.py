"""Notices to staff: once per key, shown to their recipient only, counted in the header, marked read
by a POST (audited), and e-mailed through a real local SMTP server with retries."""

import pytest
from django.urls import reverse

from retain.channels.models import NoticeEmail, StaffNotice
from retain.channels.services import notices
from retain.org.audit import AuditEvent
from tests.conftest import PASSWORD


def _notify(org, role="service_manager", key="k1", **extra):
    return notices.notify(actor=None, staff=org.staff[role], subject="案件 #1 超时", body="请跟进", key=key,
                          link="/cases/1/", dealer_id=org.d1.pk, origin="test", **extra)


def _client(client, org, role):
    client.login(username=org.staff[role].username, password=PASSWORD)
    return client


def test_one_notice_per_key(org):
    first = _notify(org)
    assert _notify(org) == first and StaffNotice.objects.count() == 1


def test_the_list_shows_only_ones_own_notices_and_the_header_counts_the_unread(org, client):
    _notify(org)
    _notify(org, role="dealer_gm", key="k2")
    page = _client(client, org, "service_manager").get(reverse("channels:notices"))
    body = page.content.decode()
    assert page.status_code == 200 and "请跟进" in body and body.count('class="unread"') == 1
    assert 'class="notices unread"' in body
    assert StaffNotice.objects.filter(read_at__isnull=False).count() == 0  # a GET marks nothing read


def test_marking_read_is_a_post_on_ones_own_notices_and_is_audited(org, client):
    mine, theirs = _notify(org), _notify(org, role="dealer_gm", key="k2")
    c = _client(client, org, "service_manager")
    assert c.post(reverse("channels:notices_read"), {"notice": theirs.pk}).status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None and not AuditEvent.objects.filter(action="notice.read").exists()
    c.post(reverse("channels:notices_read"), {"notice": mine.pk})
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert AuditEvent.objects.get(action="notice.read").after == {"notice_ids": [mine.pk]}
    assert 'class="notices unread"' not in c.get(reverse("channels:notices")).content.decode()


@pytest.mark.parametrize("posted", [{"notice": "x"}, {"notice": "9" * 30}, {}])
def test_a_bad_or_missing_notice_id_marks_all_of_ones_own(org, client, posted):
    _notify(org)
    _notify(org, key="k2")
    _client(client, org, "service_manager").post(reverse("channels:notices_read"), posted)
    assert StaffNotice.objects.filter(read_at__isnull=True).count() == 0


def test_a_notice_is_e_mailed_to_an_address_on_file(org, smtp_server, django_capture_on_commit_callbacks):
    manager = org.staff["service_manager"]
    manager.email = "sm@d1.example"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        notice = _notify(org)
    notice.refresh_from_db()
    assert notice.email == NoticeEmail.SENT and notice.email_attempts == 1
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["sm@d1.example"]]
    assert notices.email(notice.pk) == "nothing to send"  # a second run of the task sends nothing


def test_without_an_address_nothing_is_e_mailed(org):
    assert _notify(org).email == NoticeEmail.NONE


def test_a_refused_address_fails_at_once_and_an_unset_server_gives_up_after_the_tries(org, settings, smtp_server):
    manager = org.staff["service_manager"]
    manager.email = "x@refused.example"
    manager.save()
    notice = _notify(org)
    assert notices.email(notice.pk) == NoticeEmail.FAILED
    notice.refresh_from_db()
    assert notice.email_attempts == 1 and "refused" in notice.email_error

    settings.EMAIL_HOST = ""  # the server sends no mail: not worth another try either
    other = _notify(org, key="k2")
    assert notices.email(other.pk) == NoticeEmail.FAILED


def test_a_dropped_connection_is_tried_again_then_given_up(org, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 1  # nothing listens
    manager = org.staff["service_manager"]
    manager.email = "sm@d1.example"
    manager.save()
    notice = _notify(org)
    results = [notices.email(notice.pk) for _ in range(notices.EMAIL_TRIES)]
    assert results == [NoticeEmail.QUEUED] * (notices.EMAIL_TRIES - 1) + [NoticeEmail.FAILED]
    notice.refresh_from_db()
    assert notice.email_attempts == notices.EMAIL_TRIES and notice.email_error
