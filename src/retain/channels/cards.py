"""The customer card's "Messages" section: the customer's latest messages, and the fold with a
one-off message form for those who may send (registered with ``customers.cards`` in ``ChannelsConfig.ready``).

One query (its door adds a dealer list for a region or group scope): the card already went
through the customer door, the messages are read through the messages door, and the form is
offered by the policy alone; sending goes through the door again (``write_message``)."""

from retain.customers.cards import CardSection, holds
from retain.customers.models import Status
from retain.org.policy import Action, allowed

from .access import visible_messages
from .models import Message

SHOWN = 10


def messages_section(actor, customer) -> CardSection | None:
    if not allowed(actor, Action.VIEW_MESSAGES):
        return None
    latest = visible_messages(actor).filter(customer=customer).order_by("-id")[:SHOWN] \
        if holds(customer, Message) else []
    may_write = customer.status == Status.ACTIVE and allowed(actor, Action.SEND_MESSAGES)
    return CardSection("channels/_card_messages.html", {
        "channel_messages": list(latest), "customer": customer, "may_write": may_write,
    })
