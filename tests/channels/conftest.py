"""Fixtures of the channels tests: a customer who may be sent marketing, a real local HTTP
gateway that checks our signature (http.server in a thread) and a real local SMTP server
(aiosmtpd), each started by the test and stopped after it."""

import datetime as dt
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from retain.channels import signing
from retain.channels.models import ChannelSettings
from retain.customers.models import Consent
from tests.conftest import make_customer

SECRET = "gateway-secret-0123456789"


def consent(customer, purpose, granted, *, at=None):
    """A consent record written straight to the table (the customers service is tested elsewhere)."""
    row = Consent.objects.create(customer=customer, purpose=purpose, granted=granted, channel="paper",
                                 notice_version="2026.1")
    if at is not None:
        Consent.objects.filter(pk=row.pk).update(recorded_at=at)
    return row


@pytest.fixture
def customer(org):
    """A customer of D1 owned by the consultant, with marketing consent and an e-mail address."""
    person = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="李雷", email="lilei@example.com")
    consent(person, "marketing", True, at=timezone.now() - dt.timedelta(days=30))
    return person


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Run what services hand to ``transaction.on_commit`` (the delivery task) as a commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def no_quiet_hours(org):
    """D1 without quiet hours, so a test's delivery does not depend on the time it runs at."""
    return ChannelSettings.objects.create(dealer=org.d1, quiet_start=dt.time(0), quiet_end=dt.time(0))


# --- a gateway on a local port --------------------------------------------------------------------

@dataclass
class Gateway:
    """Answers each request with the next of ``script`` ("ok", "fail" = HTTP 500, "hang" = no
    answer for ``hang_seconds``, or an HTTP status as a number); the last entry repeats."""

    script: list
    hang_seconds: float = 3.0
    received: list = field(default_factory=list)  # (headers, body, signature valid)
    url: str = ""

    def verified(self) -> list[bool]:
        return [valid for _headers, _body, valid in self.received]

    def bodies(self) -> list[dict]:
        return [json.loads(body) for _headers, body, _valid in self.received]


def _handler(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            valid = signing.verify(SECRET, self.headers.get(signing.TIMESTAMP_HEADER),
                                   self.headers.get(signing.SIGNATURE_HEADER), body, now=time.time())
            turn = len(gateway.received)
            gateway.received.append((dict(self.headers), body, valid))
            step = gateway.script[min(turn, len(gateway.script) - 1)]
            if step == "hang":
                time.sleep(gateway.hang_seconds)
                return
            status = 200 if step == "ok" else 500 if step == "fail" else int(step)
            if not valid:
                status = 401
            answer = json.dumps({"accepted": status == 200}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # quiet
            pass

    return Handler


@pytest.fixture
def gateway(org):
    """Start a gateway; D1's settings point at it (1 s timeout, 3 tries, first retry after 60 s)."""
    servers = []

    def start(*script, hang_seconds=3.0):
        gw = Gateway(list(script), hang_seconds=hang_seconds)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gw))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        gw.url = f"http://127.0.0.1:{server.server_address[1]}/send"
        ChannelSettings.objects.update_or_create(dealer=org.d1, defaults={
            "webhook_url": gw.url, "webhook_secret": SECRET, "webhook_timeout": 1, "max_attempts": 3,
            "retry_seconds": 60, "quiet_start": dt.time(0), "quiet_end": dt.time(0)})
        return gw

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


# --- an SMTP server on a local port ---------------------------------------------------------------

class Mailbox:
    def __init__(self):
        self.envelopes = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings, org):
    """A real SMTP server (aiosmtpd) on a free local port; Django's SMTP backend points at it."""
    mailbox = Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd's start connects to the port it is given)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.DEFAULT_FROM_EMAIL = "service@dealer.example"
    yield mailbox
    controller.stop()
