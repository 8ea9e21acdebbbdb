"""The lost-owner pages and API: what a person sees (the value with its inputs and the word-of-mouth
loss stated), the forms' refusals, the analysis page, and 404 outside the scope."""

import datetime as dt

import pytest
from django.utils import timezone

from retain.cases.models import LostOwner, WinBackStep
from retain.cases.services import lost as services
from retain.customers.models import Transaction
from retain.org.models import AuditEvent
from tests.conftest import make_customer


@pytest.fixture
def lost(org):
    customer = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王流失")
    Transaction.objects.create(customer=customer, dealer=org.d1, kind="service", date=dt.date(2025, 1, 1),
                               amount_cents=4_000_00)
    return services.record(actor=org.staff["consultant"], customer_id=customer.pk, reason="staff")


def _login(client, staff):
    client.force_login(staff)
    return client


def test_a_lost_owner_shows_their_lost_value_with_its_inputs(org, client, lost):
    page = _login(client, org.staff["consultant"]).get(f"/cases/lost/{lost.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    years = max(5, (timezone.localdate() - dt.date(2025, 1, 1)).days / 365.25)  # at least the replacement cycle
    assert lost.value_cents == round(round(4_000_00 / years) * 10 * 7.25)  # by hand: own sales + 6.25 x them
    assert f'data-value="{lost.value_cents}"' in text
    assert "王流失" in text and "Indifferent staff" in text
    assert "6.25 customers" in text and "tells 10 people" in text  # the word-of-mouth loss stated
    assert "Record a win-back step" in text


def test_the_list_the_card_and_the_record_form(org, client, lost):
    client = _login(client, org.staff["consultant"])
    listed = client.get("/cases/lost/?status=confirmed").content.decode()
    assert "王流失" in listed
    assert "王流失" not in client.get("/cases/lost/").content.decode()  # proposals by default
    assert client.get("/cases/lost/?status=nonsense&after=zz").status_code == 200
    card = client.get(f"/customers/{lost.customer_id}/").content.decode()
    assert f"/cases/lost/{lost.pk}/" in card
    other = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="李")
    assert f"/cases/lost/new/{other.pk}/" in client.get(f"/customers/{other.pk}/").content.decode()
    refused = client.post(f"/cases/lost/new/{other.pk}/", {"reason": "", "notes": "x"})
    assert refused.status_code == 422 and not LostOwner.objects.filter(customer=other).exists()
    future = client.post(f"/cases/lost/new/{other.pk}/", {"reason": "moved", "lost_on": "2100-12-31"})
    assert future.status_code == 422 and "in advance" in future.content.decode()
    done = client.post(f"/cases/lost/new/{other.pk}/", {"reason": "moved"})
    made = LostOwner.objects.get(customer=other)
    assert done.status_code == 302 and done["Location"] == f"/cases/lost/{made.pk}/"


def test_steps_and_won_back_through_the_page(org, client, lost):
    client = _login(client, org.staff["consultant"])
    bad = client.post(f"/cases/lost/{lost.pk}/steps/", {"kind": "listen", "notes": ""})
    assert bad.status_code == 422 and not WinBackStep.objects.exists()
    assert client.post(f"/cases/lost/{lost.pk}/steps/", {"kind": "listen", "notes": "听他抱怨"}).status_code == 302
    page = client.get(f"/cases/lost/{lost.pk}/").content.decode()
    assert "听他抱怨" in page and "Listen" in page
    assert client.post(f"/cases/lost/{lost.pk}/won-back/", {"notes": "回来了"}).status_code == 302
    lost.refresh_from_db()
    assert lost.status == "won_back"
    assert client.get(f"/cases/lost/{lost.pk}/confirm/").status_code == 405  # no GET writes


def test_outside_the_scope_is_404_and_reveals_nothing(org, client, lost):
    client = _login(client, org.staff["d3_consultant"])
    for url in (f"/cases/lost/{lost.pk}/", f"/api/v1/lost-owners/{lost.pk}"):
        answer = client.get(url)
        assert answer.status_code == 404 and "王流失" not in answer.content.decode()
    assert client.post(f"/cases/lost/{lost.pk}/steps/", {"kind": "listen", "notes": "x"}).status_code == 404
    assert client.get(f"/cases/lost/{lost.pk + 10_000}/").status_code == 404
    marketing = _login(client, org.staff["marketing"])
    assert marketing.get(f"/cases/lost/{lost.pk}/").status_code == 200
    assert marketing.post(f"/cases/lost/{lost.pk}/steps/", {"kind": "listen", "notes": "x"}).status_code == 403


def test_the_analysis_page(org, client, lost):
    services.log_step(actor=org.staff["consultant"], lost_id=lost.pk, kind="listen", notes="听")
    page = _login(client, org.staff["sales_manager"]).get("/cases/lost/analysis/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'id="reasons"' in text and 'data-reason="staff"' in text and "68%" in text
    assert 'id="months"' in text and 'id="win-back-total"' in text and "Dealer 1" in text
    assert 'lost-reasons-data' in text and 'lost-value-data' in text
    assert _login(client, org.staff["sales_manager"]).get(
        "/cases/lost/analysis/?start=2026-05-01&end=2026-01-01").status_code == 422


def test_the_api(org, client, lost):
    client = _login(client, org.staff["consultant"])
    one = client.get(f"/api/v1/lost-owners/{lost.pk}").json()
    assert one["value_cents"] == lost.value_cents and one["word_of_mouth_customers"] == 6.25 and one["steps"] == []
    listed = client.get("/api/v1/lost-owners?status=confirmed").json()
    assert [item["id"] for item in listed["items"]] == [lost.pk]
    assert client.get("/api/v1/lost-owners?status=bogus").status_code == 422
    other = make_customer(dealer=org.d1, owner=org.staff["consultant"], name="赵")
    for body, field in (({"customer_id": other.pk, "reason": "bored"}, "reason"),
                        ({"customer_id": other.pk, "reason": "moved", "lost_on": "2100-12-31"}, "lost_on"),
                        ({"customer_id": other.pk, "reason": "moved", "extra": 1}, "extra"),
                        ({"customer_id": "x", "reason": "moved"}, "customer_id"),
                        ({"customer_id": other.pk, "reason": "moved", "notes": "\x00"}, "notes")):
        answer = client.post("/api/v1/lost-owners", data=body, content_type="application/json")
        assert answer.status_code == 422, body
        assert field in answer.content.decode()
    made = client.post("/api/v1/lost-owners", data={"customer_id": other.pk, "reason": "moved"},
                       content_type="application/json")
    assert made.status_code == 201 and made.json()["reason"] == "moved"
    step = client.post(f"/api/v1/lost-owners/{lost.pk}/steps", data={"kind": "offer_way_back", "notes": "送保养券"},
                       content_type="application/json")
    assert step.status_code == 201 and step.json()["done_by"] == org.staff["consultant"].display_name
    assert client.post(f"/api/v1/lost-owners/{lost.pk}/confirm", data={"reason": "staff"},
                       content_type="application/json").status_code == 422  # not a proposal
    back = client.post(f"/api/v1/lost-owners/{lost.pk}/won-back", data={}, content_type="application/json")
    assert back.status_code == 200 and back.json()["status"] == "won_back"
    assert back.json()["won_back_on"] == timezone.localdate().isoformat()
    assert AuditEvent.objects.filter(action="lost_owner.won_back").count() == 1


def test_the_pages_in_chinese(org, client, lost):
    client = _login(client, org.staff["consultant"])
    page = client.get(f"/cases/lost/{lost.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "流失客户价值" in page and "员工态度冷淡" in page and "倾听" in page and "6.25 位客户" in page
    analysis = client.get("/cases/lost/analysis/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "流失原因" in analysis and "95% 置信区间" in analysis and "挽回成功率" in analysis
