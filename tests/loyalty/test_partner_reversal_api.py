"""The API of partner reversals and settings: a movement reversed once per ``Idempotency-Key`` (409
``already_reversed`` after, 409 ``insufficient_points`` for spent points), never by the partner's
agent; the movements listed with their reversals; a partner changed by PATCH; the programme's
point value and goodwill caps through the rules endpoint; errors as JSON naming the field."""

import datetime as dt

import pytest

from retain.loyalty import balances
from retain.loyalty.models import Partner, Transfer
from retain.loyalty.services import ledger, partners, points, rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def wash(org, manager):
    return partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code="wash",
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2024, 1, 1))


def _post(client, url, body, key="k1"):
    return client.post(url, data=body, content_type="application/json", headers={"Idempotency-Key": key})


def _patch(client, url, body):
    return client.patch(url, data=body, content_type="application/json")


def test_a_movement_is_reversed_once_per_key(client, manager, wash, customer):
    issued = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=120,
                                    reference="R-1")
    client.force_login(manager)
    url = f"/api/v1/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse"
    first, again = _post(client, url, {"reason": "收银重复"}), _post(client, url, {"reason": "收银重复"})
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    body = first.json()
    assert (body["transfer"]["kind"], body["transfer"]["reverses_id"], body["transfer"]["change"]) == (
        "reverse", issued.pk, -120)
    assert body["member"]["balance"] == 0 and first.json() == again.json()
    twice = _post(client, url, {"reason": "再来"}, key="k2")
    assert twice.status_code == 409 and twice.json()["detail"][0]["type"] == "already_reversed"
    assert twice.json()["detail"][0]["loc"] == ["body", "transfer_id"]
    assert Transfer.objects.filter(reverses=issued).count() == 1


def test_spent_points_are_409_insufficient_points(client, manager, wash, customer):
    issued = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=100,
                                    reference="R-1")
    points.redeem(actor=manager, customer_id=customer.pk, points=60)
    client.force_login(manager)
    answer = _post(client, f"/api/v1/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse", {"reason": "错"})
    assert answer.status_code == 409 and answer.json()["detail"][0]["type"] == "insufficient_points"
    assert not Transfer.objects.filter(kind="reverse").exists() and balances.of(customer.pk)["balance"] == 40


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}, {"reason": 5}, {"reason": None},
                                  {"reason": "a\x00"}, {"reason": "x" * 10_001}, {"reason": "ok", "extra": 1}, []])
def test_bad_reversal_bodies(client, manager, wash, customer, body):
    issued = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=10,
                                    reference="R-1")
    client.force_login(manager)
    answer = _post(client, f"/api/v1/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse", body)
    assert answer.status_code == 422, answer.content
    assert not Transfer.objects.filter(kind="reverse").exists()


def test_who_reverses_through_the_api(client, org, manager, wash, customer):
    issued = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=10,
                                    reference="R-1")
    url = f"/api/v1/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse"
    agent = org.staff["consultant"]
    partners.update_partner(actor=manager, partner_id=wash.pk, agent_id=agent.pk)
    client.force_login(agent)  # the partner's till: records its movements, never reverses them
    assert _post(client, f"/api/v1/loyalty/partners/{wash.pk}/issue",
                 {"customer_id": customer.pk, "points": 5, "reference": "R-2"}).status_code == 201
    assert _post(client, url, {"reason": "x"}, key="k2").status_code == 403
    client.force_login(org.staff["region_manager"])
    assert _post(client, url, {"reason": "x"}).status_code == 403
    client.force_login(org.staff["dealer_gm"])
    assert _post(client, f"/api/v1/loyalty/partners/{wash.pk}/movements/999999/reverse", {"reason": "x"}).status_code \
        == 404
    other = partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="加油站", kind="fuel", code="fuel",
                                    issue_rate_cents=1, accept_rate_cents=1, active_from=dt.date(2024, 1, 1))
    assert _post(client, f"/api/v1/loyalty/partners/{other.pk}/movements/{issued.pk}/reverse",
                 {"reason": "x"}).status_code == 404
    assert not Transfer.objects.filter(kind="reverse").exists()
    assert _post(client, url, {"reason": "总经理更正"}, key="k3").status_code == 201


def test_the_movements_with_their_reversals(client, org, manager, wash, customer):
    issued = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=100,
                                    reference="R-1", memo="首单")
    accepted = partners.partner_accept(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=30,
                                       reference="A-1")
    client.force_login(manager)
    _post(client, f"/api/v1/loyalty/partners/{wash.pk}/movements/{accepted.pk}/reverse", {"reason": "错"})
    client.force_login(org.staff["region_manager"])  # those who see the liability read them
    page = client.get(f"/api/v1/loyalty/partners/{wash.pk}/movements").json()
    assert page["count"] == 2
    newest, oldest = page["items"]
    assert (newest["id"], newest["direction"], newest["points"], newest["reference"]) == (accepted.pk, "accept", 30,
                                                                                         "A-1")
    assert newest["reversal_id"] == Transfer.objects.get(reverses=accepted).pk and newest["reversed_at"]
    assert (oldest["direction"], oldest["customer_id"], oldest["memo"], oldest["reversal_id"]) == (
        "issue", customer.pk, "首单", None)
    assert oldest["by"] == manager.display_name
    limited = client.get(f"/api/v1/loyalty/partners/{wash.pk}/movements?limit=1&offset=1").json()
    assert [row["id"] for row in limited["items"]] == [issued.pk]
    client.force_login(org.staff["consultant"])
    assert client.get(f"/api/v1/loyalty/partners/{wash.pk}/movements").status_code == 403


def test_the_settlement_api_shows_the_reversals(client, manager, wash, customer):
    issued = partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=300,
                                    reference="R", now=dt.datetime(2025, 3, 10, 2, tzinfo=dt.UTC))
    from retain.loyalty.services.partner_reversal import reverse_partner_movement

    reverse_partner_movement(actor=manager, transfer_id=issued.pk, reason="错",
                             now=dt.datetime(2025, 4, 2, 2, tzinfo=dt.UTC))
    client.force_login(manager)
    april = client.get(f"/api/v1/loyalty/partners/{wash.pk}/settlements/2025-04").json()
    assert (april["issued_points"], april["issued_reversed_points"], april["net_issued_points"],
            april["due_from_partner_cents"], april["balanced"]) == (0, 300, -300, -1500, True)
    closed = _post(client, f"/api/v1/loyalty/partners/{wash.pk}/settlements", {"month": "2025-04"})
    assert closed.status_code == 201 and closed.json()["issued_reversed_points"] == 300


def test_a_partner_is_changed_by_patch(client, org, manager, wash, customer):
    client.force_login(manager)
    url = f"/api/v1/loyalty/partners/{wash.pk}"
    agent = org.staff["service_advisor"]
    answer = _patch(client, url, {"name": "好洗车", "issue_rate_cents": 8, "agent_id": agent.pk,
                                  "active_until": "2027-12-31", "code": "wash2"})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["name"], body["issue_rate_cents"], body["agent_id"], body["agent"], body["code"],
            body["active_until"]) == ("好洗车", 8, agent.pk, agent.display_name, "wash2", "2027-12-31")
    assert body["accept_rate_cents"] == 4  # not sent: kept
    cleared = _patch(client, url, {"agent_id": None, "active_until": None}).json()
    assert (cleared["agent_id"], cleared["active_until"]) == (None, None)
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=5, reference="R")
    used = _patch(client, url, {"code": "wash3"})
    assert used.status_code == 422 and "code" in str(used.json()["detail"])
    assert Partner.objects.get(pk=wash.pk).code == "wash2"
    listed = client.get("/api/v1/loyalty/partners").json()
    assert listed[0]["agent_id"] is None and listed[0]["code"] == "wash2"


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"), ({"name": None}, "name"), ({"kind": "bank"}, "kind"), ({"code": "B A D"}, "code"),
    ({"issue_rate_cents": -1}, "issue_rate_cents"), ({"issue_rate_cents": "5"}, "issue_rate_cents"),
    ({"accept_rate_cents": 10_001}, "accept_rate_cents"), ({"active_from": "1800-01-01"}, "active_from"),
    ({"active_from": 20250101}, "active_from"), ({"active_until": "2023-01-01"}, "__all__"),
    ({"agent_id": 0}, "agent_id"), ({"agent_id": True}, "agent_id"), ({"agent_id": 999999}, "agent_id"),
    ({"balance": 5}, "balance"), ({"name": "a\x00"}, "name"),
])
def test_bad_patches(client, manager, wash, body, field):
    client.force_login(manager)
    before = Partner.objects.filter(pk=wash.pk).values().get()
    answer = _patch(client, f"/api/v1/loyalty/partners/{wash.pk}", body)
    assert answer.status_code == 422, answer.content
    assert field in str(answer.json()["detail"])
    assert Partner.objects.filter(pk=wash.pk).values().get() == before


def test_who_patches(client, org, wash):
    url = f"/api/v1/loyalty/partners/{wash.pk}"
    client.force_login(org.staff["region_manager"])
    assert _patch(client, url, {"name": "x"}).status_code == 403
    client.force_login(org.staff["consultant"])
    assert _patch(client, url, {"name": "x"}).status_code == 403
    client.force_login(org.staff["dealer_gm"])
    assert _patch(client, "/api/v1/loyalty/partners/999999", {"name": "x"}).status_code == 404
    assert Partner.objects.get(pk=wash.pk).name == "洗车店"


def test_the_point_value_and_caps_through_the_rules_api(client, org, manager):
    client.force_login(manager)
    url = f"/api/v1/loyalty/programmes/{org.d1.pk}/rules"
    read = client.get(url).json()
    assert (read["point_value_cents"], read["goodwill_case_cap"], read["goodwill_month_cap"]) == (1, 2_000, 5_000)
    answer = client.put(url, {"point_value_cents": 3, "goodwill_month_cap": 9_000}, content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert (answer.json()["point_value_cents"], answer.json()["goodwill_case_cap"],
            answer.json()["goodwill_month_cap"]) == (3, 2_000, 9_000)
    for body, field in (({"point_value_cents": -1}, "point_value_cents"),
                        ({"point_value_cents": 10_001}, "point_value_cents"),
                        ({"point_value_cents": "3"}, "point_value_cents"),
                        ({"goodwill_case_cap": True}, "goodwill_case_cap"),
                        ({"goodwill_case_cap": 10_000_001}, "goodwill_case_cap"),
                        ({"goodwill_case_cap": 9_001}, "goodwill_case_cap")):
        refused = client.put(url, body, content_type="application/json")
        assert refused.status_code == 422 and field in str(refused.json()["detail"]), (body, refused.content)
    assert rules.read(ledger.programme_for(org.d1.pk))["point_value_cents"] == 3
    client.force_login(org.staff["consultant"])
    assert client.put(url, {"point_value_cents": 4}, content_type="application/json").status_code == 403
