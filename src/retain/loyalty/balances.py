"""What a member holds, read from the cached balances (one query) and their membership (one):
spendable, pending, reserved, and their tier with the qualifying points it rests on (points
EARNED from purchases and events in the last 12 months, not voided or reversed; not goodwill,
adjustments or transfers: ``services.tiers``), counted live. Reads only; no account is made by
looking."""

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from .models import Account, AccountKind, Membership, Tier


def qualifying_points(customer_id: int, now: dt.datetime | None = None, programme=None) -> int:
    from .services import ledger, tiers

    if programme is None:
        account = Account.objects.filter(customer_id=customer_id, kind=AccountKind.MEMBER).select_related(
            "programme").first()
        if account is None:
            return 0
        programme = account.programme
    day = (now or timezone.now()).astimezone(ledger.local_zone(programme)).date()
    return tiers.qualifying(programme, day, customer_id)


def standing(customer_id: int, now: dt.datetime | None = None) -> dict:
    """The member's tier, since when, anniversary, qualifying points and the next tier."""
    membership = Membership.objects.filter(customer_id=customer_id).select_related("tier", "programme").first()
    if membership is None:
        return {"tier": None, "tier_since": None, "member_since": None, "qualifying_points": 0, "next_tier": None,
                "points_to_next_tier": None}
    qualifying = qualifying_points(customer_id, now, membership.programme)
    above = Tier.objects.filter(programme_id=membership.programme_id,
                                threshold__gt=membership.tier.threshold if membership.tier else -1).order_by(
        "threshold").first()
    return {"tier": membership.tier.name if membership.tier else None, "tier_since": membership.tier_since,
            "member_since": membership.joined_on, "qualifying_points": qualifying,
            "next_tier": above.name if above else None,
            "points_to_next_tier": max(0, above.threshold - qualifying) if above else None}


def of(customer_id: int) -> dict:
    held = dict(Account.objects.filter(customer_id=customer_id).values_list("kind").annotate(n=Sum("balance")))
    return {
        "balance": held.get(AccountKind.MEMBER, 0),
        "pending": held.get(AccountKind.PENDING, 0),
        "reserved": held.get(AccountKind.HOLD, 0),
        **standing(customer_id),
    }
