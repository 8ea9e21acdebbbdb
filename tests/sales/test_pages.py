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


def _overdue(org, n, *, days_late=5):
    consultant, today = org.staff["consultant"], timezone.localdate()
    for i in range(n):
        customer = make_customer(dealer=org.d1, owner=consultant, name=f"逾期{i:02d}")
        services.open_prospect(actor=consultant, customer_id=customer.pk, grade="H", model_of_interest="朗逸",
                               source="walk_in", first_contact=today - dt.timedelta(days=days_late + i))


def test_today_lists_the_most_overdue_and_counts_them_all(org, client):
    """The page's cost does not grow with the backlog: 20 rows, the full count, a link to the rest."""
    _overdue(org, services.prospects.TODAY_ROWS + 3)
    work = services.today(org.staff["consultant"])
    assert len(work["overdue"]) == services.prospects.TODAY_ROWS and work["overdue_count"] == 23
    # the longest overdue first: 逾期22 was met first, so its follow-up is the oldest
    assert work["overdue"][0].customer.name == "逾期22" and "逾期02" not in {p.customer.name for p in work["overdue"]}
    client.force_login(org.staff["consultant"])
    page = client.get("/sales/today/").content.decode()
    assert page.count('class="prospect"') == 20 and "The 20 most overdue of 23: see them all" in page
    assert "/sales/prospects/?overdue=1" in page
    api = client.get("/api/v1/today").json()
    assert (len(api["overdue"]), api["overdue_count"], api["due_count"]) == (20, 23, 0)


def test_a_short_backlog_is_listed_whole_without_a_link(org, client):
    _overdue(org, 2)
    client.force_login(org.staff["consultant"])
    page = client.get("/sales/today/").content.decode()
    assert page.count('class="prospect"') == 2 and "see them all" not in page


def test_region_and_group_managers_see_their_dealers_not_every_consultant(org, client):
    _overdue(org, 3)
    for role in ("region_manager", "group_admin"):
        client.force_login(org.staff[role])
        page = client.get("/sales/today/").content.decode()
        assert 'id="dealers"' in page and 'id="team"' not in page, role
        assert f'href="/sales/prospects/?dealer={org.d1.pk}&amp;overdue=1">3</a>' in page, role
        assert "Dealer 1" in page and "Dealer 4" not in page, role  # D4 is in the other group
    client.force_login(org.staff["sales_manager"])  # a dealer's managers keep the per-consultant table
    page = client.get("/sales/today/").content.decode()
    assert 'id="team"' in page and 'id="dealers"' not in page


def test_the_prospect_list_filters_by_dealer_within_scope(org, client):
    _overdue(org, 2)
    seller = org.staff["d2_consultant"]
    other = make_customer(dealer=org.d2, owner=seller, name="二店客户")
    services.open_prospect(actor=seller, customer_id=other.pk, grade="A", model_of_interest="帕萨特", source="walk_in")
    client.force_login(org.staff["group_admin"])
    assert "二店客户" in client.get("/sales/prospects/").content.decode()
    page = client.get(f"/sales/prospects/?dealer={org.d1.pk}").content.decode()
    assert page.count("逾期") == 2 and "二店客户" not in page
    assert "逾期" not in client.get(f"/sales/prospects/?dealer={org.d4.pk}").content.decode()  # another group's
