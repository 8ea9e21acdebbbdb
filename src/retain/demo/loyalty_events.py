"""The demo's event points (``loyalty.services.events``): the daily scans run for the last
fortnight before the build day (birthdays, completed surveys, delivered referrals), and a
completed profile for some members, as the worker awards them (``awards.award_all``): under the
rules' points, caps and the member's tier multiplier, once per source. The demo keeps them to a
sample: a few hundred for the small demo, and fewer days of scans for a larger base (a day's
birthdays alone are a 365th of the members)."""

import datetime as dt

from retain.customers.models import Customer
from retain.loyalty.models import EventKind
from retain.loyalty.services import awards, events

DAYS = 14
PROFILES = 200
#: The base the fortnight of scans is sized for (the small demo's); a larger one scans fewer days.
SMALL_BASE = 20_000


def add_events(today: dt.date) -> dict:
    done = {"birthday": 0, "survey": 0, "referral": 0, "profile": 0}
    days = max(1, round(DAYS * SMALL_BASE / max(1, Customer.objects.count())))
    for back in range(min(DAYS, days) - 1, -1, -1):  # the build day and the days before it
        day = today - dt.timedelta(days=back)
        done["birthday"] += events.birthdays(day)
        done["survey"] += events.surveys(day)
        done["referral"] += events.referrals(day)
    done["profile"] = awards.award_all(event=EventKind.PROFILE_COMPLETED, day=today, found=[
        (customer_id, f"profile:{customer_id}") for customer_id in events.complete_profiles()[:PROFILES]])
    return done
