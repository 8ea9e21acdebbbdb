"""The door to a member's points: the customer's own door (``customers.access``) with the points
actions of the policy table. A customer outside the caller's sight is 404 (nothing revealed); in
sight but the action not allowed, 403. Points belong to the customer, so their scope is the
customer's (dealer, owner)."""

from retain.customers.access import access_customer
from retain.customers.models import Customer
from retain.org.policy import Action


def access_member(actor, customer_id, action: str = Action.VIEW_POINTS) -> Customer:
    return access_customer(actor, customer_id, action)
