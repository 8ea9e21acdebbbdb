"""The partners' and the liability's pages: shown with their charts and tables, a manager adds a
partner, records a movement and closes a month once; exports go through org.exports (audited,
formula-safe); bad input answers 422 with the field's error, a GET writes nothing."""

import datetime as dt

import pytest

from retain.loyalty.models import Partner, Settlement, Transfer
from retain.loyalty.services import partners, points
from retain.org.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def wash(org, manager):
    made = partners.create_partner(actor=manager, dealer_id=org.d1.pk, name="=洗车店", kind="car_wash", code="wash",
                                   issue_rate_cents=5, accept_rate_cents=4, active_from=dt.date(2024, 1, 1))
    return made


def test_partner_list_and_adding_one(client, manager, org, wash):
    client.force_login(manager)
    page = client.get("/loyalty/partners/")
    assert page.status_code == 200 and "=洗车店" in page.content.decode()
    form = {"dealer": org.d1.pk, "name": "保险公司", "kind": "insurer", "code": "ins", "issue_rate_cents": "2",
            "accept_rate_cents": "3", "active_from": "2025-01-01", "active_until": ""}
    assert client.post("/loyalty/partners/", form).status_code == 302
    assert Partner.objects.filter(code="ins").exists()
    again = client.post("/loyalty/partners/", form)
    assert again.status_code == 422 and Partner.objects.filter(code="ins").count() == 1
    bad = client.post("/loyalty/partners/", {**form, "code": "B A D", "issue_rate_cents": "-1"})
    assert bad.status_code == 422 and Partner.objects.count() == 2


def test_partner_page_movement_and_closing(client, manager, wash, customer):
    partners.partner_issue(actor=manager, partner_id=wash.pk, customer_id=customer.pk, points=300, reference="R",
                           now=dt.datetime(2025, 3, 10, 2, tzinfo=dt.UTC))
    client.force_login(manager)
    page = client.get(f"/loyalty/partners/{wash.pk}/")
    text = page.content.decode()
    assert 'name="month" value="2025-03"' in text
    assert page.status_code == 200 and "chart-partner" in text and "2025-03" in text and "¥15.00" in text
    moved = client.post(f"/loyalty/partners/{wash.pk}/movement/", {"direction": "accept", "customer_id": customer.pk,
                                                                  "points": "50", "reference": "A", "memo": ""})
    assert moved.status_code == 302 and Transfer.objects.filter(kind="partner").count() == 2
    too_many = client.post(f"/loyalty/partners/{wash.pk}/movement/", {
        "direction": "accept", "customer_id": customer.pk, "points": "5000", "reference": "B", "memo": ""})
    assert too_many.status_code == 422 and Transfer.objects.filter(kind="partner").count() == 2
    assert client.post(f"/loyalty/partners/{wash.pk}/close/", {"month": "2025-03"}).status_code == 302
    assert client.post(f"/loyalty/partners/{wash.pk}/close/", {"month": "2025-03"}).status_code == 302
    assert client.post(f"/loyalty/partners/{wash.pk}/close/", {"month": "bad"}).status_code == 302
    assert Settlement.objects.count() == 1
    after = client.get(f"/loyalty/partners/{wash.pk}/").content.decode()
    assert 'name="month" value="2025-03"' not in after and 'name="month" value="2025-04"' in after


def test_exports_are_audited_and_formula_safe(client, manager, wash, customer):
    client.force_login(manager)
    before = AuditEvent.objects.count()
    answer = client.get(f"/loyalty/partners/{wash.pk}/?export=1")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    assert b"".join(answer.streaming_content).decode().startswith("\ufeff")
    xlsx = client.get("/loyalty/liability/?export=1&format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert AuditEvent.objects.count() == before + 2
    assert set(AuditEvent.objects.order_by("-id").values_list("action", flat=True)[:2]) == {
        "partner_settlement.export", "liability.export"}


def test_liability_page(client, org, manager, customer):
    points.earn(actor=manager, customer_id=customer.pk, points=250, pending=False)
    client.force_login(org.staff["group_admin"])
    page = client.get("/loyalty/liability/")
    text = page.content.decode()
    assert page.status_code == 200 and "chart-outstanding" in text and "chart-rates" in text and "Dealer 1" in text
    for query in ("start=2026-13", "start=2026-05&end=2026-01", "end=abc", "dealer=999999", "start=1990-01"):
        assert client.get(f"/loyalty/liability/?{query}").status_code == 422, query
    client.force_login(org.staff["service_advisor"])
    assert client.get("/loyalty/liability/").status_code == 403
    assert client.get("/loyalty/partners/").status_code == 403


def test_pages_out_of_scope_are_404(client, org, wash):
    client.force_login(org.staff["d2_consultant"])
    assert client.get(f"/loyalty/partners/{wash.pk}/").status_code == 403
    from tests.conftest import make_staff

    client.force_login(make_staff("d2gm", "dealer_gm", group=org.d2.region.group, dealer=org.d2))
    assert client.get(f"/loyalty/partners/{wash.pk}/").status_code == 404
    assert client.post(f"/loyalty/partners/{wash.pk}/close/", {"month": "2025-03"}).status_code == 404
