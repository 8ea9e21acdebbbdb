"""The demo's points: each dealer's programme earns from the demo's own transactions of the last
two years, set-based (``loyalty.services.bulk``: one statement per dealer and rate, once per
record), and the approved goodwill compensations of the demo's cases are credited through the
service, as approving them would have done (capped as the service caps them).

The window starts on the first day of the month 24 months before the build's month, so no lot
has reached its expiry yet (the demo's expiry and redemptions come with the programme's next
part); the last ``pending_days`` of purchases are pending.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection

from retain.cases.models import Compensation, CompensationKind, CompensationStatus
from retain.cases.services.compensation import credit_goodwill
from retain.customers.models import TransactionKind
from retain.loyalty.services.bulk import earn_from_transactions
from retain.org.models import Dealer

#: Cents per point by kind: a point per yuan of service and parts, per ten yuan of a car or of
#: insurance (a car would otherwise buy the whole catalogue).
RATES = {100: [TransactionKind.SERVICE, TransactionKind.PARTS], 1_000: [TransactionKind.VEHICLE_SALE,
                                                                          TransactionKind.INSURANCE]}


def add_points(today: dt.date) -> dict:
    first = dt.date(today.year - 2, today.month, 1)
    if connection.vendor == "postgresql":
        # The transactions were loaded in this same transaction: without statistics the planner
        # takes the earning's joins for tiny ones (seconds a statement instead of a fraction).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_transaction, customers_customer")
    earned = {"transfers": 0, "points": 0}
    for dealer_id in Dealer.objects.order_by("pk").values_list("pk", flat=True):
        for cents_per_point, kinds in RATES.items():
            done = earn_from_transactions(actor=None, dealer_id=dealer_id, start=first, end=today,
                                          kinds=[str(kind) for kind in kinds], as_of=today,
                                          cents_per_point=cents_per_point)
            earned["transfers"] += done.get("transfers", 0)
            earned["points"] += done.get("points", 0)
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
