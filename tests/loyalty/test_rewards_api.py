"""Rewards and vouchers over the API: the catalogue, ordering through ``redeem`` with
``reward_id``, a voucher by code, use and cancel with an Idempotency-Key, the error shape (409
``insufficient_points``/``out_of_stock``/``limit_reached``/``voucher_used``, 404 unknown, 422 a
typo), and, on a real multi-worker server with a connection per request, stock never below zero
and a voucher used once under concurrency."""

import itertools
import time
from collections import Counter

import pytest
from django.db import connection

from retain.loyalty import balances
from retain.loyalty.models import Reward, Transfer, TransferKind, Voucher
from retain.loyalty.services import codes, points, rewards
from retain.org import services as org_services
from tests.conftest import make_customer

from .server import request, together

MEMBERS = "/api/v1/loyalty/members"
_keys = itertools.count(1)


def _post(client, url, body, key=None):
    return client.post(url, data=body, content_type="application/json",
                       headers={"Idempotency-Key": key or f"key-{next(_keys)}"})


@pytest.fixture
def desk_client(client, desk):
    client.force_login(desk)
    return client


def _setup(org, *, stock=3, points_=1000, limit=None, name="洗车券"):
    reward = rewards.create_reward(actor=None, dealer_id=org.d1.pk, name=name, kind="service", points=300, stock=stock,
                                   member_limit=limit)
    customer = make_customer(dealer=org.d1, name="陈静")
    if points_:
        points.earn(actor=None, customer_id=customer.pk, points=points_, pending=False)
    return reward, customer


def test_catalogue_of_the_callers_dealers(desk_client, org):
    reward, _customer = _setup(org)
    rewards.create_reward(actor=None, dealer_id=org.d2.pk, name="别店的", points=1)
    rewards.create_reward(actor=None, dealer_id=org.d1.pk, name="停用", points=5, active=False)
    listed = desk_client.get("/api/v1/loyalty/rewards").json()["items"]
    assert [item["name"] for item in listed] == ["停用", "洗车券"]
    assert listed[1] | {"id": 0} == {"id": 0, "dealer_id": org.d1.pk, "name": "洗车券", "description": "",
                                     "kind": "service", "points": 300, "stock": 3, "member_limit": None,
                                     "limit_period": "year", "valid_days": 30, "active": True, "valid_from": None,
                                     "valid_until": None}
    assert [i["name"] for i in desk_client.get("/api/v1/loyalty/rewards?orderable=true").json()["items"]] == ["洗车券"]
    assert desk_client.get(f"/api/v1/loyalty/rewards?dealer_id={org.d2.pk}").status_code == 404
    assert desk_client.get("/api/v1/loyalty/rewards?dealer_id=abc").status_code == 422


def test_order_use_and_cancel_through_the_api(desk_client, org, desk):
    reward, customer = _setup(org)
    ordered = _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": reward.pk}, "o1")
    assert ordered.status_code == 201, ordered.json()
    body = ordered.json()
    voucher = body["voucher"]
    assert (voucher["status"], voucher["points"], voucher["reward"]) == ("open", 300, "洗车券")
    assert body["member"] == {"customer_id": customer.pk, "balance": 700, "pending": 0, "reserved": 300}
    assert body["transfer"]["kind"] == "reserve" and codes.valid(voucher["code"])
    replay = _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": reward.pk}, "o1")
    assert replay.json() == body and Voucher.objects.count() == 1

    seen = desk_client.get(f"/api/v1/loyalty/vouchers/{voucher['printed'].lower()}")
    assert seen.status_code == 200 and seen.json()["code"] == voucher["code"]
    used = _post(desk_client, f"/api/v1/loyalty/vouchers/{voucher['code']}/use", {}, "u1")
    assert used.status_code == 200 and used.json()["status"] == "used" and used.json()["closed_by"] == "service_advisor"
    assert _post(desk_client, f"/api/v1/loyalty/vouchers/{voucher['code']}/use", {}, "u1").json() == used.json()
    again = _post(desk_client, f"/api/v1/loyalty/vouchers/{voucher['code']}/use", {}, "u2")
    assert again.status_code == 409
    [detail] = again.json()["detail"]
    assert detail["type"] == "voucher_used" and detail["loc"] == ["body", "code"] and "service_advisor" in detail["msg"]

    second = _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": reward.pk}).json()
    code = second["voucher"]["code"]
    assert _post(desk_client, f"/api/v1/loyalty/vouchers/{code}/cancel", {}).status_code == 422  # reason required
    cancelled = _post(desk_client, f"/api/v1/loyalty/vouchers/{code}/cancel", {"reason": "顾客改约"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert _post(desk_client, f"/api/v1/loyalty/vouchers/{code}/cancel", {"reason": "再"}).json()["detail"][0][
        "type"] == "voucher_closed"
    assert Reward.objects.get(pk=reward.pk).stock == 2 and balances.of(customer.pk)["balance"] == 700


def test_refusals_and_bad_input(desk_client, org):
    reward, customer = _setup(org, stock=1, points_=200)
    answer = _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": reward.pk})
    assert answer.status_code == 409 and answer.json()["detail"][0]["type"] == "insufficient_points"
    points.earn(actor=None, customer_id=customer.pk, points=2000, pending=False)
    assert _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": reward.pk}).status_code == 201
    answer = _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": reward.pk})
    assert answer.status_code == 409 and answer.json()["detail"][0]["type"] == "out_of_stock"
    limited, _c = _setup(org, stock=None, limit=1, name="机油")
    assert _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": limited.pk}).status_code == 201
    answer = _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", {"points": 300, "reward_id": limited.pk})
    assert answer.status_code == 409 and answer.json()["detail"][0]["type"] == "limit_reached"
    for body, field in (({"points": 299, "reward_id": limited.pk}, "points"),
                        ({"points": 300, "reward_id": 10**9}, "reward_id"),
                        ({"points": 300, "reward_id": "x"}, "reward_id"),
                        ({"points": 300, "reward_id": -1}, "reward_id")):
        answer = _post(desk_client, f"{MEMBERS}/{customer.pk}/redeem", body)
        assert answer.status_code == 422 and field in str(answer.json()["detail"]), (body, answer.json())
    good = codes.new_code()
    typo = good[:3] + ("2" if good[3] != "2" else "3") + good[4:]
    for code, status, kind in ((good, 404, None), (typo, 422, "bad_check_character"), ("SHORT", 422, "value_error")):
        got = desk_client.get(f"/api/v1/loyalty/vouchers/{code}")
        assert got.status_code == status, code
        if kind:
            assert got.json()["detail"][0]["type"] == kind
        posted = _post(desk_client, f"/api/v1/loyalty/vouchers/{code}/use", {})
        assert posted.status_code == status
    assert _post(desk_client, f"/api/v1/loyalty/vouchers/{good}/use", {"extra": 1}).status_code == 422
    assert desk_client.post(f"/api/v1/loyalty/vouchers/{good}/use", data={}, content_type="application/json"
                            ).status_code == 422  # no Idempotency-Key


def test_a_voucher_out_of_sight_is_404_and_untouched(client, org):
    reward, customer = _setup(org)
    voucher = rewards.order(actor=None, customer_id=customer.pk, reward_id=reward.pk)
    client.force_login(org.staff["d2_consultant"])
    assert client.get(f"/api/v1/loyalty/vouchers/{voucher.code}").status_code == 404
    assert _post(client, f"/api/v1/loyalty/vouchers/{voucher.code}/use", {}).status_code == 404
    assert Voucher.objects.get(pk=voucher.pk).status == "open"


def test_the_openapi_document_declares_the_refusals(desk_client):
    paths = desk_client.get("/api/v1/openapi.json").json()["paths"]
    assert {"200", "409", "422"} <= set(paths["/api/v1/loyalty/vouchers/{code}/use"]["post"]["responses"])
    assert {"201", "409"} <= set(paths["/api/v1/loyalty/members/{customer_id}/redeem"]["post"]["responses"])


# --- under concurrency, on a real server --------------------------------------------------------



@pytest.mark.django_db(transaction=True)
def test_stock_never_below_zero_and_a_voucher_used_once_under_concurrency(server, org):
    desk = org.staff["service_advisor"]
    _row, token = org_services.issue_token(actor=None, staff=desk)
    rounds = 10 if connection.vendor == "postgresql" else 3
    started, orders, uses = time.monotonic(), Counter(), Counter()
    for round_ in range(rounds):
        reward = rewards.create_reward(actor=None, dealer_id=org.d1.pk, name=f"车模{round_}", points=100, stock=5)
        members = [make_customer(dealer=org.d1, name=f"会员{round_}-{i}") for i in range(20)]
        for customer in members:
            points.earn(actor=None, customer_id=customer.pk, points=100, pending=False)
        answers = together(20, lambda i, members=members, reward=reward, round_=round_: request(
            server, "POST", f"{MEMBERS}/{members[i].pk}/redeem", {"points": 100, "reward_id": reward.pk},
            token=token, key=f"order-{round_}-{i}"))
        statuses = Counter(status for status, _body in answers)
        assert statuses == {201: 5, 409: 15}, (round_, statuses, [b for s, b in answers if s not in (201, 409)][:2])
        assert {body["detail"][0]["type"] for status, body in answers if status == 409} == {"out_of_stock"}
        assert Reward.objects.get(pk=reward.pk).stock == 0
        assert Voucher.objects.filter(reward=reward).count() == 5
        orders.update(statuses)
        # two (here eight) desks scan the same code at once: one hands it over
        code = next(body["voucher"]["code"] for status, body in answers if status == 201)
        scans = together(8, lambda i, code=code, round_=round_: request(
            server, "POST", f"/api/v1/loyalty/vouchers/{code}/use", {}, token=token, key=f"use-{round_}-{i}"))
        statuses = Counter(status for status, _body in scans)
        assert statuses == {200: 1, 409: 7}, (round_, statuses)
        assert {body["detail"][0]["type"] for status, body in scans if status == 409} == {"voucher_used"}
        voucher = Voucher.objects.get(code=code)
        assert Transfer.objects.filter(kind=TransferKind.POST_RESERVATION, settles=voucher.reservation_id).count() == 1
        uses.update(statuses)
    elapsed = time.monotonic() - started
    print(f"\n{rounds} rounds on {connection.vendor}: orders {dict(orders)}, scans {dict(uses)}, {elapsed:.1f} s")
