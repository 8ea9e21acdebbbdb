"""The demo's points: each dealer's programme (made with the default earning rules and tiers,
``loyalty.services.rules``) earns from the demo's own transactions of the last two years under
its rules, set-based (``loyalty.services.bulk``: a few statements per dealer, once per record),
members reaching a tier upgraded at once, the daily downgrade run for the last 30 days; then the approved goodwill compensations
of the demo's cases are credited through the service, as approving them would have done (capped
as the service caps them).

The window starts on the first day of the month 24 months before the build's month, so no lot
has reached its expiry yet (the demo's expiry and redemptions come with the programme's next
part); the last ``pending_days`` of purchases are pending.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection

from retain.cases.models import Compensation, CompensationKind, CompensationStatus
from retain.cases.services.compensation import credit_goodwill
from retain.loyalty.services import ledger, tiers
from retain.loyalty.services.bulk import earn_from_transactions
from retain.org.models import Dealer

#: Months earned together: tiers are counted (and upgrades made) at the end of each step. One
#: step for the two years (quarterly steps made the small build minutes longer on a busy machine:
#: a follow-up is to find which statement costs it).
STEP_MONTHS = 24
#: The daily downgrade is run for the last days only (each day is a query per dealer).
DOWNGRADE_DAYS = 30


def _steps(first: dt.date, today: dt.date):
    start = first
    while start <= today:
        months = start.year * 12 + start.month - 1 + STEP_MONTHS
        after = dt.date(months // 12, months % 12 + 1, 1)
        yield start, min(after - dt.timedelta(days=1), today)
        start = after


def add_points(today: dt.date) -> dict:
    first = dt.date(today.year - 2, today.month, 1)
    if connection.vendor == "postgresql":
        # The transactions were loaded in this same transaction: without statistics the planner
        # takes the earning's joins for tiny ones (seconds a statement instead of a fraction).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_transaction, customers_customer")
    earned = {"transfers": 0, "points": 0, "upgraded": 0, "lowered": 0}
    for dealer_id in Dealer.objects.order_by("pk").values_list("pk", flat=True):
        programme = ledger.programme_for(dealer_id)
        for start, end in _steps(first, today):
            done = earn_from_transactions(actor=None, dealer_id=dealer_id, start=start, end=end, as_of=today)
            for key in ("transfers", "points", "upgraded"):
                earned[key] += done.get(key, 0)
            day = max(start, today - dt.timedelta(days=DOWNGRADE_DAYS))
            while day <= end:
                earned["lowered"] += tiers.lower_at_anniversary(programme, day)["lowered"]
                day += dt.timedelta(days=1)
    earned["goodwill"] = _goodwill()
    return earned


def _goodwill() -> int:
    """Each approved goodwill compensation credited at the time it was approved, oldest first."""
    credited = 0
    approved = (Compensation.objects.filter(kind=CompensationKind.GOODWILL_POINTS, status=CompensationStatus.APPROVED,
                                            transfer__isnull=True)
                .select_related("case").order_by("offered_at", "pk"))
    for compensation in approved:
        try:
            credit_goodwill(compensation, actor=compensation.decided_by or compensation.offered_by,
                            now=compensation.decided_at or compensation.offered_at)
        except ValidationError:  # beyond the caps: the service would have refused its approval
            continue
        credited += 1
    return credited
