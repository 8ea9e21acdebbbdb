"""Changing a coalition partner (``update_partner``): its fields within their bounds, its API caller
among its dealer's active staff, its code only while it has no movement (also when a movement is
being written at that moment), one audit row per change; and the programme's point value and
goodwill caps set with the rules (``set_rules``), their bounds, and what reads them."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.http import Http404

from retain.loyalty import faults, liability
from retain.loyalty.models import Account, Partner, Transfer
from retain.loyalty.services import ledger, partners, points, rules
from retain.org.models import AuditEvent
from tests.conftest import make_customer, make_staff


def _partner(org, actor=None, code="wash"):
    return partners.create_partner(actor=actor, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code=code,
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2025, 1, 1))


@pytest.fixture
def wash(org, manager):
    return _partner(org, manager)


def test_a_partner_is_changed_and_audited(org, wash, manager):
    agent = org.staff["service_advisor"]
    changed = partners.update_partner(actor=manager, partner_id=wash.pk, name=" 好洗车 ", kind="other",
                                      issue_rate_cents=7, accept_rate_cents=6, active_until=dt.date(2027, 12, 31),
                                      agent_id=agent.pk)
    wash.refresh_from_db()
    assert (wash.name, wash.kind, wash.issue_rate_cents, wash.accept_rate_cents, wash.active_until, wash.agent_id) == (
        "好洗车", "other", 7, 6, dt.date(2027, 12, 31), agent.pk) and changed.pk == wash.pk
    event = AuditEvent.objects.get(action="partner.update")
    assert event.before == {"name": "洗车店", "kind": "car_wash", "issue_rate_cents": 5, "accept_rate_cents": 4,
                            "active_until": None, "agent_id": None}
    assert event.after["agent_id"] == agent.pk and event.after["active_until"] == "2027-12-31"
    # nothing changed: no audit row
    partners.update_partner(actor=manager, partner_id=wash.pk, name="好洗车", agent_id=agent.pk)
    assert AuditEvent.objects.filter(action="partner.update").count() == 1
    partners.update_partner(actor=manager, partner_id=wash.pk, agent_id=None, active_until=None)
    wash.refresh_from_db()
    assert (wash.agent_id, wash.active_until) == (None, None)


def test_the_code_changes_only_before_the_first_movement(org, wash, manager, customer):
    partners.update_partner(actor=manager, partner_id=wash.pk, code="wash2")
    wash.refresh_from_db()
    assert wash.code == "wash2" and partners.account_of(wash, create=False).pk  # its own account, made now
    made = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=10,
                                  reference="R1")
    assert made.debit.key == "wash2"
    with pytest.raises(ValidationError) as refused:
        partners.update_partner(actor=manager, partner_id=wash.pk, code="wash3")
    assert "code" in refused.value.message_dict
    assert Partner.objects.get(pk=wash.pk).code == "wash2"
    # a closed month uses it too, even without a transfer
    quiet = _partner(org, manager, code="quiet")
    partners.close_month(actor=manager, partner_id=quiet.pk, month="2025-01", now=dt.datetime(2025, 2, 2, tzinfo=dt.UTC))
    with pytest.raises(ValidationError):
        partners.update_partner(actor=manager, partner_id=quiet.pk, code="loud")
    # another partner's code is taken
    other = _partner(org, manager, code="fuel")
    with pytest.raises(ValidationError) as taken:
        partners.update_partner(actor=manager, partner_id=other.pk, code="wash2")
    assert "another partner" in str(taken.value).lower()


@pytest.mark.django_db(transaction=True)
def test_a_code_change_waits_for_a_movement_being_written(org):
    """A movement has written its transfer and not committed; the code is changed meanwhile. The
    change waits for the movement (the partner's row is held) and is then refused: the movement's
    transfer is never left on an account no partner has."""
    manager = org.staff["service_manager"]
    wash = _partner(org, manager)
    customer = make_customer(dealer=org.d1, name="并发会员")
    written, release, outcome = threading.Event(), threading.Event(), {}

    def pause(name):
        if name == "transfer_written" and threading.current_thread().name == "movement":
            written.set()
            release.wait(10)

    def movement():
        try:
            partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=10,
                                   reference="R1")
            outcome["movement"] = "ok"
        finally:
            connections.close_all()

    def change():
        try:
            partners.update_partner(actor=manager, partner_id=wash.pk, code="renamed")
            outcome["change"] = "ok"
        except ValidationError as error:
            outcome["change"] = sorted(error.message_dict)
        finally:
            connections.close_all()

    faults.hook = pause
    try:
        first = threading.Thread(target=movement, name="movement")
        first.start()
        assert written.wait(10)
        second = threading.Thread(target=change, name="change")
        second.start()
        second.join(0.5)  # it waits (a row lock on PostgreSQL, the write lock on SQLite)
        release.set()
        first.join()
        second.join()
    finally:
        faults.hook = None
    assert outcome == {"movement": "ok", "change": ["code"]}, outcome
    wash.refresh_from_db()
    account = partners.account_of(wash, create=False)
    assert wash.code == "wash" and Transfer.objects.filter(debit=account).count() == 1
    assert not Account.objects.filter(key="renamed").exists()


@pytest.mark.parametrize("changes, field", [
    ({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"name": "a\x00"}, "name"), ({"kind": "bank"}, "kind"),
    ({"code": "Bad Code"}, "code"), ({"code": ""}, "code"), ({"issue_rate_cents": -1}, "issue_rate_cents"),
    ({"accept_rate_cents": 10_001}, "accept_rate_cents"), ({"issue_rate_cents": "x"}, "issue_rate_cents"),
    ({"active_from": dt.date(1800, 1, 1)}, "active_from"), ({"active_from": "2025-13-01"}, "active_from"),
    ({"active_until": dt.date(2024, 12, 31)}, "__all__"), ({"active_until": dt.date(2101, 1, 1)}, "active_until"),
    ({"agent_id": "x"}, "agent_id"), ({"agent_id": True}, "agent_id"), ({"agent_id": 10**9}, "agent_id"),
    ({"agent_id": 2**70}, "agent_id"), ({"agent_id": -3}, "agent_id"), ({"agent_id": 1.5}, "agent_id"),
    ({"programme": 1}, "programme"), ({"balance": 0}, "balance"),
])
def test_bad_changes_are_refused_naming_the_field(wash, manager, changes, field):
    before = Partner.objects.filter(pk=wash.pk).values().get()
    with pytest.raises(ValidationError) as refused:
        partners.update_partner(actor=manager, partner_id=wash.pk, **changes)
    assert field in refused.value.message_dict, refused.value.message_dict
    assert Partner.objects.filter(pk=wash.pk).values().get() == before
    assert not AuditEvent.objects.filter(action="partner.update").exists()


def test_the_agent_is_an_active_member_of_the_dealers_staff(org, wash, manager):
    elsewhere = make_staff("d2_till", "consultant", group=org.d2.region.group, dealer=org.d2)
    gone = make_staff("gone_till", "consultant", group=org.d1.region.group, dealer=org.d1)
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)
    for agent in (elsewhere, gone, org.staff["region_manager"]):
        with pytest.raises(ValidationError) as refused:
            partners.update_partner(actor=manager, partner_id=wash.pk, agent_id=agent.pk)
        assert "agent_id" in refused.value.message_dict
    with pytest.raises(ValidationError):  # at creation too
        partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="x", kind="other", code="x",
                                issue_rate_cents=1, accept_rate_cents=1, active_from=dt.date(2025, 1, 1),
                                agent_id=elsewhere.pk)
    made = partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="x", kind="other", code="x",
                                   issue_rate_cents=1, accept_rate_cents=1, active_from=dt.date(2025, 1, 1),
                                   agent_id=str(org.staff["consultant"].pk))
    assert made.agent_id == org.staff["consultant"].pk


def test_who_may_change_a_partner(org, wash):
    with pytest.raises(PermissionDenied):
        partners.update_partner(actor=org.staff["service_advisor"], partner_id=wash.pk, name="x")
    with pytest.raises(PermissionDenied):
        partners.update_partner(actor=org.staff["region_manager"], partner_id=wash.pk, name="x")
    with pytest.raises(Http404):
        partners.update_partner(actor=make_staff("d2gm", "dealer_gm", group=org.d2.region.group, dealer=org.d2),
                                partner_id=wash.pk, name="x")
    with pytest.raises(Http404):
        partners.update_partner(actor=org.staff["dealer_gm"], partner_id=10**9, name="x")
    partners.update_partner(actor=org.staff["dealer_gm"], partner_id=wash.pk, name="总经理改")
    assert Partner.objects.get(pk=wash.pk).name == "总经理改"


def test_new_rates_apply_to_open_months_and_closed_ones_keep_theirs(wash, manager, customer):
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=100, reference="R1",
                           now=dt.datetime(2025, 3, 10, 2, tzinfo=dt.UTC))
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=100, reference="R2",
                           now=dt.datetime(2025, 4, 10, 2, tzinfo=dt.UTC))
    partners.close_month(actor=manager, partner_id=wash.pk, month="2025-03", now=dt.datetime(2025, 4, 2, tzinfo=dt.UTC))
    partners.update_partner(actor=manager, partner_id=wash.pk, issue_rate_cents=9)
    wash.refresh_from_db()
    assert partners.settlement(wash, "2025-03")["due_from_partner_cents"] == 500
    assert partners.settlement(wash, "2025-04")["due_from_partner_cents"] == 900


# -- the programme's point value and goodwill caps --------------------------------------------------

def test_the_point_value_and_goodwill_caps_are_set_with_the_rules(org, manager, customer):
    read = rules.read_for(org.d1.pk)  # no programme yet: the defaults, nothing made
    assert (read["point_value_cents"], read["goodwill_case_cap"], read["goodwill_month_cap"]) == (1, 2_000, 5_000)
    after = rules.set_rules(actor=manager, dealer_id=org.d1.pk, point_value_cents=5, goodwill_case_cap=300,
                            goodwill_month_cap=800)
    assert (after["point_value_cents"], after["goodwill_case_cap"], after["goodwill_month_cap"]) == (5, 300, 800)
    event = AuditEvent.objects.filter(action="points_rules.set").latest("id")
    assert (event.before["point_value_cents"], event.after["point_value_cents"]) == (1, 5)
    # the liability report values the outstanding points at it
    points.earn(actor=manager, customer_id=customer.pk, points=120, pending=False)
    this_month = ledger.local_day(ledger.programme_for(org.d1.pk), dt.datetime.now(dt.UTC)).replace(day=1)
    row = liability.for_programme(ledger.programme_for(org.d1.pk), this_month, this_month)[-1]
    assert row["value_cents"] == 120 * 5


def test_the_goodwill_caps_set_are_the_ones_goodwill_obeys(org, manager, customer):
    from retain.loyalty.services import goodwill

    rules.set_rules(actor=manager, dealer_id=org.d1.pk, goodwill_case_cap=300, goodwill_month_cap=800)
    goodwill.check(customer_id=customer.pk, dealer_id=org.d1.pk, case_id=1, points=300)
    with pytest.raises(ValidationError, match="300"):
        goodwill.check(customer_id=customer.pk, dealer_id=org.d1.pk, case_id=1, points=301)
    goodwill.credit(actor=None, customer_id=customer.pk, case_id=1, compensation_id=1, points=300)
    goodwill.credit(actor=None, customer_id=customer.pk, case_id=2, compensation_id=2, points=300)
    with pytest.raises(ValidationError, match="200"):  # the month's 800 less the 600 given
        goodwill.check(customer_id=customer.pk, dealer_id=org.d1.pk, case_id=3, points=201)


@pytest.mark.parametrize("changes, field", [
    ({"point_value_cents": -1}, "point_value_cents"), ({"point_value_cents": 10_001}, "point_value_cents"),
    ({"point_value_cents": "5"}, "point_value_cents"), ({"point_value_cents": True}, "point_value_cents"),
    ({"point_value_cents": 1.5}, "point_value_cents"), ({"point_value_cents": None}, "point_value_cents"),
    ({"goodwill_case_cap": 10_000_001}, "goodwill_case_cap"), ({"goodwill_month_cap": -5}, "goodwill_month_cap"),
    ({"goodwill_case_cap": 6_000}, "goodwill_case_cap"),  # above the month's 5,000
    ({"goodwill_month_cap": 1_000}, "goodwill_case_cap"),  # below the case's 2,000
])
def test_bad_values_are_refused_naming_the_field(org, manager, changes, field):
    programme = ledger.programme_for(org.d1.pk)
    before = rules.read(programme)
    with pytest.raises(ValidationError) as refused:
        rules.set_rules(actor=manager, dealer_id=org.d1.pk, **changes)
    assert field in refused.value.message_dict, refused.value.message_dict
    assert rules.read(ledger.programme_for(org.d1.pk)) == before
