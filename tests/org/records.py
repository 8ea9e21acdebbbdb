"""Real records to point pages and services at, built through the services (keyword arguments
only, so a change of argument order cannot silently change what they build)."""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from retain.sales import services
from retain.sales.services import daily_report, planning
from tests.conftest import make_customer


def sales_records(org, consultant=None, *, name="记录客户"):
    """At D1, for ``consultant`` (default the fixture's consultant): a customer they own, an open
    prospect, a prospect whose defeat awaits a decision, a submitted daily report, and an event
    (run by the dealer's GM) to which the customer is invited."""
    me = consultant or org.staff["consultant"]
    today = timezone.localdate()
    customer = make_customer(dealer=me.dealer, owner=me, name=name)
    prospect = services.open_prospect(actor=me, customer_id=customer.pk, grade="A", model_of_interest="途观L",
                                      source="walk_in")
    lost = make_customer(dealer=me.dealer, owner=me, name=name + "乙")
    pending = services.open_prospect(actor=me, customer_id=lost.pk, grade="B", model_of_interest="朗逸",
                                     source="walk_in")
    services.apply_for_defeat(actor=me, prospect_id=pending.pk, competitor_make="丰田", competitor_model="凯美瑞",
                              reason="price")
    report = daily_report.submit_today(actor=me, visit_notes="见了客户", tomorrow_plan="回访")
    event = planning.create_event(actor=org.staff["dealer_gm"], name="试驾日", starts_on=today,
                                  ends_on=today + dt.timedelta(days=2), dealer_id=me.dealer_id)
    invitation = planning.invite(actor=org.staff["dealer_gm"], event_id=event.pk,
                                 customer_ids=[customer.pk])["event"].invitations.get(customer=customer)
    return SimpleNamespace(customer=customer, prospect=prospect, pending=pending, report=report, event=event,
                           invitation=invitation)


def care_records(org, customer):
    """A care task on ``customer`` owned by its owner, and a VIP file for it (through the services)."""
    from retain.care import services as care

    task = care.create_task(actor=customer.owner, customer_id=customer.pk, due_on=timezone.localdate(),
                            notes="回访")
    vip = care.open_vip_file(actor=org.staff["sales_manager"], customer_id=customer.pk, source="bank",
                             consultant_id=customer.owner_id, manager_id=org.staff["sales_manager"].pk)
    return SimpleNamespace(task=task, vip=vip)
