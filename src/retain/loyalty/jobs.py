"""The loyalty app's periodic jobs (registered in ``LoyaltyConfig.ready``). Each is a function of
the day it works for and idempotent: run twice, concurrently, or again after a crash, it posts
each movement once (the database's unique ``settles`` and ``source`` hold that, not a flag)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _

from retain.jobs.registry import periodic

from .services import expiry, keys, pending, rewards


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
          description=_("Expire vouchers past their last day: their points come back, the reward back in stock"))
def release_stale(day: dt.date) -> str:
    done = rewards.release_stale(day=day)
    return f"{day}: {done['vouchers']} vouchers expired, {done['points']} points released"
