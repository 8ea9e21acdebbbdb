"""What care adds to pages and reports of other apps, through the hooks of the customers app
(registered in ``CareConfig.ready``): the customer card's care section, the today page's care
tasks, and the daily report's owner contacts."""

import datetime as dt

from django.db.models import Count

from retain.customers.cards import CardSection, holds
from retain.org.policy import Action, allowed

from .access import vip_file_on_card, visible_tasks
from .forms import OutcomeForm
from .models import REACHED_OUTCOMES, Task, TaskStatus, VipFile
from .worklist import my_day

CARD_LIMIT = 10


def card_section(actor, customer) -> CardSection | None:
    """The customer's open care tasks and the latest done ones (one query through the door), and
    their VIP file if the actor may see it."""
    tasks = []
    if holds(customer, Task):
        tasks = list(visible_tasks(actor).filter(customer=customer).exclude(status=TaskStatus.CANCELLED)
                     .select_related("owner", "done_by").order_by("-due_on", "-id")[:3 * CARD_LIMIT])
    open_ = sorted((t for t in tasks if t.status == TaskStatus.OPEN), key=lambda t: (t.due_on, t.pk))[:CARD_LIMIT]
    done = sorted((t for t in tasks if t.status == TaskStatus.DONE), key=lambda t: (t.done_on, t.pk),
                  reverse=True)[:CARD_LIMIT]
    vip = vip_file_on_card(actor, customer) if holds(customer, VipFile) else None
    if not (open_ or done or vip):
        return None
    return CardSection("care/_card_tasks.html", {"open": open_, "done": done, "vip": vip, "customer": customer,
                                                 "may_work": allowed(actor, Action.WORK_TASKS)})


def today_section(actor, day: dt.date) -> CardSection | None:
    """The actor's own care tasks for the day (overdue first), beside their follow-ups."""
    if not allowed(actor, Action.VIEW_TASKS):
        return None
    work = my_day(actor, day)
    return CardSection("care/_today.html", {**work, "form": OutcomeForm(auto_id=False),
                                            "may_work": allowed(actor, Action.WORK_TASKS)})


def owner_contacts(staff, first: dt.date, last: dt.date) -> dict[tuple[dt.date, str], int]:
    """Care tasks the staff member did between ``first`` and ``last`` with the customer reached,
    by day and by the customer's current class (``customers.touches``)."""
    rows = (Task.objects.filter(done_by=staff, done_on__range=(first, last), status=TaskStatus.DONE,
                                outcome__in=REACHED_OUTCOMES)
            .values("done_on", "customer__classification").annotate(n=Count("id")).order_by())
    return {(row["done_on"], row["customer__classification"]): row["n"] for row in rows}
