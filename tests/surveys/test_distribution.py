"""The distribution jobs: the day's invitations by the dealers' sampling rules, reminders and
expiry; each a function of the day, idempotent. Run on SQLite and on PostgreSQL
(``RETAIN_DATABASE_URL``)."""

import datetime as dt
import hashlib
import math

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from retain.channels.models import Message
from retain.customers.models import Consent
from retain.jobs.registry import job
from retain.org.audit import AuditEvent
from retain.surveys import sampling, tokens
from retain.surveys.models import Invitation, InvitationStatus, SurveyKind, SurveySettings, Trigger
from retain.surveys.services import invitations as service
from retain.surveys.services.answers import invitation_for
from tests.conftest import make_customer

from .factories_invite import make_rule, make_survey, make_transaction, make_vehicle

TODAY = dt.date(2026, 3, 18)  # a day of its own, well inside its month: a job is a function of the day


def _run(name, day):
    return job(name).run(day)


@pytest.fixture
def after_sales(org):
    survey = make_survey(org.groups[0], SurveyKind.CSS_AFTER_SALES)
    make_rule(org.d1, Trigger.REPAIR, survey, delay_days=3)
    return survey


def _repair(org, date, **extra):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"],
                             service_advisor=org.staff["service_advisor"], **extra)
    return make_transaction(customer, "service", date=date, vehicle=make_vehicle(customer))


def test_repair_order_is_invited_on_its_day_once(org, after_sales):
    repair = _repair(org, TODAY - dt.timedelta(days=3))
    make_transaction(repair.customer, "parts", date=TODAY - dt.timedelta(days=3))  # not a repair order
    for day in (TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)):
        _run("surveys.invite", day)
        assert not Invitation.objects.exists(), day
    summary = _run("surveys.invite", TODAY)
    invitation = Invitation.objects.get()
    assert summary.startswith(f"{TODAY}: 1 invited")
    assert invitation.key == f"repair:{repair.pk}" and invitation.trigger == Trigger.REPAIR
    assert invitation.transaction == repair and invitation.staff == org.staff["service_advisor"]
    assert timezone.localdate(invitation.created_at) == TODAY and invitation.created_by is None
    message = Message.objects.get()
    assert (message.template_code, message.purpose, message.customer) == ("survey.invitation", "survey",
                                                                          repair.customer)
    assert f"{tokens.PUBLIC_PATH}" in message.body and message.id == invitation.message_id
    # a second run for the same day (and the days around it) adds nothing
    audit_rows = AuditEvent.objects.count()
    assert "0 invited" in _run("surveys.invite", TODAY) and "done 1" in _run("surveys.invite", TODAY)
    for day in (TODAY - dt.timedelta(days=1), TODAY + dt.timedelta(days=1)):
        _run("surveys.invite", day)
    assert Invitation.objects.count() == 1 and Message.objects.count() == 1
    assert AuditEvent.objects.count() == audit_rows


def _reference_draw(key: str) -> int:
    """The draw restated from its definition: the first 8 bytes of SHA-256, big-endian, mod 10,000."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:16], 16) % 10_000


def test_sampling_rate_is_honoured(org):
    """400 repair orders at a 30 % rate: exactly the orders whose draw falls under 3,000 are
    invited (the reference restates the draw), and their number is within four standard
    deviations of the binomial expectation: 120 ± 4·√(400·0.3·0.7) = 120 ± 36.7, so 84 to 156."""
    survey = make_survey(org.groups[0], SurveyKind.CSS_AFTER_SALES)
    make_rule(org.d1, Trigger.REPAIR, survey, delay_days=2, rate_percent=30)
    day = TODAY
    repairs = [_repair(org, day - dt.timedelta(days=2)) for _ in range(400)]
    with CaptureQueriesContext(connection) as reading:
        rule = sampling.rule_for(org.d1.pk, Trigger.REPAIR)  # what the cases app calls: one query
    assert rule.survey == survey and len(reading) == 1
    tally_text = _run("surveys.invite", day)
    invited = set(Invitation.objects.values_list("transaction_id", flat=True))
    expected = {r.pk for r in repairs if _reference_draw(f"repair:{r.pk}") < 3000}
    assert invited == expected
    sd = math.sqrt(400 * 0.3 * 0.7)
    assert 120 - 4 * sd <= len(invited) <= 120 + 4 * sd
    assert f"{len(invited)} invited" in tally_text and f"not_sampled {400 - len(invited)}" in tally_text


def test_monthly_quota_caps_the_month(org, after_sales):
    after_sales.sampling_rules.update(monthly_quota=5)
    earlier = [_repair(org, TODAY - dt.timedelta(days=10)) for _ in range(2)]
    _run("surveys.invite", TODAY - dt.timedelta(days=7))  # two invitations earlier this month
    assert Invitation.objects.count() == 2
    for _ in range(6):
        _repair(org, TODAY - dt.timedelta(days=3))
    summary = _run("surveys.invite", TODAY)
    assert Invitation.objects.count() == 5 and "3 invited" in summary and "quota 3" in summary
    assert {i.transaction_id for i in Invitation.objects.all()} >= {r.pk for r in earlier}
    # the next month starts afresh
    next_month = sampling.next_month(TODAY)
    _repair(org, next_month - dt.timedelta(days=3) + dt.timedelta(days=1))
    assert "1 invited" in _run("surveys.invite", next_month + dt.timedelta(days=1))


def test_fatigue_and_consent_are_counted_not_errors(org, after_sales):
    tired = _repair(org, TODAY - dt.timedelta(days=3))
    service.invite(actor=None, survey_id=after_sales.pk, customer_id=tired.customer_id,
                   day=TODAY - dt.timedelta(days=10))
    refusing = _repair(org, TODAY - dt.timedelta(days=3))
    Consent.objects.create(customer=refusing.customer, purpose="service", granted=False, channel="paper",
                           notice_version="1")
    willing = _repair(org, TODAY - dt.timedelta(days=3))
    # the same customer's second repair order of the day: one invitation, the second is fatigue
    second = make_transaction(willing.customer, "service", date=TODAY - dt.timedelta(days=3))
    summary = _run("surveys.invite", TODAY)
    made = Invitation.objects.filter(trigger=Trigger.REPAIR)
    assert [i.transaction_id for i in made] == [willing.pk]
    assert "1 invited" in summary and "fatigue 2" in summary and "refused 1" in summary
    assert not made.filter(transaction=second).exists()


def test_candidates_and_fatigue_are_read_in_a_few_queries(org, after_sales):
    """The reading part costs the same for 5 or 40 candidates (no query per row): everyone is
    tired, so no invitation is written and every query is a read."""
    SurveySettings.objects.create(dealer=org.d1, fatigue_days=60)
    counts = []
    for n in (5, 40):
        Invitation.objects.all().delete()
        day = TODAY + dt.timedelta(days=n)
        repairs = [_repair(org, day - dt.timedelta(days=3)) for _ in range(n)]
        for r in repairs:
            service.invite(actor=None, survey_id=after_sales.pk, customer_id=r.customer_id,
                           day=day - dt.timedelta(days=5), key=f"earlier:{r.pk}")
        with CaptureQueriesContext(connection) as queries:
            summary = _run("surveys.invite", day)
        assert f"fatigue {n}" in summary
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


def test_periodic_nps_spreads_over_the_month_and_waits_a_year(org):
    nps = make_survey(org.groups[0], SurveyKind.NPS)
    make_rule(org.d1, Trigger.PERIODIC, nps, every_months=12)
    owners = [make_customer(dealer=org.d1, owner=org.staff["consultant"]) for _ in range(12)]
    for customer in owners:
        make_vehicle(customer)
    carless = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    month = [dt.date(2026, 4, d) for d in range(1, 31)]
    for day in month:
        _run("surveys.invite", day)
    invited = list(Invitation.objects.filter(trigger=Trigger.PERIODIC))
    assert sorted(i.customer_id for i in invited) == sorted(c.pk for c in owners)
    assert carless.pk not in {i.customer_id for i in invited}
    for invitation in invited:  # each on the day of its slot: id modulo the month's length
        assert timezone.localdate(invitation.created_at).day - 1 == invitation.customer_id % 30
    # rerunning the month, and the next months, adds nobody until a year has passed
    for day in month + [dt.date(2026, 5, d) for d in range(1, 32)]:
        _run("surveys.invite", day)
    assert Invitation.objects.count() == 12
    for day in [dt.date(2027, 4, d) for d in range(1, 31)]:
        _run("surveys.invite", day)
    assert Invitation.objects.count() == 24


def _open_invitation(org, survey, *, days_ago: int):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"])
    invitation, token = service.invite(actor=None, survey_id=survey.pk, customer_id=customer.pk,
                                       day=timezone.localdate() - dt.timedelta(days=days_ago))
    return invitation, token


def test_reminder_once_with_a_second_link_beside_the_first(org, after_sales):
    due, old_token = _open_invitation(org, after_sales, days_ago=6)
    not_yet, _token = _open_invitation(org, after_sales, days_ago=2)
    answered, _token = _open_invitation(org, after_sales, days_ago=7)
    Invitation.objects.filter(pk=answered.pk).update(status=InvitationStatus.ANSWERED)
    today = timezone.localdate()
    assert _run("surveys.remind", today) == f"{today}: 1 survey reminders"
    due.refresh_from_db()
    assert due.reminded_at is not None and due.token_hash == tokens.digest(old_token)
    reminder = Message.objects.get(template_code="survey.reminder")
    assert reminder.purpose == "survey" and reminder.customer_id == due.customer_id
    new_token = reminder.body.split(tokens.PUBLIC_PATH)[1].split("/")[0]
    assert tokens.digest(new_token) == due.reminder_token_hash != due.token_hash
    # both links open the same invitation: the first message, found late, still works
    assert invitation_for(old_token).pk == invitation_for(new_token).pk == due.pk
    assert _run("surveys.remind", today) == f"{today}: 0 survey reminders"
    assert Message.objects.filter(template_code="survey.reminder").count() == 1
    not_yet.refresh_from_db()
    assert not_yet.reminded_at is None
    # a dealer that turned reminders off sends none
    SurveySettings.objects.create(dealer=org.d1, reminder_days=0)
    _open_invitation(org, after_sales, days_ago=20)
    assert _run("surveys.remind", today) == f"{today}: 0 survey reminders"


def test_expiry(org, after_sales):
    old, _token = _open_invitation(org, after_sales, days_ago=15)
    fresh, _token = _open_invitation(org, after_sales, days_ago=13)
    today = timezone.localdate()
    assert _run("surveys.expire", today) == f"{today}: 1 survey invitations expired"
    old.refresh_from_db()
    fresh.refresh_from_db()
    assert (old.status, fresh.status) == (InvitationStatus.EXPIRED, InvitationStatus.OPEN)
    assert _run("surveys.expire", today) == f"{today}: 0 survey invitations expired"
    assert AuditEvent.objects.filter(action="survey_invitation.expire").count() == 1
    assert _run("surveys.expire", today + dt.timedelta(days=2)).endswith("1 survey invitations expired")
