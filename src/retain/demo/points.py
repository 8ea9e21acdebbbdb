"""The demo's points: each dealer's programme (made with the default earning rules and tiers,
``loyalty.services.rules``) earns from the demo's own transactions of the last two years under
its rules, set-based (``loyalty.services.bulk``: a few statements per dealer, once per record),
members reaching a tier upgraded at once, the daily downgrade run for the last 30 days; then the
approved goodwill compensations of the demo's cases are credited as approving them would have done
(``demo.goodwill``: capped as the service caps them, written in bulk).

The window starts on the first day of the month 24 months before the build's month, so no lot
has reached its expiry yet (the demo's expiry and redemptions come with the programme's next
part); the last ``pending_days`` of purchases are pending.

Each dealer earns in its own transaction, after the records it earns from are committed: on
PostgreSQL two dealers at a time, on two connections (one run is one database backend, one core:
the large demo's 8 million earnings took 30 s a dealer one after the other, in the build's one
transaction); SQLite has one writer, so one at a time there.
"""

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from django.db import connection, connections, transaction

from retain.loyalty.services import ledger, tiers
from retain.loyalty.services.bulk import earn_from_transactions
from retain.org.models import Dealer

from . import goodwill

#: Months earned together: tiers are counted (and upgrades made) at the end of each step. One
#: step for the two years (quarterly steps made the small build minutes longer on a busy machine:
#: a follow-up is to find which statement costs it).
STEP_MONTHS = 24
#: The daily downgrade is run for the last days only (each day is a query per dealer).
DOWNGRADE_DAYS = 30
#: The tables every dealer's run writes to.
SHARED_TABLES = ("loyalty_account", "loyalty_transfer", "loyalty_membership")


def _steps(first: dt.date, today: dt.date):
    start = first
    while start <= today:
        months = start.year * 12 + start.month - 1 + STEP_MONTHS
        after = dt.date(months // 12, months % 12 + 1, 1)
        yield start, min(after - dt.timedelta(days=1), today)
        start = after


def add_points(today: dt.date) -> dict:
    """Every dealer's two years earned (outside any transaction: each dealer commits its own),
    then the goodwill compensations credited; the counts."""
    first = dt.date(today.year - 2, today.month, 1)
    if connection.vendor == "postgresql":
        # The transactions were loaded just before: without statistics the planner takes the
        # earning's joins for tiny ones (seconds a statement instead of a fraction).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE customers_transaction, customers_customer")
    dealers = list(Dealer.objects.order_by("pk").values_list("pk", flat=True))
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # (another thread's connection would not see the records of a transaction still open)
        done = [_dealer(dealer_id, first, today) for dealer_id in dealers]
    else:
        def earn(dealer_id: int) -> dict:
            try:
                done = _dealer(dealer_id, first, today, side_by_side=True)
                # The statistics the dealers' runs do not keep (``_dealer``), after the commit, where
                # ANALYZE holds its lock only while it runs: a dealer's recount planned on the
                # statistics of an empty ledger read every dealer's earnings (10 to 20 s a dealer).
                with connection.cursor() as cursor:
                    cursor.execute(f"ANALYZE {', '.join(SHARED_TABLES)}")
                return done
            finally:
                connections.close_all()  # this thread's own connection

        with ThreadPoolExecutor(max_workers=2) as pool:
            done = list(pool.map(earn, dealers))
    earned = {key: sum(part[key] for part in done) for key in ("transfers", "points", "upgraded", "lowered")}
    with transaction.atomic():
        earned["goodwill"] = goodwill.credit_approved()
    return earned


def _dealer(dealer_id: int, first: dt.date, today: dt.date, *, side_by_side: bool = False) -> dict:
    """One dealer's earning steps and the last days' downgrades, in one transaction. Beside
    another dealer's, the shared tables are not analysed in it (``earn_from_transactions``: its
    lock would be held to the commit, and the other dealer's ANALYZE wait for it)."""
    earned = {"transfers": 0, "points": 0, "upgraded": 0, "lowered": 0}
    with transaction.atomic():
        programme = ledger.programme_for(dealer_id)
        for start, end in _steps(first, today):
            done = earn_from_transactions(actor=None, dealer_id=dealer_id, start=start, end=end, as_of=today,
                                          analyze=not side_by_side)
            for key in ("transfers", "points", "upgraded"):
                earned[key] += done.get(key, 0)
            day = max(start, today - dt.timedelta(days=DOWNGRADE_DAYS))
            while day <= end:
                earned["lowered"] += tiers.lower_at_anniversary(programme, day)["lowered"]
                day += dt.timedelta(days=1)
    return earned
