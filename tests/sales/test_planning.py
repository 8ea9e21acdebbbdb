"""Planning: targets against actual figures, the funnel by source (referred against other
prospects), and promotion events, through the services, the API and the pages. Every fixture
is built through the services and counted by hand in the comments."""

import datetime as dt
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from retain.customers.models import Consent
from retain.org.models import AuditEvent
from retain.sales import services
from retain.sales.models import Contact, Invitation, PromotionEvent, SalesTarget
from retain.sales.services import planning
from tests.conftest import make_customer

DAY = dt.timedelta(days=1)
_vins = itertools.count(1)


@pytest.fixture
def today():
    return timezone.localdate()


def _visit(actor, *, arrived_at=None, **extra):
    return services.register_visit(actor=actor, arrived_at=arrived_at or timezone.now(), **extra)


def _prospect(org, owner, *, source="walk_in", first_contact=None, order=False, deliver=False, name="客户"):
    customer = make_customer(dealer=owner.dealer, owner=owner, name=name)
    prospect = services.open_prospect(actor=owner, customer_id=customer.pk, grade="A", model_of_interest="途观L",
                                      source=source, first_contact=first_contact)
    if order or deliver:
        services.record_order(actor=owner, prospect_id=prospect.pk, deposit_cents=500000)
    if deliver:
        services.record_delivery(actor=owner, prospect_id=prospect.pk, vin=f"LSVAB4BR5PN{next(_vins):06d}",
                                 make="大众", model="途观L", price_cents=25000000)
    return prospect


# --- targets ------------------------------------------------------------------------------------


@pytest.fixture
def month_of_work(org, today):
    """This month at D1, by hand:

    ============  ========  =============  ======  ==========
    who           walk-ins  new prospects  orders  deliveries
    ============  ========  =============  ======  ==========
    consultant    3         2              1       1
    colleague     1         1              1       0
    no consultant 1         0              0       0
    total         5         3              2       1
    ============  ========  =============  ======  ==========

    Left out: an after-sales visit, a visit last month, and the consultant's prospect first
    contacted last month (its order and delivery this month do count).
    """
    consultant, colleague, manager = org.staff["consultant"], org.staff["colleague"], org.staff["sales_manager"]
    month = today.replace(day=1)
    for _ in range(3):
        _visit(consultant)
    _visit(colleague)
    _visit(manager)  # nobody assigned
    _visit(consultant, outcome="service")
    _visit(consultant, arrived_at=timezone.make_aware(dt.datetime.combine(month - DAY, dt.time(10))))
    _prospect(org, consultant, name="本月一")
    _prospect(org, consultant, name="本月二")
    _prospect(org, consultant, first_contact=month - 3 * DAY, deliver=True, name="上月的")
    _prospect(org, colleague, order=True, name="同事的")
    planning.set_target(actor=manager, dealer_id=org.d1.pk, month=today, consultant_id=consultant.pk, walk_ins=4,
                        new_prospects=4, orders=2, deliveries=1)
    planning.set_target(actor=manager, dealer_id=org.d1.pk, month=today, walk_ins=10, new_prospects=5, orders=4,
                        deliveries=2)
    return month


def _cells(row):
    return {field: (row[field]["target"], row[field]["actual"], row[field]["achievement"])
            for field in planning.TARGET_FIELDS}


def test_targets_against_actual_per_consultant_and_for_the_dealer(org, month_of_work):
    table = planning.targets_vs_actual(org.staff["sales_manager"], month_of_work)
    rows = {row["consultant_id"]: row for row in table["rows"]}
    consultant, colleague = org.staff["consultant"], org.staff["colleague"]
    assert set(rows) == {consultant.pk, colleague.pk, None}
    assert _cells(rows[consultant.pk]) == {"walk_ins": (4, 3, 75.0), "new_prospects": (4, 2, 50.0),
                                           "orders": (2, 1, 50.0), "deliveries": (1, 1, 100.0)}
    assert _cells(rows[colleague.pk]) == {"walk_ins": (0, 1, None), "new_prospects": (0, 1, None),
                                          "orders": (0, 1, None), "deliveries": (0, 0, None)}
    assert _cells(rows[None])["walk_ins"] == (0, 1, None)
    assert _cells(table["total"]) == {"walk_ins": (10, 5, 50.0), "new_prospects": (5, 3, 60.0),
                                      "orders": (4, 2, 50.0), "deliveries": (2, 1, 50.0)}
    assert table["total"]["consultant_targets"] == {"walk_ins": 4, "new_prospects": 4, "orders": 2, "deliveries": 1}


def test_a_consultant_sees_only_their_own_row(org, month_of_work):
    table = planning.targets_vs_actual(org.staff["consultant"], month_of_work.strftime("%Y-%m"))
    assert [row["consultant_id"] for row in table["rows"]] == [org.staff["consultant"].pk]
    assert _cells(table["rows"][0])["walk_ins"] == (4, 3, 75.0)
    assert table["total"] is None


def test_targets_are_upserted_per_month_and_audited(org, today):
    manager = org.staff["sales_manager"]
    first = planning.set_target(actor=manager, dealer_id=org.d1.pk, month="2025-03-17",
                                consultant_id=org.staff["consultant"].pk, orders=5)
    assert first.month == dt.date(2025, 3, 1)
    again = planning.set_target(actor=manager, dealer_id=org.d1.pk, month="2025-03",
                                consultant_id=org.staff["consultant"].pk, orders=7, deliveries=6)
    assert again.pk == first.pk
    assert SalesTarget.objects.count() == 1
    assert (again.orders, again.deliveries) == (7, 6)
    events = AuditEvent.objects.filter(action="target.set", object_id=str(first.pk)).order_by("id")
    assert [e.after["orders"] for e in events] == [5, 7]
    assert events[1].before["orders"] == 5
    # A region manager sets targets at any dealer of the region.
    planning.set_target(actor=org.staff["region_manager"], dealer_id=org.d2.pk, month=today, walk_ins=30)
    assert SalesTarget.objects.get(dealer=org.d2).walk_ins == 30


@pytest.mark.parametrize("role", ["consultant", "marketing", "service_advisor"])
def test_only_managers_set_targets(org, today, role):
    with pytest.raises(PermissionDenied):
        planning.set_target(actor=org.staff[role], dealer_id=org.d1.pk, month=today, walk_ins=1)
    assert not SalesTarget.objects.exists()


def test_targets_outside_the_scope_are_not_found(org, today):
    with pytest.raises(Http404):
        planning.set_target(actor=org.staff["sales_manager"], dealer_id=org.d3.pk, month=today, walk_ins=1)
    with pytest.raises(ValidationError) as refused:
        planning.set_target(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, month=today,
                            consultant_id=org.staff["d2_consultant"].pk, walk_ins=1)
    assert "consultant_id" in refused.value.message_dict
    assert not SalesTarget.objects.exists()


@pytest.mark.parametrize("figures, field", [({"orders": -1}, "orders"), ({"walk_ins": "many"}, "walk_ins"),
                                            ({"deliveries": 1.5}, "deliveries")])
def test_bad_targets_are_refused_and_nothing_is_written(org, today, figures, field):
    with pytest.raises(ValidationError) as refused:
        planning.set_target(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, month=today, **figures)
    assert field in refused.value.message_dict
    assert not SalesTarget.objects.exists()
    assert not AuditEvent.objects.filter(action="target.set").exists()


def test_a_bad_month_is_refused(org):
    with pytest.raises(ValidationError) as refused:
        planning.set_target(actor=org.staff["sales_manager"], dealer_id=org.d1.pk, month="March", walk_ins=1)
    assert "month" in refused.value.message_dict
    with pytest.raises(ValidationError):
        planning.targets_vs_actual(org.staff["sales_manager"], "2025-13")


def test_targets_api(org, client, month_of_work):
    client.force_login(org.staff["sales_manager"])
    put = client.put("/api/v1/targets", {"month": month_of_work.strftime("%Y-%m"),
                                         "consultant_id": org.staff["colleague"].pk,
                                         "walk_ins": 2, "new_prospects": 2, "orders": 1},
                     content_type="application/json")
    assert put.status_code == 200, put.content
    assert put.json()["month"] == month_of_work.isoformat()
    got = client.get(f"/api/v1/targets/actual?month={month_of_work:%Y-%m}&dealer={org.d1.pk}")
    assert got.status_code == 200
    body = got.json()
    colleague = next(r for r in body["rows"] if r["consultant_id"] == org.staff["colleague"].pk)
    assert colleague["walk_ins"] == {"target": 2, "actual": 1, "achievement": 50.0}
    assert colleague["orders"] == {"target": 1, "actual": 1, "achievement": 100.0}
    assert body["total"]["walk_ins"]["actual"] == 5

    bad = client.put("/api/v1/targets", {"month": "2025-03", "orders": -2}, content_type="application/json")
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"][-1] == "orders"
    assert client.get("/api/v1/targets/actual?month=nonsense").status_code == 422
    assert client.get(f"/api/v1/targets/actual?month=2025-03&dealer={org.d3.pk}").status_code == 404

    client.force_login(org.staff["consultant"])
    assert client.put("/api/v1/targets", {"month": "2025-03", "orders": 2},
                      content_type="application/json").status_code == 403


# --- funnel -------------------------------------------------------------------------------------


@pytest.fixture
def funnel_data(org, today):
    """The last 30 days at D1, by hand:

    * register: 6 walk-in walk-ins, 2 base-maintenance walk-ins, 1 after-sales visit (left out);
    * referred prospects: 3 base maintenance (2 delivered, 1 only ordered) + 1 VIP (open): 4, 2 closed;
    * other prospects: 5 walk-in (1 delivered, 1 ordered, 3 open) + 1 outdoor (open): 6, 1 closed;
    * out of the period: a walk-in prospect first contacted 40 days ago and delivered.
    """
    consultant, colleague = org.staff["consultant"], org.staff["colleague"]
    for _ in range(6):
        _visit(consultant)
    for _ in range(2):
        _visit(consultant, source="base_maintenance")
    _visit(consultant, outcome="service")
    first = today - 5 * DAY
    _prospect(org, consultant, source="base_maintenance", first_contact=first, deliver=True)
    _prospect(org, colleague, source="base_maintenance", first_contact=first, deliver=True)
    _prospect(org, consultant, source="base_maintenance", first_contact=first, order=True)
    _prospect(org, consultant, source="vip", first_contact=first)
    _prospect(org, consultant, source="walk_in", first_contact=first, deliver=True)
    _prospect(org, consultant, source="walk_in", first_contact=first, order=True)
    for _ in range(3):
        _prospect(org, consultant, source="walk_in", first_contact=first)
    _prospect(org, colleague, source="outdoor", first_contact=first)
    _prospect(org, consultant, source="walk_in", first_contact=today - 40 * DAY, deliver=True)
    return today - 30 * DAY, today


def test_funnel_counts_and_rates(org, funnel_data):
    result = planning.funnel(org.staff["sales_manager"], *funnel_data)
    overall = result["overall"]
    assert (overall["walk_ins"], overall["prospects"], overall["orders"], overall["deliveries"]) == (8, 10, 5, 3)
    assert overall["prospect_rate"] == pytest.approx(10 / 8)
    assert overall["order_rate"] == pytest.approx(5 / 10)
    assert overall["delivery_rate"] == pytest.approx(3 / 5)
    assert overall["close_rate"] == pytest.approx(3 / 10)
    by_source = {row["source"]: row for row in result["by_source"]}
    walk_in = by_source["walk_in"]
    assert (walk_in["walk_ins"], walk_in["prospects"], walk_in["orders"], walk_in["deliveries"]) == (6, 5, 2, 1)
    base = by_source["base_maintenance"]
    assert (base["walk_ins"], base["prospects"], base["orders"], base["deliveries"]) == (2, 3, 3, 2)
    assert base["referred"] and by_source["vip"]["referred"] and not walk_in["referred"]
    assert by_source["key_account"]["prospects"] == 0 and by_source["key_account"]["close_rate"] is None


def test_referred_prospects_close_rate_against_the_others(org, funnel_data):
    result = planning.funnel(org.staff["sales_manager"], *funnel_data)
    assert result["referral_share"] == pytest.approx(4 / 10)
    referred, other = result["referred"], result["other"]
    assert (referred["prospects"], referred["deliveries"]) == (4, 2)
    assert (other["prospects"], other["deliveries"]) == (6, 1)
    assert referred["close_rate"] == pytest.approx(0.5)
    assert other["close_rate"] == pytest.approx(1 / 6)
    assert result["close_rate_ratio"] == pytest.approx(3.0)
    # Wilson 95% for 2/4: (0.150, 0.850); for 1/6: (0.030, 0.564).
    assert (referred["close_rate_low"], referred["close_rate_high"]) == (pytest.approx(0.1500, abs=1e-3),
                                                                         pytest.approx(0.8500, abs=1e-3))
    assert (other["close_rate_low"], other["close_rate_high"]) == (pytest.approx(0.0301, abs=1e-3),
                                                                   pytest.approx(0.5635, abs=1e-3))


def test_funnel_follows_the_scope(org, funnel_data):
    # The colleague sees only their own: 1 base-maintenance (delivered) and 1 outdoor prospect.
    result = planning.funnel(org.staff["colleague"], *funnel_data)
    assert (result["overall"]["walk_ins"], result["overall"]["prospects"], result["overall"]["deliveries"]) == (0, 2, 1)
    assert result["referred"]["close_rate"] == 1.0
    empty = planning.funnel(org.staff["d2_consultant"], *funnel_data)
    assert empty["overall"]["prospects"] == 0 and empty["referral_share"] is None
    assert empty["referred"]["close_rate_low"] is None
    with pytest.raises(Http404):
        planning.funnel(org.staff["sales_manager"], *funnel_data, dealer_id=org.d3.pk)


def test_funnel_refuses_an_end_before_the_start(org, today):
    with pytest.raises(ValidationError) as refused:
        planning.funnel(org.staff["sales_manager"], today, today - DAY)
    assert "end" in refused.value.message_dict


def test_funnel_api(org, client, funnel_data):
    start, end = funnel_data
    client.force_login(org.staff["dealer_gm"])
    response = client.get(f"/api/v1/funnel?start={start}&end={end}")
    assert response.status_code == 200
    body = response.json()
    assert body["overall"]["prospects"] == 10
    assert body["referred"]["close_rate"] == 0.5
    assert body["referred_sources"] == ["base_maintenance", "vip"]
    bad = client.get(f"/api/v1/funnel?start={end}&end={start}")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "end"
    assert client.get("/api/v1/funnel?start=yesterday&end=2025-01-01").status_code == 422


# --- promotion events ---------------------------------------------------------------------------


@pytest.fixture
def event(org, today):
    return planning.create_event(actor=org.staff["marketing"], name="途观L 试驾日", starts_on=today - 2 * DAY,
                                 ends_on=today + 1 * DAY, description="周末")


def test_creating_an_event(org, event, today):
    assert (event.dealer, event.created_by) == (org.d1, org.staff["marketing"])
    assert AuditEvent.objects.filter(action="event.create", object_id=str(event.pk)).exists()
    assert list(planning.visible_events(org.staff["consultant"])) == [event]
    assert not planning.visible_events(org.staff["d2_consultant"]).exists()
    assert list(planning.visible_events(org.staff["region_manager"])) == [event]


@pytest.mark.parametrize("role", ["consultant", "service_advisor"])
def test_consultants_do_not_create_events(org, today, role):
    with pytest.raises(PermissionDenied):
        planning.create_event(actor=org.staff[role], name="车展", starts_on=today, ends_on=today)
    assert not PromotionEvent.objects.exists()


@pytest.mark.parametrize("name, start, end, field", [("车展", 0, -1, "ends_on"), ("  ", 0, 0, "name"),
                                                     ("车展", None, 0, "starts_on")])
def test_bad_events_are_refused(org, today, name, start, end, field):
    with pytest.raises(ValidationError) as refused:
        planning.create_event(actor=org.staff["sales_manager"], name=name,
                              starts_on=None if start is None else today + start * DAY,
                              ends_on=today + end * DAY)
    assert field in refused.value.message_dict
    assert not PromotionEvent.objects.exists()


def test_invitations_skip_duplicates_and_log_promotion_contacts(org, event, today):
    manager = org.staff["sales_manager"]
    mine = [make_customer(dealer=org.d1, owner=org.staff["consultant"], name=f"车主{i}") for i in range(2)]
    unassigned = make_customer(dealer=org.d1, name="无主")
    withdrawn = make_customer(dealer=org.d1, name="退订")
    Consent.objects.create(customer=withdrawn, purpose="marketing", granted=True, channel="paper", notice_version="1")
    Consent.objects.create(customer=withdrawn, purpose="marketing", granted=False, channel="sms", notice_version="1")
    ids = [mine[0].pk, mine[1].pk, mine[0].pk, unassigned.pk, withdrawn.pk]
    result = planning.invite(actor=manager, event_id=event.pk, customer_ids=ids)
    assert result["invited"] == [mine[0].pk, mine[1].pk, unassigned.pk]
    assert result["skipped"] == [mine[0].pk]
    assert result["no_consent"] == [withdrawn.pk]
    again = planning.invite(actor=manager, event_id=event.pk, customer_ids=[mine[1].pk])
    assert (again["invited"], again["skipped"]) == ([], [mine[1].pk])
    assert Invitation.objects.filter(event=event).count() == 3
    contacts = Contact.objects.filter(purpose="promotion", kind="message", recorded_by=manager, contacted_on=today)
    assert sorted(contacts.values_list("customer_id", flat=True)) == sorted([mine[0].pk, mine[1].pk, unassigned.pk])
    assert AuditEvent.objects.filter(action="event.invite").count() == 3


def test_a_consultant_invites_only_their_own_customers(org, event):
    consultant = org.staff["consultant"]
    own = make_customer(dealer=org.d1, owner=consultant, name="自己的")
    colleagues = make_customer(dealer=org.d1, owner=org.staff["colleague"], name="同事的")
    elsewhere = make_customer(dealer=org.d2, owner=org.staff["d2_consultant"], name="别家的")
    for stranger in (colleagues, elsewhere):
        with pytest.raises(Http404):
            planning.invite(actor=consultant, event_id=event.pk, customer_ids=[own.pk, stranger.pk])
    assert not Invitation.objects.exists() and not Contact.objects.exists()
    assert planning.invite(actor=consultant, event_id=event.pk, customer_ids=[own.pk])["invited"] == [own.pk]
    # Another dealer's consultant does not see the event at all.
    with pytest.raises(Http404):
        planning.invite(actor=org.staff["d2_consultant"], event_id=event.pk, customer_ids=[elsewhere.pk])


def test_no_invitations_to_an_event_that_is_over(org, today):
    past = planning.create_event(actor=org.staff["sales_manager"], name="上月车展", starts_on=today - 10 * DAY,
                                 ends_on=today - 8 * DAY)
    customer = make_customer(dealer=org.d1, name="迟到")
    with pytest.raises(ValidationError) as refused:
        planning.invite(actor=org.staff["sales_manager"], event_id=past.pk, customer_ids=[customer.pk])
    assert "event" in refused.value.message_dict
    with pytest.raises(ValidationError):
        planning.invite(actor=org.staff["sales_manager"], event_id=past.pk, customer_ids=[])


def test_attendance_and_follow_up(org, event, today):
    manager = org.staff["sales_manager"]
    came, stayed_home, never_invited = (make_customer(dealer=org.d1, name=n) for n in ("来了", "没来", "没请"))
    planning.invite(actor=manager, event_id=event.pk, customer_ids=[came.pk, stayed_home.pk])
    invitation = planning.register_attendance(actor=manager, event_id=event.pk, customer_id=came.pk,
                                              attended_on=today - DAY)
    assert invitation.attended_on == today - DAY
    refusals = [
        (stayed_home.pk, today + DAY, "attended_on"),  # within the event, but in the future
        (stayed_home.pk, today - 3 * DAY, "attended_on"),  # before the event
        (stayed_home.pk, today + 2 * DAY, "attended_on"),  # after the event
        (never_invited.pk, today, "customer_id"),
    ]
    for customer_id, day, field in refusals:
        with pytest.raises(ValidationError) as refused:
            planning.register_attendance(actor=manager, event_id=event.pk, customer_id=customer_id, attended_on=day)
        assert field in refused.value.message_dict
    assert list(Invitation.objects.filter(attended_on__isnull=False).values_list("customer_id", flat=True)) == [came.pk]
    with pytest.raises(ValidationError) as refused:
        planning.record_follow_up(actor=manager, invitation_id=invitation.pk, result="  ")
    assert "result" in refused.value.message_dict
    followed = planning.record_follow_up(actor=manager, invitation_id=invitation.pk, result="约了下周试驾")
    assert (followed.followed_up_on, followed.follow_up_result) == (today, "约了下周试驾")
    assert AuditEvent.objects.filter(action="invitation.follow_up", object_id=str(invitation.pk)).exists()
    # A consultant cannot follow up an invitation of a customer they do not see.
    with pytest.raises(Http404):
        planning.record_follow_up(actor=org.staff["consultant"], invitation_id=invitation.pk, result="看看")


def test_comparing_events(org, today):
    """Event A (5 days ago to today): 4 invited, 3 came, 1 followed up. Of those who came, one
    opened a prospect during the event and one with an older prospect ordered today: 1 prospect,
    1 order. The one who did not come opened a prospect too (not counted). Event B (today to
    in 3 days): 2 invited, nobody came yet."""
    manager, consultant = org.staff["sales_manager"], org.staff["consultant"]
    a = planning.create_event(actor=manager, name="A", starts_on=today - 5 * DAY, ends_on=today)
    b = planning.create_event(actor=manager, name="B", starts_on=today, ends_on=today + 3 * DAY)
    people = [make_customer(dealer=org.d1, owner=consultant, name=f"客{i}") for i in range(6)]
    older = services.open_prospect(actor=consultant, customer_id=people[1].pk, grade="B", model_of_interest="朗逸",
                                   source="walk_in", first_contact=today - 20 * DAY)
    planning.invite(actor=manager, event_id=a.pk, customer_ids=[p.pk for p in people[:4]])
    planning.invite(actor=manager, event_id=b.pk, customer_ids=[p.pk for p in people[4:]])
    for person in people[:3]:
        planning.register_attendance(actor=manager, event_id=a.pk, customer_id=person.pk, attended_on=today - DAY)
    first = Invitation.objects.get(event=a, customer=people[0])
    planning.record_follow_up(actor=manager, invitation_id=first.pk, result="意向强")
    services.open_prospect(actor=consultant, customer_id=people[0].pk, grade="H", model_of_interest="途观L",
                           source="base_maintenance", first_contact=today - DAY)
    services.record_order(actor=consultant, prospect_id=older.pk, deposit_cents=100000)
    services.open_prospect(actor=consultant, customer_id=people[3].pk, grade="C", model_of_interest="途观L",
                           source="walk_in")
    rows = planning.compare_events(manager, [b.pk, a.pk])
    assert [r["name"] for r in rows] == ["A", "B"]
    assert {k: rows[0][k] for k in ("invited", "attended", "followed_up", "prospects", "orders")} == \
        {"invited": 4, "attended": 3, "followed_up": 1, "prospects": 1, "orders": 1}
    assert rows[0]["attendance_rate"] == pytest.approx(0.75)
    assert {k: rows[1][k] for k in ("invited", "attended", "attendance_rate", "prospects")} == \
        {"invited": 2, "attended": 0, "attendance_rate": 0.0, "prospects": 0}
    assert [r["name"] for r in planning.compare_events(manager, start=today, end=today + DAY)] == ["B"]
    with pytest.raises(Http404):
        planning.compare_events(org.staff["d2_consultant"], [a.pk])


def test_events_api(org, client, today):
    client.force_login(org.staff["sales_manager"])
    customer = make_customer(dealer=org.d1, name="接口")
    created = client.post("/api/v1/events", {"name": "新车上市", "starts_on": str(today), "ends_on": str(today + DAY)},
                          content_type="application/json")
    assert created.status_code == 201, created.content
    event_id = created.json()["id"]
    assert [e["id"] for e in client.get("/api/v1/events").json()] == [event_id]
    invited = client.post(f"/api/v1/events/{event_id}/invitations", {"customer_ids": [customer.pk, customer.pk]},
                          content_type="application/json")
    assert invited.status_code == 201
    assert invited.json() == {"invited": [customer.pk], "skipped": [customer.pk], "no_consent": []}
    came = client.post(f"/api/v1/events/{event_id}/attendance", {"customer_id": customer.pk, "attended_on": str(today)},
                       content_type="application/json")
    assert came.status_code == 200 and came.json()["attended_on"] == str(today)
    late = client.post(f"/api/v1/events/{event_id}/attendance",
                       {"customer_id": customer.pk, "attended_on": str(today + 5 * DAY)},
                       content_type="application/json")
    assert late.status_code == 422 and late.json()["detail"][0]["loc"][-1] == "attended_on"
    compared = client.get(f"/api/v1/events/compare?ids={event_id}")
    assert compared.status_code == 200
    assert compared.json()[0]["attended"] == 1 and compared.json()[0]["attendance_rate"] == 1.0
    assert client.get("/api/v1/events/compare?ids=1,x").status_code == 422
    assert client.get("/api/v1/events/compare").status_code == 422
    backwards = client.post("/api/v1/events", {"name": "倒着", "starts_on": str(today), "ends_on": str(today - DAY)},
                            content_type="application/json")
    assert backwards.status_code == 422 and backwards.json()["detail"][0]["loc"][-1] == "ends_on"

    client.force_login(org.staff["consultant"])
    assert client.post("/api/v1/events", {"name": "x", "starts_on": str(today), "ends_on": str(today)},
                       content_type="application/json").status_code == 403
    assert client.post(f"/api/v1/events/{event_id}/invitations", {"customer_ids": [customer.pk]},
                       content_type="application/json").status_code == 404
    client.force_login(org.staff["d2_consultant"])
    assert client.get(f"/api/v1/events/compare?ids={event_id}").status_code == 404


# --- pages --------------------------------------------------------------------------------------


def test_targets_page(org, client, month_of_work):
    client.force_login(org.staff["sales_manager"])
    page = client.get(reverse("sales:targets"))
    assert page.status_code == 200
    assert "75.0%" in page.content.decode()
    saved = client.post(reverse("sales:targets"), {"month": month_of_work.strftime("%Y-%m"),
                                                   "consultant": org.staff["colleague"].pk, "walk_ins": 2})
    assert saved.status_code == 302
    assert SalesTarget.objects.get(consultant=org.staff["colleague"]).walk_ins == 2
    refused = client.post(reverse("sales:targets"), {"month": month_of_work.strftime("%Y-%m"), "orders": -1})
    assert refused.status_code == 422
    client.force_login(org.staff["consultant"])
    page = client.get(reverse("sales:targets"))
    assert page.status_code == 200 and "set-target" not in page.content.decode()
    assert client.post(reverse("sales:targets"), {"month": "2025-03", "orders": 1}).status_code == 403


def test_funnel_page(org, client, funnel_data):
    client.force_login(org.staff["sales_manager"])
    start, end = funnel_data
    page = client.get(reverse("sales:funnel"), {"start": start, "end": end})
    assert page.status_code == 200
    assert "3.0" in page.content.decode()  # referred closed 3.0 times as often
    assert client.get(reverse("sales:funnel"), {"start": end, "end": start}).status_code == 422


def test_event_pages(org, client, today):
    client.force_login(org.staff["marketing"])
    created = client.post(reverse("sales:events"), {"name": "车主俱乐部", "starts_on": str(today),
                                                    "ends_on": str(today + DAY)})
    assert created.status_code == 302
    event = PromotionEvent.objects.get()
    customer = make_customer(dealer=org.d1, name="俱乐部会员")
    found = client.get(reverse("sales:event", args=[event.pk]), {"q": "俱乐部"})
    assert found.status_code == 200 and f'value="{customer.pk}"' in found.content.decode()
    invited = client.post(reverse("sales:event", args=[event.pk]), {"action": "invite", "customer": [customer.pk]})
    assert invited.status_code == 302
    came = client.post(reverse("sales:event", args=[event.pk]),
                       {"action": "attend", "customer": customer.pk, "attended_on": str(today)})
    assert came.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.attended_on == today
    followed = client.post(reverse("sales:event", args=[event.pk]),
                           {"action": "follow_up", "invitation": invitation.pk, "result": "满意"})
    assert followed.status_code == 302
    listing = client.get(reverse("sales:events"))
    assert listing.status_code == 200 and "车主俱乐部" in listing.content.decode()
    bad = client.post(reverse("sales:events"), {"name": "倒着", "starts_on": str(today), "ends_on": str(today - DAY)})
    assert bad.status_code == 422
    client.force_login(org.staff["d2_consultant"])
    assert client.get(reverse("sales:event", args=[event.pk])).status_code == 404
    client.force_login(org.staff["consultant"])
    assert client.post(reverse("sales:events"), {"name": "x", "starts_on": str(today),
                                                 "ends_on": str(today)}).status_code == 403


def test_pages_for_a_region_manager_without_a_dealer(org, client, month_of_work, today):
    client.force_login(org.staff["region_manager"])
    page = client.get(reverse("sales:targets"), {"dealer": org.d1.pk})
    assert page.status_code == 200 and "75.0%" in page.content.decode()
    saved = client.post(reverse("sales:targets") + f"?dealer={org.d2.pk}", {"month": month_of_work.strftime("%Y-%m"),
                                                                           "dealer": org.d2.pk, "orders": 3})
    assert saved.status_code == 302 and SalesTarget.objects.get(dealer=org.d2).orders == 3
    assert client.get(reverse("sales:targets"), {"dealer": org.d3.pk}).status_code == 404
    assert client.get(reverse("sales:funnel")).status_code == 200
    created = client.post(reverse("sales:events"), {"name": "区域车展", "dealer": org.d2.pk, "starts_on": str(today),
                                                    "ends_on": str(today)})
    assert created.status_code == 302 and PromotionEvent.objects.get().dealer == org.d2
    assert client.get(reverse("sales:events")).status_code == 200
