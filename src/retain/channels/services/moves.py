"""Messages follow their customer when a duplicate is merged into the survivor (customers.moves)."""

from ..models import Message


def merge(*, actor, survivor, duplicate) -> dict[str, int]:
    """Called inside ``merge_customers``' transaction; the count goes into its audit row."""
    return {"messages": Message.objects.filter(customer=duplicate).update(customer=survivor)}
