"""The figures of the lost-owner analysis: the reasons' shares against the seed's reference shares,
the lost value by month, and the success rate of win-back with its Wilson interval. The database
counts; the intervals come from ``retain.analytics.retention.wilson_interval``.

Every figure reads lost owners through the door (``visible_lost_owners``) in a period of the
days they were lost. A lost owner counts once confirmed (those won back were confirmed first);
the success rate is won back / confirmed lost with at least one win-back step.
"""

import datetime as dt
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncMonth

from retain.analytics.retention import wilson_interval
from retain.org.models import Dealer

from .access import visible_lost_owners
from .models.lost import REFERENCE_SHARES, LostReason, LostStatus, WinBackStep

LOST = (LostStatus.CONFIRMED, LostStatus.WON_BACK)


def lost_in(actor, start: dt.date, end: dt.date):
    """Confirmed lost owners (won back or not) in the actor's scope, lost between start and end."""
    return visible_lost_owners(actor).filter(status__in=LOST, lost_on__gte=start, lost_on__lte=end)


def _interval(k, n) -> tuple[float | None, float | None]:
    low, high = wilson_interval(np.array([k]), np.array([n]))
    return (None, None) if n == 0 else (float(low[0]), float(high[0]))


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    label: str
    n: int
    share: float | None
    low: float | None
    high: float | None
    reference: float

    @property
    def unlike_reference(self) -> bool:
        """The seed's share lies outside the 95 % interval of the dealer's share."""
        return self.low is not None and not (self.low <= self.reference <= self.high)


def reason_shares(records) -> tuple[list[ReasonRow], int]:
    """Each reason's share of the lost owners with its 95 % Wilson interval, beside the seed's."""
    counts = dict(records.values_list("reason").annotate(n=Count("id")).values_list("reason", "n"))
    total = sum(counts.get(reason, 0) for reason in LostReason.values)
    rows = []
    for reason in LostReason:
        n = counts.get(reason.value, 0)
        low, high = _interval(n, total)
        rows.append(ReasonRow(reason.value, str(reason.label), n, n / total if total else None, low, high,
                              REFERENCE_SHARES[reason]))
    return rows, total


def value_by_month(records) -> list[dict]:
    """Per month of loss: lost owners, their own lost sales, the word-of-mouth loss and the total (cents)."""
    rows = (records.annotate(month=TruncMonth("lost_on")).values("month")
            .annotate(n=Count("id"), direct=Sum("direct_value_cents"), wom=Sum("word_of_mouth_value_cents"),
                      total=Sum("value_cents")).order_by("month"))
    return [{"month": (row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]),
             "n": row["n"], "direct": int(row["direct"] or 0), "wom": int(row["wom"] or 0),
             "total": int(row["total"] or 0)} for row in rows]


@dataclass(frozen=True)
class WinBackRow:
    dealer: str
    started: int
    won: int
    rate: float | None
    low: float | None
    high: float | None


def win_back_rates(records) -> tuple[list[WinBackRow], WinBackRow]:
    """Per dealer and in all: won back / lost owners whose win-back started, with the interval."""
    started = records.filter(Exists(WinBackStep.objects.filter(lost_owner_id=OuterRef("pk"))))
    counts = list(started.values("dealer_id").annotate(
        started=Count("id"), won=Count("id", filter=Q(status=LostStatus.WON_BACK))).order_by("dealer_id"))
    names = dict(Dealer.objects.filter(pk__in=[c["dealer_id"] for c in counts]).values_list("pk", "name"))

    def row(name, won, n):
        low, high = _interval(won, n)
        return WinBackRow(name, n, won, won / n if n else None, low, high)

    rows = [row(names[c["dealer_id"]], c["won"], c["started"]) for c in counts]
    total = row("", sum(c["won"] for c in counts), sum(c["started"] for c in counts))
    return rows, total
