"""What the cases app adds to pages of the apps below it (registered in ``CasesConfig.ready``):
the customer card's lost-owner section (their lost records, and the way to record one)."""

from django.core.exceptions import PermissionDenied

from retain.customers.cards import CardSection, holds

from .access import visible_lost_owners
from .models.lost import OPEN_STATUSES, LostOwner
from .services.lost import may_record


def lost_card_section(actor, customer) -> CardSection | None:
    """The customer's lost records the actor may see (newest first), and a link to record the
    customer as lost when they may and no record is open. One query for each."""
    records = []
    if holds(customer, LostOwner):
        records = list(visible_lost_owners(actor).filter(customer=customer).order_by("-lost_on", "-id")[:5])
    may_record = not any(r.status in OPEN_STATUSES for r in records) and _may_record(actor, customer)
    if not (records or may_record):
        return None
    return CardSection("cases/lost/_card.html", {"records": records, "customer": customer, "may_record": may_record})


def _may_record(actor, customer) -> bool:
    try:
        may_record(actor, customer)
    except PermissionDenied:
        return False
    return True
