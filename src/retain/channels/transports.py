"""Handing one message to its gateway: the SMTP server (Django's mail settings, ``RETAIN_SMTP_*``)
or the dealer's webhook (a signed JSON POST, ``signing``). No database writes here: the caller
records the ``Outcome``.

What counts as worth another try: a timeout, a refused or dropped connection, an SMTP error,
HTTP 408, 429 and 5xx. What does not (the message is dead-lettered at once): an address the
server refuses, any other HTTP 4xx, a redirect (not followed: a signed body must not travel on),
a channel that is not set up.
"""

import json
import smtplib
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext as _

from . import signing
from .models import ChannelSettings, Message, StaffNotice

RETRYABLE_HTTP = {408, 429}


@dataclass(frozen=True)
class Outcome:
    ok: bool
    retry: bool = False  # a failure worth another try
    status_code: int | None = None
    error: str = ""
    duration_ms: int = 0


def _clock():
    return time.monotonic()


def send_email(message: Message, address: str, channel_settings: ChannelSettings) -> Outcome:
    return _mail(message.subject, message.body, address, channel_settings.email_from or settings.DEFAULT_FROM_EMAIL,
                 headers={signing.MESSAGE_HEADER: str(message.pk)})


def send_notice_email(notice: StaffNotice, address: str) -> Outcome:
    """A notice to staff, from the server's sender (it is the system speaking, not a dealer)."""
    return _mail(notice.subject, notice.body, address, settings.DEFAULT_FROM_EMAIL)


def _mail(subject: str, body: str, address: str, sender: str, headers: dict | None = None) -> Outcome:
    started = _clock()
    if settings.EMAIL_BACKEND.endswith("smtp.EmailBackend") and not settings.EMAIL_HOST:
        return Outcome(False, error=_("E-mail is not set up on this server (RETAIN_SMTP_HOST)."))
    email = EmailMessage(subject=subject, body=body, from_email=sender, to=[address], headers=headers or {},
                         connection=get_connection())
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        return Outcome(False, error=_("The mail server refused the address: %(e)s") % {"e": exc},
                       duration_ms=_elapsed(started))
    except (smtplib.SMTPException, OSError) as exc:
        return Outcome(False, retry=True, error=f"{type(exc).__name__}: {exc}"[:500], duration_ms=_elapsed(started))
    return Outcome(True, duration_ms=_elapsed(started))


def webhook_body(message: Message, address: str) -> bytes:
    """What the gateway receives (README, "Message gateway")."""
    return json.dumps({
        "id": message.pk, "key": message.key, "dealer": message.dealer.code, "purpose": message.purpose,
        "to": address, "language": message.language, "subject": message.subject, "text": message.body,
    }, ensure_ascii=False, separators=(",", ":")).encode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the 3xx answer comes back as an HTTPError


_opener = urllib.request.build_opener(_NoRedirects)


def send_webhook(message: Message, address: str, channel_settings: ChannelSettings) -> Outcome:
    started = _clock()
    if not channel_settings.webhook_url or not channel_settings.webhook_secret:
        return Outcome(False, error=_("The dealer's gateway is not set up (URL and secret)."))
    body = webhook_body(message, address)
    request = urllib.request.Request(channel_settings.webhook_url, data=body, method="POST", headers={
        "Content-Type": "application/json", "User-Agent": "retain", signing.MESSAGE_HEADER: str(message.pk),
        **signing.headers(channel_settings.webhook_secret, int(time.time()), body)})  # when it is sent, on the wall clock
    try:
        with _opener.open(request, timeout=channel_settings.webhook_timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        detail = exc.read(200).decode("utf-8", "replace").strip()
        retry = status >= 500 or status in RETRYABLE_HTTP
        return Outcome(False, retry=retry, status_code=status, error=f"HTTP {status} {detail}".strip()[:500],
                       duration_ms=_elapsed(started))
    except (urllib.error.URLError, OSError) as exc:  # TimeoutError is an OSError
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            error = _("No answer within %(n)d s.") % {"n": channel_settings.webhook_timeout}
        else:
            error = f"{type(reason).__name__}: {reason}"[:500]
        return Outcome(False, retry=True, error=error, duration_ms=_elapsed(started))
    return Outcome(True, status_code=status, duration_ms=_elapsed(started))


def _elapsed(started: float) -> int:
    return int((_clock() - started) * 1000)
