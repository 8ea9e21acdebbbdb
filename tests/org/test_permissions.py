"""The permission matrix: every role x action x whose-record cell of policy_expected.csv is a test.

Each cell is driven through the action's real entry points, not through the policy: the
service a view or endpoint calls, the page (HTTP status through the test client) and the API
where there is one. Every entry point must give the expected answer, so a page or endpoint
that bypassed its door, or a service that forgot a check, fails here.

A later app (care, surveys, cases, loyalty) adds its actions' rows to the CSV and a driver per
action below: a function of the cell that returns ``{entry point: outcome}``.
"""

import csv
import datetime as dt
import io
import itertools
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from retain.care import services as care_services
from retain.care.access import access_task
from retain.care.export import export_tasks
from retain.care.models import CareRule, CareSettings, Task, TaskKind, VipFile
from retain.cases.access import access_lost_owner
from retain.cases.models import LostOwner
from retain.cases.services import lost as lost_services
from retain.channels.access import access_message
from retain.channels.models import ChannelSettings, Message, Template
from retain.channels.services import outbox
from retain.channels.services import templates as message_templates
from retain.channels.services.settings import update_settings
from retain.customers import services
from retain.customers.access import access_customer
from retain.customers.models import Customer
from retain.org import audit
from retain.org.models import Role
from retain.org.policy import Action
from retain.sales import analysis
from retain.sales import services as sales_services
from retain.sales.models import (
    Cadence,
    DailyReport,
    PromotionEvent,
    Prospect,
    ProspectStatus,
    ReportStatus,
    SalesTarget,
)
from retain.sales.services import cadence, daily_report, planning
from retain.surveys import presets as survey_presets
from retain.surveys.access import access_survey, visible_responses
from retain.surveys.definitions import version_rows
from retain.surveys.forms import QuestionForm
from retain.surveys.models import Survey
from retain.surveys.services import definitions as survey_definitions
from tests.conftest import make_customer, make_staff

EXPECTED = Path(__file__).with_name("policy_expected.csv")
POSITIONS = ("own", "colleague", "unassigned", "same_region", "other_region", "other_group")
DRIVERS = {}
_serial = itertools.count(1)


def _rows():
    lines = [line for line in EXPECTED.read_text().splitlines() if line and not line.startswith("#")]
    return list(csv.DictReader(lines))


def _cells():
    for row in _rows():
        for position in POSITIONS:
            if row[position] != "-":
                yield pytest.param(row["role"], row["action"], position, row[position],
                                   id=f"{row['role']}-{row['action']}-{position}")


def driver(action):
    def register(function):
        DRIVERS[action] = function
        return function
    return register


# --- outcomes of the entry points ------------------------------------------------------------

def _service(call) -> str:
    """Y if the service did it, 404 / 403 if it refused so, N if it declined (bad or out-of-scope input)."""
    try:
        call()
    except Http404:
        return "404"
    except PermissionDenied:
        return "403"
    except ValidationError:
        return "N"
    return "Y"


def _http(response) -> str:
    if response.status_code in (403, 404):
        return str(response.status_code)
    if response.status_code < 400:
        return "Y"
    return "N" if response.status_code == 422 else f"HTTP {response.status_code}"


def _json(client, method, url, data):
    return getattr(client, method)(url, data=data, content_type="application/json")


# --- where records sit -----------------------------------------------------------------------

def _place(org, actor, position):
    """(dealer, owner) of a record at ``position`` relative to the actor."""
    staff = org.staff
    return {
        "own": (org.d1, actor),
        "colleague": (org.d1, staff["colleague"]),
        "unassigned": (org.d1, None),
        "same_region": (org.d2, staff["d2_consultant"]),
        "other_region": (org.d3, staff["d3_consultant"]),
        "other_group": (org.d4, staff["d4_consultant"]),
    }[position]


def _customer(cell, name="目标客户"):
    dealer, owner = _place(cell.org, cell.actor, cell.position)
    return make_customer(dealer=dealer, owner=owner, name=f"{name}{next(_serial)}")


def _prospect(cell, *, status=ProspectStatus.OPEN):
    """A prospect at the position (written straight to the table: the cell is about who may act on it)."""
    customer = _customer(cell, "意向客户")
    today = timezone.localdate()
    pending = status == ProspectStatus.DEFEAT_PENDING
    return Prospect.objects.create(
        customer=customer, dealer=customer.dealer, owner=customer.owner, grade="A", status=status, source="walk_in",
        model_of_interest="途观L", first_contact=today, last_contact=today, next_follow_up=today,
        defeat_make="丰田" if pending else "", defeat_model="凯美瑞" if pending else "",
        defeat_reason="price" if pending else "", defeat_stage="A" if pending else "",
        defeat_applied_on=today if pending else None)


def _report(cell, *, status=ReportStatus.SUBMITTED):
    """A daily report written by the person at the position, on a day of its own."""
    dealer, author = _place(cell.org, cell.actor, cell.position)
    return DailyReport.objects.create(consultant=author, dealer=dealer, status=status, figures={},
                                      date=timezone.localdate() - dt.timedelta(days=next(_serial)),
                                      submitted_at=timezone.now() if status == ReportStatus.SUBMITTED else None)


def _dealer(cell):
    return _place(cell.org, cell.actor, cell.position)[0]


def _receiver(cell, dealer):
    """An active colleague at ``dealer`` who neither owns the target nor is the actor."""
    return make_staff(f"receiver{next(_serial)}", Role.CONSULTANT, group=dealer.region.group, dealer=dealer)


# --- customers -------------------------------------------------------------------------------

@driver(Action.VIEW)
def _view(cell):
    customer, client = _customer(cell), cell.client
    listed = {item["id"] for item in client.get("/api/v1/customers?limit=1000").json()["items"]}
    return {
        "door": _service(lambda: access_customer(cell.actor, customer.pk)),
        "page": _http(client.get(f"/customers/{customer.pk}/")),
        "api": _http(client.get(f"/api/v1/customers/{customer.pk}")),
        "api list": "Y" if customer.pk in listed else "404",
    }


@driver(Action.EDIT)
def _edit(cell):
    def changed(customer, city):
        customer.refresh_from_db()
        return customer.city == city

    one, two, three = _customer(cell), _customer(cell), _customer(cell)
    service = _service(lambda: services.update_customer(actor=cell.actor, customer_id=one.pk, city="新城"))
    page = _http(cell.client.post(f"/customers/{two.pk}/classify/", {"classification": "vip", "reason": "常客"}))
    api = _http(_json(cell.client, "patch", f"/api/v1/customers/{three.pk}", {"city": "新城"}))
    two.refresh_from_db()
    assert changed(one, "新城") == (service == "Y") and (two.classification == "vip") == (page == "Y")
    assert changed(three, "新城") == (api == "Y")
    # Verifying a record (the base re-check) is part of editing it: who may correct it confirms it.
    four, five, six = _customer(cell), _customer(cell), _customer(cell)
    verify = {
        "verify service": _service(lambda: services.verify_customer(actor=cell.actor, customer_id=four.pk)),
        "verify page": _http(cell.client.post(f"/customers/{five.pk}/verify/", {})),
        "verify api": _http(_json(cell.client, "post", f"/api/v1/customers/{six.pk}/verify", {})),
    }
    for customer, outcome in zip((four, five, six), verify.values()):
        customer.refresh_from_db()
        assert (customer.last_verified is not None) == (outcome == "Y")
    return {"service": service, "page": page, "api": api, **verify}


@driver(Action.REVEAL)
def _reveal(cell):
    customer = _customer(cell)
    return {
        "service": _service(lambda: services.reveal(actor=cell.actor, customer_id=customer.pk, field="mobile",
                                                    reason="回访")),
        "page": _http(cell.client.post(f"/customers/{customer.pk}/reveal/", {"field": "mobile", "reason": "回访"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/customers/{customer.pk}/reveal",
                           {"field": "mobile", "reason": "回访"})),
    }


@driver(Action.MERGE)
def _merge(cell):
    """The survivor is the target; its duplicate sits at the same position."""
    def merged(duplicate):
        return Customer.objects.get(pk=duplicate.pk).status == "merged"

    pairs = [(_customer(cell), _customer(cell)) for _ in range(3)]
    (s1, d1), (s2, d2), (s3, d3) = pairs
    service = _service(lambda: services.merge_customers(actor=cell.actor, survivor_id=s1.pk, duplicate_id=d1.pk))
    page = _http(cell.client.post(f"/customers/{s2.pk}/merge/", {"duplicate_id": d2.pk}))
    api = _http(_json(cell.client, "post", "/api/v1/customers/merge", {"survivor_id": s3.pk, "duplicate_id": d3.pk}))
    if page == "Y" and not merged(d2):  # the page answers with the card again, merged or not
        page = "N"
    assert [merged(d) for d in (d1, d2, d3)] == [service == "Y", page == "Y", api == "Y"]
    return {"service": service, "page": page, "api": api}


@driver(Action.HISTORY)
def _history(cell):
    """The card's timeline shows the customer's audit rows to those who may see its history."""
    customer = _customer(cell)
    note = f"痕迹{next(_serial)}"
    with transaction.atomic():
        audit.record(actor=None, action="customer.update", obj=customer, note=note)
    page = cell.client.get(f"/customers/{customer.pk}/")
    if page.status_code != 200:
        return {"page": _http(page)}
    return {"page": "Y" if note in page.content.decode() else "403"}


@driver(Action.CREATE)
def _create(cell):
    dealer, actor, client = _dealer(cell), cell.actor, cell.client

    def created(name):
        return "Y" if Customer.objects.filter(name=name).exists() else "N"

    names = [f"新客户{next(_serial)}" for _ in range(3)]
    try:
        services.create_customer(actor=actor, dealer_id=dealer.pk, name=names[0], mobile=f"139{next(_serial):08d}")
    except (PermissionDenied, ValidationError):
        pass
    client.post("/customers/new/", {"name": names[1], "mobile": f"139{next(_serial):08d}", "kind": "person",
                                    "source": "walk_in", "classification": "potential", "dealer": dealer.pk})
    _json(client, "post", "/api/v1/customers", {"name": names[2], "mobile": f"139{next(_serial):08d}",
                                                 "dealer": dealer.code})
    return {"service": created(names[0]), "page": created(names[1]), "api": created(names[2])}


@driver(Action.EXPORT)
def _export(cell):
    customer = _customer(cell)
    response = cell.client.get("/customers/export.csv")
    if response.status_code != 200:
        return {"page": _http(response)}
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    return {"page": "Y" if customer.name in content else "N"}


@driver(Action.REASSIGN)
def _reassign(cell):
    """The target's owner hands it to a colleague at its dealer."""
    targets = [_customer(cell) for _ in range(3)]
    receiver = _receiver(cell, targets[0].dealer)
    owner = targets[0].owner

    def moved(customer):
        customer.refresh_from_db()
        return customer.owner_id == receiver.pk

    service = _service(lambda: services.reassign_portfolio(
        actor=cell.actor, from_owner_id=owner.pk, to_owner_ids=[receiver.pk], note="离职交接",
        customer_ids=[targets[0].pk]))
    page = _http(cell.client.post("/customers/reassign/", {"from_owner": owner.pk, "to_owners": [receiver.pk],
                                                     "customer_ids": str(targets[1].pk), "note": "离职交接"}))
    api = _http(_json(cell.client, "post", "/api/v1/portfolios/reassign",
                      {"from_owner": owner.username, "to_owners": [receiver.username], "note": "离职交接",
                       "customer_ids": [targets[2].pk]}))
    outcomes = {"service": service, "page": page, "api": api}
    for (entry, outcome), target in zip(outcomes.items(), targets):
        if outcome == "Y" and not moved(target):  # the page answers 200 with the form's errors
            outcomes[entry] = "N"
        assert moved(target) == (outcomes[entry] == "Y"), entry
    return outcomes


@driver(Action.AUDIT)
def _audit(cell):
    customer = _customer(cell)
    note = f"审计{next(_serial)}"
    with transaction.atomic():
        audit.record(actor=None, action="customer.update", obj=customer, note=note)
    response = cell.client.get("/org/audit/")
    if response.status_code != 200:
        return {"page": _http(response)}
    return {"page": "Y" if note in response.content.decode() else "N"}


# --- sales: daily reports --------------------------------------------------------------------

@driver(Action.WRITE_REPORT)
def _write_report(cell):
    actor, client = cell.actor, cell.client
    if cell.position == "own":  # the actor's own report: prepared and submitted
        yesterday = timezone.localdate() - dt.timedelta(days=1)
        return {
            "service": _service(lambda: daily_report.submit(
                actor=actor, report_id=daily_report.prepare(actor=actor, date=yesterday).pk, tomorrow_plan="回访")),
            "page": _http(client.post("/sales/reports/daily/", {"tomorrow_plan": "回访"})),
            "api": _http(_json(client, "post", "/api/v1/reports/daily",
                               {"date": (yesterday - dt.timedelta(days=1)).isoformat()})),
        }
    drafts = [_report(cell, status=ReportStatus.DRAFT) for _ in range(3)]
    return {
        "service": _service(lambda: daily_report.submit(actor=actor, report_id=drafts[0].pk, tomorrow_plan="回访")),
        "page": _http(client.post(f"/sales/reports/daily/{drafts[1].pk}/submit/", {"tomorrow_plan": "回访"})),
        "api": _http(_json(client, "post", f"/api/v1/reports/daily/{drafts[2].pk}/submit", {"tomorrow_plan": "回访"})),
    }


@driver(Action.READ_REPORTS)
def _read_reports(cell):
    report = _report(cell)
    listed = {item["id"] for item in cell.client.get("/api/v1/reports/daily?limit=1000").json().get("items", [])}
    return {
        "page": _http(cell.client.get(f"/sales/reports/daily/{report.pk}/")),
        "api": _http(cell.client.get(f"/api/v1/reports/daily/{report.pk}")),
        "api list": "Y" if report.pk in listed else "404",
    }


@driver(Action.SIGN_REPORT)
def _sign_report(cell):
    reports = [_report(cell) for _ in range(3)]
    outcomes = {
        "service": _service(lambda: daily_report.sign(actor=cell.actor, report_id=reports[0].pk, instruction="明天多约试驾")),
        "page": _http(cell.client.post(f"/sales/reports/daily/{reports[1].pk}/sign/", {"instruction": "好"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/reports/daily/{reports[2].pk}/sign", {"instruction": "好"})),
    }
    for (entry, outcome), report in zip(outcomes.items(), reports):
        report.refresh_from_db()
        assert (report.status == ReportStatus.SIGNED) == (outcome == "Y"), entry
    return outcomes


# --- sales: prospects ------------------------------------------------------------------------

@driver(Action.DECIDE_DEFEAT)
def _decide_defeat(cell):
    pending = [_prospect(cell, status=ProspectStatus.DEFEAT_PENDING) for _ in range(3)]
    outcomes = {
        "service": _service(lambda: sales_services.decide_defeat(actor=cell.actor, prospect_id=pending[0].pk,
                                                                 approve=True)),
        "page": _http(cell.client.post(f"/sales/prospects/{pending[1].pk}/decision/", {"approve": "1"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/prospects/{pending[2].pk}/defeat-decision",
                           {"approve": True, "note": ""})),
    }
    for (entry, outcome), prospect in zip(outcomes.items(), pending):
        prospect.refresh_from_db()
        assert (prospect.status == ProspectStatus.DEFEATED) == (outcome == "Y"), entry
    return outcomes


@driver(Action.EXPORT_CONTACTS)
def _export_contacts(cell):
    """The prospect at the position is (or is not) in the contact-status workbook."""
    from openpyxl import load_workbook

    prospect = _prospect(cell)
    month = timezone.localdate().strftime("%Y-%m")

    def rows(content):
        sheet = load_workbook(io.BytesIO(content)).active
        return "Y" if any(c.value == prospect.customer.name for row in sheet.iter_rows() for c in row) else "N"

    outcomes = {}
    try:
        outcomes["service"] = rows(analysis.export_contact_status(cell.actor, month).content)
    except PermissionDenied:
        outcomes["service"] = "403"
    for entry, url in (("page", "/sales/prospects/contact-status.xlsx"),
                       ("api", "/api/v1/prospects/contact-status.xlsx")):
        response = cell.client.get(url, {"month": month})
        outcomes[entry] = rows(response.content) if response.status_code == 200 else _http(response)
    return outcomes


# --- sales: the dealer's plans ---------------------------------------------------------------

def _dealer_action(cell, done, service, page, api):
    """Run each entry point; Y if it changed the dealer's plans (``done``), else its refusal."""
    outcomes = {}
    for entry, call in (("service", service), ("page", page), ("api", api)):
        if entry == "service":
            outcome = _service(call)
        else:
            outcome = _http(call())
        acted = done(entry)
        outcome = "Y" if acted else ("N" if outcome in ("Y", "N", "404") else outcome)
        outcomes[entry] = outcome
    return outcomes


@driver(Action.SET_TARGETS)
def _set_targets(cell):
    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    month = timezone.localdate().replace(day=1)
    figures = {"service": 11, "page": 12, "api": 13}

    def done(entry):
        return SalesTarget.objects.filter(dealer=dealer, consultant=None, month=month,
                                          walk_ins=figures[entry]).exists()

    return _dealer_action(
        cell, done,
        lambda: planning.set_target(actor=actor, dealer_id=dealer.pk, month=month, walk_ins=figures["service"]),
        lambda: client.post(f"/sales/targets/?month={month:%Y-%m}&dealer={dealer.pk}",
                            {"month": f"{month:%Y-%m}", "dealer": dealer.pk, "walk_ins": figures["page"]}),
        lambda: _json(client, "put", "/api/v1/targets", {"month": f"{month:%Y-%m}", "dealer_id": dealer.pk,
                                                          "walk_ins": figures["api"]}))


@driver(Action.SET_CADENCE)
def _set_cadence(cell):
    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    days = {"service": ("H", 3), "page": ("A", 5), "api": ("B", 9)}

    def done(entry):
        grade, n = days[entry]
        return Cadence.objects.filter(dealer=dealer, grade=grade, days=n).exists()

    return _dealer_action(
        cell, done,
        lambda: cadence.set_cadence(actor=actor, dealer_id=dealer.pk, grade="H", days=3),
        lambda: client.post(f"/sales/cadence/?dealer={dealer.code}", {"grade": "A", "days": "5"}),
        lambda: _json(client, "put", "/api/v1/cadence", {"dealer": dealer.code, "grade": "B", "days": 9}))


@driver(Action.RUN_EVENTS)
def _run_events(cell):
    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    today = timezone.localdate()
    names = {"service": "车主日", "page": "试驾会", "api": "品鉴会"}

    def done(entry):
        return PromotionEvent.objects.filter(dealer=dealer, name=names[entry]).exists()

    return _dealer_action(
        cell, done,
        lambda: planning.create_event(actor=actor, name=names["service"], starts_on=today, ends_on=today, dealer_id=dealer.pk),
        lambda: client.post("/sales/events/", {"name": names["page"], "starts_on": today.isoformat(),
                                               "ends_on": today.isoformat(), "dealer": dealer.pk}),
        lambda: _json(client, "post", "/api/v1/events", {"name": names["api"], "starts_on": today.isoformat(),
                                                         "ends_on": today.isoformat(), "dealer_id": dealer.pk}))


# --- channels: messages, templates, channel settings ----------------------------------------

def _message(cell):
    """A queued outbox service message to a customer at the position, at a dealer without quiet
    hours (so the cell does not depend on the time of day it runs at)."""
    customer = _customer(cell, "收信客户")
    ChannelSettings.objects.get_or_create(dealer=customer.dealer,
                                          defaults={"quiet_start": dt.time(0), "quiet_end": dt.time(0)})
    return Message.objects.create(dealer=customer.dealer, customer=customer, purpose="service", channel="outbox",
                                  language="zh-hans", body="您好，保养到期了。", key=f"permissions:{next(_serial)}")


@driver(Action.VIEW_MESSAGES)
def _view_messages(cell):
    message, client = _message(cell), cell.client
    listed = {item["id"] for item in client.get("/api/v1/messages?limit=1000").json().get("items", [])}
    return {
        "door": _service(lambda: access_message(cell.actor, message.pk)),
        "page": _http(client.get(f"/channels/messages/{message.pk}/")),
        "api": _http(client.get(f"/api/v1/messages/{message.pk}")),
        "api list": "Y" if message.pk in listed else "404",
    }


@driver(Action.SEND_MESSAGES)
def _send_messages(cell):
    """An outbox message at the position is marked as sent by hand."""
    queued = [_message(cell) for _ in range(3)]
    outcomes = {
        "service": _service(lambda: outbox.mark_sent(actor=cell.actor, message_id=queued[0].pk)),
        "page": _http(cell.client.post(f"/channels/messages/{queued[1].pk}/sent/")),
        "api": _http(_json(cell.client, "post", f"/api/v1/messages/{queued[2].pk}/sent", {})),
    }
    for (entry, outcome), message in zip(outcomes.items(), queued):
        message.refresh_from_db()
        if outcome == "Y" and message.status != "sent":  # the page redirects whether or not it was sent
            outcomes[entry] = "N"
        assert (message.status == "sent") == (outcomes[entry] == "Y"), entry
    return outcomes


def _dealer_entries(done, entries):
    """Like ``_dealer_action`` for actions without an API: each entry's outcome (an entry named
    ``service`` or ``service ...`` calls a service, the others answer over HTTP)."""
    outcomes = {}
    for entry, call in entries.items():
        outcome = _service(call) if entry.split()[0] == "service" else _http(call())
        outcomes[entry] = "Y" if done(entry) else ("N" if outcome in ("Y", "N", "404") else outcome)
    return outcomes


@driver(Action.MANAGE_TEMPLATES)
def _manage_templates(cell):
    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    with transaction.atomic():
        message_templates.install(actor=None, dealer_id=dealer.pk)
    chinese, english = (Template.objects.get(dealer=dealer, code="care.birthday", language=language)
                        for language in ("zh-hans", "en"))
    texts = {"service": "{customer_name}，生日快乐！", "page": "Happy birthday, {customer_name}!"}

    def done(entry):
        return Template.objects.filter(dealer=dealer, body=texts[entry]).exists()

    return _dealer_entries(done, {
        "service": lambda: message_templates.update_template(actor=actor, template_id=chinese.pk, subject="",
                                                             body=texts["service"]),
        "page": lambda: client.post(f"/channels/templates/{english.pk}/", {"subject": "", "body": texts["page"]}),
    })


@driver(Action.SET_CHANNELS)
def _set_channels(cell):
    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    caps = {"service": 3, "page": 4}
    form = {"default_channel": "outbox", "default_language": "zh-hans", "time_zone": "Asia/Shanghai",
            "quiet_start": "21:00", "quiet_end": "09:00", "cap_days": "7", "marketing_cap": str(caps["page"]),
            "survey_cap": "2", "webhook_url": "", "webhook_secret": "", "webhook_timeout": "10", "max_attempts": "5",
            "retry_seconds": "60", "email_from": ""}

    def done(entry):
        return ChannelSettings.objects.filter(dealer=dealer, marketing_cap=caps[entry]).exists()

    return _dealer_entries(done, {
        "service": lambda: update_settings(actor=actor, dealer_id=dealer.pk, marketing_cap=caps["service"]),
        "page": lambda: client.post(f"/channels/settings/?dealer={dealer.code}", form),
    })


# --- customer imports (customers/imports) ---------------------------------------------------

def _import_file(name):
    from tests.customers.import_files import csv_bytes, person

    return csv_bytes([person(next(_serial) % 10000, name=name, with_vehicle=False)])


@driver(Action.IMPORT)
def _import(cell):
    """A one-customer file into the dealer at the position, through service, page and API."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from retain.customers.imports import services as import_services

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    names = [f"导入客户{next(_serial)}" for _ in range(3)]

    def outcome(refusal, name):
        created = Customer.objects.filter(name=name).exists()
        return "Y" if created else (refusal if refusal in ("403", "404") else "N")

    service = _service(lambda: import_services.run_import(actor=actor, dealer_id=dealer.pk, file_name="a.csv",
                                                          data=_import_file(names[0])))
    upload = client.post("/customers/imports/", {"file": SimpleUploadedFile("b.csv", _import_file(names[1])),
                                                 "dealer": dealer.pk, "mode": "create"})
    page = _http(upload)
    if page == "Y":
        page = _http(client.post("/customers/imports/run/", {"column_0": "name", "column_1": "mobile"}))
    api = _http(client.post("/api/v1/imports", {"file": SimpleUploadedFile("c.csv", _import_file(names[2])),
                                                "dealer": dealer.code}))
    return {"service": outcome(service, names[0]), "page": outcome(page, names[1]), "api": outcome(api, names[2])}


@driver(Action.UNDO_IMPORT)
def _undo_import(cell):
    """A batch run at the position's dealer by the position's person (none: the command line)."""
    from retain.customers.imports import services as import_services
    from retain.customers.models import ImportBatch

    dealer, runner = _place(cell.org, cell.actor, cell.position)
    batches = []
    for _ in range(3):
        report = import_services.run_import(actor=None, dealer_id=dealer.pk, file_name="a.csv",
                                            data=_import_file(f"撤销{next(_serial)}"))
        ImportBatch.objects.filter(pk=report.batch_id).update(run_by=runner)
        batches.append(report.batch_id)
    outcomes = {
        "service": _service(lambda: import_services.undo_import(actor=cell.actor, batch_id=batches[0])),
        "page": _http(cell.client.post(f"/customers/imports/{batches[1]}/undo/")),
        "api": _http(cell.client.post(f"/api/v1/imports/{batches[2]}/undo")),
    }
    for (entry, outcome), batch_id in zip(outcomes.items(), batches):
        assert (ImportBatch.objects.get(pk=batch_id).status == "undone") == (outcome == "Y"), entry
    return outcomes


# --- care --------------------------------------------------------------------------------------

def _task(cell):
    """A care task on a customer at the position, owned by the person there (or nobody)."""
    customer = _customer(cell, "关怀客户")
    return Task.objects.create(dealer=customer.dealer, customer=customer, kind=TaskKind.MANUAL,
                               due_on=timezone.localdate(), owner=customer.owner, department="sales",
                               notes="回访", created_at=timezone.now())


@driver(Action.VIEW_TASKS)
def _view_tasks(cell):
    task, client = _task(cell), cell.client
    listed = {item["id"] for item in client.get("/api/v1/tasks?due=all&limit=1000").json().get("items", [])}
    return {
        "door": _service(lambda: access_task(cell.actor, task.pk)),
        "page": _http(client.get(f"/care/tasks/{task.pk}/")),
        "api list": "Y" if task.pk in listed else "404",
    }


@driver(Action.WORK_TASKS)
def _work_tasks(cell):
    tasks = [_task(cell) for _ in range(3)]
    outcomes = {
        "service": _service(lambda: care_services.record_outcome(actor=cell.actor, task_id=tasks[0].pk,
                                                                 outcome="reached")),
        "page": _http(cell.client.post(f"/care/tasks/{tasks[1].pk}/outcome/", {"outcome": "reached"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/tasks/{tasks[2].pk}/outcome", {"outcome": "reached"})),
    }
    for (entry, outcome), task in zip(outcomes.items(), tasks):
        task.refresh_from_db()
        assert (task.status == "done") == (outcome == "Y"), entry
    return outcomes


@driver(Action.EXPORT_TASKS)
def _export_tasks(cell):
    task = _task(cell)
    filters = {"due": "all", "kind": "", "mine": False, "owner_id": None}

    def listed(content: str) -> str:
        return "Y" if task.customer.name in content else "N"

    try:
        service = listed(b"".join(
            line.encode() for line in export_tasks(cell.actor, "csv", filters).content).decode("utf-8-sig"))
    except PermissionDenied:
        service = "403"
    response = cell.client.get("/care/tasks/export.csv?due=all")
    page = listed(b"".join(response.streaming_content).decode("utf-8-sig")) if response.status_code == 200 \
        else _http(response)
    workbook = cell.client.get("/care/tasks/export.xlsx?due=all")
    if workbook.status_code == 200:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(workbook.content)).active
        xlsx = "Y" if any(c.value == task.customer.name for row in sheet.iter_rows() for c in row) else "N"
    else:
        xlsx = _http(workbook)
    return {"service": service, "page": page, "xlsx": xlsx}


@driver(Action.SET_CARE_RULES)
def _set_care_rules(cell):
    """A rule changed through the service and the rules page, the intervals through theirs."""
    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    checks = {
        "service": lambda: CareRule.objects.filter(dealer=dealer, kind="birthday", lead_days=3).exists(),
        "page": lambda: CareRule.objects.filter(dealer=dealer, kind="mid_autumn", lead_days=5).exists(),
        "settings page": lambda: CareSettings.objects.filter(dealer=dealer, service_months=9).exists(),
    }
    calls = {
        "service": lambda: _service(lambda: care_services.set_rule(actor=actor, dealer_id=dealer.pk,
                                                                   kind="birthday", lead_days=3)),
        "page": lambda: _http(client.post("/care/rules/", {
            "dealer": dealer.code, "kind": "mid_autumn", "mid_autumn-enabled": "on", "mid_autumn-lead_days": "5",
            "mid_autumn-channel": "message", "mid_autumn-template_code": "mid_autumn",
            "mid_autumn-assignee": "consultant"})),
        "settings page": lambda: _http(client.post("/care/rules/settings/", {
            "dealer": dealer.code, "first_service_months": 6, "first_service_km": 5000, "service_months": 9,
            "service_km": 7500, "replacement_years": 5, "replacement_km": 100000, "manager_contact_months": 3})),
    }
    outcomes = {}
    for entry, call in calls.items():
        outcome = call()
        outcomes[entry] = "Y" if checks[entry]() else ("N" if outcome in ("Y", "N", "404") else outcome)
    return outcomes


@driver(Action.MANAGE_VIP)
def _manage_vip(cell):
    def vip():
        customer = _customer(cell, "VIP客户")
        return VipFile.objects.create(customer=customer, dealer=customer.dealer, source="bank",
                                      consultant=customer.owner, manager=customer.owner,
                                      opened_on=timezone.localdate())

    files = [vip(), vip()]
    service = _service(lambda: care_services.update_vip_file(actor=cell.actor, customer_id=files[0].customer_id,
                                                             notes="常来"))
    target = files[1]
    page = _http(cell.client.post(f"/care/vip/{target.customer_id}/edit/", {
        "source": "insurer", "consultant": target.consultant_id, "manager": target.manager_id, "active": "on",
        "notes": "常来"}))
    outcomes = {"service": service, "page": page}
    for (entry, outcome), file in zip(outcomes.items(), files):
        file.refresh_from_db()
        assert (file.notes == "常来") == (outcome == "Y"), entry
    return outcomes


# --- surveys (analysis) ---------------------------------------------------------------------------

def _survey_response(cell):
    """A counted NPS answer today by a customer at the position, served by the person there."""
    from tests.surveys import factories_analysis as survey_factories

    customer = _customer(cell, "受访客户")
    group = customer.dealer.region.group
    survey = Survey.objects.filter(group=group, kind="nps").first() or survey_factories.make_survey(group, "nps")
    response, = survey_factories.plant(survey, customer.dealer, [{"recommend": 9}], staff=customer.owner,
                                       customers=[customer], days=[timezone.localdate()])
    return survey, response, customer


@driver(Action.VIEW_RESULTS)
def _view_results(cell):
    survey, response, customer = _survey_response(cell)
    client, dealer_id = cell.client, response.dealer_id
    door = "Y" if visible_responses(cell.actor).filter(pk=response.pk).exists() else "404"
    page = cell.client.get(f"/surveys/results/nps/?kind=nps&dealer={dealer_id}")
    if page.status_code == 200:
        counted = re.search(r'id="headline">.*?data-n="(\d+)"', page.content.decode(), re.S).group(1)
        page_outcome = "Y" if counted == "1" else "404"
    else:
        page_outcome = _http(page)
    api = client.get(f"/api/v1/surveys/{survey.pk}/results?dealer={dealer_id}")
    api_outcome = ("Y" if api.json()["nps"]["n"] == 1 else "404") if api.status_code == 200 else _http(api)
    return {"door": door, "page": page_outcome, "api": api_outcome}


@driver(Action.EXPORT_RESULTS)
def _export_results(cell):
    from openpyxl import load_workbook

    from retain.surveys import scoring
    from retain.surveys.export import export_page
    from retain.surveys.results import Filters, period

    _survey, _response, customer = _survey_response(cell)

    def listed(content: bytes) -> str:
        book = load_workbook(io.BytesIO(content))
        return "Y" if any(c.value == customer.name for s in book.worksheets for r in s.iter_rows() for c in r) else "N"

    try:
        start, end = period(None, None)
        service = listed(export_page(cell.actor, "nps", Filters("nps", start, end), scoring.nps_page).content)
    except PermissionDenied:
        service = "403"
    response = cell.client.get("/surveys/results/nps/export.xlsx?kind=nps")
    page = listed(response.content) if response.status_code == 200 else _http(response)
    return {"service": service, "page": page}

# --- surveys (answer) ------------------------------------------------------------------------

def _flagged_response(cell):
    """A submitted response flagged for review, at the position's dealer, served by the person there."""
    from retain.surveys.models import Response as SurveyResponse
    from tests.surveys.factories_answer import make_survey

    dealer, served_by = _place(cell.org, cell.actor, cell.position)
    survey = make_survey(dealer.region.group)
    now = timezone.now()
    return SurveyResponse.objects.create(survey=survey, version=survey.current_version, dealer=dealer,
                                         staff=served_by, started_at=now, submitted_at=now,
                                         answered_on=timezone.localdate(), flags=["too_fast"], counted=False,
                                         review="pending")


@driver(Action.REVIEW_RESPONSES)
def _review_responses(cell):
    from retain.surveys.services import reviews as survey_reviews

    responses = [_flagged_response(cell) for _ in range(3)]
    outcomes = {
        "service": _service(lambda: survey_reviews.review(actor=cell.actor, response_id=responses[0].pk, keep=True,
                                                          note="核实为客户本人")),
        "page": _http(cell.client.post(f"/surveys/reviews/{responses[1].pk}/", {"decision": "keep", "note": "核实"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/responses/{responses[2].pk}/review", {"keep": True})),
    }
    for (entry, outcome), response in zip(outcomes.items(), responses):
        response.refresh_from_db()
        assert (response.review == "kept" and response.counted) == (outcome == "Y"), entry
    return outcomes


# --- surveys (defs) ----------------------------------------------------------------------------

def _survey(cell):
    """A dealer's own survey (the NPS preset) at the position's dealer."""
    dealer = _dealer(cell)
    return survey_definitions.create_from_preset(group=dealer.region.group, dealer=dealer,
                                                 preset=survey_presets.PRESETS["nps"])


@driver(Action.VIEW_SURVEYS)
def _view_surveys(cell):
    survey, client = _survey(cell), cell.client
    listed = {item["id"] for item in client.get("/api/v1/surveys?limit=1000").json().get("items", [])}
    return {
        "door": _service(lambda: access_survey(cell.actor, survey.pk)),
        "page": _http(client.get(f"/surveys/{survey.pk}/")),
        "api list": "Y" if survey.pk in listed else "404",
    }


def _survey_edit_post(survey, name: str) -> dict:
    """The edit page's form as a person would send it unchanged but for the Chinese name."""
    data = {"name_zh": name, "name_en": survey.name.get("en", ""), "q-TOTAL_FORMS": "0", "q-INITIAL_FORMS": "0",
            "save": "1"}
    rows = version_rows(survey.current_version)
    for index, row in enumerate(rows):
        for field, value in QuestionForm.initial_for(row).items():
            if field == "required":
                if value:
                    data[f"q-{index}-required"] = "on"
            elif value is not None:
                data[f"q-{index}-{field}"] = str(value)
    data["q-TOTAL_FORMS"] = data["q-INITIAL_FORMS"] = str(len(rows))
    return data


@driver(Action.MANAGE_SURVEYS)
def _manage_surveys(cell):
    surveys = [_survey(cell) for _ in range(3)]
    names = ["服务改名", "页面改名", "接口改名"]
    outcomes = {
        "service": _service(lambda: survey_definitions.edit_survey(actor=cell.actor, survey_id=surveys[0].pk,
                                                                  name={"zh-hans": names[0]})),
        "page": _http(cell.client.post(f"/surveys/{surveys[1].pk}/edit/", _survey_edit_post(surveys[1], names[1]))),
        "api": _http(_json(cell.client, "put", f"/api/v1/surveys/{surveys[2].pk}", {"names": {"zh-hans": names[2]}})),
    }
    for (entry, outcome), survey, name in zip(outcomes.items(), surveys, names):
        survey.refresh_from_db()
        assert (survey.name["zh-hans"] == name) == (outcome == "Y"), entry
    return outcomes


# --- surveys (invite) ------------------------------------------------------------------------

def _group_survey(dealer):
    from tests.surveys.factories_invite import make_survey

    return make_survey(dealer.region.group)


@driver(Action.INVITE)
def _invite(cell):
    """A customer at the position invited to a survey of its group through the service, the
    card's form and the API (one customer each: contact fatigue would refuse a second)."""
    from retain.surveys.models import Invitation
    from retain.surveys.services import invitations as survey_invitations

    customers = [_customer(cell, "调查客户") for _ in range(3)]
    survey = _group_survey(customers[0].dealer)
    outcomes = {
        "service": _service(lambda: survey_invitations.invite(actor=cell.actor, survey_id=survey.pk,
                                                              customer_id=customers[0].pk)),
        "page": _http(cell.client.post(f"/surveys/customers/{customers[1].pk}/invite/", {"survey_id": survey.pk})),
        "api": _http(_json(cell.client, "post", f"/api/v1/surveys/{survey.pk}/invitations",
                           {"customer_id": customers[2].pk})),
    }
    for (entry, outcome), customer in zip(outcomes.items(), customers):
        assert Invitation.objects.filter(customer=customer).exists() == (outcome == "Y"), entry
    return outcomes


@driver(Action.SET_SURVEY_RULES)
def _set_survey_rules(cell):
    """A sampling rule set through the service and the rules page, the settings through theirs."""
    from retain.surveys.models import SamplingRule, SurveySettings
    from retain.surveys.services import settings as survey_settings

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    survey = _group_survey(dealer)
    checks = {
        "service": lambda: SamplingRule.objects.filter(dealer=dealer, trigger="repair", rate_percent=31).exists(),
        "page": lambda: SamplingRule.objects.filter(dealer=dealer, trigger="case", rate_percent=32).exists(),
        "settings page": lambda: SurveySettings.objects.filter(dealer=dealer, fatigue_days=33).exists(),
    }
    calls = {
        "service": lambda: _service(lambda: survey_settings.set_rule(
            actor=actor, dealer_id=dealer.pk, trigger="repair", survey_id=survey.pk, rate_percent=31)),
        "page": lambda: _http(client.post("/surveys/rules/", {
            "dealer": dealer.code, "trigger": "case", "case-survey_id": survey.pk, "case-delay_days": 3,
            "case-rate_percent": 32, "case-active": "on"})),
        "settings page": lambda: _http(client.post("/surveys/rules/", {
            "dealer": dealer.code, "trigger": "settings", "fatigue_days": 33, "link_days": 14, "reminder_days": 5,
            "staff_networks": ""})),
    }
    outcomes = {}
    for entry, call in calls.items():
        outcome = call()
        outcomes[entry] = "Y" if checks[entry]() else ("N" if outcome in ("Y", "N", "404") else outcome)
    return outcomes


# --- cases ---------------------------------------------------------------------------------------

def _case(cell):
    """A case about a customer at the position, owned by the person there (or nobody)."""
    from retain.cases.models import Case

    customer = _customer(cell, "投诉客户")
    now = timezone.now()
    return Case.objects.create(dealer=customer.dealer, customer=customer, owner=customer.owner, description="异响",
                               opened_at=now, first_contact_due=now + dt.timedelta(hours=24),
                               resolution_due=now + dt.timedelta(days=5))


@driver(Action.VIEW_CASES)
def _view_cases(cell):
    from retain.cases.access import access_case

    case, client = _case(cell), cell.client
    listed = {item["id"] for item in client.get("/api/v1/cases?limit=1000").json().get("items", [])}
    return {
        "door": _service(lambda: access_case(cell.actor, case.pk)),
        "page": _http(client.get(f"/cases/{case.pk}/")),
        "api": _http(client.get(f"/api/v1/cases/{case.pk}")),
        "api list": "Y" if case.pk in listed else "404",
    }


@driver(Action.WORK_CASES)
def _work_cases(cell):
    from retain.cases.models import CaseStep
    from retain.cases.services import cases as case_services

    cases = [_case(cell) for _ in range(3)]
    outcomes = {
        "service": _service(lambda: case_services.record_step(actor=cell.actor, case_id=cases[0].pk, step="listen")),
        "page": _http(cell.client.post(f"/cases/{cases[1].pk}/step/", {"step": "listen"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/cases/{cases[2].pk}/steps", {"step": "listen"})),
    }
    for (entry, outcome), case in zip(outcomes.items(), cases):
        assert CaseStep.objects.filter(case=case).exists() == (outcome == "Y"), entry
    return outcomes


@driver(Action.ASSIGN_CASES)
def _assign_cases(cell):
    from retain.cases.models import Case
    from retain.cases.services import cases as case_services

    cases = [_case(cell) for _ in range(3)]
    receiver = _receiver(cell, cases[0].dealer)
    outcomes = {
        "service": _service(lambda: case_services.assign(actor=cell.actor, case_id=cases[0].pk, owner_id=receiver.pk)),
        "page": _http(cell.client.post(f"/cases/{cases[1].pk}/assign/", {"owner_id": receiver.pk})),
        "api": _http(_json(cell.client, "post", f"/api/v1/cases/{cases[2].pk}/assign", {"owner_id": receiver.pk})),
    }
    for (entry, outcome), case in zip(outcomes.items(), cases):
        assert (Case.objects.get(pk=case.pk).owner_id == receiver.pk) == (outcome == "Y"), entry
    return outcomes


@driver(Action.APPROVE_COMPENSATION)
def _approve_compensation(cell):
    """Pending compensation on a case at the position, offered by someone else, decided through
    the service, the page and the API."""
    from retain.cases.models import Compensation

    made = []
    for _ in range(3):
        case = _case(cell)
        offerer = _receiver(cell, case.dealer)
        made.append(Compensation.objects.create(case=case, kind="voucher", value_cents=10**7, description="代金券",
                                                status="pending", offered_by=offerer, offered_at=timezone.now()))
    from retain.cases.services import compensation as compensation_services

    outcomes = {
        "service": _service(lambda: compensation_services.decide(actor=cell.actor, compensation_id=made[0].pk,
                                                                 approve=True)),
        "page": _http(cell.client.post(f"/cases/{made[1].case_id}/compensation/{made[1].pk}/decide/",
                                       {"approve": "yes"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/cases/compensations/{made[2].pk}/decide", {"approve": True})),
    }
    for (entry, outcome), compensation in zip(outcomes.items(), made):
        assert (Compensation.objects.get(pk=compensation.pk).status == "approved") == (outcome == "Y"), entry
    return outcomes


@driver(Action.SET_CASE_RULES)
def _set_case_rules(cell):
    from retain.cases.models import CaseSettings
    from retain.cases.services.settings import set_settings

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    checks = {
        "service": lambda: CaseSettings.objects.filter(dealer=dealer, critical_days=1).exists(),
        "page": lambda: CaseSettings.objects.filter(dealer=dealer, major_days=4).exists(),
        "api": lambda: CaseSettings.objects.filter(dealer=dealer, minor_days=9).exists(),
    }
    calls = {
        "service": lambda: _service(lambda: set_settings(actor=actor, dealer_id=dealer.pk, critical_days=1)),
        "page": lambda: _http(client.post("/cases/settings/", {
            "dealer": dealer.code, "first_contact_hours": 24, "minor_days": 10, "major_days": 4, "critical_days": 2,
            "escalate_gm_hours": 24, "lost_p_alive_percent": 20, "lost_no_visit_months": 18, "item_threshold": 4, "recurrence_days": 30, "compensation_approval": "500.00",
            "detractor_cases": "on", "root_causes": ""})),
        "api": lambda: _http(_json(client, "put", "/api/v1/cases/settings", {"dealer_id": dealer.pk, "minor_days": 9})),
    }
    outcomes = {}
    for entry, call in calls.items():
        outcome = call()
        outcomes[entry] = "Y" if checks[entry]() else ("N" if outcome in ("Y", "N", "404") else outcome)
    return outcomes


# --- the matrix ------------------------------------------------------------------------------

# --- cases (lost owners) -------------------------------------------------------------------------

def _lost_owner(cell, status="confirmed"):
    """A lost owner whose customer is owned by the person at the position (or nobody)."""
    customer = _customer(cell, "流失客户")
    now = timezone.now()
    return LostOwner.objects.create(
        customer=customer, dealer=customer.dealer, source="recorded", status=status, reason="staff",
        lost_on=timezone.localdate(), recorded_at=now, confirmed_at=now, annual_spend_cents=0, years=10,
        people_told=10, share_influenced=0.5, retold_per_influenced=5, share_who_stop=0.25,
        word_of_mouth_customers=6.25, direct_value_cents=0, word_of_mouth_value_cents=0, value_cents=0)


@driver(Action.VIEW_LOST_OWNERS)
def _view_lost_owners(cell):
    lost, client = _lost_owner(cell), cell.client
    listed = {item["id"] for item in client.get("/api/v1/lost-owners?limit=1000").json().get("items", [])}
    page = client.get("/cases/lost/?status=confirmed").content.decode()
    return {
        "door": _service(lambda: access_lost_owner(cell.actor, lost.pk)),
        "page": _http(client.get(f"/cases/lost/{lost.pk}/")),
        "api": _http(client.get(f"/api/v1/lost-owners/{lost.pk}")),
        "api list": "Y" if lost.pk in listed else "404",
        "list page": "Y" if f"/cases/lost/{lost.pk}/" in page else "404",
    }


@driver(Action.RECORD_LOST_OWNERS)
def _record_lost_owners(cell):
    """A win-back step through the service, the page and the API; a proposal confirmed through the
    service and the page."""
    records = [_lost_owner(cell) for _ in range(3)]
    proposals = [_lost_owner(cell, status="proposed") for _ in range(2)]
    step = {"kind": "listen", "notes": "听客户说"}
    outcomes = {
        "service": _service(lambda: lost_services.log_step(actor=cell.actor, lost_id=records[0].pk, **step)),
        "page": _http(cell.client.post(f"/cases/lost/{records[1].pk}/steps/", step)),
        "api": _http(_json(cell.client, "post", f"/api/v1/lost-owners/{records[2].pk}/steps", step)),
    }
    for (entry, outcome), lost in zip(outcomes.items(), records):
        assert lost.steps.exists() == (outcome == "Y"), entry
    confirmed = {
        "confirm service": _service(lambda: lost_services.confirm(actor=cell.actor, lost_id=proposals[0].pk,
                                                                  reason="moved")),
        "confirm page": _http(cell.client.post(f"/cases/lost/{proposals[1].pk}/confirm/", {"reason": "moved"})),
    }
    for (entry, outcome), lost in zip(confirmed.items(), proposals):
        lost.refresh_from_db()
        assert (lost.status == "confirmed") == (outcome == "Y"), entry
    return {**outcomes, **confirmed}


def test_matrix_covers_every_role_and_action_with_a_driver():
    rows = {(row["role"], row["action"]) for row in _rows()}
    assert rows == {(role.value, action.value) for role in Role for action in Action}
    assert set(DRIVERS) == set(Action)


# --- cases (blacklist) ----------------------------------------------------------------------------

def _blacklist_entry(cell):
    """A proposal on a customer at the position, proposed by the person there (straight to the table)."""
    from retain.cases.models import BlacklistEntry

    customer = _customer(cell, "黑名单客户")
    today = timezone.localdate()
    return BlacklistEntry.objects.create(customer=customer, dealer=customer.dealer, reason="abuse",
                                         evidence="辱骂员工, 监控录像存档", starts_on=today,
                                         expires_on=today + dt.timedelta(days=90), proposed_by=customer.owner,
                                         proposed_at=timezone.now())


@driver(Action.PROPOSE_BLACKLIST)
def _propose_blacklist(cell):
    from retain.cases.models import BlacklistEntry
    from retain.cases.services import blacklist as blacklist_service

    customers = [_customer(cell, "拟列黑名单") for _ in range(3)]
    expires = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    outcomes = {
        "service": _service(lambda: blacklist_service.propose(
            actor=cell.actor, customer_id=customers[0].pk, reason="fraud", evidence="伪造发票",
            expires_on=dt.date.fromisoformat(expires))),
        "page": _http(cell.client.post(f"/cases/blacklist/propose/{customers[1].pk}/", {
            "reason": "fraud", "evidence": "伪造发票", "expires_on": expires})),
        "api": _http(_json(cell.client, "post", "/api/v1/blacklist", {
            "customer_id": customers[2].pk, "reason": "fraud", "evidence": "伪造发票", "expires_on": expires})),
    }
    for (entry, outcome), customer in zip(outcomes.items(), customers):
        assert BlacklistEntry.objects.filter(customer=customer).exists() == (outcome == "Y"), entry
    return outcomes


@driver(Action.VIEW_BLACKLIST)
def _view_blacklist(cell):
    from retain.cases.access import access_blacklist_entry

    entry, client = _blacklist_entry(cell), cell.client
    listed = client.get("/api/v1/blacklist?limit=1000")
    ids = {item["id"] for item in listed.json()["items"]} if listed.status_code == 200 else set()
    return {
        "door": _service(lambda: access_blacklist_entry(cell.actor, entry.pk)),
        "page": _http(client.get(f"/cases/blacklist/{entry.pk}/")),
        "api": _http(client.get(f"/api/v1/blacklist/{entry.pk}")),
        "api list": "Y" if entry.pk in ids else "404",
    }


@driver(Action.DECIDE_BLACKLIST)
def _decide_blacklist(cell):
    from retain.cases.services import blacklist as blacklist_service

    entries = [_blacklist_entry(cell) for _ in range(3)]
    outcomes = {
        "service": _service(lambda: blacklist_service.approve(actor=cell.actor, entry_id=entries[0].pk)),
        "page": _http(cell.client.post(f"/cases/blacklist/{entries[1].pk}/decide/", {"decision": "approve"})),
        "api": _http(_json(cell.client, "post", f"/api/v1/blacklist/{entries[2].pk}/approve", {})),
    }
    for (name, outcome), entry in zip(outcomes.items(), entries):
        entry.refresh_from_db()
        assert (entry.status == "active" and entry.decided_by_id == cell.actor.pk) == (outcome == "Y"), name
    return outcomes


# --- loyalty (the points ledger) ------------------------------------------------------------------

def _member(cell, points=0):
    """A customer at the position holding ``points`` spendable points (credited by the system)."""
    from retain.loyalty.services import points as loyalty_points

    customer = _customer(cell, "积分会员")
    if points:
        loyalty_points.earn(actor=None, customer_id=customer.pk, points=points, pending=False)
    return customer


def _key_post(client, url, body):
    return client.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": f"k{next(_serial)}"})


def _spendable(customer):
    from retain.loyalty import balances

    return balances.of(customer.pk)["balance"]


@driver(Action.VIEW_POINTS)
def _view_points(cell):
    from retain.loyalty.access import access_member

    customer, client = _member(cell, 10), cell.client
    return {
        "door": _service(lambda: access_member(cell.actor, customer.pk, Action.VIEW_POINTS)),
        "api": _http(client.get(f"/api/v1/loyalty/members/{customer.pk}")),
        "api entries": _http(client.get(f"/api/v1/loyalty/members/{customer.pk}/entries")),
    }


@driver(Action.EARN_POINTS)
def _earn_points(cell):
    from retain.loyalty.services import points as loyalty_points

    members = [_member(cell) for _ in range(2)]
    outcomes = {
        "service": _service(lambda: loyalty_points.earn(actor=cell.actor, customer_id=members[0].pk, points=50,
                                                        pending=False)),
        "api": _http(_key_post(cell.client, f"/api/v1/loyalty/members/{members[1].pk}/earn",
                               {"points": 50, "pending": False})),
    }
    for (entry, outcome), customer in zip(outcomes.items(), members):
        assert (_spendable(customer) == 50) == (outcome == "Y"), entry
    return outcomes


@driver(Action.REDEEM_POINTS)
def _redeem_points(cell):
    from retain.loyalty.services import points as loyalty_points
    from retain.loyalty.services import rewards as loyalty_rewards

    members = [_member(cell, 100) for _ in range(6)]
    reward = loyalty_rewards.create_reward(actor=None, dealer_id=members[0].dealer_id, name="洗车券", points=30)
    outcomes = {
        "service": _service(lambda: loyalty_points.redeem(actor=cell.actor, customer_id=members[0].pk, points=30)),
        "api": _http(_key_post(cell.client, f"/api/v1/loyalty/members/{members[1].pk}/redeem", {"points": 30})),
        "api reserve": _http(_key_post(cell.client, f"/api/v1/loyalty/members/{members[2].pk}/reservations",
                                       {"points": 30})),
        # ordering a reward reserves its points (rewards and vouchers, issue 11 item 4)
        "service order": _service(lambda: loyalty_rewards.order(actor=cell.actor, customer_id=members[3].pk,
                                                                reward_id=reward.pk)),
        "api order": _http(_key_post(cell.client, f"/api/v1/loyalty/members/{members[4].pk}/redeem",
                                     {"points": 30, "reward_id": reward.pk})),
        "page order": _http(cell.client.post(f"/loyalty/desk/members/{members[5].pk}/order/", {"reward": reward.pk})),
    }
    for (entry, outcome), customer in zip(outcomes.items(), members):
        assert (_spendable(customer) == 70) == (outcome == "Y"), entry
    return outcomes


@driver(Action.ADJUST_POINTS)
def _adjust_points(cell):
    from retain.loyalty.services import points as loyalty_points

    members = [_member(cell, 100) for _ in range(2)]
    outcomes = {
        "service": _service(lambda: loyalty_points.adjust(actor=cell.actor, customer_id=members[0].pk, points=-40,
                                                          reason="更正")),
        "api": _http(_key_post(cell.client, f"/api/v1/loyalty/members/{members[1].pk}/adjust",
                               {"points": -40, "reason": "更正"})),
    }
    for (entry, outcome), customer in zip(outcomes.items(), members):
        assert (_spendable(customer) == 60) == (outcome == "Y"), entry
    return outcomes


@driver(Action.MANAGE_REWARDS)
def _manage_rewards(cell):
    """The dealer's catalogue: a reward added (service, page) and one changed (service, page)."""
    from retain.loyalty.models import Reward
    from retain.loyalty.services import rewards as loyalty_rewards

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    existing = [loyalty_rewards.create_reward(actor=None, dealer_id=dealer.pk, name=f"原有{i}", points=100)
                for i in range(2)]
    form = {"name": "车模", "description": "", "kind": "gift", "points": "800", "stock": "", "member_limit": "",
            "limit_period": "year", "valid_days": "30", "active": "on", "valid_from": "", "valid_until": ""}
    checks = {
        "service": lambda: Reward.objects.filter(programme__dealer=dealer, name="机油").exists(),
        "page": lambda: Reward.objects.filter(programme__dealer=dealer, name="车模").exists(),
        "service edit": lambda: Reward.objects.filter(pk=existing[0].pk, points=111).exists(),
        "page edit": lambda: Reward.objects.filter(pk=existing[1].pk, points=222).exists(),
    }
    calls = {
        "service": lambda: _service(lambda: loyalty_rewards.create_reward(actor=actor, dealer_id=dealer.pk,
                                                                          name="机油", points=500)),
        "page": lambda: _http(client.post(f"/loyalty/rewards/new/?dealer={dealer.code}", form)),
        "service edit": lambda: _service(lambda: loyalty_rewards.update_reward(actor=actor, reward_id=existing[0].pk,
                                                                               points=111)),
        "page edit": lambda: _http(client.post(f"/loyalty/rewards/{existing[1].pk}/",
                                               {**form, "name": "原有1", "points": "222"})),
    }
    outcomes = {}
    for entry, call in calls.items():
        outcome = call()
        outcomes[entry] = "Y" if checks[entry]() else ("N" if outcome in ("Y", "N", "404") else outcome)
    return outcomes


# --- loyalty (referrals, influence centres, owners' clubs) -----------------------------------------

def _referral_pair(cell):
    """A referrer and a friend they brought, both customers at the position (the friend's prospect won)."""
    from retain.loyalty.models import Referral

    referrer, friend = _customer(cell, "推荐人"), _customer(cell, "被推荐人")
    prospect = Prospect.objects.create(
        customer=friend, dealer=friend.dealer, owner=friend.owner, grade="O", status=ProspectStatus.WON,
        source="base_maintenance", model_of_interest="途观L", first_contact=timezone.localdate(),
        last_contact=timezone.localdate(), next_follow_up=timezone.localdate(), delivered_on=timezone.localdate())
    Referral.objects.create(customer=friend, referrer=referrer, dealer=friend.dealer, prospect=prospect,
                            referred_on=timezone.localdate())
    return referrer, friend


@driver(Action.VIEW_REFERRALS)
def _view_referrals(cell):
    from retain.loyalty.access import access_member

    referrer, friend = _referral_pair(cell)
    client = cell.client
    card = client.get(f"/customers/{referrer.pk}/")
    if card.status_code == 200:
        page = "Y" if friend.name in card.content.decode() and 'id="referrals"' in card.content.decode() else "403"
    else:
        page = _http(card)
    ranking = client.get("/api/v1/loyalty/influence-centres", {"dealer": referrer.dealer_id})
    if ranking.status_code == 200:  # a referrer out of sight is left out: nothing revealed
        listed = "Y" if referrer.pk in [c["customer_id"] for c in ranking.json()["centres"]] else "404"
    else:
        listed = _http(ranking)
    return {
        "door": _service(lambda: access_member(cell.actor, referrer.pk, Action.VIEW_REFERRALS)),
        "api": _http(client.get(f"/api/v1/loyalty/members/{referrer.pk}/referrals")),
        "page": page,
        "list": listed,
    }


@driver(Action.RECORD_REFERRALS)
def _record_referrals(cell):
    from retain.loyalty.models import ReferralCode
    from retain.loyalty.services import referrals

    referrer = _customer(cell, "推荐人")
    code = ReferralCode.objects.create(customer=referrer, code=referrals.new_code()).code
    friends = [_customer(cell, "被推荐人") for _ in range(3)]
    outcomes = {
        "service": _service(lambda: referrals.record_referral(actor=cell.actor, customer_id=friends[0].pk,
                                                              referrer_id=referrer.pk)),
        "api": _http(_key_post(cell.client, f"/api/v1/loyalty/members/{friends[1].pk}/referral", {"code": code})),
        "page": _http(cell.client.post(f"/loyalty/members/{friends[2].pk}/referral/", {"code": code})),
    }
    for (entry, outcome), friend in zip(outcomes.items(), friends):
        friend.refresh_from_db()
        assert (friend.referred_by_id == referrer.pk) == (outcome == "Y"), entry
    return outcomes


@driver(Action.MANAGE_CLUBS)
def _manage_clubs(cell):
    from retain.loyalty.models import Club
    from retain.loyalty.services import clubs

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    names = {"service": "车友会", "page": "自驾俱乐部", "api": "亲子俱乐部"}

    def done(entry):
        return Club.objects.filter(dealer=dealer, name=names[entry]).exists()

    return _dealer_action(
        cell, done,
        lambda: clubs.create_club(actor=actor, dealer_id=dealer.pk, name=names["service"]),
        lambda: client.post("/loyalty/clubs/", {"dealer": dealer.pk, "name": names["page"]}),
        lambda: _key_post(client, "/api/v1/loyalty/clubs", {"dealer_id": dealer.pk, "name": names["api"]}))
# --- loyalty (partners, liability): dealer actions -----------------------------------------------

def _partner_at(dealer, code):
    from retain.loyalty.services import partners as loyalty_partners

    return loyalty_partners.create_partner(actor=None, dealer_id=dealer.pk, name=f"伙伴{code}", kind="car_wash",
                                           code=code, issue_rate_cents=5, accept_rate_cents=4,
                                           active_from=dt.date(2024, 1, 1))


@driver(Action.MANAGE_PARTNERS)
def _manage_partners(cell):
    from retain.loyalty.models import Partner, Settlement, Transfer
    from retain.loyalty.services import partners as loyalty_partners

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    n = next(_serial)
    codes = {entry: f"{entry}{n}" for entry in ("service", "page", "api")}
    movement, closing = _partner_at(dealer, f"m{n}"), _partner_at(dealer, f"c{n}")
    edited = {entry: _partner_at(dealer, f"e{entry.split()[0]}{n}") for entry in ("service edit", "page edit",
                                                                                    "api edit")}
    member = make_customer(dealer=dealer, name=f"伙伴会员{n}")
    loyalty_partners.partner_issue(actor=None, partner_id=closing.pk, customer_id=member.pk, points=10,
                                   reference="old", now=dt.datetime(2025, 3, 10, 2, tzinfo=dt.UTC))
    fields = {"name": "伙伴", "kind": "insurer", "issue_rate_cents": 2, "accept_rate_cents": 3}

    def done(entry):
        if entry == "movement":
            return Transfer.objects.filter(kind="partner", source=f"partner:{movement.pk}:issue:r{n}").exists()
        if entry == "close":
            return Settlement.objects.filter(partner=closing).exists()
        if entry in edited:
            return Partner.objects.get(pk=edited[entry].pk).issue_rate_cents == 2
        return Partner.objects.filter(code=codes[entry], programme__dealer=dealer).exists()

    def edit_form(partner):
        return {"name": partner.name, "kind": "insurer", "code": partner.code, "issue_rate_cents": "2",
                "accept_rate_cents": "3", "active_from": "2024-01-01", "active_until": "", "agent_id": ""}

    return _dealer_entries(done, {
        "service": lambda: loyalty_partners.create_partner(actor=actor, dealer_id=dealer.pk, code=codes["service"],
                                                           active_from=dt.date(2025, 1, 1), **fields),
        "page": lambda: client.post("/loyalty/partners/", {"dealer": dealer.pk, "code": codes["page"],
                                                           "active_from": "2025-01-01", **fields}),
        "api": lambda: _key_post(client, "/api/v1/loyalty/partners", {"dealer_id": dealer.pk, "code": codes["api"],
                                                                      "active_from": "2025-01-01", **fields}),
        "movement": lambda: _key_post(client, f"/api/v1/loyalty/partners/{movement.pk}/issue",
                                      {"customer_id": member.pk, "points": 10, "reference": f"r{n}"}),
        "close": lambda: client.post(f"/loyalty/partners/{closing.pk}/close/", {"month": "2025-03"}),
        # changing a partner (its settings page, the API's PATCH)
        "service edit": lambda: loyalty_partners.update_partner(actor=actor, partner_id=edited["service edit"].pk,
                                                                issue_rate_cents=2),
        "page edit": lambda: client.post(f"/loyalty/partners/{edited['page edit'].pk}/edit/",
                                         edit_form(edited["page edit"])),
        "api edit": lambda: _json(client, "patch", f"/api/v1/loyalty/partners/{edited['api edit'].pk}",
                                  {"issue_rate_cents": 2}),
    })


@driver(Action.REVERSE_PARTNER_MOVEMENTS)
def _reverse_partner_movements(cell):
    """A partner's issue reversed (service, page, API), each its own movement."""
    from retain.loyalty.models import Transfer
    from retain.loyalty.services import partners as loyalty_partners
    from retain.loyalty.services.partner_reversal import reverse_partner_movement

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    n = next(_serial)
    partner = _partner_at(dealer, f"r{n}")
    member = make_customer(dealer=dealer, name=f"冲正会员{n}")
    issued = {entry: loyalty_partners.partner_issue(actor=None, partner_id=partner.pk, customer_id=member.pk,
                                                    points=10, reference=f"{entry}{n}")
              for entry in ("service", "page", "api")}
    return _dealer_entries(lambda entry: Transfer.objects.filter(reverses=issued[entry]).exists(), {
        "service": lambda: reverse_partner_movement(actor=actor, partner_id=partner.pk,
                                                    transfer_id=issued["service"].pk, reason="更正"),
        "page": lambda: client.post(f"/loyalty/partners/{partner.pk}/movements/{issued['page'].pk}/reverse/",
                                    {"reason": "更正", "confirm": "on"}),
        "api": lambda: _key_post(client, f"/api/v1/loyalty/partners/{partner.pk}/movements/{issued['api'].pk}/reverse",
                                 {"reason": "更正"}),
    })


@driver(Action.VIEW_LIABILITY)
def _view_liability(cell):
    from retain.loyalty import liability
    from retain.loyalty.services import points as loyalty_points

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    n = next(_serial)
    loyalty_points.earn(actor=None, customer_id=make_customer(dealer=dealer, name=f"负债会员{n}").pk, points=10,
                        pending=False)
    partner = _partner_at(dealer, f"v{n}")

    def read(call, included):
        try:
            return "Y" if included(call()) else "N"
        except Http404:
            return "N"
        except PermissionDenied:
            return "403"

    def listed(response):
        if response.status_code in (403, 404, 422):
            return {"403": "403"}.get(str(response.status_code), "N")
        return "Y" if response.status_code == 200 else f"HTTP {response.status_code}"

    api = client.get(f"/api/v1/loyalty/liability?dealer={dealer.pk}")
    return {
        "service": read(lambda: liability.for_actor(actor, dealer_id=dealer.pk),
                        lambda found: any(row["dealer_id"] == dealer.pk for row in found["rows"])),
        "api": listed(api) if api.status_code != 200 else (
            "Y" if any(row["dealer_id"] == dealer.pk for row in api.json()["rows"]) else "N"),
        "page": listed(client.get(f"/loyalty/liability/?dealer={dealer.pk}")),
        "partner page": listed(client.get(f"/loyalty/partners/{partner.pk}/")),
        "api settlements": listed(client.get(f"/api/v1/loyalty/partners/{partner.pk}/settlements")),
    }


@driver(Action.SET_POINTS_RULES)
def _set_points_rules(cell):
    from retain.loyalty.forms import RulesForm
    from retain.loyalty.models import EarningRule
    from retain.loyalty.services import rules as loyalty_rules

    dealer, actor, client = _dealer(cell), cell.actor, cell.client
    current = loyalty_rules.read_for(dealer.pk)
    form = {key: value for key, value in RulesForm.initial_from(current).items()
            if value is not None and value is not False}
    figures = {"service": 111, "page": 222, "api": 333}
    calls = {
        "service": lambda: _service(lambda: loyalty_rules.set_rules(actor=actor, dealer_id=dealer.pk, rules={
            "birthday": {"points": figures["service"]}})),
        "page": lambda: _http(client.post("/loyalty/rules/", {**form, "dealer": dealer.code,
                                                              "rules.birthday.points": figures["page"]})),
        "api": lambda: _http(_json(client, "put", f"/api/v1/loyalty/programmes/{dealer.pk}/rules",
                                   {"rules": {"birthday": {"points": figures["api"]}}})),
    }
    outcomes = {}
    for entry, call in calls.items():
        outcome = call()
        done = EarningRule.objects.filter(programme__dealer=dealer, trigger="birthday", points=figures[entry]).exists()
        outcomes[entry] = "Y" if done else ("N" if outcome in ("Y", "N", "404") else outcome)
    return outcomes


def test_matrix_size():
    """The number of cells (the closing notes report it): 792 after issue 7; channels, imports and
    care added 180, 90 and 241; surveys 324 (definitions 72, invitations 90, answers' reviews 54,
    results 108); cases 198 (view, work and assign 54 each, settings 36); the blacklist 140 (propose
    54, view 43, decide 43); lost owners 108; approving compensation 54; the points ledger 216 (view, earn, redeem and adjust
    54 each); the rewards catalogue 36; referrals and clubs 144 (view and record referrals 54 each,
    manage clubs 36); partners and the liability 72 (manage_partners and view_liability, 36 each); the
    points rules 36; reversing partners' movements 36."""
    assert len(list(_cells())) == 2667


@pytest.mark.parametrize("role, action, position, expected", list(_cells()))
def test_permission_cell(org, client, role, action, position, expected):
    actor = org.staff[role]
    client.force_login(actor)
    cell = SimpleNamespace(org=org, actor=actor, position=position, client=client)
    outcomes = DRIVERS[action](cell)
    assert outcomes == {entry: expected for entry in outcomes}
