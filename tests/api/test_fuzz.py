"""A bounded schemathesis run over the served OpenAPI document, as a dealer's general manager and
as a consultant (issue 7, A10): generated requests, valid and not, never answer 5xx, and every
status answered is one the document declares for the operation.

Bounded so the suite stays within a few minutes on a slow machine: schemathesis' coverage phase
(the boundary values of every declared bound, and values just past them) plus a few derandomized
fuzzed examples per operation and role, through the WSGI application in-process (no server), on
the test database with one record of each kind the paths reach. ``FUZZ_EXAMPLES=100`` runs a
deeper search by hand.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from retain.api import api
from retain.channels.services import queue_message
from retain.org import services as org_services
from retain.sales import services
from retain.sales.services import daily_report, planning
from tests.conftest import make_customer

#: Fuzzed examples per operation and role, on top of the coverage phase's boundary cases.
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))
schema.app = get_wsgi_application()


@pytest.fixture
def keep_connection():
    """The WSGI handler closes the database connection after each request; the test's transaction
    lives on it, so keep it open, as Django's test client does."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def records(org, keep_connection):
    """One of each record the API reaches by id, in the consultant's and the GM's scope, by the
    name of the path parameter that reaches it."""
    consultant, gm = org.staff["consultant"], org.staff["dealer_gm"]
    customer = make_customer(dealer=org.d1, owner=consultant, name="王先生")
    prospect = services.open_prospect(actor=consultant, customer_id=customer.pk, grade="H",
                                      model_of_interest="途观L", source="walk_in")
    today = timezone.localdate()
    event = planning.create_event(actor=gm, name="试驾日", starts_on=today, ends_on=today)
    planning.invite(actor=gm, event_id=event.pk, customer_ids=[customer.pk])
    report = daily_report.prepare(actor=consultant, date=today)
    invitation = event.invitations.get()
    message = queue_message(actor=None, customer=customer, purpose="marketing", template_code="care.birthday",
                            context={}, key="fuzz")
    return {"customer_id": customer.pk, "prospect_id": prospect.pk, "event_id": event.pk,
            "invitation_id": invitation.pk, "report_id": report.pk, "message_id": message.pk}


@pytest.mark.parametrize("role", ["dealer_gm", "consultant"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, role, org, records):
    # A well-formed id in the path points at a real record, so the body reaches the services;
    # malformed ones (text, 0.5, null) stay as generated.
    for name, value in (case.path_parameters or {}).items():
        if name in records and str(value).isdigit():
            case.path_parameters[name] = records[name]
    _row, token = org_services.issue_token(actor=None, staff=org.staff[role])
    response = case.call(headers={"Authorization": f"Bearer {token}"})
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
