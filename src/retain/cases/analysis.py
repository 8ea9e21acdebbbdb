"""Complaint analysis (issue 10, item 8): of the cases opened in a period, in the actor's scope,
volume by month, how fast the first contact and the resolution came against their deadlines,
the categories and root causes as Pareto tables, recurrence (customers with more than one case),
and the detractor funnel. Read from the cases table in a few queries; every figure through
``retain.analytics``."""

import datetime as dt
from collections import Counter

from django.utils import timezone

from retain.analytics import summary
from retain.org.policy import Action

from .access import visible_cases
from .models import CaseStatus, Category
from .recovery import funnel, rate


def complaint_analysis(actor, *, start: dt.date, end: dt.date, dealer_id: int | None = None) -> dict:
    first = timezone.make_aware(dt.datetime.combine(start, dt.time()))
    after = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time()))
    cases = visible_cases(actor, Action.VIEW_CASES).filter(opened_at__gte=first, opened_at__lt=after)
    if dealer_id:
        cases = cases.filter(dealer_id=dealer_id)
    rows = list(cases.values_list("kind", "category", "root_cause", "customer_id", "opened_at", "first_contact_due",
                                  "first_contact_at", "resolution_due", "closed_at", "status", "recurred"))
    now = timezone.now()
    months = Counter(timezone.localtime(row[4]).strftime("%Y-%m") for row in rows)
    by_kind = Counter((timezone.localtime(row[4]).strftime("%Y-%m"), row[0]) for row in rows)
    contact_hours = [(row[6] - row[4]).total_seconds() / 3600 for row in rows if row[6]]
    close_days = [(row[8] - row[4]).total_seconds() / 86400 for row in rows if row[8]]
    # A deadline is met if the step came in time; missed if it came late, or has not come and is due.
    contact_met = sum(1 for row in rows if row[6] and row[6] <= row[5])
    contact_due = sum(1 for row in rows if row[6] or row[5] < now)
    resolved_met = sum(1 for row in rows if row[8] and row[8] <= row[7])
    resolution_due = sum(1 for row in rows if row[8] or row[7] < now)
    per_customer = Counter(row[3] for row in rows)
    labels = dict(Category.choices)
    hours, days = summary.spread(contact_hours), summary.spread(close_days)
    return {
        "start": start, "end": end, "total": len(rows),
        "open": sum(1 for row in rows if row[9] == CaseStatus.OPEN),
        "months": [{"month": month, "count": months[month], "complaints": by_kind[(month, "complaint")],
                    "suggestions": by_kind[(month, "suggestion")]} for month in sorted(months)],
        "first_contact": {"n": hours.n, "median": _round(hours.median), "high": _round(hours.high),
                          "in_time": rate(contact_met, contact_due)},
        "resolution": {"n": days.n, "median": _round(days.median), "high": _round(days.high),
                       "in_time": rate(resolved_met, resolution_due)},
        "categories": [{"code": code, "label": str(labels.get(code, code)), "count": count, "share": round(share, 4),
                        "cumulative": round(cumulative, 4)}
                       for code, count, share, cumulative in summary.pareto(Counter(row[1] for row in rows))],
        "root_causes": [{"label": cause, "count": count, "share": round(share, 4), "cumulative": round(cumulative, 4)}
                        for cause, count, share, cumulative in summary.pareto(Counter(row[2] for row in rows if row[2]))],
        "recurrence": rate(sum(1 for n in per_customer.values() if n > 1), len(per_customer)),
        "came_back": rate(sum(1 for row in rows if row[10] is True), sum(1 for row in rows if row[10] is not None)),
        "detractors": funnel(actor, start=start, end=end, dealer_id=dealer_id),
    }


def _round(value: float, digits: int = 1):
    return None if value != value else round(value, digits)  # NaN (no values): None
