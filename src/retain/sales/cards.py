"""What sales adds to the customer information card: the customer's prospects, through the door,
and the contacts that are not prospect follow-ups (caring for an owner) with a form to log one."""

from retain.customers.access import permitted
from retain.customers.cards import CardSection, holds
from retain.org.policy import Action
from retain.prepared import prepared

from .access import visible_prospects
from .models import Contact, ContactPurpose, Prospect

#: The customer's latest contacts that are not prospect follow-ups (compiled once: ``prepared``).
CARE_CONTACTS = prepared(lambda customer_id: Contact.objects.filter(customer_id=customer_id)
                         .exclude(purpose=ContactPurpose.DEVELOPMENT).select_related("recorded_by")
                         .order_by("-contacted_on", "-id")[:10])


def prospects_section(actor, customer) -> CardSection:
    prospects = []
    if holds(customer, Prospect):
        prospects = list(visible_prospects(actor).filter(customer=customer).select_related("owner")
                         .order_by("-first_contact", "-id")[:10])
    return CardSection("sales/_card_prospects.html", {"prospects": prospects})


def contacts_section(actor, customer) -> CardSection | None:
    """Care and promotion contacts with the customer, and the fold with the form to log one, for
    those who may work on the customer."""
    if not permitted(actor, customer, Action.EDIT)[Action.EDIT]:  # asked once for the whole card
        return None
    contacts = CARE_CONTACTS(customer.pk) if holds(customer, Contact) else []
    return CardSection("sales/_card_contacts.html", {"customer": customer, "contacts": contacts})
