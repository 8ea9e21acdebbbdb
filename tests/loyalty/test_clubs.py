"""Owners' clubs: membership with dates, club events as sales' promotion events with invitations
and attendance, the attendance rate, and the API (issue 11, item 6)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from retain.loyalty.models import Club, ClubEvent, ClubMembership
from retain.loyalty.services import clubs
from retain.org.models import AuditEvent
from retain.sales.models import Contact, Invitation, PromotionEvent
from tests.conftest import make_customer


@pytest.fixture
def marketing(org):
    return org.staff["marketing"]


@pytest.fixture
def club(org, marketing):
    return clubs.create_club(actor=marketing, dealer_id=org.d1.pk, name="途观L车友会", vehicle_model="途观L")


def test_create_club_and_its_bad_inputs(org, marketing, club):
    assert (club.dealer_id, club.vehicle_model) == (org.d1.pk, "途观L")
    assert AuditEvent.objects.filter(action="club.create", object_id=str(club.pk)).count() == 1
    for kwargs, field in (({"name": ""}, "name"), ({"name": "途观L车友会"}, "name"), ({"name": "x" * 101}, "name"),
                          ({"name": "新会", "vehicle_model": "y" * 61}, "vehicle_model")):
        with pytest.raises(ValidationError) as error:
            clubs.create_club(actor=marketing, dealer_id=org.d1.pk, **kwargs)
        assert field in error.value.message_dict
    with pytest.raises(Http404):
        clubs.create_club(actor=marketing, dealer_id=org.d2.pk, name="别家")
    with pytest.raises(PermissionDenied):
        clubs.create_club(actor=org.staff["consultant"], dealer_id=org.d1.pk, name="顾问的会")


def test_join_leave_and_rejoin(org, marketing, club):
    owners = [make_customer(dealer=org.d1, name=f"车主{i}") for i in range(4)]
    done = clubs.add_members(actor=marketing, club_id=club.pk, customer_ids=[o.pk for o in owners[:3]],
                             joined_on=dt.date(2026, 1, 5))
    assert done["joined"] == [o.pk for o in owners[:3]]
    again = clubs.add_members(actor=marketing, club_id=club.pk, customer_ids=[owners[0].pk, owners[3].pk])
    assert again["joined"] == [owners[3].pk] and again["skipped"] == [owners[0].pk]
    left = clubs.remove_member(actor=marketing, club_id=club.pk, customer_id=owners[1].pk,
                               left_on=dt.date(2026, 3, 1))
    assert left.left_on == dt.date(2026, 3, 1)
    assert set(clubs.active_members(club).values_list("customer_id", flat=True)) == {
        owners[0].pk, owners[2].pk, owners[3].pk}
    clubs.add_members(actor=marketing, club_id=club.pk, customer_ids=[owners[1].pk])  # rejoins: a new row
    assert ClubMembership.objects.filter(club=club, customer=owners[1]).count() == 2
    # bad inputs, each naming its field
    other = make_customer(dealer=org.d2, name="别店车主")
    for kwargs, field in (({"customer_ids": []}, "customer_ids"), ({"customer_ids": ["x"]}, "customer_ids"),
                          ({"customer_ids": [other.pk]}, "customer_ids"),
                          ({"customer_ids": [owners[0].pk], "joined_on": "2026-01-01"}, "joined_on")):
        with pytest.raises(ValidationError) as error:
            clubs.add_members(actor=marketing, club_id=club.pk, **kwargs)
        assert set(error.value.message_dict) == {field}
    with pytest.raises(ValidationError) as error:
        clubs.remove_member(actor=marketing, club_id=club.pk, customer_id=other.pk)
    assert set(error.value.message_dict) == {"customer_id"}
    with pytest.raises(ValidationError) as error:
        clubs.remove_member(actor=marketing, club_id=club.pk, customer_id=owners[0].pk, left_on=dt.date(2025, 1, 1))
    assert set(error.value.message_dict) == {"left_on"}
    with pytest.raises(Http404):  # a club out of sight
        clubs.add_members(actor=org.staff["d2_consultant"], club_id=club.pk, customer_ids=[owners[0].pk])


def test_club_events_invite_members_and_count_attendance(org, marketing, club, client):
    owners = [make_customer(dealer=org.d1, name=f"车主{i}") for i in range(5)]
    clubs.add_members(actor=marketing, club_id=club.pk, customer_ids=[o.pk for o in owners])
    clubs.remove_member(actor=marketing, club_id=club.pk, customer_id=owners[4].pk)
    today = timezone.localdate()
    made = clubs.create_club_event(actor=marketing, club_id=club.pk, name="自驾游", starts_on=today, ends_on=today)
    event = made["event"]
    assert isinstance(event, PromotionEvent) and event.dealer_id == org.d1.pk
    assert ClubEvent.objects.get(event=event).club_id == club.pk
    assert sorted(made["invited"]) == sorted(o.pk for o in owners[:4])
    assert Invitation.objects.filter(event=event).count() == 4
    assert Contact.objects.filter(customer__in=owners[:4], purpose="promotion").count() == 4  # sales' own side
    for owner in owners[:3]:
        clubs.record_attendance(actor=marketing, club_id=club.pk, event_id=event.pk, customer_id=owner.pk)
    with pytest.raises(ValidationError) as error:  # not invited (left the club)
        clubs.record_attendance(actor=marketing, club_id=club.pk, event_id=event.pk, customer_id=owners[4].pk)
    assert "customer_id" in error.value.message_dict
    second = clubs.create_club_event(actor=marketing, club_id=club.pk, name="保养讲座", starts_on=today,
                                     ends_on=today + dt.timedelta(days=1))["event"]
    clubs.record_attendance(actor=marketing, club_id=club.pk, event_id=second.pk, customer_id=owners[0].pk)
    rows = clubs.club_events(club)
    assert {(r["event"].pk, r["invited"], r["attended"]) for r in rows} == {(event.pk, 4, 3), (second.pk, 4, 1)}
    rate = clubs.attendance(club)
    assert (rate["invited"], rate["attended"], rate["rate"]) == (8, 4, 0.5)
    assert rate["low"] == pytest.approx(0.2152, abs=1e-4) and rate["high"] == pytest.approx(0.7848, abs=1e-4)
    # an event of another club is not this club's
    other = clubs.create_club(actor=marketing, dealer_id=org.d1.pk, name="高尔夫车友会")
    with pytest.raises(Http404):
        clubs.record_attendance(actor=marketing, club_id=other.pk, event_id=event.pk, customer_id=owners[0].pk)
    # the API
    client.force_login(marketing)
    listed = client.get("/api/v1/loyalty/clubs", {"dealer": org.d1.pk}).json()
    assert {(c["name"], c["members"]) for c in listed} == {("途观L车友会", 4), ("高尔夫车友会", 0)}
    members = client.get(f"/api/v1/loyalty/clubs/{club.pk}/members").json()
    assert members["count"] == 4
    assert client.get(f"/api/v1/loyalty/clubs/{club.pk}/members", {"former": "true"}).json()["count"] == 5
    events = client.get(f"/api/v1/loyalty/clubs/{club.pk}/events").json()
    assert {(e["event_id"], e["invited"], e["attended"]) for e in events} == {(event.pk, 4, 3), (second.pk, 4, 1)}


def test_club_api_writes(org, marketing, client):
    client.force_login(marketing)
    owner = make_customer(dealer=org.d1, name="车主")

    def post(url, body, key):
        return client.post(url, body, content_type="application/json", headers={"Idempotency-Key": key})

    made = post("/api/v1/loyalty/clubs", {"dealer_id": org.d1.pk, "name": "车友会"}, "c1")
    assert made.status_code == 201
    club_id = made.json()["id"]
    assert post("/api/v1/loyalty/clubs", {"dealer_id": org.d1.pk, "name": "车友会"}, "c1").json()["id"] == club_id
    dup = post("/api/v1/loyalty/clubs", {"dealer_id": org.d1.pk, "name": "车友会"}, "c2")
    assert dup.status_code == 422 and dup.json()["detail"][0]["loc"] == ["body", "name"]
    assert post(f"/api/v1/loyalty/clubs/{club_id}/members", {"customer_ids": [owner.pk]}, "m1").status_code == 201
    today = timezone.localdate().isoformat()
    event = post(f"/api/v1/loyalty/clubs/{club_id}/events", {"name": "聚会", "starts_on": today, "ends_on": today},
                 "e1")
    assert event.status_code == 201 and event.json()["invited"] == 1
    event_id = event.json()["event_id"]
    came = post(f"/api/v1/loyalty/clubs/{club_id}/events/{event_id}/attendance", {"customer_id": owner.pk}, "a1")
    assert came.status_code == 201
    assert post(f"/api/v1/loyalty/clubs/{club_id}/members/{owner.pk}/leave", {}, "l1").status_code == 201
    assert Club.objects.get(pk=club_id).memberships.get().left_on == timezone.localdate()
    client.force_login(org.staff["consultant"])
    assert post("/api/v1/loyalty/clubs", {"dealer_id": org.d1.pk, "name": "顾问会"}, "c3").status_code == 403


def test_attending_a_club_event_earns_the_rule_points_once_by_the_daily_scan(org, marketing, club):
    """The ``club_event_attended`` rule (100 points by default) for each member who came, once per
    invitation, by the ``loyalty.events`` job of the day; a showroom event's attendance earns none."""
    from retain.jobs.registry import job
    from retain.loyalty.models import Transfer
    from retain.sales.services import planning as sales_events

    came, stayed_away = make_customer(dealer=org.d1, name="车主甲"), make_customer(dealer=org.d1, name="车主乙")
    clubs.add_members(actor=marketing, club_id=club.pk, customer_ids=[came.pk, stayed_away.pk])
    day = timezone.localdate()
    event = clubs.create_club_event(actor=marketing, club_id=club.pk, name="自驾游", starts_on=day, ends_on=day)["event"]
    clubs.record_attendance(actor=marketing, club_id=club.pk, event_id=event.pk, customer_id=came.pk)
    showroom = sales_events.create_event(actor=marketing, dealer_id=org.d1.pk, name="新车发布", starts_on=day,
                                         ends_on=day)
    sales_events.invite(actor=marketing, event_id=showroom.pk, customer_ids=[stayed_away.pk])
    sales_events.register_attendance(actor=marketing, event_id=showroom.pk, customer_id=stayed_away.pk,
                                       attended_on=day)
    run = job("loyalty.events").run
    assert "1 club events attended" in run(day)
    assert "0 club events attended" in run(day)
    invitation = Invitation.objects.get(event=event, customer=came)
    earned = Transfer.objects.get(source=f"club:{invitation.pk}")
    assert (earned.credit.customer_id, earned.amount, earned.trigger) == (came.pk, 100, "club_event_attended")
    assert not Transfer.objects.filter(credit__customer=stayed_away).exists()
