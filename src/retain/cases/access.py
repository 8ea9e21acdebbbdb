"""The doors to the cases app's records: the policy table applied to each record's dealer and the
person it belongs to. Outside the scope a record answers 404 (revealing nothing); seen but not
allowed, 403. One section per kind of record."""


# --- lost owners and win-back ----------------------------------------------------------------
# A lost owner belongs to the people who served the customer: a consultant (the customer's owner)
# or a service advisor (the customer's advisor) with a scope of their own records sees and works
# those of their customers; the dealer's managers the dealer's; the region and group theirs.

from django.core.exceptions import PermissionDenied  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.http import Http404  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from retain.org.policy import Action, Scope, refusal, scope_filter, scope_of  # noqa: E402

from .models import LostOwner  # noqa: E402


def lost_owner_scope(actor, action: str) -> Q | None:
    """Which lost owners the actor may ``action``, as a filter (None: none)."""
    if scope_of(actor, action) is Scope.OWN:
        return Q(customer__owner_id=actor.pk) | Q(customer__service_advisor_id=actor.pk)
    return scope_filter(actor, action)


def visible_lost_owners(actor, action: str = Action.VIEW_LOST_OWNERS):
    condition = lost_owner_scope(actor, action)
    return LostOwner.objects.none() if condition is None else LostOwner.objects.filter(condition)


def access_lost_owner(actor, lost_id, action: str = Action.VIEW_LOST_OWNERS, *,
                      for_update: bool = False) -> LostOwner:
    """One lost owner for ``action``: 404 unless the actor may see it, 403 if seen but not allowed."""
    try:
        lost_id = int(lost_id)
    except (TypeError, ValueError):
        raise Http404(_("No such lost owner."))
    if not (0 < lost_id < 2**63) or not visible_lost_owners(actor).filter(pk=lost_id).exists():
        raise Http404(_("No such lost owner."))
    allowed = visible_lost_owners(actor, action).filter(pk=lost_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    found = allowed.select_related("customer", "dealer", "recorded_by", "confirmed_by", "dismissed_by",
                                   "won_back_by").first()
    if found is None:
        raise PermissionDenied(refusal(action))
    return found
