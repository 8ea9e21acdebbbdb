"""Who may do what to whose records: the policy table (role x action -> scope).

A scope says how far from the actor a record may be: their own records (``own``: the actor
owns it), their dealer's, their region's, or the whole group's. Scopes nest, so a wider scope
includes every narrower one. Unassigned records (no owner) are therefore visible from dealer
scope upward but never to someone whose scope is ``own``: a consultant sees only the customers
they own, while their managers see unassigned ones and can hand them out.

This table is the single source of the rules; ``tests/org/policy_expected.csv`` restates them
independently so that a change here that was not meant shows up as a failing cell.
"""

from enum import IntEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Role


class Scope(IntEnum):
    NONE = 0
    OWN = 1
    DEALER = 2
    REGION = 3
    GROUP = 4

    @property
    def label(self):
        return SCOPE_LABELS[self]


SCOPE_LABELS = {
    Scope.NONE: _("none"),
    Scope.OWN: _("own records"),
    Scope.DEALER: _("same dealer"),
    Scope.REGION: _("same region"),
    Scope.GROUP: _("whole group"),
}


class Action:
    """Actions on customer records (and, later, everything hanging off a customer)."""

    VIEW = "view"  # read lists, detail, search, counts
    CREATE = "create"  # add a customer (consultants: owned by themselves)
    EDIT = "edit"  # change profile, vehicles, transactions, consent, classification
    REVEAL = "reveal"  # see an unmasked mobile/ID number, one record at a time, with a reason
    EXPORT = "export"  # download lists (masked), audit-logged
    MERGE = "merge"  # merge duplicates
    REASSIGN = "reassign"  # move customers between owners
    AUDIT = "audit"  # read the audit log

    ALL = (VIEW, CREATE, EDIT, REVEAL, EXPORT, MERGE, REASSIGN, AUDIT)
    LABELS = {
        VIEW: _("view"),
        CREATE: _("create"),
        EDIT: _("edit"),
        REVEAL: _("reveal personal data"),
        EXPORT: _("export"),
        MERGE: _("merge duplicates"),
        REASSIGN: _("reassign customers"),
        AUDIT: _("read the audit log"),
    }


N, O, D, R, G = Scope.NONE, Scope.OWN, Scope.DEALER, Scope.REGION, Scope.GROUP

#                              view create edit reveal export merge reassign audit
_TABLE = {
    Role.CONSULTANT:       (O, O, O, O, N, N, N, N),
    Role.SHOWROOM_MANAGER: (D, D, D, D, D, D, D, D),
    Role.SALES_MANAGER:    (D, D, D, D, D, D, D, D),
    Role.SERVICE_ADVISOR:  (D, D, D, D, N, N, N, N),
    Role.SERVICE_MANAGER:  (D, D, D, D, D, D, D, D),
    Role.MARKETING:        (D, D, N, N, D, N, N, N),
    Role.DEALER_GM:        (D, D, D, D, D, D, D, D),
    Role.REGION_MANAGER:   (R, N, R, R, R, R, R, R),
    Role.GROUP_ADMIN:      (G, G, G, G, G, G, G, G),
}  # fmt: skip

POLICY: dict[tuple[str, str], Scope] = {
    (role, action): scope for role, scopes in _TABLE.items() for action, scope in zip(Action.ALL, scopes)
}


def scope_of(actor, action: str) -> Scope:
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return Scope.NONE
    return POLICY.get((actor.role, action), Scope.NONE)


def allowed(actor, action: str) -> bool:
    """Whether the actor may do this action to at least some records (used for navigation)."""
    return scope_of(actor, action) is not Scope.NONE


def scope_filter(actor, action: str, *, dealer: str = "dealer", owner: str = "owner") -> Q | None:
    """A filter selecting the records within the actor's scope for ``action``, or None if none.

    ``dealer`` and ``owner`` name the record's fields (or lookups) holding its dealer and owner,
    so the same rules apply to any model that hangs off the organisation.

    Region and group scopes become a list of dealer ids (a few dozen at most) rather than a join
    through region and group: the database can then use the index of whatever else the query
    filters on (a mobile number, a date) instead of walking every dealer's rows.
    """
    scope = scope_of(actor, action)
    if scope is Scope.OWN:
        return Q(**{f"{owner}_id": actor.pk})
    if scope is Scope.DEALER and actor.dealer_id:
        return Q(**{f"{dealer}_id": actor.dealer_id})
    if scope in (Scope.REGION, Scope.GROUP) and (actor.region_id if scope is Scope.REGION else actor.group_id):
        return Q(**{f"{dealer}_id__in": list(dealers_in_scope(actor, action).values_list("id", flat=True))})
    return None


def dealers_in_scope(actor, action: str):
    """The dealers at which the actor may do ``action`` (for pickers and creation)."""
    from .models import Dealer

    scope = scope_of(actor, action)
    if scope in (Scope.OWN, Scope.DEALER):
        return Dealer.objects.filter(pk=actor.dealer_id)
    if scope is Scope.REGION:
        return Dealer.objects.filter(region_id=actor.region_id)
    if scope is Scope.GROUP:
        return Dealer.objects.filter(region__group_id=actor.group_id)
    return Dealer.objects.none()
