"""What sales adds to the customer information card: the customer's prospects, through the door."""

from retain.customers.cards import CardSection

from .access import visible_prospects


def prospects_section(actor, customer) -> CardSection:
    prospects = list(visible_prospects(actor).filter(customer=customer).select_related("owner")
                     .order_by("-first_contact", "-id")[:10])
    return CardSection("sales/_card_prospects.html", {"prospects": prospects})
