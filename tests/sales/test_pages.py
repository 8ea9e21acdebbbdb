"""The sales pages for the day's work, through Django's test client."""

import datetime as dt

from django.utils import timezone

from retain.sales import services
from retain.sales.models import Prospect, ShowroomVisit
from tests.conftest import make_customer


def test_today_page_lists_overdue_and_due(org, client):
    today = timezone.localdate()
    consultant = org.staff["consultant"]
    late = make_customer(dealer=org.d1, owner=consultant, name="逾期客户")
    services.open_prospect(actor=consultant, customer_id=late.pk, grade="H", model_of_interest="朗逸",
                           source="walk_in", first_contact=today - dt.timedelta(days=5))
    client.force_login(consultant)
    page = client.get("/sales/today/").content.decode()
    assert "逾期客户" in page and (today - dt.timedelta(days=3)).isoformat() in page
    client.force_login(org.staff["sales_manager"])
    assert "consultant" in client.get("/sales/today/").content.decode()  # the team table


def test_prospect_pages_open_grade_and_contact(org, client):
    consultant = org.staff["consultant"]
    customer = make_customer(dealer=org.d1, owner=consultant, name="新意向")
    client.force_login(consultant)
    response = client.post(f"/sales/prospects/new/{customer.pk}/", {"grade": "H", "model_of_interest": "途观L",
                                                                    "source": "walk_in"})
    prospect = Prospect.objects.get(customer=customer)
    assert response.status_code == 302 and response["Location"] == f"/sales/prospects/{prospect.pk}/"
    bad = client.post(f"/sales/prospects/{prospect.pk}/grade/", {"grade": "A", "reason": ""})
    assert bad.status_code == 422 and "reason" in bad.content.decode()
    assert client.post(f"/sales/prospects/{prospect.pk}/contact/", {"kind": "call", "notes": "约试驾"}).status_code == 302
    page = client.get(f"/sales/prospects/{prospect.pk}/").content.decode()
    assert "约试驾" in page
    client.force_login(org.staff["colleague"])
    assert client.get(f"/sales/prospects/{prospect.pk}/").status_code == 404


def test_visit_register_page(org, client):
    client.force_login(org.staff["consultant"])
    now = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    response = client.post("/sales/visits/", {"kind": "walk_in", "arrived_at": now, "source": "walk_in",
                                              "party_size": 2, "outcome": "left_contact", "first_visit": "on"})
    assert response.status_code == 302
    assert ShowroomVisit.objects.get().party_size == 2
    bad = client.post("/sales/visits/", {"kind": "walk_in", "arrived_at": now, "source": "walk_in",
                                         "party_size": 0, "outcome": "left_contact"})
    assert bad.status_code == 422 and ShowroomVisit.objects.count() == 1


def test_a_prospect_can_name_todays_anonymous_visitor(org, client):
    consultant = org.staff["consultant"]
    visit = services.register_visit(actor=consultant, arrived_at=timezone.now(), model_of_interest="途观L",
                                    outcome="prospect")
    customer = make_customer(dealer=org.d1, owner=consultant, name="来店客户")
    client.force_login(consultant)
    form = client.get(f"/sales/prospects/new/{customer.pk}/").content.decode()
    assert f'value="{visit.pk}"' in form
    client.post(f"/sales/prospects/new/{customer.pk}/", {"visit": visit.pk, "grade": "H", "model_of_interest": "途观L",
                                                         "source": "walk_in"})
    visit.refresh_from_db()
    assert visit.customer == customer
    assert list(services.unlinked_visits(consultant)) == []


def test_the_customer_card_shows_the_prospects_the_reader_may_see(org, client):
    consultant = org.staff["consultant"]
    customer = make_customer(dealer=org.d1, owner=consultant, name="卡片客户")
    prospect = services.open_prospect(actor=consultant, customer_id=customer.pk, grade="A",
                                      model_of_interest="迈腾", source="walk_in")
    client.force_login(consultant)
    card = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/sales/prospects/{prospect.pk}/" in card and "迈腾" in card
    client.force_login(org.staff["marketing"])
    assert "迈腾" in client.get(f"/customers/{customer.pk}/").content.decode()
