"""Reversing a coalition partner's movement: an issue taken back (from the lot it made first, never
below zero), an acceptance given back with its expiry, once (also when two arrive at once), the
settlement counting the reversal in the month it is made and still balancing to the ledger, a
closed month unchanged, who may reverse (never the partner's agent), bad input refused writing
nothing. After each test the ledger's ``verify`` runs (the directory's fixture)."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connections
from django.http import Http404

from retain.loyalty import balances, liability
from retain.loyalty.models import Lot, LotUse, Settlement, Transfer
from retain.loyalty.services import partners, points
from retain.loyalty.services.ledger import InsufficientPoints, programme_for
from retain.loyalty.services.partner_reversal import movements, reverse_partner_movement
from retain.loyalty.services.reverse import reverse
from retain.org.models import AuditEvent
from tests.conftest import make_customer, make_staff

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args):
    return dt.datetime(*args, tzinfo=SHANGHAI)


def _partner(org, actor=None, code="wash"):
    return partners.create_partner(actor=actor, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code=code,
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2025, 1, 1))


@pytest.fixture
def wash(org, manager):
    return _partner(org, manager)


def _issue(partner, customer, amount, ref, at=None, actor=None):
    return partners.partner_issue(actor=actor, partner_id=partner.pk, customer_id=customer.pk, points=amount,
                                  reference=ref, now=at)


def _accept(partner, customer, amount, ref, at=None, actor=None):
    return partners.partner_accept(actor=actor, partner_id=partner.pk, customer_id=customer.pk, points=amount,
                                   reference=ref, now=at)


def _spendable(customer):
    return balances.of(customer.pk)["balance"]


def test_an_issue_reversed_takes_the_points_back_from_its_own_lot_first(wash, manager, customer):
    points.earn(actor=manager, customer_id=customer.pk, points=200, pending=False, now=local(2026, 1, 5, 10))
    issued = _issue(wash, customer, 300, "R1", local(2026, 3, 10, 10))  # expires later than the earn's lot
    made = reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="收银重复录入",
                                    now=local(2026, 3, 11, 10))
    assert (made.kind, made.reverses_id, made.amount, made.memo) == ("reverse", issued.pk, 300, "收银重复录入")
    assert (made.debit.customer_id, made.credit_id) == (customer.pk, issued.debit_id)
    # not FIFO from the earn (which expires first): from the issue's own lot
    assert list(LotUse.objects.filter(transfer=made).values_list("lot__transfer_id", "amount")) == [(issued.pk, 300)]
    assert _spendable(customer) == 200 and partners.account_of(wash).balance == 0
    event = AuditEvent.objects.filter(action="partner.reverse").get()
    assert (event.after["reverses"], event.after["direction"], event.after["points"], event.after["reference"]) == (
        issued.pk, "issue", 300, "R1")


def test_an_issue_partly_spent_is_taken_from_its_lot_then_first_to_expire(wash, manager, customer):
    points.earn(actor=manager, customer_id=customer.pk, points=500, pending=False, now=local(2026, 1, 5, 10))
    issued = _issue(wash, customer, 300, "R1", local(2026, 3, 10, 10))
    may = points.earn(actor=manager, customer_id=customer.pk, points=400, pending=False, now=local(2026, 5, 5, 10))
    points.redeem(actor=manager, customer_id=customer.pk, points=600, now=local(2026, 5, 12, 10))
    # by hand: the redemption took January's 500 and 100 of the issue's lot (first to expire): the
    # issue's lot holds 200, May's 400; the reversal takes the 200, then 100 of May's
    made = reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="错会员")
    assert dict(LotUse.objects.filter(transfer=made).values_list("lot__transfer_id", "amount")) == {
        issued.pk: 200, may.pk: 100}
    assert _spendable(customer) == 300


def test_an_issue_whose_points_were_spent_is_refused(wash, manager, customer):
    issued = _issue(wash, customer, 300, "R1")
    points.redeem(actor=manager, customer_id=customer.pk, points=250)
    with pytest.raises(InsufficientPoints) as refused:
        reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="错会员")
    assert (refused.value.available, refused.value.asked) == (50, 300)
    assert not Transfer.objects.filter(kind="reverse").exists() and _spendable(customer) == 50
    assert not AuditEvent.objects.filter(action="partner.reverse").exists()


def test_an_acceptance_reversed_gives_the_points_back_with_their_expiry(wash, manager, customer):
    points.earn(actor=manager, customer_id=customer.pk, points=100, pending=False, now=local(2025, 1, 5, 10))
    points.earn(actor=manager, customer_id=customer.pk, points=100, pending=False, now=local(2025, 6, 5, 10))
    accepted = _accept(wash, customer, 150, "A1", local(2026, 3, 1, 10))
    assert _spendable(customer) == 50
    made = reverse_partner_movement(actor=manager, transfer_id=accepted.pk, reason="金额错误")
    assert (made.debit_id, made.credit.customer_id) == (accepted.credit_id, customer.pk)
    # the acceptance took January's 100 and 50 of June's: they come back with those last days
    back = sorted(Lot.objects.filter(transfer=made).values_list("amount", "expires_on"))
    assert back == [(50, dt.date(2027, 6, 30)), (100, dt.date(2027, 1, 31))]
    assert _spendable(customer) == 200 and partners.account_of(wash).balance == 0


def test_a_movement_is_reversed_once(wash, manager, customer):
    issued = _issue(wash, customer, 100, "R1")
    first = reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="重复", idempotency_key="k1")
    again = reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="重复", idempotency_key="k1")
    assert again.pk == first.pk  # the same key answers the first reversal
    with pytest.raises(ValidationError) as refused:
        reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="再来一次")
    assert refused.value.error_dict["transfer_id"][0].code == "already_reversed"
    assert manager.display_name in refused.value.message_dict["transfer_id"][0]
    assert Transfer.objects.filter(reverses=issued).count() == 1 and _spendable(customer) == 0
    with pytest.raises(Http404):  # a reversal is not a partner's movement: it is not reversed again
        reverse_partner_movement(actor=manager, transfer_id=first.pk, reason="撤销撤销")


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_reversals_one_succeeds(org):
    manager = org.staff["service_manager"]
    wash = _partner(org, manager)
    customer = make_customer(dealer=org.d1, name="并发冲正")
    issued = _issue(wash, customer, 400, "R1")
    accepted = _accept(wash, customer, 100, "A1")
    for movement in (accepted, issued):  # the acceptance first: then the issue's 400 are all there
        outcomes, barrier = [], threading.Barrier(6)

        def run(movement=movement, barrier=barrier, outcomes=outcomes):
            try:
                barrier.wait()
                reverse_partner_movement(actor=manager, transfer_id=movement.pk, reason="并发")
                outcomes.append("ok")
            except ValidationError as error:
                outcomes.append(error.error_dict["transfer_id"][0].code if hasattr(error, "error_dict") else repr(error))
            except Exception as error:  # noqa: BLE001 - reported below
                outcomes.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=run) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["already_reversed"] * 5 + ["ok"], outcomes
        assert Transfer.objects.filter(reverses=movement).count() == 1
    # the issue of 400 taken back, the acceptance of 100 given back: nothing left either way
    assert _spendable(customer) == 0 and partners.account_of(wash).balance == 0


@pytest.mark.django_db(transaction=True)
def test_a_reversal_racing_acceptances_never_overspends(org):
    """The member holds 300 from one issue; the issue is reversed while acceptances of 100 arrive:
    whatever the order, the balance never goes below zero and the points add up."""
    manager = org.staff["service_manager"]
    wash = _partner(org, manager)
    customer = make_customer(dealer=org.d1, name="并发会员")
    issued = _issue(wash, customer, 300, "R1")
    outcomes, barrier = {}, threading.Barrier(5)

    def run(name, call):
        try:
            barrier.wait()
            call()
            outcomes[name] = "ok"
        except InsufficientPoints:
            outcomes[name] = "insufficient"
        except Exception as error:  # noqa: BLE001 - reported below
            outcomes[name] = repr(error)
        finally:
            connections.close_all()

    calls = {"reverse": lambda: reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="错会员")}
    calls.update({f"accept{i}": (lambda i=i: _accept(wash, customer, 100, f"A{i}")) for i in range(4)})
    threads = [threading.Thread(target=run, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(outcomes.values()) <= {"ok", "insufficient"}, outcomes
    accepted = sum(outcomes[f"accept{i}"] == "ok" for i in range(4))
    reversed_ = 300 if outcomes["reverse"] == "ok" else 0
    assert (reversed_ and accepted == 0) or (not reversed_ and accepted == 3), outcomes
    assert _spendable(customer) == 300 - reversed_ - 100 * accepted == 0


def test_the_settlement_counts_a_reversal_in_its_month_and_a_closed_month_stays(wash, manager, customer):
    _issue(wash, customer, 50, "R0", local(2026, 3, 2, 10))
    march_issue = _issue(wash, customer, 800, "R1", local(2026, 3, 10, 10))
    march_accept = _accept(wash, customer, 200, "A1", local(2026, 3, 20, 10))
    closed = partners.close_month(actor=manager, partner_id=wash.pk, month="2026-03", now=local(2026, 4, 2, 9))
    assert (closed.issued_points, closed.accepted_points, closed.net_cents) == (850, 200, 850 * 5 - 200 * 4)
    # April: the March issue and acceptance both found wrong; a new issue of 100 reversed the same day
    # (the acceptance first: the member's 650 spendable points would not cover the issue's 800)
    reverse_partner_movement(actor=manager, transfer_id=march_accept.pk, reason="金额错", now=local(2026, 4, 3, 10))
    reverse_partner_movement(actor=manager, transfer_id=march_issue.pk, reason="重复", now=local(2026, 4, 3, 11))
    april_issue = _issue(wash, customer, 100, "R2", local(2026, 4, 30, 23, 59))
    reverse_partner_movement(actor=manager, transfer_id=april_issue.pk, reason="错会员", now=local(2026, 4, 30, 23, 59))
    april = partners.settlement(wash, "2026-04")
    # by hand: issued 100, issues reversed 800 + 100, accepted 0, acceptances reversed 200
    assert (april["issued_points"], april["issued_reversed_points"], april["accepted_points"],
            april["accepted_reversed_points"]) == (100, 900, 0, 200)
    assert (april["net_issued_points"], april["net_accepted_points"], april["transfers"]) == (-800, -200, 4)
    assert (april["due_from_partner_cents"], april["due_to_partner_cents"], april["net_cents"]) == (
        -4000, -800, -3200)
    assert april["ledger_net_points"] == -200 - (-800) and april["balanced"]
    # March: closed, never changed; its report still the ledger's
    march = partners.settlement(wash, "2026-03")
    assert Settlement.objects.get(pk=closed.pk).issued_points == 850 and march["settlement"].pk == closed.pk
    assert (march["issued_points"], march["issued_reversed_points"], march["net_cents"], march["balanced"]) == (
        850, 0, closed.net_cents, True)
    # the partner account's transfers summed in Python, by local month, equal each month's net
    account = partners.account_of(wash)
    by_month = {}
    for transfer in Transfer.objects.filter(programme_id=wash.programme_id):
        sign = (transfer.credit_id == account.pk) - (transfer.debit_id == account.pk)
        month = transfer.created_at.astimezone(SHANGHAI).date().replace(day=1)
        by_month[month] = by_month.get(month, 0) + sign * transfer.amount
    history = {row["month"]: row for row in partners.history(wash, through=dt.date(2026, 5, 1))}
    for month, row in history.items():
        assert row["net_accepted_points"] - row["net_issued_points"] == by_month.get(month, 0), month
        assert row["balanced"], month
    assert sum(by_month.values()) == account.balance
    # April closes with its reversals, and its money on the net
    made = partners.close_month(actor=manager, partner_id=wash.pk, month="2026-04", now=local(2026, 5, 1, 9))
    assert (made.issued_points, made.issued_reversed_points, made.accepted_reversed_points, made.net_cents) == (
        100, 900, 200, -3200)
    assert partners.settlement(wash, "2026-04")["balanced"]


def test_nothing_is_recorded_in_a_closed_month(wash, manager, customer):
    issued = _issue(wash, customer, 100, "R1", local(2026, 3, 10, 10))
    partners.close_month(actor=manager, partner_id=wash.pk, month="2026-03", now=local(2026, 4, 2, 9))
    with pytest.raises(ValidationError) as refused:
        reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="补录", now=local(2026, 3, 31, 12))
    assert "month" in refused.value.message_dict
    with pytest.raises(ValidationError, match="closed"):
        _issue(wash, customer, 5, "R9", local(2026, 3, 31, 12))
    assert not Transfer.objects.filter(kind="reverse").exists() and partners.settlement(wash, "2026-03")["balanced"]


def test_the_liability_counts_reversed_partner_movements(wash, manager, customer):
    issued = _issue(wash, customer, 300, "R1", local(2026, 3, 10, 10))
    accepted = _accept(wash, customer, 100, "A1", local(2026, 3, 11, 10))
    reverse_partner_movement(actor=manager, transfer_id=accepted.pk, reason="错", now=local(2026, 4, 1, 10))
    reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="错", now=local(2026, 4, 2, 10))
    rows = {r["month"]: r for r in liability.for_programme(programme_for(wash.programme.dealer_id),
                                                           dt.date(2026, 3, 1), dt.date(2026, 4, 1))}
    assert (rows[dt.date(2026, 3, 1)]["issued"], rows[dt.date(2026, 3, 1)]["redeemed"]) == (300, 100)
    assert (rows[dt.date(2026, 4, 1)]["issued"], rows[dt.date(2026, 4, 1)]["redeemed"]) == (-300, -100)
    assert rows[dt.date(2026, 4, 1)]["spendable"] == 0 == _spendable(customer)


def test_who_may_reverse(org, wash, manager, customer):
    movement = _issue(wash, customer, 10, "R1")
    for role in ("consultant", "service_advisor", "marketing", "region_manager", "group_admin"):
        with pytest.raises(PermissionDenied):
            reverse_partner_movement(actor=org.staff[role], transfer_id=movement.pk, reason="x")
    other = make_staff("d2mgr", "service_manager", group=org.d2.region.group, dealer=org.d2)
    with pytest.raises(Http404):
        reverse_partner_movement(actor=other, transfer_id=movement.pk, reason="x")
    # the partner's agent, even a manager by role, never reverses the partner's movements
    agent = org.staff["sales_manager"]
    partners.update_partner(actor=manager, partner_id=wash.pk, agent_id=agent.pk)
    with pytest.raises(PermissionDenied, match="API caller"):
        reverse_partner_movement(actor=agent, transfer_id=movement.pk, reason="x")
    assert not Transfer.objects.filter(kind="reverse").exists()
    made = reverse_partner_movement(actor=org.staff["dealer_gm"], transfer_id=movement.pk, reason="经理更正")
    assert made.actor_id == org.staff["dealer_gm"].pk


def test_a_reversal_after_the_partners_end(org, manager, customer):
    wash = _partner(org, manager)
    movement = _issue(wash, customer, 10, "R1", local(2025, 6, 1, 10))
    partners.update_partner(actor=manager, partner_id=wash.pk, active_until=dt.date(2025, 12, 31))
    assert reverse_partner_movement(actor=manager, transfer_id=movement.pk, reason="合作结束后更正").amount == 10


@pytest.mark.parametrize("reason", ["", "   ", None, 5, "a\x00b", "x" * 10_001])
def test_bad_reasons(wash, manager, customer, reason):
    movement = _issue(wash, customer, 10, "R1")
    with pytest.raises(ValidationError) as refused:
        reverse_partner_movement(actor=manager, transfer_id=movement.pk, reason=reason)
    assert "reason" in refused.value.message_dict
    assert not Transfer.objects.filter(kind="reverse").exists()


def test_what_is_not_a_partners_movement_is_404(org, wash, manager, customer):
    movement = _issue(wash, customer, 10, "R1")
    earned = points.earn(actor=manager, customer_id=customer.pk, points=10, pending=False)
    other = _partner(org, manager, code="fuel")
    for transfer_id, partner_id in ((earned.pk, None), (10**9, None), ("x", None), (None, None), (True, None),
                                    (2**70, None), (-1, None), (movement.pk, other.pk), (movement.pk, "x")):
        with pytest.raises(Http404):
            reverse_partner_movement(actor=manager, transfer_id=transfer_id, partner_id=partner_id, reason="x")
    assert reverse_partner_movement(actor=manager, transfer_id=str(movement.pk), partner_id=wash.pk,
                                    reason="更正").reverses_id == movement.pk


def test_the_general_reversal_leaves_partner_movements_to_theirs(wash, manager, customer):
    movement = _issue(wash, customer, 10, "R1")
    with pytest.raises(ValidationError, match="partner"):
        reverse(actor=manager, transfer_id=movement.pk, reason="x")


def test_movements_newest_first(wash, manager, customer):
    first, second = _issue(wash, customer, 10, "R1"), _accept(wash, customer, 5, "A1")
    points.earn(actor=manager, customer_id=customer.pk, points=10, pending=False)
    assert [t.pk for t in movements(wash)] == [second.pk, first.pk]
