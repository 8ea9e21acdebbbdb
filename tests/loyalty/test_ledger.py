"""The ledger's services: earning (pending and at once), activation and voids, redemption,
reservations, adjustments, transfers between members, reversals; the invariants hold after each
(``conftest._ledger_verified``), and each action writes one audit row."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.http import Http404

from retain.loyalty import balances
from retain.loyalty.models import Account, Lot, LotUse, Transfer
from retain.loyalty.services import pending, points, reservations
from retain.loyalty.services.ledger import InsufficientPoints
from retain.loyalty.services.reverse import reverse
from retain.org.models import AuditEvent
from tests.conftest import make_customer


def _balance(customer):
    """The ledger's figures and the tier (the member's tier details are tested in test_tiers)."""
    held = balances.of(customer.pk)
    return {key: held[key] for key in ("balance", "pending", "reserved", "tier", "qualifying_points")}


def test_earn_pending_then_activate(desk, customer):
    earned = points.earn(actor=desk, customer_id=customer.pk, points=500, memo="保养")
    assert earned.available_on is not None
    assert _balance(customer)["pending"] == 500 and _balance(customer)["balance"] == 0
    with pytest.raises(InsufficientPoints):
        points.redeem(actor=desk, customer_id=customer.pk, points=1)
    with pytest.raises(ValidationError):  # not before its day, unless by hand without a day
        pending.activate(actor=desk, transfer_id=earned.pk, day=earned.available_on - dt.timedelta(days=1))
    done = pending.activate_due(actor=None, day=earned.available_on)
    assert done == {"transfers": 1, "points": 500}
    assert pending.activate_due(actor=None, day=earned.available_on) == {"transfers": 0, "points": 0}
    assert _balance(customer) == {"balance": 500, "pending": 0, "reserved": 0, "tier": "普卡", "qualifying_points": 500}
    with pytest.raises(ValidationError):
        pending.void(actor=desk, transfer_id=earned.pk, reason="退货")


def test_void_takes_pending_back_once(desk, customer):
    earned = points.earn(actor=desk, customer_id=customer.pk, points=300)
    pending.void(actor=desk, transfer_id=earned.pk, reason="退货")
    assert _balance(customer)["pending"] == 0
    with pytest.raises(ValidationError):
        pending.void(actor=desk, transfer_id=earned.pk, reason="again")
    assert pending.activate_due(actor=None, day=dt.date(2100, 1, 1))["transfers"] == 0


def test_redeem_spends_oldest_lot_first_and_never_below_zero(desk, customer):
    first = points.earn(actor=desk, customer_id=customer.pk, points=100, pending=False)
    second = points.earn(actor=desk, customer_id=customer.pk, points=100, pending=False)
    points.redeem(actor=desk, customer_id=customer.pk, points=150)
    assert Lot.objects.get(transfer=first).remaining == 0
    assert Lot.objects.get(transfer=second).remaining == 50
    with pytest.raises(InsufficientPoints) as refused:
        points.redeem(actor=desk, customer_id=customer.pk, points=51)
    assert refused.value.available == 50
    assert _balance(customer)["balance"] == 50


def test_each_action_writes_one_audit_row(desk, manager, customer):
    before = AuditEvent.objects.count()
    points.earn(actor=desk, customer_id=customer.pk, points=100, pending=False)
    points.redeem(actor=desk, customer_id=customer.pk, points=10)
    points.adjust(actor=manager, customer_id=customer.pk, points=-5, reason="录错")
    codes = list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[before:])
    assert codes == ["points.earn", "points.redeem", "points.adjust"]


def test_reservation_posted_or_released_once(desk, customer):
    points.earn(actor=desk, customer_id=customer.pk, points=200, pending=False)
    held = reservations.reserve(actor=desk, customer_id=customer.pk, points=150)
    assert _balance(customer) == {"balance": 50, "pending": 0, "reserved": 150, "tier": "普卡",
                                  "qualifying_points": 200}
    with pytest.raises(InsufficientPoints):  # reserved points are not spendable
        points.redeem(actor=desk, customer_id=customer.pk, points=100)
    reservations.release(actor=desk, transfer_id=held.pk, reason="取消订单")
    with pytest.raises(ValidationError):
        reservations.post(actor=desk, transfer_id=held.pk)
    assert _balance(customer)["balance"] == 200
    again = reservations.reserve(actor=desk, customer_id=customer.pk, points=200)
    reservations.post(actor=desk, transfer_id=again.pk)
    with pytest.raises(ValidationError):
        reservations.release(actor=desk, transfer_id=again.pk, reason="x")
    assert _balance(customer)["balance"] == 0 and _balance(customer)["reserved"] == 0


def test_adjust_needs_a_manager_and_a_reason(desk, manager, customer):
    with pytest.raises(PermissionDenied):
        points.adjust(actor=desk, customer_id=customer.pk, points=10, reason="x")
    with pytest.raises(ValidationError) as refused:
        points.adjust(actor=manager, customer_id=customer.pk, points=10, reason="  ")
    assert "reason" in refused.value.message_dict
    points.adjust(actor=manager, customer_id=customer.pk, points=10, reason="补录")
    with pytest.raises(InsufficientPoints):
        points.adjust(actor=manager, customer_id=customer.pk, points=-11, reason="x")
    points.adjust(actor=manager, customer_id=customer.pk, points=-10, reason="冲正")
    assert _balance(customer)["balance"] == 0


def test_transfer_between_members_keeps_expiry(org, manager, desk, customer):
    other = make_customer(dealer=org.d1, name="王五")
    earned = points.earn(actor=desk, customer_id=customer.pk, points=100, pending=False)
    moved = points.transfer(actor=manager, customer_id=customer.pk, to_customer_id=other.pk, points=60, reason="家人")
    assert Lot.objects.get(transfer=moved).expires_on == Lot.objects.get(transfer=earned).expires_on
    assert _balance(other)["balance"] == 60 and _balance(customer)["balance"] == 40
    reverse(actor=manager, transfer_id=moved.pk, reason="转错")
    assert _balance(other)["balance"] == 0 and _balance(customer)["balance"] == 100
    far = make_customer(dealer=org.d2, name="赵六")
    with pytest.raises(Http404):  # out of the service manager's sight
        points.transfer(actor=manager, customer_id=customer.pk, to_customer_id=far.pk, points=1, reason="x")


def test_reversals(desk, manager, customer):
    earned = points.earn(actor=desk, customer_id=customer.pk, points=100, pending=False)
    spent = points.redeem(actor=desk, customer_id=customer.pk, points=80)
    with pytest.raises(InsufficientPoints):  # the earn's points were spent: no negative balance
        reverse(actor=manager, transfer_id=earned.pk, reason="退货")
    reverse(actor=manager, transfer_id=spent.pk, reason="兑错")
    with pytest.raises(ValidationError):
        reverse(actor=manager, transfer_id=spent.pk, reason="again")
    reverse(actor=manager, transfer_id=earned.pk, reason="退货")
    assert _balance(customer)["balance"] == 0
    waiting = points.earn(actor=desk, customer_id=customer.pk, points=10)
    with pytest.raises(ValidationError):
        reverse(actor=manager, transfer_id=waiting.pk, reason="x")
    pending.activate(actor=desk, transfer_id=waiting.pk)
    reverse(actor=manager, transfer_id=waiting.pk, reason="退货")
    assert _balance(customer) == {"balance": 0, "pending": 0, "reserved": 0, "tier": "普卡", "qualifying_points": 0}


def test_a_source_earns_once(desk, customer):
    first = points.earn(actor=None, customer_id=customer.pk, points=10, source="txn:1")
    again = points.earn(actor=None, customer_id=customer.pk, points=10, source="txn:1")
    assert first.pk == again.pk and Transfer.objects.filter(source="txn:1").count() == 1


def test_service_idempotency_key(desk, customer):
    first = points.earn(actor=desk, customer_id=customer.pk, points=10, pending=False, idempotency_key="k1")
    again = points.earn(actor=desk, customer_id=customer.pk, points=10, pending=False, idempotency_key="k1")
    assert first.pk == again.pk and _balance(customer)["balance"] == 10
    with pytest.raises(ValidationError) as refused:
        points.earn(actor=desk, customer_id=customer.pk, points=11, pending=False, idempotency_key="k1")
    assert "idempotency_key" in refused.value.message_dict


@pytest.mark.parametrize("bad", [0, -1, 10_000_001, 10**30, True, 1.5, "5", None])
def test_bad_points_write_nothing(desk, customer, bad):
    with pytest.raises(ValidationError) as refused:
        points.earn(actor=desk, customer_id=customer.pk, points=bad)
    assert "points" in refused.value.message_dict
    assert not Transfer.objects.exists()


def test_entries_are_append_only_in_the_orm_and_the_database(desk, customer):
    earned = points.earn(actor=desk, customer_id=customer.pk, points=10, pending=False)
    points.redeem(actor=desk, customer_id=customer.pk, points=5)
    with pytest.raises(TypeError):
        Transfer.objects.filter(pk=earned.pk).update(amount=1)
    with pytest.raises(TypeError):
        Transfer.objects.all().delete()
    with pytest.raises(TypeError):
        earned.delete()
    with pytest.raises(TypeError):
        LotUse.objects.all().delete()
    statements = [
        f"UPDATE loyalty_transfer SET amount = 1 WHERE id = {earned.pk}",
        f"DELETE FROM loyalty_transfer WHERE id = {earned.pk}",
        "UPDATE loyalty_lotuse SET amount = 1",
        "DELETE FROM loyalty_lotuse",
        "DELETE FROM loyalty_lot",
        "UPDATE loyalty_lot SET amount = 99",
        "DELETE FROM loyalty_account",
        "UPDATE loyalty_account SET kind = 'expiry'",
    ]
    for sql in statements:
        with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Transfer.objects.get(pk=earned.pk).amount == 10
    assert Account.objects.filter(customer=customer).count() == 3


def test_a_merged_duplicates_points_move_by_a_transfer(org, desk, manager, customer):
    from retain.customers import services as customer_services

    duplicate = make_customer(dealer=org.d1, name="李四(重复)")
    earned = points.earn(actor=desk, customer_id=duplicate.pk, points=70, pending=False)
    customer_services.merge_customers(actor=manager, survivor_id=customer.pk, duplicate_id=duplicate.pk)
    assert _balance(customer)["balance"] == 70 and _balance(duplicate)["balance"] == 0
    moved = Transfer.objects.get(kind="transfer", credit__customer=customer)
    assert Lot.objects.get(transfer=moved).expires_on == Lot.objects.get(transfer=earned).expires_on
    assert Account.objects.filter(customer=duplicate).count() == 3  # its accounts and history stay its own


def test_a_duplicate_with_pending_points_is_not_merged(org, desk, manager, customer):
    from retain.customers import services as customer_services
    from retain.customers.models import Customer

    duplicate = make_customer(dealer=org.d1, name="李四(重复)")
    points.earn(actor=desk, customer_id=duplicate.pk, points=70, pending=True)
    with pytest.raises(ValidationError) as refused:
        customer_services.merge_customers(actor=manager, survivor_id=customer.pk, duplicate_id=duplicate.pk)
    assert "duplicate" in refused.value.message_dict
    assert Customer.objects.get(pk=duplicate.pk).status == "active"
