"""The partner page's movements and their reversal (a reason and a tick to confirm, POST only), the
partner's edit page (its API caller chosen among the dealer's staff by name, the code fixed once
used), and the point value and goodwill caps on the rules page; bad input answers 422 with the
field's error and changes nothing, a GET writes nothing."""

import datetime as dt

import pytest

from retain.loyalty.models import Partner, Transfer
from retain.loyalty.services import ledger, partners, points, rules
from retain.org.models import AuditEvent
from tests.conftest import make_customer, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def wash(org, manager):
    return partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="洗车店", kind="car_wash", code="wash",
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2024, 1, 1))


def _issue(wash, customer, amount=100, ref="R-1"):
    return partners.partner_issue(actor=None, partner_id=wash.pk, customer_id=customer.pk, points=amount,
                                  reference=ref)


def test_the_movements_and_a_reversal_on_the_page(client, manager, wash, customer):
    issued = _issue(wash, customer)
    client.force_login(manager)
    before = Transfer.objects.count()
    page = client.get(f"/loyalty/partners/{wash.pk}/")
    text = page.content.decode()
    assert page.status_code == 200 and f'id="movement-{issued.pk}"' in text and "李四" in text and "R-1" in text
    assert f"/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse/" in text and Transfer.objects.count() == before
    url = f"/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse/"
    assert client.get(url).status_code == 405  # POST only
    unconfirmed = client.post(url, {"reason": "收银重复"})
    assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.content.decode()
    no_reason = client.post(url, {"reason": "", "confirm": "on"})
    assert no_reason.status_code == 422 and not Transfer.objects.filter(kind="reverse").exists()
    done = client.post(url, {"reason": "收银重复", "confirm": "on"})
    assert done.status_code == 302 and done["Location"].endswith("#movements")
    assert Transfer.objects.get(kind="reverse").reverses_id == issued.pk
    after = client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    assert "收银重复" in after and url not in after  # reversed: no second button
    twice = client.post(url, {"reason": "再来", "confirm": "on"})
    assert twice.status_code == 422 and "already reversed" in twice.content.decode()
    assert Transfer.objects.filter(kind="reverse").count() == 1


def test_spent_points_are_refused_on_the_page(client, manager, wash, customer):
    issued = _issue(wash, customer)
    points.redeem(actor=manager, customer_id=customer.pk, points=70)
    client.force_login(manager)
    refused = client.post(f"/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse/",
                          {"reason": "错会员", "confirm": "on"})
    assert refused.status_code == 422 and "Only 30 points can be spent" in refused.content.decode()
    assert not Transfer.objects.filter(kind="reverse").exists()


def test_who_sees_the_reverse_button(client, org, manager, wash, customer):
    issued = _issue(wash, customer)
    url = f"/loyalty/partners/{wash.pk}/movements/{issued.pk}/reverse/"
    client.force_login(org.staff["region_manager"])  # reads the partner, reverses nothing
    page = client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    assert f'id="movement-{issued.pk}"' in page and url not in page
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    agent = org.staff["sales_manager"]  # a manager by role, but the partner's API caller
    partners.update_partner(actor=manager, partner_id=wash.pk, agent_id=agent.pk)
    client.force_login(agent)
    assert url not in client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 403
    client.force_login(make_staff("d2gm", "dealer_gm", group=org.d2.region.group, dealer=org.d2))
    assert client.post(url, {"reason": "x", "confirm": "on"}).status_code == 404
    client.force_login(manager)
    assert client.post(f"/loyalty/partners/{wash.pk}/movements/999999/reverse/",
                       {"reason": "x", "confirm": "on"}).status_code == 404
    assert not Transfer.objects.filter(kind="reverse").exists()


def test_a_member_out_of_the_readers_sight_is_shown_by_number(client, org, manager, wash, monkeypatch):
    """Whoever reads the liability sees the dealer's customers today (the policy's scopes); should
    that change, a member the reader may not see is shown by number, not by name."""
    from retain.customers.models import Customer
    from retain.loyalty.views import partners as views

    owned = make_customer(dealer=org.d1, owner=org.staff["colleague"], name="同事的客户")
    _issue(wash, owned)
    client.force_login(manager)
    assert "同事的客户" in client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    monkeypatch.setattr(views, "visible_customers", lambda actor: Customer.objects.none())
    hidden = client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    assert "同事的客户" not in hidden and f"#{owned.pk}" in hidden


def test_the_movements_are_paged(client, manager, wash, customer):
    made = [_issue(wash, customer, 1, f"R-{n}") for n in range(27)]
    client.force_login(manager)
    first = client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    assert f'id="movement-{made[-1].pk}"' in first and f'id="movement-{made[1].pk}"' not in first
    cursor = first.split("after=")[1].split('"')[0]
    second = client.get(f"/loyalty/partners/{wash.pk}/?after={cursor}").content.decode()
    assert f'id="movement-{made[0].pk}"' in second and f'id="movement-{made[-1].pk}"' not in second
    assert client.get(f"/loyalty/partners/{wash.pk}/?after=bogus").status_code == 200


def test_the_edit_page(client, org, manager, wash, customer):
    client.force_login(manager)
    agent = make_staff("till", "consultant", group=org.d1.region.group, dealer=org.d1)
    type(agent).objects.filter(pk=agent.pk).update(first_name="小明", last_name="王")
    elsewhere = make_staff("elsewhere", "consultant", group=org.d2.region.group, dealer=org.d2)
    shown = client.get(f"/loyalty/partners/{wash.pk}/edit/")
    text = shown.content.decode()
    assert shown.status_code == 200 and "王小明" in text and "elsewhere" not in text  # family name first
    form = {"name": "好洗车", "kind": "car_wash", "code": "wash", "issue_rate_cents": "6", "accept_rate_cents": "4",
            "active_from": "2024-01-01", "active_until": "", "agent_id": str(agent.pk)}
    assert client.post(f"/loyalty/partners/{wash.pk}/edit/", form).status_code == 302
    wash.refresh_from_db()
    assert (wash.name, wash.issue_rate_cents, wash.agent_id) == ("好洗车", 6, agent.pk)
    assert AuditEvent.objects.filter(action="partner.update").count() == 1
    page = client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    assert "王小明" in page and f"/loyalty/partners/{wash.pk}/edit/" in page
    for bad in ({"issue_rate_cents": "-1"}, {"active_from": "1800-01-01"}, {"agent_id": str(elsewhere.pk)},
                {"active_until": "2020-01-01"}, {"code": "B A D"}, {"name": ""}, {"kind": "bank"}):
        answer = client.post(f"/loyalty/partners/{wash.pk}/edit/", {**form, **bad})
        assert answer.status_code == 422, bad
    assert Partner.objects.get(pk=wash.pk).issue_rate_cents == 6
    # once used, the code is shown but not taken from the form
    _issue(wash, customer)
    used = client.get(f"/loyalty/partners/{wash.pk}/edit/").content.decode()
    assert "no longer changes" in used
    assert client.post(f"/loyalty/partners/{wash.pk}/edit/", {**form, "code": "other"}).status_code == 302
    assert Partner.objects.get(pk=wash.pk).code == "wash"


def test_who_edits(client, org, wash):
    client.force_login(org.staff["region_manager"])
    assert client.get(f"/loyalty/partners/{wash.pk}/edit/").status_code == 403
    assert "/edit/" not in client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    client.force_login(make_staff("d2gm", "dealer_gm", group=org.d2.region.group, dealer=org.d2))
    assert client.get(f"/loyalty/partners/{wash.pk}/edit/").status_code == 404


def test_adding_a_partner_with_its_api_caller(client, org, manager):
    client.force_login(manager)
    agent = org.staff["consultant"]
    form = {"dealer": org.d1.pk, "name": "保险公司", "kind": "insurer", "code": "ins", "issue_rate_cents": "2",
            "accept_rate_cents": "3", "active_from": "2025-01-01", "active_until": "", "agent_id": str(agent.pk)}
    assert client.post("/loyalty/partners/", form).status_code == 302
    assert Partner.objects.get(code="ins").agent_id == agent.pk
    assert client.post("/loyalty/partners/", {**form, "code": "x", "agent_id": "999999"}).status_code == 422


def test_the_point_value_and_caps_on_the_rules_page(client, org):
    from .test_rules import _page_data

    client.force_login(org.staff["dealer_gm"])
    shown = client.get(f"/loyalty/rules/?dealer={org.d1.code}").content.decode()
    assert 'name="point_value_cents"' in shown and 'name="goodwill_month_cap"' in shown
    data = _page_data(client, org.d1, point_value_cents=4, goodwill_case_cap=100, goodwill_month_cap=400)
    assert client.post("/loyalty/rules/", data).status_code == 302
    read = rules.read(ledger.programme_for(org.d1.pk))
    assert (read["point_value_cents"], read["goodwill_case_cap"], read["goodwill_month_cap"]) == (4, 100, 400)
    for field, value in (("point_value_cents", "-1"), ("point_value_cents", "10001"), ("goodwill_case_cap", "abc"),
                         ("goodwill_month_cap", ""), ("goodwill_case_cap", "500")):  # 500 > the month's 400
        answer = client.post("/loyalty/rules/", _page_data(client, org.d1, **{field: value}))
        assert answer.status_code == 422 and answer.context["form"].errors.get(field), (field, value)
    assert rules.read(ledger.programme_for(org.d1.pk)) == read
