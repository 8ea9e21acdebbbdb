"""The timeout of a reservation made without a voucher (issue 11, two-phase redemption): held for
the programme's ``reservation_hours`` (fixed when it is made, shown in the API's answer and on the
card), not posted after it, and voided by the daily job ``loyalty.release_stale`` once (run twice,
side by side, or again after a crash), its points back with the expiry they had. A voucher's
reservation is left to the voucher. The ledger's invariants are verified after each test (conftest)."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, connections

from retain.jobs.registry import job
from retain.loyalty import balances, faults, verify
from retain.loyalty.models import Lot, Programme, Transfer, TransferKind, Voucher
from retain.loyalty.services import points, reservations, rewards
from retain.loyalty.services.common import Conflict
from retain.org.models import AuditEvent
from tests.conftest import make_customer

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: Reservations made at 10:00 Shanghai time on 10 March 2026 are held until 10:00 on 13 March (72 hours).
MADE = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
DEADLINE = MADE + dt.timedelta(hours=72)
BASE = "/api/v1/loyalty"


def _member(org, points_=1000, name="王芳"):
    customer = make_customer(dealer=org.d1, name=name, owner=org.staff["consultant"])
    points.earn(actor=None, customer_id=customer.pk, points=points_, pending=False, now=MADE - dt.timedelta(days=40))
    return customer


def _reserve(actor, customer, amount=300, at=MADE):
    return reservations.reserve(actor=actor, customer_id=customer.pk, points=amount, memo="精品车模", now=at)


def _post(client, url, body, key):
    return client.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": key})


def _timed_out():
    return Transfer.objects.filter(kind=TransferKind.VOID_RESERVATION, origin="job")


# --- the deadline --------------------------------------------------------------------------------

def test_the_deadline_is_the_programmes_hours_fixed_when_reserved(org, desk, manager):
    from retain.loyalty.services import rules

    customer = _member(org)
    assert _reserve(desk, customer).held_until == DEADLINE
    rules.set_rules(actor=manager, dealer_id=org.d1.pk, reservation_hours=5)
    assert _reserve(desk, customer).held_until == MADE + dt.timedelta(hours=5)
    assert Transfer.objects.filter(kind=TransferKind.RESERVE).order_by("id").first().held_until == DEADLINE  # kept
    event = AuditEvent.objects.filter(action="points.reserve").order_by("id").first()
    assert event.after["held_until"].startswith("2026-03-13T02:00:00")  # 10:00 in Shanghai, in UTC


def test_the_api_answers_when_a_reservation_times_out(client, org, desk):
    customer = _member(org)
    client.force_login(desk)
    before = dt.datetime.now(dt.UTC)
    answer = _post(client, f"{BASE}/members/{customer.pk}/reservations", {"points": 100}, "h")
    assert answer.status_code == 201, answer.json()
    held_until = dt.datetime.fromisoformat(answer.json()["transfer"]["held_until"])
    assert before + dt.timedelta(hours=72) <= held_until <= dt.datetime.now(dt.UTC) + dt.timedelta(hours=72)
    entries = client.get(f"{BASE}/members/{customer.pk}/entries").json()["items"]
    assert [e["held_until"] is not None for e in entries] == [True, False]  # the reservation, the earn
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["EntryOut"]
    assert "held_until" in schema["properties"] and "times out" in schema["properties"]["held_until"]["description"]


def test_a_vouchers_reservation_has_no_deadline_of_its_own(org, desk):
    reward = rewards.create_reward(actor=None, dealer_id=org.d1.pk, name="洗车券", kind="service", points=300)
    voucher = rewards.order(actor=desk, customer_id=_member(org).pk, reward_id=reward.pk, now=MADE)
    assert voucher.reservation.held_until is None


# --- posting and releasing around the deadline ---------------------------------------------------

def test_posting_stops_at_the_deadline_releasing_does_not(org, desk):
    customer = _member(org)
    on_time, late, released = _reserve(desk, customer, 100), _reserve(desk, customer, 200), _reserve(desk, customer, 300)
    reservations.post(actor=desk, transfer_id=on_time.pk, now=DEADLINE - dt.timedelta(seconds=1))
    with pytest.raises(Conflict) as refused:
        reservations.post(actor=desk, transfer_id=late.pk, now=DEADLINE)
    assert refused.value.kind == "reservation_timed_out" and "transfer_id" in refused.value.message_dict
    reservations.release(actor=desk, transfer_id=released.pk, reason="顾客不要了", now=DEADLINE + dt.timedelta(hours=3))
    held = balances.of(customer.pk)
    assert (held["balance"], held["reserved"]) == (1000 - 100 - 200, 200)


def test_through_the_api_a_timed_out_reservation_is_409_before_and_after_the_job(client, org, desk):
    customer = _member(org)
    late = _reserve(desk, customer, 200, at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=73))
    client.force_login(desk)
    early = _post(client, f"{BASE}/reservations/{late.pk}/post", {}, "p1")
    assert early.status_code == 409
    [detail] = early.json()["detail"]
    assert (detail["loc"], detail["type"]) == (["body", "transfer_id"], "reservation_timed_out")
    assert balances.of(customer.pk)["reserved"] == 200  # refused: nothing written

    job("loyalty.release_stale").call(dt.date.today() + dt.timedelta(days=1))
    for action, body, key in (("post", {}, "p2"), ("release", {"reason": "取消"}, "r1")):
        answer = _post(client, f"{BASE}/reservations/{late.pk}/{action}", body, key)
        assert answer.status_code == 409, answer.json()
        assert answer.json()["detail"][0]["type"] == "reservation_timed_out"
    assert _timed_out().count() == 1 and balances.of(customer.pk)["balance"] == 1000


# --- the job -------------------------------------------------------------------------------------

def test_the_job_voids_a_reservation_past_its_deadline_once_with_its_expiry_back(org, desk):
    customer = _member(org)
    held = _reserve(desk, customer, 300)
    spent_lot = Lot.objects.get(uses__transfer=held)
    assert reservations.time_out_due(day=dt.date(2026, 3, 13)) == {"reservations": 0, "points": 0}  # 10:00 on the 13th
    assert reservations.time_out_due(day=dt.date(2026, 3, 14)) == {"reservations": 1, "points": 300}
    assert reservations.time_out_due(day=dt.date(2026, 3, 14)) == {"reservations": 0, "points": 0}
    assert reservations.time_out_due(day=dt.date(2026, 3, 20)) == {"reservations": 0, "points": 0}
    [void] = _timed_out()
    assert (void.settles_id, void.actor_id, void.amount) == (held.pk, None, 300)
    assert Lot.objects.get(transfer=void).expires_on == spent_lot.expires_on  # back with the expiry it had
    held_now = balances.of(customer.pk)
    assert (held_now["balance"], held_now["reserved"]) == (1000, 0)
    [event] = AuditEvent.objects.filter(action="points.time_out")
    assert (event.object_id, event.dealer_id) == (str(customer.pk), org.d1.pk)
    assert event.after["reservation_id"] == held.pk and event.after["transfer_id"] == void.pk
    assert event.after["day"] == "2026-03-14" and event.after["points"] == 300
    assert verify.run().ok


def test_the_day_begins_at_the_dealers_local_midnight(org, desk):
    customer = _member(org)
    before_midnight = _reserve(desk, customer, 10, at=dt.datetime(2026, 3, 10, 23, 59, tzinfo=SHANGHAI))
    at_midnight = _reserve(desk, customer, 20, at=dt.datetime(2026, 3, 11, 0, 0, tzinfo=SHANGHAI))
    assert reservations.time_out_due(day=dt.date(2026, 3, 14)) == {"reservations": 1, "points": 10}
    assert reservations.time_out_due(day=dt.date(2026, 3, 15)) == {"reservations": 1, "points": 20}
    assert sorted(_timed_out().values_list("settles_id", flat=True)) == [before_midnight.pk, at_midnight.pk]


def test_the_job_leaves_the_others(org, desk):
    customer = _member(org, 5000)
    reward = rewards.create_reward(actor=None, dealer_id=org.d1.pk, name="保养工时券", kind="service", points=400,
                                   valid_days=60)
    voucher = rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk, now=MADE)
    not_yet = _reserve(desk, customer, 100, at=MADE + dt.timedelta(days=5))
    posted, released = _reserve(desk, customer, 200), _reserve(desk, customer, 300)
    reservations.post(actor=desk, transfer_id=posted.pk, now=MADE + dt.timedelta(hours=1))
    reservations.release(actor=desk, transfer_id=released.pk, reason="取消", now=MADE + dt.timedelta(hours=1))
    past = _reserve(desk, customer, 500)
    run = job("loyalty.release_stale").call
    assert run(dt.date(2026, 3, 14)).endswith("0 vouchers expired, 0 points released; "
                                              "1 reservations timed out, 500 points released")
    assert "0 reservations timed out" in run(dt.date(2026, 3, 14))
    assert list(_timed_out().values_list("settles_id", flat=True)) == [past.pk]
    assert Voucher.objects.get(pk=voucher.pk).status == "open"  # its own day is in May
    assert not Transfer.objects.filter(settles=not_yet).exists()
    assert "1 reservations timed out, 100 points" in run(dt.date(2026, 3, 19))
    assert "1 vouchers expired, 400 points released; 0 reservations" in run(dt.date(2026, 5, 10))
    assert balances.of(customer.pk)["reserved"] == 0 and balances.of(customer.pk)["balance"] == 5000 - 200


def _side_by_side(work, count=2):
    errors, results, start = [], [], threading.Barrier(count)

    def run():
        try:
            start.wait()
            results.append(work())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_runs_side_by_side_void_each_reservation_once(org, desk):
    customers = [_member(org, 1000, name=f"会员{n}") for n in range(5)]
    for customer in customers:
        _reserve(desk, customer, 100)
        _reserve(desk, customer, 50, at=MADE + dt.timedelta(hours=1))
    results = _side_by_side(lambda: reservations.time_out_due(day=dt.date(2026, 3, 14)))
    assert sum(r["reservations"] for r in results) == 10 and sum(r["points"] for r in results) == 750
    assert _timed_out().count() == 10
    assert AuditEvent.objects.filter(action="points.time_out").count() == 10
    assert all(balances.of(c.pk)["balance"] == 1000 for c in customers)
    assert verify.run().ok
    assert connection.vendor in ("sqlite", "postgresql")


@pytest.mark.django_db(transaction=True)
def test_a_run_resumed_after_a_crash_voids_each_reservation_once(org, desk):
    customers = [_member(org, 1000, name=f"会员{n}") for n in range(3)]
    for customer in customers:
        _reserve(desk, customer, 100)
    calls = []

    def crash_on_the_second(name):
        if name == "audited":
            calls.append(name)
            if len(calls) == 2:
                raise RuntimeError("the worker died")

    faults.hook = crash_on_the_second
    try:
        with pytest.raises(RuntimeError):
            reservations.time_out_due(day=dt.date(2026, 3, 14))
    finally:
        faults.hook = None
    assert _timed_out().count() == 1  # the first, committed
    assert reservations.time_out_due(day=dt.date(2026, 3, 14)) == {"reservations": 2, "points": 200}
    assert _timed_out().count() == 3


# --- the card ------------------------------------------------------------------------------------

def test_the_card_shows_open_reservations_with_their_deadline(client, org, desk):
    customer = _member(org)
    client.force_login(desk)
    held = _reserve(desk, customer, 120)
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    shown = card[card.index('id="open-reservations"'):]
    shown = shown[:shown.index("</ul>")]
    assert "120" in shown and "精品车模" in shown and "2026" in shown
    reservations.post(actor=desk, transfer_id=held.pk, now=MADE + dt.timedelta(hours=1))
    assert 'id="open-reservations"' not in client.get(f"/customers/{customer.pk}/").content.decode()
    assert Programme.objects.get(dealer=org.d1).reservation_hours == 72
