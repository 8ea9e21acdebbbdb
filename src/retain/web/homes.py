"""What each role's start page shows. Reads only: the figures come from the apps' doors and
reports (``sales.analysis``, ``sales.planning``, ``sales.access``, ``customers.access``), computed
once here and handed to both the tables and the charts of the page."""

import datetime as dt

from django.db.models import Exists, Max, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.care import worklist
from retain.care.forms import OutcomeForm
from retain.customers.access import visible_customers
from retain.customers.models import Transaction, TransactionKind, Vehicle
from retain.org.policy import Action, allowed, dealers_in_scope
from retain.sales import analysis, figures, services
from retain.sales.access import visible_events, visible_prospects
from retain.sales.models import ProspectStatus, SalesTarget
from retain.sales.periods import month_end
from retain.sales.services import daily_report, planning

from . import charts

LIST_LIMIT = 20  # a start page shows the first items of each list and links to the rest


def _target_labels() -> dict:
    return {"walk_ins": _("Walk-ins"), "new_prospects": _("New prospects"), "orders": _("Orders"),
            "deliveries": _("Deliveries")}


def manager(actor, today: dt.date | None = None) -> dict:
    """A showroom's managers' day: reports to sign, defeats to decide, overdue follow-ups by
    consultant, today's traffic and the month's targets to date."""
    today = today or timezone.localdate()
    signs = allowed(actor, Action.SIGN_REPORT)
    reports = []
    if signs:
        reports = list(daily_report.reports_to_sign(actor).select_related("consultant")
                       .order_by("-date", "consultant__last_name")[:LIST_LIMIT])
    decides = allowed(actor, Action.DECIDE_DEFEAT)
    defeats = []
    if decides:
        defeats = list(visible_prospects(actor, Action.DECIDE_DEFEAT).filter(status=ProspectStatus.DEFEAT_PENDING)
                       .select_related("customer", "owner").defer("customer__national_id").order_by("defeat_applied_on", "id")[:LIST_LIMIT])
    team = services.overdue_by_consultant(actor, today)
    traffic = analysis.traffic_of_the_day(actor, today, actor.dealer_id)
    hours = [row for row in traffic["by_hour"] if row["count"] or 8 <= row["hour"] <= 20]

    elapsed = today.day / month_end(today).day
    # The dealer's month to date (sales.figures: shared with the region's and group's pages, at
    # most five minutes old) against the dealer's target for the month.
    counted, as_of = figures.dealer_figures([actor.dealer_id], today) if actor.dealer_id else ({}, None)
    actual = counted.get(actor.dealer_id, {})
    goal = SalesTarget.objects.filter(dealer_id=actor.dealer_id, month=today.replace(day=1),
                                      consultant__isnull=True).first()
    labels = _target_labels()
    targets = []
    for field in planning.TARGET_FIELDS:
        target = getattr(goal, field) if goal else 0
        to_date = round(target * elapsed)
        targets.append({"field": field, "label": labels[field], "target": target, "to_date": to_date,
                        "actual": actual.get(field, 0), "behind": actual.get(field, 0) < to_date})
    return {
        "limit": LIST_LIMIT, "today": today, "signs": signs, "reports": reports, "decides": decides, "defeats": defeats,
        "team": team, "traffic": traffic, "hours": hours, "targets": targets, "target_dealer": actor.dealer,
        "as_of": as_of,
        "hour_chart": charts.bars("chart-hours", _("Today's walk-ins and phone-ins by hour"),
                                  [f"{row['hour']:02d}:00" for row in hours], [row["count"] for row in hours]),
        "target_chart": charts.target_bars(
            "chart-targets", _("This month to date against the target to date"), [t["label"] for t in targets],
            [t["actual"] for t in targets], [t["to_date"] for t in targets],
            actual_name=_("Actual"), target_name=_("Target to date")),
    }


def service(actor, today: dt.date | None = None) -> dict:
    """An after-sales desk: the advisor's care tasks of the day (service, renewal and inspection
    reminders), insurance renewals coming due, owners due a maintenance visit, and the latest
    service orders."""
    today = today or timezone.localdate()
    customers = visible_customers(actor)
    renewals = list(Vehicle.objects.filter(customer__in=customers, insurance_expiry__gte=today,
                                           insurance_expiry__lte=today + dt.timedelta(days=30))
                    .select_related("customer").defer("customer__national_id").order_by("insurance_expiry", "id")[:LIST_LIMIT])
    recent = list(Transaction.objects.filter(customer__in=customers, kind=TransactionKind.SERVICE)
                  .select_related("customer", "vehicle").defer("customer__national_id").order_by("-date", "-id")[:LIST_LIMIT])
    # Owners whose last service order was six to twelve months ago: due for maintenance. Read from
    # the service orders of that window (dealer/date index), less those who came back since.
    since, until = today - dt.timedelta(days=365), today - dt.timedelta(days=182)
    came_back = Transaction.objects.filter(customer=OuterRef("customer"), kind=TransactionKind.SERVICE,
                                           date__gte=until)
    last = (Transaction.objects.filter(customer__in=customers, kind=TransactionKind.SERVICE,
                                       date__gte=since, date__lt=until)
            .exclude(Exists(came_back)).values("customer").annotate(last_service=Max("date"))
            .order_by("last_service", "customer")[:LIST_LIMIT])
    last = {row["customer"]: row["last_service"] for row in last}
    due = sorted(customers.filter(pk__in=list(last)).select_related("owner"), key=lambda c: (last[c.pk], c.pk))
    for customer in due:
        customer.last_service = last[customer.pk]
    care = worklist.my_day(actor, today) if allowed(actor, Action.VIEW_TASKS) else None
    return {"limit": LIST_LIMIT, "today": today, "renewals": renewals, "recent": recent, "due": due, "care": care,
            "outcome_form": OutcomeForm(auto_id=False), "may_work": allowed(actor, Action.WORK_TASKS)}


def marketing(actor, today: dt.date | None = None) -> dict:
    """A marketing desk: events running or coming, with their results so far, and customers with a
    birthday this week (a card or call that keeps them)."""
    today = today or timezone.localdate()
    upcoming = list(visible_events(actor).filter(ends_on__gte=today).order_by("starts_on", "id")
                    .values_list("pk", flat=True)[:LIST_LIMIT])
    events = planning.compare_events(actor, upcoming) if upcoming else []
    week = [today + dt.timedelta(days=i) for i in range(7)]
    birthday = Q()
    for d in week:
        birthday |= Q(birthday__month=d.month, birthday__day=d.day)
    birthdays = list(visible_customers(actor).filter(birthday).select_related("owner")
                     .order_by("birthday__month", "birthday__day", "id")[:LIST_LIMIT])
    recent = list(visible_events(actor).filter(ends_on__lt=today).order_by("-ends_on", "-id")
                  .values_list("pk", flat=True)[:5])
    # compare_events lists by start date; the latest results come first here.
    past = sorted(planning.compare_events(actor, recent), key=lambda row: (row["ends_on"], row["id"]),
                  reverse=True) if recent else []
    return {"limit": LIST_LIMIT, "today": today, "events": events, "birthdays": birthdays, "past": past}


def dealers(actor, today: dt.date | None = None) -> dict:
    """A region's or group's dealers side by side: this month's walk-ins, new prospects, orders and
    deliveries against their targets, open prospects and overdue follow-ups, defeats to decide
    (counted ``sales.figures.FRESH_FOR`` seconds ago at most, or while being counted again; the
    page says when)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    scope = list(dealers_in_scope(actor, Action.VIEW).order_by("code"))
    ids = [d.pk for d in scope]
    counted, as_of = figures.dealer_figures(ids, today)
    targets = {t.dealer_id: t for t in SalesTarget.objects.filter(dealer__in=ids, month=first,
                                                                            consultant__isnull=True)}
    rows = []
    for dealer in scope:
        target = targets.get(dealer.pk)
        rows.append({"dealer": dealer, **counted[dealer.pk],
                     "orders_target": target.orders if target else None,
                     "deliveries_target": target.deliveries if target else None})
    names = [r["dealer"].name for r in rows]
    return {
        "today": today, "month": first, "rows": rows, "as_of": as_of,
        "chart": charts.grouped_bars("chart-dealers", _("This month by dealer"), names, {
            _("Walk-ins"): [r["walk_ins"] for r in rows], _("New prospects"): [r["new_prospects"] for r in rows],
            _("Orders"): [r["orders"] for r in rows], _("Deliveries"): [r["deliveries"] for r in rows]}),
    }
