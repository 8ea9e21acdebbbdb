"""What insights adds to the customer information card: the customer's latest scores.

A score is read by whoever may see the customer (the card itself went through the customers
door); it shows the run's date, so a stale number says so.
"""

from django.utils.translation import get_language

from retain.analytics import rfm
from retain.customers.cards import CardSection, holds
from retain.prepared import prepared

from .models import CustomerScore

#: The customer's latest score (compiled once: every card asks).
LATEST_SCORE = prepared(lambda customer_id: CustomerScore.objects.filter(customer_id=customer_id)
                        .order_by("-as_of", "-run_id")[:1])


def _label(labels: dict, key: str) -> str:
    """The analytics library labels in (English, Chinese, ...); pick the page's language."""
    if key not in labels:
        return key
    return labels[key][1] if (get_language() or "").startswith("zh") else labels[key][0]


def scores_section(actor, customer) -> CardSection | None:
    if not holds(customer, CustomerScore):
        return None
    found = LATEST_SCORE(customer.pk)
    if not found:
        return None
    score = found[0]
    return CardSection("insights/_card_scores.html", {
        "score": score,
        "tier": _label(rfm.TIERS, score.tier), "segment": _label(rfm.SEGMENTS, score.rfm_segment),
    })
