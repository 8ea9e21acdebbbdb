"""Complaint analysis (issue 10, item 8): of the cases opened in a period, in the actor's scope,
volume by month, how fast the first contact and the resolution came against their deadlines,
the categories and root causes as Pareto tables, recurrence (customers with more than one case),
and the detractor funnel. Read from the cases table in a few queries; every figure through
``retain.analytics``."""

import datetime as dt
from collections import Counter

import numpy as np
import pandas as pd
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q
from django.db.models.functions import TruncMonth
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
    now = timezone.now()
    # Counted by the database (a group's year of cases need not travel to Python row by row). A
    # deadline is met if the step came in time; missed if it came late, or has not come and is due.
    counts = cases.aggregate(
        total=Count("id"), open=Count("id", filter=Q(status=CaseStatus.OPEN)),
        contact_met=Count("id", filter=Q(first_contact_at__lte=F("first_contact_due"))),
        contact_due=Count("id", filter=Q(first_contact_at__isnull=False) | Q(first_contact_due__lt=now)),
        resolved_met=Count("id", filter=Q(closed_at__lte=F("resolution_due"))),
        resolution_due=Count("id", filter=Q(closed_at__isnull=False) | Q(resolution_due__lt=now)),
        checked=Count("id", filter=Q(recurred__isnull=False)), came_back=Count("id", filter=Q(recurred=True)))
    customers = cases.order_by().values("customer_id").annotate(n=Count("id")).aggregate(
        customers=Count("customer_id"), repeat=Count("customer_id", filter=Q(n__gt=1)))
    by_month = Counter()
    for month, kind, n in (cases.order_by().annotate(month=TruncMonth("opened_at")).values("month", "kind")
                           .annotate(n=Count("id")).values_list("month", "kind", "n")):
        by_month[(timezone.localtime(month).strftime("%Y-%m") if timezone.is_aware(month)
                  else month.strftime("%Y-%m"), kind)] += n
    months = sorted({month for month, _kind in by_month})
    categories = dict(cases.order_by().values("category").annotate(n=Count("id")).values_list("category", "n"))
    causes = dict(cases.exclude(root_cause="").order_by().values("root_cause").annotate(n=Count("id"))
                  .values_list("root_cause", "n"))
    hours = summary.spread(_durations(cases.filter(first_contact_at__isnull=False), "first_contact_at") / 3600)
    days = summary.spread(_durations(cases.filter(closed_at__isnull=False), "closed_at") / 86400)
    labels = dict(Category.choices)
    return {
        "start": start, "end": end, "total": counts["total"], "open": counts["open"],
        "months": [{"month": month, "count": by_month[(month, "complaint")] + by_month[(month, "suggestion")],
                    "complaints": by_month[(month, "complaint")], "suggestions": by_month[(month, "suggestion")]}
                   for month in months],
        "first_contact": {"n": hours.n, "median": _round(hours.median), "high": _round(hours.high),
                          "in_time": rate(counts["contact_met"], counts["contact_due"])},
        "resolution": {"n": days.n, "median": _round(days.median), "high": _round(days.high),
                       "in_time": rate(counts["resolved_met"], counts["resolution_due"])},
        "categories": [{"code": code, "label": str(labels.get(code, code)), "count": count, "share": round(share, 4),
                        "cumulative": round(cumulative, 4)}
                       for code, count, share, cumulative in summary.pareto(categories)],
        "root_causes": [{"label": cause, "count": count, "share": round(share, 4), "cumulative": round(cumulative, 4)}
                        for cause, count, share, cumulative in summary.pareto(causes)],
        "recurrence": rate(customers["repeat"], customers["customers"]),
        "came_back": rate(counts["came_back"], counts["checked"]),
        "detractors": funnel(actor, start=start, end=end, dealer_id=dealer_id),
    }


def _durations(cases, until: str) -> np.ndarray:
    """Seconds from opening to ``until`` of each case, as one array (the database subtracts)."""
    spans = cases.annotate(span=ExpressionWrapper(F(until) - F("opened_at"), output_field=DurationField()))
    return pd.to_timedelta(pd.Series(list(spans.values_list("span", flat=True)), dtype=object)).dt.total_seconds() \
        .to_numpy(dtype=float)


def _round(value: float, digits: int = 1):
    return None if value != value else round(value, digits)  # NaN (no values): None
