"""Reassigning a portfolio and merging a duplicate move the sales records and scores too, through
the customers services themselves (``customers.moves`` hooks registered by sales and insights)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from retain.customers import services as customer_services
from retain.insights.models import CustomerScore, ScoreRun
from retain.org.models import AuditEvent
from retain.sales import services
from retain.sales.models import Contact, GradeChange, Invitation, Prospect, ShowroomVisit
from tests.conftest import make_customer

DAY = dt.timedelta(days=1)


def _prospect(actor, customer, *, days_ago=3, grade="A"):
    return services.open_prospect(actor=actor, customer_id=customer.pk, grade=grade, model_of_interest="途观L",
                                  source="walk_in", first_contact=timezone.localdate() - days_ago * DAY)


def test_reassign_moves_open_prospects_onto_the_new_owners_today_list(org, client):
    leaver, heir = org.staff["consultant"], org.staff["colleague"]
    due = make_customer(dealer=org.d1, owner=leaver, name="到期客户")
    won = make_customer(dealer=org.d1, owner=leaver, name="已成交")
    open_prospect = _prospect(leaver, due)  # grade A: due after 3 days, i.e. today
    closed = _prospect(leaver, won)
    Prospect.objects.filter(pk=closed.pk).update(status="won", closed_on=timezone.localdate())
    assert services.today(heir)["due"] == []

    customer_services.reassign_portfolio(actor=org.staff["sales_manager"], from_owner_id=leaver.pk,
                                         to_owner_ids=[heir.pk], note="离职")

    open_prospect.refresh_from_db(), closed.refresh_from_db()
    assert (open_prospect.owner, closed.owner) == (heir, leaver)  # the history of won work stays
    assert [p.pk for p in services.today(heir)["due"]] == [open_prospect.pk]
    assert services.today(leaver)["due"] == []
    row = AuditEvent.objects.get(action="portfolio.reassign")
    assert row.after["prospects"] == 1
    client.force_login(heir)
    assert "到期客户" in client.get("/sales/today/").content.decode()


def test_reassign_leaves_other_owners_prospects_alone(org):
    leaver, heir = org.staff["consultant"], org.staff["colleague"]
    customer = make_customer(dealer=org.d1, owner=leaver)
    prospect = _prospect(org.staff["sales_manager"], customer)
    Prospect.objects.filter(pk=prospect.pk).update(owner=org.staff["sales_manager"])
    customer_services.reassign_portfolio(actor=org.staff["dealer_gm"], from_owner_id=leaver.pk,
                                         to_owner_ids=[heir.pk], note="x")
    prospect.refresh_from_db()
    assert prospect.owner == org.staff["sales_manager"]


@pytest.fixture
def pair(org):
    consultant = org.staff["consultant"]
    survivor = make_customer(dealer=org.d1, owner=consultant, name="王五")
    duplicate = make_customer(dealer=org.d1, owner=consultant, name="王五 (重复)")
    return survivor, duplicate


def _run(as_of):
    return ScoreRun.objects.create(as_of=as_of, kinds="service", analyses="rfm", customers=2)


def _score(run, customer, frequency):
    return CustomerScore.objects.create(run=run, customer=customer, as_of=run.as_of, frequency=frequency, recency=1,
                                        age=10, monetary_cents=100)


def test_merge_moves_prospects_contacts_register_lines_invitations_and_scores(org, pair, client):
    survivor, duplicate = pair
    consultant, gm, manager = org.staff["consultant"], org.staff["dealer_gm"], org.staff["sales_manager"]
    prospect = _prospect(consultant, duplicate)
    services.log_contact(actor=consultant, prospect_id=prospect.pk, kind="call", notes="约试驾")
    services.log_customer_contact(actor=consultant, customer_id=duplicate.pk, kind="visit")
    visit = services.register_visit(actor=consultant, arrived_at=timezone.now() - dt.timedelta(hours=1),
                                    customer_id=duplicate.pk)
    today = timezone.localdate()
    event = services.create_event(actor=manager, name="试驾日", starts_on=today - DAY, ends_on=today + DAY)
    services.invite(actor=manager, event_id=event.pk, customer_ids=[duplicate.pk])
    old_run, new_run = _run(today - 30 * DAY), _run(today)
    _score(old_run, duplicate, 7)
    _score(new_run, duplicate, 2), _score(new_run, survivor, 3)

    customer_services.merge_customers(actor=gm, survivor_id=survivor.pk, duplicate_id=duplicate.pk, note="同一人")

    prospect.refresh_from_db(), visit.refresh_from_db()
    assert prospect.customer == survivor and prospect.grade_changes.count() == GradeChange.objects.count()
    assert not Contact.objects.filter(customer=duplicate).exists()
    assert Contact.objects.filter(customer=survivor).count() == 3  # the call, the visit, the invitation
    assert visit.customer == survivor
    assert Invitation.objects.get(event=event).customer == survivor
    # The survivor's own score of a run stays; a run that only scored the duplicate now scores the survivor.
    assert CustomerScore.objects.get(run=old_run).customer == survivor
    assert CustomerScore.objects.get(run=new_run, customer=survivor).frequency == 3
    row = AuditEvent.objects.get(action="customer.merge")
    assert {k: row.after[k] for k in ("prospects", "sales_contacts", "showroom_visits", "invitations", "scores")} \
        == {"prospects": 1, "sales_contacts": 3, "showroom_visits": 1, "invitations": 1, "scores": 1}
    client.force_login(consultant)  # the survivor's card lists the moved prospect
    assert f'href="/sales/prospects/{prospect.pk}/"' in client.get(f"/customers/{survivor.pk}/").content.decode()


def test_merge_keeps_one_invitation_per_event_and_completes_it(org, pair):
    survivor, duplicate = pair
    manager = org.staff["sales_manager"]
    today = timezone.localdate()
    event = services.create_event(actor=manager, name="车展", starts_on=today - DAY, ends_on=today + DAY)
    services.invite(actor=manager, event_id=event.pk, customer_ids=[survivor.pk, duplicate.pk])
    services.register_attendance(actor=manager, event_id=event.pk, customer_id=duplicate.pk, attended_on=today)
    customer_services.merge_customers(actor=org.staff["dealer_gm"], survivor_id=survivor.pk,
                                      duplicate_id=duplicate.pk)
    kept = Invitation.objects.get(event=event, customer=survivor)
    assert kept.attended_on == today
    assert Invitation.objects.filter(event=event).count() == 2  # the other stays on the merged-away record


def test_merge_of_two_open_prospects_is_refused_and_writes_nothing(org, pair):
    survivor, duplicate = pair
    consultant = org.staff["consultant"]
    _prospect(consultant, survivor), _prospect(consultant, duplicate)
    with pytest.raises(ValidationError) as refused:
        customer_services.merge_customers(actor=org.staff["dealer_gm"], survivor_id=survivor.pk,
                                          duplicate_id=duplicate.pk)
    assert "duplicate" in refused.value.message_dict
    duplicate.refresh_from_db()
    assert duplicate.status == "active" and Prospect.objects.filter(customer=duplicate).count() == 1
    assert not AuditEvent.objects.filter(action__startswith="customer.merge").exists()
    assert ShowroomVisit.objects.count() == 0
