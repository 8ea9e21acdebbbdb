"""Prospects through the services and the API: grading, contacts, the day's list, access."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from retain.customers.models import Classification
from retain.org.models import AuditEvent
from retain.sales import services
from retain.sales.models import Contact, GradeChange, Prospect
from tests.conftest import make_customer

DAY = dt.timedelta(days=1)


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def customer(org):
    return make_customer(dealer=org.d1, owner=org.staff["consultant"], name="王先生")


def _open(org, customer, grade="H", **extra):
    return services.open_prospect(actor=org.staff["consultant"], customer_id=customer.pk, grade=grade,
                                  model_of_interest="途观L", source="walk_in", **extra)


def test_opening_a_prospect_schedules_the_first_follow_up(org, customer, today):
    prospect = _open(org, customer, grade="H")
    assert (prospect.first_contact, prospect.last_contact) == (today, today)
    assert prospect.next_follow_up == today + 2 * DAY
    assert prospect.owner == org.staff["consultant"]
    customer.refresh_from_db()
    assert customer.classification == Classification.PROSPECT
    change = GradeChange.objects.get(prospect=prospect)
    assert (change.from_grade, change.to_grade, change.changed_by) == ("", "H", org.staff["consultant"])
    assert AuditEvent.objects.filter(action="prospect.open", object_id=str(prospect.pk)).exists()


def test_grade_change_is_recorded_and_moves_the_next_date(org, customer, today):
    prospect = _open(org, customer, grade="C", first_contact=today - 5 * DAY)
    assert prospect.next_follow_up == today + 9 * DAY
    prospect = services.change_grade(actor=org.staff["consultant"], prospect_id=prospect.pk, grade="A",
                                     reason="试驾后很满意")
    assert prospect.next_follow_up == today - 2 * DAY  # last contact + 3: already overdue
    # Out of order (A back to C) is allowed, and recorded.
    prospect = services.change_grade(actor=org.staff["consultant"], prospect_id=prospect.pk, grade="C",
                                     reason="预算推迟")
    history = list(GradeChange.objects.filter(prospect=prospect).order_by("id").values_list("from_grade", "to_grade"))
    assert history == [("", "C"), ("C", "A"), ("A", "C")]


def test_a_contact_moves_last_contact_and_next_follow_up(org, customer, today):
    prospect = _open(org, customer, grade="A", first_contact=today - 10 * DAY)
    prospect = services.log_contact(actor=org.staff["consultant"], prospect_id=prospect.pk, kind="call",
                                    notes="约周末试驾")
    assert (prospect.last_contact, prospect.next_follow_up) == (today, today + 3 * DAY)
    agreed = today + 5 * DAY
    prospect = services.log_contact(actor=org.staff["consultant"], prospect_id=prospect.pk, kind="message",
                                    next_follow_up_on=agreed)
    assert prospect.next_follow_up == agreed
    assert Contact.objects.filter(prospect=prospect).count() == 2


def test_today_lists_overdue_first_then_due_by_grade(org, today):
    consultant = org.staff["consultant"]
    made = {}
    for name, grade, first in [("逾期久", "C", 20), ("逾期", "H", 3), ("今天B", "B", 7), ("今天H", "H", 2),
                               ("明天", "A", 2), ("同事的", "H", 2)]:
        owner = org.staff["colleague"] if name == "同事的" else consultant
        customer = make_customer(dealer=org.d1, owner=owner, name=name)
        made[name] = services.open_prospect(actor=owner, customer_id=customer.pk, grade=grade, model_of_interest="朗逸",
                                            source="walk_in", first_contact=today - first * DAY)
    work = services.today(consultant)
    assert [p.customer.name for p in work["overdue"]] == ["逾期久", "逾期"]
    assert [p.customer.name for p in work["due"]] == ["今天H", "今天B"]
    counts = {row["owner__username"]: (row["open"], row["overdue"]) for row in services.overdue_by_consultant(org.staff["sales_manager"])}
    assert counts == {"consultant": (5, 2), "colleague": (1, 0)}


@pytest.mark.parametrize("call, field", [
    (lambda org, p, today: services.change_grade(actor=org.staff["consultant"], prospect_id=p.pk, grade="X", reason="r"), "grade"),
    (lambda org, p, today: services.change_grade(actor=org.staff["consultant"], prospect_id=p.pk, grade="A", reason=" "), "reason"),
    (lambda org, p, today: services.change_grade(actor=org.staff["consultant"], prospect_id=p.pk, grade="H", reason="r"), "grade"),
    (lambda org, p, today: services.log_contact(actor=org.staff["consultant"], prospect_id=p.pk, kind="call",
                                                next_follow_up_on=today - DAY), "next_follow_up"),
    (lambda org, p, today: services.log_contact(actor=org.staff["consultant"], prospect_id=p.pk, kind="call",
                                                contacted_on=today + DAY), "contacted_on"),
    (lambda org, p, today: services.log_contact(actor=org.staff["consultant"], prospect_id=p.pk, kind="fax"), "kind"),
])
def test_bad_changes_are_refused_and_write_nothing(org, customer, today, call, field):
    prospect = _open(org, customer)
    before = (GradeChange.objects.count(), Contact.objects.count(), AuditEvent.objects.count())
    with pytest.raises(ValidationError) as refused:
        call(org, prospect, today)
    assert field in refused.value.message_dict
    assert (GradeChange.objects.count(), Contact.objects.count(), AuditEvent.objects.count()) == before
    fresh = Prospect.objects.get(pk=prospect.pk)
    assert (fresh.grade, fresh.next_follow_up) == (prospect.grade, prospect.next_follow_up)


@pytest.mark.parametrize("changes, field", [
    ({"grade": "Z"}, "grade"), ({"model_of_interest": " "}, "model_of_interest"), ({"source": "service"}, "source"),
    ({"budget_cents": -1}, "budget_cents"),
])
def test_bad_prospects_are_refused(org, customer, changes, field):
    data = {"grade": "H", "model_of_interest": "途观L", "source": "walk_in", **changes}
    with pytest.raises(ValidationError) as refused:
        services.open_prospect(actor=org.staff["consultant"], customer_id=customer.pk, **data)
    assert field in refused.value.message_dict
    assert not Prospect.objects.exists()


def test_one_open_prospect_per_customer(org, customer):
    _open(org, customer)
    with pytest.raises(ValidationError) as refused:
        _open(org, customer)
    assert "customer_id" in refused.value.message_dict


def test_a_consultant_cannot_reach_a_colleagues_prospect(org, today):
    theirs = make_customer(dealer=org.d1, owner=org.staff["colleague"], name="别人的")
    prospect = services.open_prospect(actor=org.staff["colleague"], customer_id=theirs.pk, grade="B",
                                      model_of_interest="帕萨特", source="vip")
    with pytest.raises(Http404):
        services.log_contact(actor=org.staff["consultant"], prospect_id=prospect.pk, kind="call")
    assert services.change_grade(actor=org.staff["sales_manager"], prospect_id=prospect.pk, grade="A",
                                 reason="经理复核").grade == "A"


# --- API ------------------------------------------------------------------------------------

def test_api_walks_a_prospect_through_grade_and_contact(org, customer, client, today):
    client.force_login(org.staff["consultant"])
    created = client.post("/api/v1/prospects", {"customer_id": customer.pk, "grade": "H",
                                                "model_of_interest": "途观L", "source": "walk_in"},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["grade"], body["last_contact"], body["next_follow_up"]) == (
        "H", today.isoformat(), (today + 2 * DAY).isoformat())
    graded = client.post(f"/api/v1/prospects/{body['id']}/grade", {"grade": "B", "reason": "下月再看"},
                         content_type="application/json").json()
    assert graded["next_follow_up"] == (today + 7 * DAY).isoformat()
    contacted = client.post(f"/api/v1/prospects/{body['id']}/contacts", {"kind": "call", "notes": "回电"},
                            content_type="application/json").json()
    assert contacted["last_contact"] == today.isoformat()
    listing = client.get("/api/v1/prospects").json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"]
    assert client.get("/api/v1/today").json()["due"] == []


def test_api_today_reads_every_shown_column_in_its_queries(org, client, today, django_assert_max_num_queries):
    """The day's lists read only the columns they show (``services.WORK_COLUMNS``): the API's rows
    are whole, and none reads a left-out column row by row (more rows, no more queries)."""
    consultant = org.staff["consultant"]
    client.force_login(consultant)
    for i in range(3):
        _open(org, make_customer(dealer=org.d1, owner=consultant, name=f"今日{i}"), first_contact=today - 9 * DAY)
    with CaptureQueriesContext(connection) as few:
        body = client.get("/api/v1/today").json()
    row = body["overdue"][0]
    assert (row["customer"], row["owner"], row["dealer"], row["grade"], row["status"], row["source"]) == (
        "今日0", "consultant", "D1", "H", "open", "walk_in")
    assert row["overdue"] and row["model_of_interest"] == "途观L" and row["first_contact"] == (today - 9 * DAY).isoformat()
    for i in range(3, 9):
        _open(org, make_customer(dealer=org.d1, owner=consultant, name=f"今日{i}"), first_contact=today - 9 * DAY)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get("/api/v1/today").json()["overdue"]) == 9


@pytest.mark.parametrize("payload, field", [
    ({"grade": "X", "model_of_interest": "途观L"}, "grade"),
    ({"grade": "H"}, "model_of_interest"),
    ({"grade": "H", "model_of_interest": "途观L", "source": "nowhere"}, "source"),
])
def test_api_refuses_bad_prospects_with_the_field(org, customer, client, payload, field):
    client.force_login(org.staff["consultant"])
    response = client.post("/api/v1/prospects", {"customer_id": customer.pk, **payload},
                           content_type="application/json")
    assert response.status_code == 422
    assert any(field in detail["loc"] for detail in response.json()["detail"])
    assert not Prospect.objects.exists()


def test_api_hides_prospects_outside_the_scope(org, client):
    theirs = make_customer(dealer=org.d1, owner=org.staff["colleague"], name="别人的")
    prospect = services.open_prospect(actor=org.staff["colleague"], customer_id=theirs.pk, grade="B",
                                      model_of_interest="帕萨特", source="vip")
    client.force_login(org.staff["consultant"])
    assert client.get(f"/api/v1/prospects/{prospect.pk}").status_code == 404
    assert client.get("/api/v1/prospects").json()["count"] == 0
    client.force_login(org.staff["dealer_gm"])
    assert client.get(f"/api/v1/prospects/{prospect.pk}").status_code == 200


def test_api_registers_a_walk_in(org, client):
    client.force_login(org.staff["consultant"])
    now = timezone.now()
    response = client.post("/api/v1/visits", {"arrived_at": now.isoformat(), "party_size": 3,
                                              "model_of_interest": "ID.4 X"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["consultant_id"] == org.staff["consultant"].pk
    bad = client.post("/api/v1/visits", {"arrived_at": now.isoformat(), "left_at": (now - dt.timedelta(hours=1)).isoformat()},
                      content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "left_at"
    register = client.get("/api/v1/visits").json()
    assert register["count"] == 1 and register["items"][0]["model_of_interest"] == "ID.4 X"
    client.force_login(org.staff["colleague"])
    assert client.get("/api/v1/visits").json()["count"] == 0  # a colleague's visitors are not theirs
    client.force_login(org.staff["showroom_manager"])
    assert client.get("/api/v1/visits").json()["count"] == 1
    assert client.get("/api/v1/visits", {"date": (timezone.localdate() - DAY).isoformat()}).json()["count"] == 0


# --- outcomes ---------------------------------------------------------------------------------

def test_order_then_delivery_makes_an_own_sold_owner(org, customer, client, today):
    from retain.customers.models import Transaction, Vehicle

    prospect = _open(org, customer, grade="A")
    client.force_login(org.staff["consultant"])
    no_money = client.post(f"/api/v1/prospects/{prospect.pk}/outcome", {"result": "order"},
                           content_type="application/json")
    assert no_money.status_code == 422 and no_money.json()["detail"][0]["loc"][-1] == "deposit_cents"
    ordered = client.post(f"/api/v1/prospects/{prospect.pk}/outcome", {"result": "order", "deposit_cents": 500000},
                          content_type="application/json").json()
    assert ordered["grade"] == "O" and ordered["next_follow_up"] == (today + 7 * DAY).isoformat()
    delivered = client.post(f"/api/v1/prospects/{prospect.pk}/outcome",
                            {"result": "delivered", "vin": "LSVAB4BR5PN000001", "plate": "沪A12345", "make": "大众",
                             "model": "途观L", "price_cents": 24_500_000}, content_type="application/json")
    assert delivered.status_code == 200, delivered.content
    assert delivered.json()["status"] == "won"
    customer.refresh_from_db()
    assert customer.classification == Classification.OWN_SOLD
    vehicle = Vehicle.objects.get(customer=customer)
    assert vehicle.sold_by_us and vehicle.purchase_date == today
    assert Transaction.objects.get(customer=customer).amount_cents == 24_500_000
    assert list(GradeChange.objects.filter(prospect=prospect).values_list("to_grade", flat=True).order_by("id")) == ["A", "O"]


def test_delivery_without_an_order_is_refused(org, customer):
    prospect = _open(org, customer)
    with pytest.raises(ValidationError) as refused:
        services.record_delivery(actor=org.staff["consultant"], prospect_id=prospect.pk, vin="LSVAB4BR5PN000001",
                                 make="大众", model="途观L", price_cents=1)
    assert "prospect" in refused.value.message_dict


def test_defeat_needs_competitor_and_reason_then_a_managers_approval(org, customer, client):
    prospect = _open(org, customer, grade="B")
    client.force_login(org.staff["consultant"])
    missing = client.post(f"/api/v1/prospects/{prospect.pk}/outcome", {"result": "defeated", "reason": "price"},
                          content_type="application/json")
    assert missing.status_code == 422
    assert {d["loc"][-1] for d in missing.json()["detail"]} == {"competitor_make", "competitor_model"}
    applied = client.post(f"/api/v1/prospects/{prospect.pk}/outcome",
                          {"result": "defeated", "competitor_make": "丰田", "competitor_model": "RAV4荣放",
                           "reason": "price", "note": "对方优惠多一万"}, content_type="application/json")
    assert applied.json()["status"] == "defeat_pending"
    # The consultant cannot approve their own application; a sales manager can.
    assert client.post(f"/api/v1/prospects/{prospect.pk}/defeat-decision", {"approve": True},
                       content_type="application/json").status_code == 403
    client.force_login(org.staff["sales_manager"])
    assert client.post(f"/api/v1/prospects/{prospect.pk}/defeat-decision", {"approve": False},
                       content_type="application/json").status_code == 422  # sending back needs a note
    approved = client.post(f"/api/v1/prospects/{prospect.pk}/defeat-decision", {"approve": True, "note": "同意"},
                           content_type="application/json").json()
    assert approved["status"] == "defeated"
    customer.refresh_from_db()
    assert customer.classification == Classification.DEFEATED
    fresh = Prospect.objects.get(pk=prospect.pk)
    assert (fresh.defeat_stage, fresh.defeat_decided_by) == ("B", org.staff["sales_manager"])


def test_a_defeat_sent_back_is_worked_again(org, customer):
    prospect = _open(org, customer, grade="C")
    services.apply_for_defeat(actor=org.staff["consultant"], prospect_id=prospect.pk, competitor_make="本田",
                              competitor_model="CR-V", reason="brand")
    back = services.decide_defeat(actor=org.staff["showroom_manager"], prospect_id=prospect.pk, approve=False,
                                  note="再约一次试驾")
    assert back.status == "open" and back.defeat_decision_note == "再约一次试驾"
    assert services.today(org.staff["consultant"], on=back.next_follow_up)["due"] == [back]


def test_opening_a_prospect_links_its_register_line_in_one_action(org, customer):
    consultant = org.staff["consultant"]
    visit = services.register_visit(actor=consultant, arrived_at=timezone.now() - dt.timedelta(hours=1))
    prospect = _open(org, customer, visit_id=visit.pk)
    visit.refresh_from_db()
    assert visit.customer == customer
    row = AuditEvent.objects.get(action="prospect.open", object_id=str(prospect.pk))
    assert row.after["visit"] == visit.pk


def test_a_register_line_of_someone_else_refuses_the_whole_prospect(org, customer):
    other = services.register_visit(actor=org.staff["colleague"], arrived_at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as refused:
        _open(org, customer, visit_id=other.pk)
    assert list(refused.value.message_dict) == ["visit"]
    assert not Prospect.objects.exists()
    other.refresh_from_db()
    assert other.customer is None
