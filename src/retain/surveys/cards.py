"""The customer card's "Surveys" section (registered with ``customers.cards`` in
``SurveysConfig.ready``): the customer's latest invitations with what became of them (answered
on which day, expired, waiting), a folded "invite to a survey" form fetched only when opened,
and a QR code for each of the latest repair orders, for those who may invite the customer."""

from retain.customers.access import permitted
from retain.customers.cards import CardSection, holds, kept
from retain.customers.models import Status, Transaction
from retain.org.policy import Action, allowed

from .access import visible_invitations
from .models import Invitation, Trigger
from .sampling import TRANSACTION_KINDS

SHOWN = 10
REPAIR_ORDERS = 3


def invitations_section(actor, customer) -> CardSection | None:
    invitations = []
    if holds(customer, Invitation):
        invitations = list(visible_invitations(actor).filter(customer=customer)
                           .select_related("survey").order_by("-created_at", "-id")[:SHOWN])
    may_invite = (customer.status == Status.ACTIVE and allowed(actor, Action.INVITE)
                  and permitted(actor, customer, Action.INVITE)[Action.INVITE])
    if not (invitations or may_invite):
        return None
    repairs = _latest_repairs(customer) if may_invite and holds(customer, Transaction) else []
    return CardSection("surveys/invitations/_card.html", {
        "invitations": invitations, "customer": customer, "may_invite": may_invite, "repairs": repairs})


def _latest_repairs(customer) -> list:
    """The customer's latest repair orders: from the card's own transaction rows when those are
    all of them (most customers' are), else asked."""
    kinds = TRANSACTION_KINDS[Trigger.REPAIR]
    latest = kept(customer, Transaction)
    if latest is not None:
        return [t for t in latest if t.kind in kinds][:REPAIR_ORDERS]
    return list(Transaction.objects.filter(customer=customer, kind__in=kinds).order_by("-date", "-id")[:REPAIR_ORDERS])
