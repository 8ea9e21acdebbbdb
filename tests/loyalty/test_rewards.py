"""Rewards and vouchers through the services (issue 11, item 4): ordering reserves points and
takes stock, a voucher is settled once (used, cancelled or expired), limits, codes, bad input.
The ledger's invariants are verified after each test (conftest)."""

import datetime as dt
import itertools
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from retain.loyalty import balances, faults
from retain.loyalty.models import Reward, Transfer, TransferKind, Voucher, VoucherStatus
from retain.loyalty.services import codes, points, rewards
from retain.org.models import AuditEvent
from tests.conftest import make_customer

NOW = dt.datetime(2026, 3, 10, 10, 0, tzinfo=dt.UTC)


def _reward(org, **fields) -> Reward:
    values = {"name": "洗车券", "kind": "service", "points": 300, "stock": 5, "member_limit": None}
    return rewards.create_reward(actor=None, dealer_id=org.d1.pk, **{**values, **fields})


def _member(org, points_=1000, name="王芳"):
    customer = make_customer(dealer=org.d1, name=name)
    if points_:
        points.earn(actor=None, customer_id=customer.pk, points=points_, pending=False, now=NOW)
    return customer


def _stock(reward):
    return Reward.objects.get(pk=reward.pk).stock


# --- codes ------------------------------------------------------------------------------------

def test_codes_are_unguessable_and_the_check_catches_every_single_typo_and_adjacent_swap():
    assert codes.ENTROPY_BITS > 59
    made = {codes.new_code() for _i in range(2000)}
    assert len(made) == 2000 and all(len(c) == 13 and codes.valid(c) for c in made)
    assert set("".join(made)) <= set(codes.ALPHABET) and not set("01ILO") & set("".join(made))
    sample = random.Random(7).sample(sorted(made), 100)
    for code in sample:
        for i, other in itertools.product(range(len(code)), codes.ALPHABET):
            if other != code[i]:
                typo = code[:i] + other + code[i + 1:]
                with pytest.raises(codes.BadCheckCharacter):
                    codes.normalise(typo)
        for i in range(len(code) - 1):
            if code[i] != code[i + 1]:
                swapped = code[:i] + code[i + 1] + code[i] + code[i + 2:]
                with pytest.raises(codes.BadCheckCharacter):
                    codes.normalise(swapped)
        assert codes.normalise(codes.grouped(code).lower()) == code
        assert codes.normalise(" ".join(codes.grouped(code).split("-"))) == code


@pytest.mark.parametrize("typed", ["", "ABC", "0" * 13, "ABCD-EFGH-JKMN-PQ", "A\x00" * 6 + "A", "x" * 41, 12345, None])
def test_a_malformed_code_is_refused_as_such(typed):
    with pytest.raises(ValidationError) as refused:
        codes.normalise(typed)
    assert not isinstance(refused.value, codes.BadCheckCharacter)


# --- ordering, using, cancelling -------------------------------------------------------------

def test_order_reserves_points_takes_stock_and_the_desk_hands_it_over_once(org, desk):
    reward, customer = _reward(org), _member(org)
    voucher = rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, now=NOW)
    assert (voucher.status, voucher.points, voucher.expires_on) == ("open", 300, dt.date(2026, 4, 9))
    assert codes.valid(voucher.code) and _stock(reward) == 4
    held = balances.of(customer.pk)
    assert (held["balance"], held["reserved"]) == (700, 300)
    used = rewards.use(actor=desk, code=codes.grouped(voucher.code).lower(), now=NOW + dt.timedelta(days=2))
    assert used.status == VoucherStatus.USED and used.closed_by == desk
    held = balances.of(customer.pk)
    assert (held["balance"], held["reserved"]) == (700, 0)
    assert Transfer.objects.filter(kind=TransferKind.POST_RESERVATION, settles=voucher.reservation).count() == 1
    with pytest.raises(rewards.Conflict) as again:
        rewards.use(actor=desk, code=voucher.code)
    assert again.value.kind == "voucher_used" and desk.display_name in again.value.messages[0]
    with pytest.raises(rewards.Conflict):
        rewards.cancel(actor=desk, code=voucher.code, reason="顾客不要了")
    assert _stock(reward) == 4
    codes_written = list(AuditEvent.objects.filter(object_type="voucher").values_list("action", flat=True))
    assert sorted(codes_written) == ["voucher.order", "voucher.use"]


def test_cancel_returns_the_points_with_their_expiry_and_the_stock(org, desk):
    reward, customer = _reward(org, stock=1), _member(org)
    voucher = rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, now=NOW)
    assert _stock(reward) == 0
    rewards.cancel(actor=desk, code=voucher.code, reason="顾客改主意")
    assert _stock(reward) == 1
    held = balances.of(customer.pk)
    assert (held["balance"], held["reserved"]) == (1000, 0)
    assert Voucher.objects.get(pk=voucher.pk).status == VoucherStatus.CANCELLED
    with pytest.raises(rewards.Conflict) as again:
        rewards.cancel(actor=desk, code=voucher.code, reason="再取消")
    assert again.value.kind == "voucher_closed"
    with pytest.raises(ValidationError):
        rewards.cancel(actor=desk, code=voucher.code, reason="  ")  # a reason is required


def test_refusals_insufficient_points_out_of_stock_and_limits(org, desk):
    rich, poor = _member(org, 5000, "富"), _member(org, 100, "穷")
    reward = _reward(org, stock=2)
    with pytest.raises(points.InsufficientPoints):
        rewards.order(actor=desk, customer_id=poor.pk, reward_id=reward.pk, now=NOW)
    assert _stock(reward) == 2
    rewards.order(actor=desk, customer_id=rich.pk, reward_id=reward.pk, now=NOW)
    rewards.order(actor=desk, customer_id=rich.pk, reward_id=reward.pk, now=NOW)
    with pytest.raises(rewards.Conflict) as out:
        rewards.order(actor=desk, customer_id=rich.pk, reward_id=reward.pk, now=NOW)
    assert out.value.kind == "out_of_stock" and _stock(reward) == 0
    assert balances.of(rich.pk)["reserved"] == 600

    yearly = _reward(org, name="机油", stock=None, member_limit=2, limit_period="year")
    for _i in range(2):
        rewards.order(actor=desk, customer_id=rich.pk, reward_id=yearly.pk, now=NOW)
    with pytest.raises(rewards.Conflict) as limited:
        rewards.order(actor=desk, customer_id=rich.pk, reward_id=yearly.pk, now=NOW)
    assert limited.value.kind == "limit_reached"
    # a cancelled one gives its place back; a new calendar year starts again
    cancelled = Voucher.objects.filter(reward=yearly).first()
    rewards.cancel(actor=desk, code=cancelled.code, reason="取消")
    rewards.order(actor=desk, customer_id=rich.pk, reward_id=yearly.pk, now=NOW)
    rewards.order(actor=desk, customer_id=rich.pk, reward_id=yearly.pk, now=NOW.replace(year=2027))

    once_ever = _reward(org, name="车模", stock=None, member_limit=1, limit_period="ever")
    rewards.order(actor=desk, customer_id=rich.pk, reward_id=once_ever.pk, now=NOW)
    with pytest.raises(rewards.Conflict) as ever:
        rewards.order(actor=desk, customer_id=rich.pk, reward_id=once_ever.pk, now=NOW.replace(year=2028))
    assert ever.value.kind == "limit_reached"


def test_bad_input_each_kind(org, desk):
    customer = _member(org)
    reward = _reward(org)
    other = rewards.create_reward(actor=None, dealer_id=org.d2.pk, name="充电卡", points=100)
    inactive = _reward(org, name="停用", active=False)
    later = _reward(org, name="未开始", valid_from=dt.date(2027, 1, 1))
    for reward_id, field in ((other.pk, "reward_id"), (inactive.pk, "reward_id"), (later.pk, "reward_id"),
                             (999999, "reward_id"), ("5", "reward_id"), (True, "reward_id"), (0, "reward_id")):
        with pytest.raises(ValidationError) as refused:
            rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward_id, now=NOW)
        assert field in refused.value.message_dict
    with pytest.raises(ValidationError) as price:
        rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, points=299, now=NOW)
    assert "points" in price.value.message_dict
    with pytest.raises(Http404):  # a customer of another dealer: nothing revealed
        rewards.order(actor=desk, customer_id=make_customer(dealer=org.d2, name="外店").pk, reward_id=reward.pk)
    with pytest.raises(Http404):
        rewards.use(actor=desk, code=codes.new_code())  # well formed, unknown
    with pytest.raises(codes.BadCheckCharacter):
        rewards.use(actor=desk, code="AAAAAAAAAAAAB" if not codes.valid("AAAAAAAAAAAAB") else "AAAAAAAAAAAAC")
    assert not Voucher.objects.exists() and _stock(reward) == 5
    # the catalogue's own bounds
    for fields, field in (({"points": 0}, "points"), ({"points": 10**12}, "points"), ({"stock": -1}, "stock"),
                          ({"name": ""}, "name"), ({"name": "x" * 101}, "name"), ({"name": "a\x00b"}, "name"),
                          ({"kind": "cash"}, "kind"), ({"valid_days": 0}, "valid_days"),
                          ({"valid_from": dt.date(2026, 5, 1), "valid_until": dt.date(2026, 4, 1)}, "valid_until"),
                          ({"limit_period": "week"}, "limit_period"), ({"colour": "red"}, "colour")):
        with pytest.raises(ValidationError) as refused:
            _reward(org, **fields)
        assert field in refused.value.message_dict, (fields, refused.value.message_dict)


def test_a_voucher_outside_the_callers_scope_reveals_nothing(org, desk):
    reward = rewards.create_reward(actor=None, dealer_id=org.d2.pk, name="洗车券", points=100)
    customer = make_customer(dealer=org.d2, name="外店会员")
    points.earn(actor=None, customer_id=customer.pk, points=500, pending=False)
    voucher = rewards.order(actor=None, customer_id=customer.pk, reward_id=reward.pk)
    for call in (lambda: rewards.find(desk, voucher.code), lambda: rewards.use(actor=desk, code=voucher.code),
                 lambda: rewards.cancel(actor=desk, code=voucher.code, reason="x")):
        with pytest.raises(Http404):
            call()
    assert Voucher.objects.get(pk=voucher.pk).status == "open"


def test_only_managers_edit_the_catalogue(org):
    with pytest.raises(PermissionDenied):
        rewards.create_reward(actor=org.staff["service_advisor"], dealer_id=org.d1.pk, name="x", points=1)
    with pytest.raises(Http404):
        rewards.create_reward(actor=org.staff["service_manager"], dealer_id=org.d2.pk, name="x", points=1)
    made = rewards.create_reward(actor=org.staff["marketing"], dealer_id=org.d1.pk, name="车模", points=800, stock=3)
    rewards.update_reward(actor=org.staff["service_manager"], reward_id=made.pk, stock=10, points=900)
    assert (_stock(made), Reward.objects.get(pk=made.pk).points) == (10, 900)


# --- the timeout job ------------------------------------------------------------------------

def test_release_stale_twice_and_after_a_crash_expires_each_voucher_once(org, desk):
    reward, customer = _reward(org, stock=10, valid_days=7), _member(org, 3000)
    vouchers = [rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, now=NOW) for _i in range(3)]
    rewards.use(actor=desk, code=vouchers[0].code, now=NOW)
    last_day = vouchers[1].expires_on
    assert rewards.release_stale(day=last_day) == {"vouchers": 0, "points": 0}  # valid through its last day

    calls = []

    def crash(name):  # the second voucher's release fails before commit
        if name == "stock_returned":
            calls.append(name)
            if len(calls) == 2:
                raise RuntimeError("crash")

    faults.hook = crash
    try:
        with pytest.raises(RuntimeError):
            rewards.release_stale(day=last_day + dt.timedelta(days=1))
    finally:
        faults.hook = None
    assert Voucher.objects.filter(status="expired").count() == 1 and _stock(reward) == 8
    assert rewards.release_stale(day=last_day + dt.timedelta(days=1)) == {"vouchers": 1, "points": 300}
    assert rewards.release_stale(day=last_day + dt.timedelta(days=2)) == {"vouchers": 0, "points": 0}
    assert _stock(reward) == 9
    held = balances.of(customer.pk)
    assert (held["balance"], held["reserved"]) == (2700, 0)
    assert Transfer.objects.filter(kind=TransferKind.VOID_RESERVATION).count() == 2
    with pytest.raises(rewards.Conflict):
        rewards.use(actor=desk, code=vouchers[1].code)
    # a voucher past its day but not yet expired by the job is not handed over
    late = rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, now=NOW)
    with pytest.raises(rewards.Conflict) as refused:
        rewards.use(actor=desk, code=late.code, now=NOW + dt.timedelta(days=30))
    assert refused.value.kind == "voucher_closed"


def test_the_job_is_registered_and_a_function_of_its_day(org, desk):
    from retain.jobs.registry import job as registered

    reward, customer = _reward(org, valid_days=1), _member(org)
    rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, now=NOW)
    job = registered("loyalty.release_stale")
    assert "1 vouchers expired" in job.call(dt.date(2026, 3, 12))
    assert "0 vouchers expired" in job.call(dt.date(2026, 3, 12))


def test_a_reservation_of_a_voucher_is_settled_only_through_the_voucher(org, desk):
    from retain.loyalty.services import reservations

    reward, customer = _reward(org), _member(org)
    voucher = rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, now=NOW)
    with pytest.raises(ValidationError):
        reservations.post(actor=desk, transfer_id=voucher.reservation_id)
    with pytest.raises(ValidationError):
        reservations.release(actor=desk, transfer_id=voucher.reservation_id, reason="x")
