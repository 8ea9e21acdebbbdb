"""The loyalty app's periodic jobs (registered in ``LoyaltyConfig.ready``). Each is a function of
the day it works for and idempotent: run twice, concurrently, or again after a crash, it posts
each movement once (the database's unique ``settles`` and ``source`` hold that, not a flag)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from retain.jobs.registry import periodic

from .services import expiry, keys, pending, reservations, rewards


@periodic("loyalty.expire", at="00:05",
          description=_("Expire points whose lot's last day has passed (first in, first out)"))
def expire(day: dt.date) -> str:
    """Lots whose last day is before ``day`` (the dealer's local midnight has passed)."""
    done = expiry.expire_due(actor=None, day=day)
    return f"{day}: {done['lots']} lots expired, {done['points']} points, {done['members']} members"


@periodic("loyalty.activate", at="00:20",
          description=_("Make pending points spendable once their returns window has passed"))
def activate(day: dt.date) -> str:
    done = pending.activate_due(actor=None, day=day)
    return f"{day}: {done['transfers']} pending earns made spendable, {done['points']} points"


@periodic("loyalty.prune_keys", at="04:40", description=_("Remove idempotency keys older than two days"))
def prune_keys(day: dt.date) -> str:
    return f"{day}: {keys.prune(actor=None, day=day)} idempotency keys removed"


@periodic("loyalty.release_stale", at="00:35",
          description=_("Expire vouchers past their last day (their points come back, the reward back in stock) "
                        "and void reservations past their deadline (their points come back)"))
def release_stale(day: dt.date) -> str:
    """Vouchers whose last day is before ``day``, and reservations made without a voucher whose
    deadline came before ``day`` began (the dealer's local midnight)."""
    done = rewards.release_stale(day=day)
    held = reservations.time_out_due(day=day)
    return (f"{day}: {done['vouchers']} vouchers expired, {done['points']} points released; "
            f"{held['reservations']} reservations timed out, {held['points']} points released")


#: The earning job's window: the transactions of the last days not yet earned (a record entered
#: late, or a day the worker missed, is earned on a later run; each once, by its ``source``).
EARN_WINDOW_DAYS = 30


@periodic("loyalty.earn", at="01:00",
          description=_("Earn points for the transactions of the last 30 days not yet earned, under the rules"))
def earn(day: dt.date) -> str:
    """Each dealer's transactions dated in the 30 days up to ``day`` (the day before's run left
    the later ones), set-based, its members in shares side by side (``bulk.earn_in_shares``);
    members reaching a higher tier are upgraded at once."""
    from retain.org.models import Dealer

    from .services import bulk

    total = {"transfers": 0, "points": 0, "upgraded": 0}
    for dealer_id in Dealer.objects.order_by("pk").values_list("pk", flat=True):
        done = bulk.earn_in_shares(actor=None, dealer_id=dealer_id, as_of=day,
                                   start=day - dt.timedelta(days=EARN_WINDOW_DAYS - 1), end=day)
        for key in total:
            total[key] += done[key]
    return f"{day}: {total['transfers']} records earned {total['points']} points, {total['upgraded']} upgrades"


@periodic("loyalty.events", at="01:30",
          description=_("Points for birthdays, completed surveys and profiles, delivered referrals and club events attended"))
def events_(day: dt.date) -> str:
    from .services import events

    done = events.award_due(day)
    return (f"{day}: {done['birthday']} birthdays, {done['survey']} surveys, {done['profile']} profiles, "
            f"{done['referral']} referrals, {done['club']} club events attended")


@periodic("loyalty.tiers", at="02:00",
          description=_("Lower the tiers of members whose anniversary's grace period ends today"))
def tiers_(day: dt.date) -> str:
    from .models import Programme
    from .services import tiers

    lowered = counted = 0
    for programme in Programme.objects.select_related("dealer").order_by("pk"):
        done = tiers.lower_at_anniversary(programme, day)
        lowered, counted = lowered + done["lowered"], counted + done["counted"]
    return f"{day}: {counted} anniversaries counted, {lowered} members lowered"
