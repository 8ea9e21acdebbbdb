"""The catalogue, the manager's reward form, the service desk and the voucher page, through the
test client (real database): lookups by full mobile (in sight only) and by code, ordering,
handing over once, cancelling, points for a receipt once; and the card's open vouchers."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from retain.loyalty import balances
from retain.loyalty.models import Reward, Voucher
from retain.loyalty.services import codes, points, rewards
from tests.conftest import make_customer


@pytest.fixture
def desk_client(client, desk):
    client.force_login(desk)
    return client


@pytest.fixture
def setup(org):
    reward = rewards.create_reward(actor=None, dealer_id=org.d1.pk, name="洗车券", kind="service", points=300, stock=4)
    customer = make_customer(dealer=org.d1, name="赵敏", mobile="+8613800138000")
    points.earn(actor=None, customer_id=customer.pk, points=1000, pending=False)
    return reward, customer


def _messages(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_catalogue_and_the_managers_form(client, org, setup):
    reward, _customer = setup
    client.force_login(org.staff["service_advisor"])
    page = client.get("/loyalty/rewards/")
    assert page.status_code == 200 and "洗车券" in page.content.decode() and "/loyalty/rewards/new/" not in page.content.decode()
    assert client.get("/loyalty/rewards/new/").status_code == 403
    assert client.get(f"/loyalty/rewards/{reward.pk}/").status_code == 403
    client.force_login(org.staff["marketing"])
    form = {"name": "车模", "description": "1:18", "kind": "gift", "points": "2000", "stock": "3", "member_limit": "1",
            "limit_period": "ever", "valid_days": "60", "active": "on", "valid_from": "", "valid_until": ""}
    assert client.post("/loyalty/rewards/new/", form).status_code == 302
    made = Reward.objects.get(name="车模")
    assert (made.points, made.stock, made.member_limit, made.limit_period) == (2000, 3, 1, "ever")
    bad = client.post("/loyalty/rewards/new/", {**form, "points": "0"})
    assert bad.status_code == 422 and Reward.objects.filter(name="车模").count() == 1
    bad = client.post("/loyalty/rewards/new/", {**form, "valid_from": "2026-05-01", "valid_until": "2026-04-01"})
    assert bad.status_code == 422
    assert client.post(f"/loyalty/rewards/{made.pk}/", {**form, "stock": "9"}).status_code == 302
    assert Reward.objects.get(pk=made.pk).stock == 9
    other = rewards.create_reward(actor=None, dealer_id=org.d2.pk, name="别店", points=1)
    assert client.get(f"/loyalty/rewards/{other.pk}/").status_code == 404
    assert client.get("/loyalty/rewards/?dealer=D2").status_code == 404


def test_desk_finds_by_full_mobile_in_sight_only(desk_client, org, setup):
    _reward, customer = setup
    make_customer(dealer=org.d2, name="外店", mobile="+8613900139000")
    found = desk_client.get("/loyalty/desk/", {"q": "138 0013 8000"})
    assert found.status_code == 200 and f"/loyalty/desk/members/{customer.pk}/" in found.content.decode()
    outside = desk_client.get("/loyalty/desk/", {"q": "13900139000"}).content.decode()
    assert "外店" not in outside and "No member in your sight" in outside
    partial = desk_client.get("/loyalty/desk/", {"q": "8000"}).content.decode()
    assert "赵敏" not in partial  # a suffix finds nobody: the full number is asked
    fragment = desk_client.get("/loyalty/desk/", {"q": "13800138000"}, headers={"HX-Request": "true"})
    assert "<html" not in fragment.content.decode() and "赵敏" in fragment.content.decode()
    outsider = make_customer(dealer=org.d2, name="外店会员")
    assert desk_client.get(f"/loyalty/desk/members/{outsider.pk}/").status_code == 404


def test_order_hand_over_once_and_cancel_at_the_desk(desk_client, org, setup):
    reward, customer = setup
    page = desk_client.get(f"/loyalty/desk/members/{customer.pk}/")
    assert page.status_code == 200 and "洗车券" in page.content.decode()
    ordered = desk_client.post(f"/loyalty/desk/members/{customer.pk}/order/", {"reward": reward.pk})
    assert ordered.status_code == 302
    voucher = Voucher.objects.get()
    assert ordered["Location"] == f"/loyalty/vouchers/{voucher.code}/"
    shown = desk_client.get(ordered["Location"])
    html = shown.content.decode()
    assert "<svg" in html and codes.grouped(voucher.code) in html and "<script" not in html.split("<svg")[1].split("</svg>")[0]
    by_code = desk_client.get("/loyalty/desk/", {"q": codes.grouped(voucher.code).lower()}).content.decode()
    assert f"/loyalty/vouchers/{voucher.code}/" in by_code
    typo = voucher.code[:5] + voucher.code[6] + voucher.code[5] + voucher.code[7:]
    if typo != voucher.code:
        assert "typing error" in desk_client.get("/loyalty/desk/", {"q": typo}).content.decode()
    used = desk_client.post("/loyalty/desk/use/", {"code": voucher.code, "back": f"/loyalty/desk/members/{customer.pk}/"},
                            follow=True)
    assert any("Handed over" in m for m in _messages(used))
    again = desk_client.post(f"/loyalty/vouchers/{voucher.code}/use/", follow=True)
    assert any("already handed over" in m for m in _messages(again))
    assert Voucher.objects.get().status == "used" and balances.of(customer.pk)["reserved"] == 0
    # cancel another
    desk_client.post(f"/loyalty/desk/members/{customer.pk}/order/", {"reward": reward.pk})
    second = Voucher.objects.get(status="open")
    assert desk_client.post(f"/loyalty/vouchers/{second.code}/cancel/", {"reason": ""}).status_code == 302
    assert Voucher.objects.get(pk=second.pk).status == "open"
    desk_client.post(f"/loyalty/vouchers/{second.code}/cancel/", {"reason": "顾客改约"})
    assert Voucher.objects.get(pk=second.pk).status == "cancelled"
    assert Reward.objects.get(pk=reward.pk).stock == 3 and balances.of(customer.pk)["balance"] == 700
    # refusals shown on the form
    poor = make_customer(dealer=org.d1, name="穷")
    refused = desk_client.post(f"/loyalty/desk/members/{poor.pk}/order/", {"reward": reward.pk})
    assert refused.status_code == 422 and "points can be spent" in refused.content.decode()
    assert desk_client.post(f"/loyalty/desk/members/{poor.pk}/order/", {"reward": "abc"}).status_code == 422
    assert desk_client.get(f"/loyalty/desk/members/{customer.pk}/order/").status_code == 405
    for bad, use in (("SHORT", 302), (typo if typo != voucher.code else "x", 302), (codes.new_code(), 404)):
        assert desk_client.get(f"/loyalty/vouchers/{bad}/").status_code == 404
        assert desk_client.post(f"/loyalty/vouchers/{bad}/cancel/", {"reason": "x"}).status_code == 404
        assert desk_client.post(f"/loyalty/vouchers/{bad}/use/").status_code == use  # a typo: back, flashed


def test_points_for_a_receipt_once(desk_client, setup):
    _reward, customer = setup
    first = desk_client.post(f"/loyalty/desk/members/{customer.pk}/earn/", {"receipt": "R-2026 0001", "points": "120"},
                             follow=True)
    assert any("120 points credited" in m for m in _messages(first))
    again = desk_client.post(f"/loyalty/desk/members/{customer.pk}/earn/", {"receipt": "R-20260001", "points": "120"},
                             follow=True)
    assert any("already earned" in m for m in _messages(again))
    assert balances.of(customer.pk)["pending"] == 120
    for bad in ({"receipt": "", "points": "5"}, {"receipt": "a:b", "points": "5"}, {"receipt": "x" * 41, "points": "5"},
                {"receipt": "R2", "points": "0"}, {"receipt": "R2", "points": "1.5"}, {"receipt": "R2\x00", "points": "5"}):
        assert desk_client.post(f"/loyalty/desk/members/{customer.pk}/earn/", bad).status_code == 422, bad


def test_marketing_reads_but_does_not_order(client, org, setup):
    reward, customer = setup
    client.force_login(org.staff["marketing"])
    page = client.get(f"/loyalty/desk/members/{customer.pk}/").content.decode()
    assert "/order/" not in page and "/earn/" not in page
    assert client.post(f"/loyalty/desk/members/{customer.pk}/order/", {"reward": reward.pk}).status_code == 403
    assert not Voucher.objects.exists()


def test_the_card_shows_open_vouchers_in_one_more_query(desk_client, org, setup, desk):
    reward, customer = setup
    with CaptureQueriesContext(connection) as before:
        assert desk_client.get(f"/customers/{customer.pk}/").status_code == 200
    voucher = rewards.order(actor=desk, customer_id=customer.pk, reward_id=reward.pk)
    with CaptureQueriesContext(connection) as after:
        page = desk_client.get(f"/customers/{customer.pk}/")
    assert f"/loyalty/vouchers/{voucher.code}/" in page.content.decode()
    assert len(after) - len(before) <= 1, [q["sql"] for q in after][-5:]
    assert re.search(r"open-vouchers", page.content.decode())


def test_a_saved_date_comes_back_into_the_edit_form_in_either_language(client, org):
    """An ``<input type="date">`` reads only ISO dates; zh-hans once wrote 2026/05/01 there, so
    the edit form showed the reward's dates empty and saving it again lost them."""
    reward = rewards.create_reward(actor=None, dealer_id=org.d1.pk, name="车模", points=10,
                                   valid_from=dt.date(2026, 5, 1), valid_until=dt.date(2026, 6, 30))
    client.force_login(org.staff["marketing"])
    for language in ("zh-hans", "en"):
        page = client.get(f"/loyalty/rewards/{reward.pk}/", headers={"accept-language": language}).content.decode()
        assert re.search(r'type="date" name="valid_from" value="2026-05-01"', page), language
        assert re.search(r'type="date" name="valid_until" value="2026-06-30"', page), language
