"""Reads of the care tasks for pages, the API and the export: a person's day, the task list's
filters, and the managers' completion and overdue by person. Everything goes through the door
(``care.access``); counts are counted in the database, names looked up after."""

import datetime as dt

from django.db.models import Count, F, Q
from django.utils import timezone

from retain.customers import today
from retain.org.models import Staff

from .access import visible_tasks
from .models import Task, TaskStatus

#: ``?due=`` of the list and the API.
DUE_FILTERS = ("today", "overdue", "open", "done", "all")
DAY_LIMIT = 20  # per list on a start page: the rest are on the task list, a link away
#: The columns a start page's task rows show (``care/_task_rows.html``): a task, its customer and
#: its vehicle have some 60 columns, and turning them all into objects was most of the lists'
#: cost; a column left out here would be read again row by row, which the today page's query
#: budget (tests/customers/test_speed.py) catches.
ROW_COLUMNS = ("kind", "reason", "due_on", "status", "channel", "outcome", "done_on", "owner",
               "customer__name", "vehicle__plate", "vehicle__vin")


def my_day(actor, day: dt.date | None = None) -> dict:
    """The actor's own open tasks: overdue (longest overdue first) and due on ``day``, at most
    ``DAY_LIMIT`` of each with their full counts, so a start page costs the same however many
    greetings a festival brings."""
    day = day or timezone.localdate()
    if not today.holds(actor, Task):  # the page found the actor owns no task at all
        return {"date": day, "overdue": [], "due": [], "overdue_count": 0, "due_count": 0}
    mine = (visible_tasks(actor).filter(owner=actor, status=TaskStatus.OPEN)
            .select_related("customer", "vehicle").only(*ROW_COLUMNS))
    overdue, due = mine.filter(due_on__lt=day), mine.filter(due_on=day)
    listed = {"overdue": list(overdue.order_by("due_on", "id")[:DAY_LIMIT]),
              "due": list(due.order_by("kind", "id")[:DAY_LIMIT])}
    counts = {f"{name}_count": len(rows) if len(rows) < DAY_LIMIT else query.count()
              for (name, rows), query in zip(listed.items(), (overdue, due))}
    return {"date": day, **listed, **counts}


def filtered(actor, *, due: str = "open", mine: bool = False, owner_id: int | None = None, kind: str = "",
             day: dt.date | None = None):
    """The tasks in the actor's scope narrowed by the list's filters: ``due`` today / overdue /
    open / done / all, only the actor's own (``mine``), one owner's, one kind."""
    day = day or timezone.localdate()
    tasks = visible_tasks(actor)
    if mine:
        tasks = tasks.filter(owner=actor)
    elif owner_id is not None:
        tasks = tasks.filter(owner_id=owner_id)
    if kind:
        tasks = tasks.filter(kind=kind)
    if due == "today":
        tasks = tasks.filter(status=TaskStatus.OPEN, due_on=day)
    elif due == "overdue":
        tasks = tasks.filter(status=TaskStatus.OPEN, due_on__lt=day)
    elif due == "open":
        tasks = tasks.filter(status=TaskStatus.OPEN)
    elif due == "done":
        tasks = tasks.filter(status=TaskStatus.DONE)
    return tasks


def by_person(actor, start: dt.date, end: dt.date, today: dt.date | None = None) -> list[dict]:
    """Per owner in the actor's scope, the tasks due from ``start`` to ``end``: how many, done,
    done on time, still open and overdue, and the completion share; people by name, the most
    overdue first."""
    today = today or timezone.localdate()
    due = Q(due_on__range=(start, end))
    rows = list(visible_tasks(actor).filter(due).exclude(status=TaskStatus.CANCELLED).values("owner_id")
                .annotate(total=Count("id"), done=Count("id", filter=Q(status=TaskStatus.DONE)),
                          on_time=Count("id", filter=Q(status=TaskStatus.DONE, done_on__lte=F("due_on"))),
                          overdue=Count("id", filter=Q(status=TaskStatus.OPEN, due_on__lt=today)))
                .order_by())
    people = {s.pk: s for s in Staff.objects.filter(pk__in=[r["owner_id"] for r in rows if r["owner_id"]])}
    for row in rows:
        person = people.get(row["owner_id"])
        row["name"] = person.display_name if person else None
        row["username"] = person.username if person else ""
        row["open"] = row["total"] - row["done"]
        row["share"] = row["done"] / row["total"] if row["total"] else 0.0
    return sorted(rows, key=lambda r: (-r["overdue"], r["share"], r["username"]))
