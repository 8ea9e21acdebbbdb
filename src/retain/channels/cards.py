"""The customer card's "Messages" section: the customer's latest messages, and a one-off message
form for those who may send (registered with ``customers.cards`` in ``ChannelsConfig.ready``)."""

from retain.customers.access import permitted
from retain.customers.cards import CardSection
from retain.org.policy import Action

from .access import visible_messages
from .forms import WriteForm

SHOWN = 10


def messages_section(actor, customer) -> CardSection | None:
    may = permitted(actor, customer, Action.VIEW_MESSAGES, Action.SEND_MESSAGES, merged_too=(Action.VIEW_MESSAGES,))
    if not may[Action.VIEW_MESSAGES]:
        return None
    latest = visible_messages(actor).filter(customer=customer).order_by("-id")[:SHOWN]
    return CardSection("channels/_card_messages.html", {
        "channel_messages": list(latest), "customer": customer,
        "write_form": WriteForm() if may[Action.SEND_MESSAGES] else None,
    })
