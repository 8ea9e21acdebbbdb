"""The referral and club pages through the real views: the card's referrals section (code, QR,
whom they brought), recording a referral by code (and a bad code beside its field), the influence
centres with the GM's next steps and the export, the clubs' pages."""

import datetime as dt

from django.utils import timezone

from retain.care.models import Task
from retain.loyalty.models import Club, ClubMembership, ReferralCode
from retain.loyalty.services import clubs
from retain.org.models import AuditEvent
from retain.sales.models import Invitation, Prospect, ProspectStatus
from tests.conftest import make_customer


def _won(customer):
    day = timezone.localdate() - dt.timedelta(days=20)
    return Prospect.objects.create(customer=customer, dealer=customer.dealer, owner=customer.owner, grade="O",
                                   status=ProspectStatus.WON, source="base_maintenance", model_of_interest="途观L",
                                   first_contact=day, last_contact=day, next_follow_up=day, delivered_on=day)


def test_card_code_record_and_influence_pages(org, client):
    gm = org.staff["dealer_gm"]
    client.force_login(gm)
    owner = make_customer(dealer=org.d1, name="周新志")
    friend = make_customer(dealer=org.d1, name="王小明")
    _won(friend)
    card = client.get(f"/customers/{owner.pk}/")
    assert card.status_code == 200 and 'id="referrals"' in card.content.decode()
    assert client.post(f"/loyalty/members/{owner.pk}/referral-code/").status_code == 302
    code = ReferralCode.objects.get(customer=owner).code
    card = client.get(f"/customers/{owner.pk}/").content.decode()
    assert code in card and "<svg" in card
    bad = client.post(f"/loyalty/members/{friend.pk}/referral/", {"code": "XXXXXXXX"})
    assert bad.status_code == 422 and "No member has this referral code." in bad.content.decode()
    done = client.post(f"/loyalty/members/{friend.pk}/referral/", {"code": code})
    assert done.status_code == 302
    friend.refresh_from_db()
    assert friend.referred_by_id == owner.pk
    card = client.get(f"/customers/{owner.pk}/").content.decode()
    assert "王小明" in card
    page = client.get("/loyalty/influence-centres/")
    assert page.status_code == 200 and "周新志" in page.content.decode()
    # the GM's next steps: a care task through the care service, an invitation into a club
    thank = client.post(f"/loyalty/influence-centres/{owner.pk}/thank/",
                        {"due_on": (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "notes": "致谢"})
    assert thank.status_code == 302 and Task.objects.filter(customer=owner, notes="致谢").count() == 1
    club = clubs.create_club(actor=gm, dealer_id=org.d1.pk, name="车友会")
    assert client.post(f"/loyalty/influence-centres/{owner.pk}/join/", {"club": club.pk}).status_code == 302
    assert ClubMembership.objects.filter(club=club, customer=owner, left_on=None).exists()
    export = client.get("/loyalty/influence-centres/export.csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert export.status_code == 200 and "周新志" in text and text.splitlines()[1].split(",")[2:4] == ["1", "1"]
    assert AuditEvent.objects.filter(action="referral.export").count() == 1
    # marketing sees the ranking, may not export or thank (no care tasks of its own to make here)
    client.force_login(org.staff["consultant"])
    assert client.get("/loyalty/influence-centres/export.csv").status_code == 403


def test_club_pages(org, client):
    marketing = org.staff["marketing"]
    client.force_login(marketing)
    owners = [make_customer(dealer=org.d1, name=f"车主{i}") for i in range(3)]
    made = client.post("/loyalty/clubs/", {"dealer": org.d1.pk, "name": "途观L车友会", "vehicle_model": "途观L"})
    assert made.status_code == 302
    club = Club.objects.get(name="途观L车友会")
    assert client.post("/loyalty/clubs/", {"dealer": org.d1.pk, "name": "途观L车友会"}).status_code == 422
    joined = client.post(f"/loyalty/clubs/{club.pk}/members/", {"customer_ids": " ".join(str(o.pk) for o in owners)})
    assert joined.status_code == 302 and clubs.active_members(club).count() == 3
    assert client.post(f"/loyalty/clubs/{club.pk}/members/", {"customer_ids": "a b"}).status_code == 422
    today = timezone.localdate().isoformat()
    assert client.post(f"/loyalty/clubs/{club.pk}/events/", {"name": "自驾游", "starts_on": today,
                                                             "ends_on": today}).status_code == 302
    event = club.events.get().event
    assert Invitation.objects.filter(event=event).count() == 3
    came = client.post(f"/loyalty/clubs/{club.pk}/events/{event.pk}/attend/{owners[0].pk}/")
    assert came.status_code == 302
    assert client.post(f"/loyalty/clubs/{club.pk}/members/{owners[2].pk}/leave/").status_code == 302
    page = client.get(f"/loyalty/clubs/{club.pk}/").content.decode()
    assert "自驾游" in page and "33%" in page and "车主0" in page
    listing = client.get("/loyalty/clubs/").content.decode()
    assert "途观L车友会" in listing
    client.force_login(org.staff["d2_consultant"])
    assert client.get(f"/loyalty/clubs/{club.pk}/").status_code == 404
