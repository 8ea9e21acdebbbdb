"""The one door to customer data.

Every list, page, search, count, API call, export and bulk action reads customers through
``visible_customers`` and fetches one through ``access_customer``. A customer outside the
actor's scope does not exist for them (404, so its existence is not leaked); a customer they
can see but may not act on in the asked way is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Count, ExpressionWrapper, Q
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, refusal, scope_filter

from .models import Customer, Status


class CustomerNotFound(Http404):
    pass


def visible_customers(actor, action: str = Action.VIEW, *, include_merged: bool = False):
    """The customers the actor may ``action``; merged-away records are left out unless asked."""
    condition = scope_filter(actor, action)
    if condition is None:
        return Customer.objects.none()
    customers = Customer.objects.filter(condition)
    if not include_merged:
        customers = customers.filter(status=Status.ACTIVE)
    return customers


def access_customer(actor, customer_id, action: str = Action.VIEW, *, include_merged: bool = False,
                    for_update: bool = False) -> Customer:
    """Fetch one customer for ``action`` or raise: 404 if out of sight, 403 if seen but not allowed."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise CustomerNotFound(_("No such customer."))
    visible = visible_customers(actor, Action.VIEW, include_merged=include_merged).filter(pk=customer_id)
    if action != Action.VIEW:  # one query: the record if in sight, with whether the action reaches it
        condition = scope_filter(actor, action)
        if condition is not None and not include_merged:
            condition &= Q(status=Status.ACTIVE)
        visible = visible.annotate(may=ExpressionWrapper(condition or Q(pk__in=[]), output_field=BooleanField()))
    if for_update:
        visible = visible.select_for_update(of=("self",))
    customer = visible.select_related("dealer", "owner", "service_advisor").first()
    if customer is None:
        raise CustomerNotFound(_("No such customer."))
    if action != Action.VIEW and not customer.may:
        raise PermissionDenied(refusal(action))
    return customer


def permitted(actor, customer: Customer, *actions: str, merged_too: tuple[str, ...] = ()) -> dict[str, bool]:
    """Which of ``actions`` the actor may take on this (already fetched) customer, asked of the
    database in one query through the same scope filters as ``visible_customers``. Actions are
    for active records only, except those in ``merged_too`` (reading a merged record's history).

    The answers are kept on the customer object for the request, so the card's sections (sales'
    contacts, ...) ask again without another query."""
    known = customer.__dict__.setdefault("_permitted", {})
    key = {action: (actor.pk, action, action in merged_too) for action in actions}
    flags = {}
    for action in actions:
        if key[action] in known:
            continue
        condition = scope_filter(actor, action)
        if condition is None:
            known[key[action]] = False
            continue
        status = Q() if action in merged_too else Q(status=Status.ACTIVE)
        flags[f"may_{action}"] = Count("pk", filter=condition & status)
    if flags:
        found = Customer.objects.filter(pk=customer.pk).aggregate(**flags)
        known.update({key[action]: bool(found[f"may_{action}"]) for action in actions if f"may_{action}" in flags})
    return {action: known[key[action]] for action in actions}
