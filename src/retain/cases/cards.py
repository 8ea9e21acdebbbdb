"""The customer card's "Cases" section (registered with ``customers.cards`` in
``CasesConfig.ready``): the customer's latest cases with their state, and a link to open one for
those who work cases at the customer's dealer. One query, none for a role that sees no cases."""

from retain.customers.cards import CardSection, holds
from retain.customers.models import Status
from retain.org.policy import Action, allowed

from .access import visible_cases
from .models import Case

SHOWN = 5


def cases_section(actor, customer) -> CardSection | None:
    if not allowed(actor, Action.VIEW_CASES):
        return None
    cases = []
    if holds(customer, Case):
        cases = list(visible_cases(actor).filter(customer=customer).select_related("owner")
                     .order_by("-opened_at", "-id")[:SHOWN])
    may_open = (customer.status == Status.ACTIVE and allowed(actor, Action.WORK_CASES)
                and actor.dealer_id == customer.dealer_id)
    if not (cases or may_open):
        return None
    return CardSection("cases/cases/_card.html", {"cases": cases, "customer": customer, "may_open": may_open})
