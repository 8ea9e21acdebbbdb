"""Month-to-date figures per dealer, for the pages that set dealers side by side: a region's or
the group's start page and their today page.

Counting them means reading every register line and every prospect of the month for each of the
scope's dealers: 300 ms for the group's hundred dealers at a million customers, on every view of
a page that a group's managers open all day. So each dealer's figures are counted once and kept
in the shared cache (``settings.CACHES``: a directory every server process sees), counted again
after ``FRESH_FOR`` seconds by one request while the others show them, one entry per dealer and
day, so a region's page and the group's page share them; a dealer's managers read their own
dealer's entry for the month's targets to date. The pages say how old the figures are; the
targets table (``planning.targets_vs_actual``) counts live.

The caller hands in the dealers it may see (``org.policy.dealers_in_scope``); the figures of a
dealer are the same whoever asks, which is what lets them be shared.
"""

import datetime as dt

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from .models import ACTIVE_STATUSES, Prospect, ProspectStatus, ShowroomVisit, VisitOutcome
from .periods import day_start

FRESH_FOR = 300  # seconds; then the next request counts them again
#: Seconds an entry is kept: past ``FRESH_FOR`` it is still shown (with its time) while one
#: request counts it again. When entries simply expired, every request that came in meanwhile
#: counted them at once (the load benchmark's eight group administrators: eight times 300 ms of
#: the database's work).
KEPT_FOR = 3600
#: Seconds the mark of a request counting stale figures lasts if that request fails to remove it.
COUNTING_FOR = 60
FIELDS = ("walk_ins", "new_prospects", "orders", "deliveries", "open", "overdue", "pending")


def key(dealer_id: int, day: dt.date) -> str:
    return f"sales.dealer_figures:{dealer_id}:{day.isoformat()}"


def counting_mark(day: dt.date) -> str:
    """The cache entry a request adds while it counts stale figures again (``cache.add``: the
    first request gets it, the others show the figures they found; the file cache's add is not
    atomic between processes, so now and then two count)."""
    return f"sales.dealer_figures:counting:{day.isoformat()}"


def dealer_figures(dealer_ids: list[int], today: dt.date) -> tuple[dict[int, dict], dt.datetime | None]:
    """``{dealer_id: {field: count}}`` for ``FIELDS`` this month to ``today``, and when the oldest
    of them was counted (None for no dealers). Figures never counted today are counted now;
    figures older than ``FRESH_FOR`` are counted again by one request while others show them."""
    keys = {pk: key(pk, today) for pk in dealer_ids}
    found = cache.get_many(list(keys.values()))
    missing = [pk for pk, name in keys.items() if name not in found]
    aged = timezone.now() - dt.timedelta(seconds=FRESH_FOR)
    stale = [pk for pk, name in keys.items() if name in found and found[name]["as_of"] < aged]
    counting = bool(stale) and cache.add(counting_mark(today), True, COUNTING_FOR)
    recount = missing + (stale if counting else [])
    if recount:
        try:
            counted = _count(recount, today)
            cache.set_many({keys[pk]: counted[pk] for pk in recount}, KEPT_FOR)
        finally:
            if counting:
                cache.delete(counting_mark(today))
        found.update({keys[pk]: counted[pk] for pk in recount})
    figures = {pk: found[keys[pk]] for pk in dealer_ids}
    return figures, min((f["as_of"] for f in figures.values()), default=None)


def _count(dealer_ids: list[int], today: dt.date) -> dict[int, dict]:
    first = today.replace(day=1)
    now = timezone.now()
    counted = {pk: dict.fromkeys(FIELDS, 0) | {"as_of": now} for pk in dealer_ids}
    # Walk-ins as the targets count them: register lines other than after-sales visits.
    walk_ins = (ShowroomVisit.objects.filter(dealer_id__in=dealer_ids, arrived_at__gte=day_start(first))
                .exclude(outcome=VisitOutcome.SERVICE).values("dealer_id").annotate(n=Count("id")).order_by())
    for row in walk_ins:
        counted[row["dealer_id"]]["walk_ins"] = row["n"]
    prospects = Prospect.objects.filter(dealer_id__in=dealer_ids).values("dealer_id").annotate(
        new_prospects=Count("id", filter=Q(first_contact__gte=first)),
        orders=Count("id", filter=Q(ordered_on__gte=first)),
        deliveries=Count("id", filter=Q(delivered_on__gte=first)),
        open=Count("id", filter=Q(status__in=ACTIVE_STATUSES)),
        overdue=Count("id", filter=Q(status__in=ACTIVE_STATUSES, next_follow_up__lt=today)),
        pending=Count("id", filter=Q(status=ProspectStatus.DEFEAT_PENDING)),
    ).order_by()
    for row in prospects:
        counted[row.pop("dealer_id")].update(row)
    return counted
