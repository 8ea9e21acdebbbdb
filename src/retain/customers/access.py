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
                    for_update: bool = False, asking: tuple[str, ...] = (),
                    merged_too: tuple[str, ...] = ()) -> Customer:
    """Fetch one customer for ``action`` or raise: 404 if out of sight, 403 if seen but not allowed.

    ``asking`` names actions to answer in the same query, for ``permitted`` (with its
    ``merged_too``): a page that asks what it may do with the record costs no query more."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise CustomerNotFound(_("No such customer."))
    visible = visible_customers(actor, Action.VIEW, include_merged=include_merged).filter(pk=customer_id)
    if action != Action.VIEW:  # one query: the record if in sight, with whether the action reaches it
        condition = scope_filter(actor, action)
        if condition is not None and not include_merged:
            condition &= Q(status=Status.ACTIVE)
        visible = visible.annotate(may=_flag(condition))
    asked = {f"may_{name}": _flag(condition) for name in asking
             if (condition := _condition(actor, name, merged_too)) is not None}
    if for_update:
        visible = visible.select_for_update(of=("self",))
    customer = visible.select_related("dealer", "owner", "service_advisor").annotate(**asked).first()
    if customer is None:
        raise CustomerNotFound(_("No such customer."))
    if action != Action.VIEW and not customer.may:
        raise PermissionDenied(refusal(action))
    customer.__dict__["_permitted"] = {(actor.pk, name, name in merged_too): bool(getattr(customer, f"may_{name}", False))
                                       for name in asking}
    return customer


def permitted(actor, customer: Customer, *actions: str, merged_too: tuple[str, ...] = ()) -> dict[str, bool]:
    """Which of ``actions`` the actor may take on this (already fetched) customer, asked of the
    database in one query through the same scope filters as ``visible_customers``. Actions are
    for active records only, except those in ``merged_too`` (reading a merged record's history).

    The answers are kept on the customer object for the request (and those the door was asked
    with ``asking`` came with the record), so the card's sections (sales' contacts, ...) ask again
    without another query."""
    known = customer.__dict__.setdefault("_permitted", {})
    key = {action: (actor.pk, action, action in merged_too) for action in actions}
    flags = {}
    for action in actions:
        if key[action] in known:
            continue
        condition = _condition(actor, action, merged_too)
        if condition is None:
            known[key[action]] = False
            continue
        flags[f"may_{action}"] = Count("pk", filter=condition)
    if flags:
        found = Customer.objects.filter(pk=customer.pk).aggregate(**flags)
        known.update({key[action]: bool(found[f"may_{action}"]) for action in actions if f"may_{action}" in flags})
    return {action: known[key[action]] for action in actions}


def _condition(actor, action: str, merged_too: tuple[str, ...]) -> Q | None:
    """The customers the actor may ``action``: active ones, or any for an action in ``merged_too``."""
    condition = scope_filter(actor, action)
    if condition is None or action in merged_too:
        return condition
    return condition & Q(status=Status.ACTIVE)


def _flag(condition: Q | None) -> ExpressionWrapper:
    return ExpressionWrapper(condition or Q(pk__in=[]), output_field=BooleanField())
