"""No GET writes anything (issue 7, A11): every URL pattern of the project, its path filled with
real records, opened by every role; the database sees no INSERT, UPDATE or DELETE, except the
login housekeeping Django does on its own (the session row, ``last_login``) and the one audit row
that records a download (an export is a sensitive read, and logging a read is what HTTP allows a
safe method to do: it changes nothing the reader asked to change).

The patterns are read from the URLconf, so a page or API endpoint added later is crawled too.
"""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from retain.channels.models import Template
from retain.channels.services import queue_message
from retain.org.models import Role
from tests.org.records import care_records, sales_records
from tests.surveys.factories_answer import after_sales_answers, make_invitation, make_survey

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
HOUSEKEEPING = ('"django_session"', '"last_login"')
PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


ROUTES = sorted(set(_routes(get_resolver().url_patterns)))


def _queries(records, org):
    """Query strings for the pages and endpoints that need them to do their work."""
    today = timezone.localdate()
    return {
        "api/v1/cadence": {"dealer": org.d1.code},
        "api/v1/funnel": {"start": today.replace(day=1).isoformat(), "end": today.isoformat()},
        "api/v1/targets/actual": {"month": today.strftime("%Y-%m")},
        "api/v1/events/compare": {"ids": str(records.event.pk)},
        "sales/prospects/contact-status/": {"consultant": records.customer.owner_id},
        "sales/prospects/contact-status.xlsx": {"consultant": records.customer.owner_id},
        "api/v1/prospects/contact-status.xlsx": {"consultant": records.customer.owner_id},
        "loyalty/desk/": {"q": records.customer.mobile},
    }


def test_the_crawl_reaches_every_kind_of_page():
    assert len(ROUTES) > 60 and any("report_id" in route for route in ROUTES)


def _import_batch(org) -> int:
    """An import batch at D1 (with a refused row, so its error file has something to give)."""
    from retain.customers.imports import services
    from tests.customers.import_files import csv_bytes, person

    data = csv_bytes([person(1), person(2, **{"手机号码": "123"})])
    return services.run_import(actor=None, dealer_id=org.d1.pk, file_name="a.csv", data=data).batch_id


def _survey_records(customer) -> dict:
    """A dealer's survey, an open link of ``customer`` (the answer page opens without a login) and
    a submitted response (the review page)."""
    from retain.surveys.services import answers

    survey = make_survey(customer.dealer.region.group, dealer=customer.dealer)
    token = make_invitation(survey, dealer=customer.dealer, customer=customer)[1]
    answered = make_invitation(survey, dealer=customer.dealer, customer=customer)[1]
    response = answers.save(token=answered, answers=after_sales_answers(), submit=True)
    return {"survey_id": survey.pk, "number": survey.current_version.number, "token": token,
            "response_id": response.pk}


def _case(org, customer) -> tuple[int, int]:
    """A case about the customer, with a step taken and compensation awaiting approval (its page
    shows them all); the case's and the compensation's ids."""
    from retain.cases.services import cases, compensation

    case = cases.open_case(actor=org.staff["service_manager"], customer_id=customer.pk, description="异响")
    cases.record_step(actor=org.staff["service_manager"], case_id=case.pk, step="listen")
    offered = compensation.offer(actor=org.staff["service_manager"], case_id=case.pk, kind="voucher",
                                 value_cents=10**6, description="代金券")
    return case.pk, offered.pk


def _blacklist_entry(customer) -> int:
    """A proposal on the blacklist (the entry page shows a manager the approve form)."""
    from retain.cases.models import BlacklistEntry

    today = timezone.localdate()
    return BlacklistEntry.objects.create(customer=customer, dealer=customer.dealer, reason="abuse", evidence="辱骂员工",
                                         starts_on=today, expires_on=today + dt.timedelta(days=30),
                                         proposed_by=customer.owner, proposed_at=timezone.now()).pk


def _lost_owner(customer) -> int:
    """A confirmed lost owner of ``customer`` (its page and the analysis read it)."""
    from django.db import transaction

    from retain.cases.services import lost

    with transaction.atomic():
        return lost.record(actor=customer.owner, customer_id=customer.pk, reason="staff").pk


def _pending_points(customer) -> int:
    """Pending points of ``customer`` (the loyalty paths with a transfer id take POST only)."""
    from retain.loyalty.services import points

    return points.earn(actor=None, customer_id=customer.pk, points=100).pk


def _voucher(customer) -> tuple[int, str]:
    """A reward of the customer's dealer and an open voucher of it (the catalogue's edit page and
    the voucher's page read them)."""
    from retain.loyalty.services import points, rewards

    reward = rewards.create_reward(actor=None, dealer_id=customer.dealer_id, name="洗车券", points=100)
    points.earn(actor=None, customer_id=customer.pk, points=100, pending=False)
    return reward.pk, rewards.order(actor=None, customer_id=customer.pk, reward_id=reward.pk).code


def _club(org, customer) -> int:
    """An owners' club at the customer's dealer with the customer a member (the club pages)."""
    from retain.loyalty.services import clubs

    club = clubs.create_club(actor=org.staff["marketing"], dealer_id=customer.dealer_id, name="车友会")
    clubs.add_members(actor=org.staff["marketing"], club_id=club.pk, customer_ids=[customer.pk])
    return club.pk


def _partner(customer) -> int:
    """A coalition partner at the customer's dealer with a movement in March 2025."""
    from retain.loyalty.services import partners

    made = partners.create_partner(actor=None, dealer_id=customer.dealer_id, name="洗车店", kind="car_wash",
                                   code="wash", issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2025, 1, 1))
    partners.partner_issue(actor=None, partner_id=made.pk, customer_id=customer.pk, points=10, reference="crawl",
                           now=dt.datetime(2025, 3, 10, 2, tzinfo=dt.UTC))
    return made.pk


@pytest.mark.parametrize("role", [role.value for role in Role])
def test_no_get_writes_anything(org, client, role):
    records = sales_records(org)
    message = queue_message(actor=None, customer=records.customer, purpose="marketing", template_code="care.birthday",
                            context={}, key="crawl")
    care = care_records(org, records.customer)
    case_id, compensation_id = _case(org, records.customer)
    values = {"customer_id": records.customer.pk, "prospect_id": records.prospect.pk, "report_id": records.report.pk,
              "event_id": records.event.pk, "invitation_id": records.invitation.pk, "message_id": message.pk,
              "template_id": Template.objects.filter(dealer=records.customer.dealer).first().pk,
              "name": "vehicle", "batch_id": _import_batch(org),
              "task_id": care.task.pk, "case_id": case_id, "compensation_id": compensation_id,
              "entry_id": _blacklist_entry(records.customer),
              "lost_id": _lost_owner(records.customer),
              "transfer_id": _pending_points(records.customer),
              **dict(zip(("reward_id", "code"), _voucher(records.customer))),
              "club_id": _club(org, records.customer),
              "partner_id": _partner(records.customer), "month": "2025-03", "dealer_id": records.customer.dealer_id,
              **_survey_records(records.customer)}
    queries = _queries(records, org)
    client.force_login(org.staff[role])
    for route in ROUTES:
        url = "/" + PARAMETER.sub(lambda m: str(values[m.group(1)]), route)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, queries.get(route, {}))
        writes = [q["sql"] for q in captured.captured_queries
                  if WRITE.match(q["sql"]) and not any(name in q["sql"] for name in HOUSEKEEPING)]
        if "attachment" in response.get("Content-Disposition", ""):
            assert len(writes) == 1 and 'INTO "org_auditevent"' in writes[0], (role, url, writes)
            continue
        assert not writes, (role, url, writes)
        assert response.status_code < 500, (role, url, response.status_code)
