"""The points API: the member's balances and entries, writes with an Idempotency-Key, the error
shape (409 ``insufficient_points``, 422 naming the field or the header), and the door (404 out of
sight, writing nothing)."""

import pytest

from retain.loyalty.models import IdempotencyKey, Transfer
from retain.loyalty.services import points
from retain.org.models import AuditEvent
from tests.conftest import make_customer

BASE = "/api/v1/loyalty/members"


def _post(client, url, body, key="k-1"):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return client.post(url, data=body, content_type="application/json", headers=headers)


@pytest.fixture
def desk_client(client, desk):
    client.force_login(desk)
    return client


def test_member_balances(desk_client, desk, customer):
    assert desk_client.get(f"{BASE}/{customer.pk}").json() == {
        "customer_id": customer.pk, "balance": 0, "pending": 0, "reserved": 0, "tier": None, "qualifying_points": 0,
        "tier_since": None, "member_since": None, "next_tier": None, "points_to_next_tier": None}
    points.earn(actor=desk, customer_id=customer.pk, points=1000, pending=False)
    points.earn(actor=desk, customer_id=customer.pk, points=70)
    answer = desk_client.get(f"{BASE}/{customer.pk}").json()
    assert (answer["balance"], answer["pending"], answer["qualifying_points"]) == (1000, 70, 1070)
    # the default tiers: 普卡 from the first earning, 银卡 at 5,000 qualifying points
    assert (answer["tier"], answer["next_tier"], answer["points_to_next_tier"]) == ("普卡", "银卡", 5000 - 1070)


def test_earn_and_redeem_through_the_api(desk_client, customer):
    earned = _post(desk_client, f"{BASE}/{customer.pk}/earn", {"points": 500, "pending": False, "memo": "保养"}, "a")
    assert earned.status_code == 201, earned.json()
    assert earned.json()["member"]["balance"] == 500
    assert earned.json()["transfer"]["change"] == 500 and earned.json()["transfer"]["by"] == "service_advisor"
    spent = _post(desk_client, f"{BASE}/{customer.pk}/redeem", {"points": 100}, "b")  # with reward_id: an order (test_rewards_api)
    assert spent.status_code == 201
    assert spent.json()["member"]["balance"] == 400 and spent.json()["transfer"]["change"] == -100


def test_insufficient_points_is_409_and_findable(desk_client, customer):
    answer = _post(desk_client, f"{BASE}/{customer.pk}/redeem", {"points": 100})
    assert answer.status_code == 409
    [detail] = answer.json()["detail"]
    assert detail["loc"] == ["body", "points"] and detail["type"] == "insufficient_points"
    assert not Transfer.objects.exists()


def test_same_key_same_body_replays_other_body_422(desk_client, desk, customer):
    points.earn(actor=desk, customer_id=customer.pk, points=300, pending=False)
    first = _post(desk_client, f"{BASE}/{customer.pk}/redeem", {"points": 100}, "same")
    again = _post(desk_client, f"{BASE}/{customer.pk}/redeem", {"points": 100}, "same")
    assert (first.status_code, again.status_code) == (201, 201)
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    other = _post(desk_client, f"{BASE}/{customer.pk}/redeem", {"points": 101}, "same")
    assert other.status_code == 422
    assert other.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert other.json()["detail"][0]["type"] == "idempotency_key_reused"
    assert desk_client.get(f"{BASE}/{customer.pk}").json()["balance"] == 200


def test_a_refusal_is_replayed_too(desk_client, desk, customer):
    first = _post(desk_client, f"{BASE}/{customer.pk}/redeem", {"points": 100}, "r")
    points.earn(actor=desk, customer_id=customer.pk, points=300, pending=False)
    again = _post(desk_client, f"{BASE}/{customer.pk}/redeem", {"points": 100}, "r")
    assert first.status_code == again.status_code == 409 and first.json() == again.json()


def test_keys_are_per_caller(client, org, desk, customer):
    points.earn(actor=desk, customer_id=customer.pk, points=300, pending=False)
    for who in ("service_advisor", "service_manager"):
        client.force_login(org.staff[who])
        assert _post(client, f"{BASE}/{customer.pk}/redeem", {"points": 100}, "shared").status_code == 201
    assert IdempotencyKey.objects.filter(key="shared").count() == 2


def test_adjust_is_a_managers(client, org, customer):
    client.force_login(org.staff["service_advisor"])
    assert _post(client, f"{BASE}/{customer.pk}/adjust", {"points": 10, "reason": "x"}).status_code == 403
    client.force_login(org.staff["service_manager"])
    up = _post(client, f"{BASE}/{customer.pk}/adjust", {"points": 10, "reason": "补录"}, "up")
    down = _post(client, f"{BASE}/{customer.pk}/adjust", {"points": -4, "reason": "冲正"}, "down")
    assert (up.status_code, down.status_code) == (201, 201) and down.json()["member"]["balance"] == 6
    too_far = _post(client, f"{BASE}/{customer.pk}/adjust", {"points": -7, "reason": "x"}, "far")
    assert too_far.status_code == 409


def test_entries_newest_first_and_paged(desk_client, desk, customer):
    for n in range(1, 4):
        points.earn(actor=desk, customer_id=customer.pk, points=n, pending=False)
    page = desk_client.get(f"{BASE}/{customer.pk}/entries?limit=2").json()
    assert page["count"] == 3 and [item["points"] for item in page["items"]] == [3, 2]


def test_reservation_and_reverse_through_the_api(client, org, desk, customer):
    points.earn(actor=desk, customer_id=customer.pk, points=100, pending=False)
    client.force_login(desk)
    held = _post(client, f"{BASE}/{customer.pk}/reservations", {"points": 60}, "h")
    assert held.status_code == 201 and held.json()["member"]["reserved"] == 60
    posted = _post(client, f"/api/v1/loyalty/reservations/{held.json()['transfer']['id']}/post", {}, "p")
    assert posted.status_code == 201 and posted.json()["member"]["reserved"] == 0
    twice = _post(client, f"/api/v1/loyalty/reservations/{held.json()['transfer']['id']}/release",
                  {"reason": "取消"}, "p2")
    assert twice.status_code == 409 and twice.json()["detail"][0]["loc"] == ["body", "transfer_id"]
    assert twice.json()["detail"][0]["type"] == "reservation_settled"
    assert "service_advisor" in twice.json()["detail"][0]["msg"]  # redeemed when and by whom
    client.force_login(org.staff["service_manager"])
    back = _post(client, f"/api/v1/loyalty/transfers/{posted.json()['transfer']['id']}/reverse",
                 {"reason": "兑错"}, "rv")
    assert back.status_code == 201 and back.json()["member"]["balance"] == 100


@pytest.mark.parametrize("body, field", [
    ({"points": 0}, "points"),
    ({"points": -5}, "points"),
    ({"points": 10**11}, "points"),
    ({"points": 10**30}, "points"),
    ({"points": "5"}, "points"),
    ({"points": True}, "points"),
    ({"points": 1.5}, "points"),
    ({}, "points"),
    ({"points": 5, "reward_id": 0}, "reward_id"),
    ({"points": 5, "memo": "a\x00b"}, "memo"),
    ({"points": 5, "extra": 1}, "extra"),
])
def test_bad_redeem_bodies_name_the_field_and_write_nothing(desk_client, desk, customer, body, field):
    points.earn(actor=desk, customer_id=customer.pk, points=100, pending=False)
    before = (Transfer.objects.count(), AuditEvent.objects.count())
    answer = _post(desk_client, f"{BASE}/{customer.pk}/redeem", body)
    assert answer.status_code == 422, answer.json()
    assert field in str(answer.json()["detail"])
    assert (Transfer.objects.count(), AuditEvent.objects.count()) == before
    assert not IdempotencyKey.objects.exists()


@pytest.mark.parametrize("body, field", [
    ({"points": 5, "reason": "a\x00b"}, "reason"),
    ({"points": 5, "reason": "   "}, "reason"),
    ({"points": 5}, "reason"),
    ({"points": 0, "reason": "x"}, "points"),
    ({"points": 10_000_001, "reason": "x"}, "points"),
])
def test_bad_adjust_bodies(client, org, customer, body, field):
    client.force_login(org.staff["service_manager"])
    answer = _post(client, f"{BASE}/{customer.pk}/adjust", body)
    assert answer.status_code == 422 and field in str(answer.json()["detail"])
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("key", [None, "", "x" * 256, "a\tb"])
def test_a_write_needs_a_good_key(desk_client, customer, key):
    answer = _post(desk_client, f"{BASE}/{customer.pk}/earn", {"points": 5}, key)
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["header", "Idempotency-Key"]
    assert not Transfer.objects.exists()


def test_out_of_sight_or_unknown_customer_is_404_revealing_nothing(client, org, customer):
    far = make_customer(dealer=org.d2, name="远方客户")
    client.force_login(org.staff["consultant"])  # owns ``customer``; sees nothing of D2
    for target in (far.pk, 987654321):
        assert client.get(f"{BASE}/{target}").status_code == 404
        answer = _post(client, f"{BASE}/{target}/earn", {"points": 5}, f"e{target}")
        assert answer.status_code == 404 and "远方" not in answer.content.decode()
    assert not Transfer.objects.exists() and not IdempotencyKey.objects.exists()


def test_keys_are_kept_a_day_then_pruned(desk_client, customer):
    import datetime as dt

    from django.utils import timezone

    from retain.jobs.registry import job

    for key in ("old", "young"):
        assert _post(desk_client, f"{BASE}/{customer.pk}/earn", {"points": 1}, key).status_code == 201
    now = timezone.now()
    IdempotencyKey.objects.filter(key="old").update(created_at=now - dt.timedelta(days=3))
    IdempotencyKey.objects.filter(key="young").update(created_at=now - dt.timedelta(hours=23))
    assert "1 idempotency keys removed" in job("loyalty.prune_keys").run(timezone.localdate() + dt.timedelta(days=5))
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["young"]  # never one younger than 24 h
    assert AuditEvent.objects.filter(action="points_keys.prune").count() == 1
