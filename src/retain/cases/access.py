"""The doors to the cases app's records: the policy table applied to each record's dealer and the
person it belongs to. Outside the scope a record answers 404 (revealing nothing); seen but not
allowed, 403. One section per kind of record."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, Scope, refusal, scope_filter, scope_of

from .models import BlacklistEntry, Case, LostOwner

# --- cases ---------------------------------------------------------------------------------------
# A case is the dealer's and its owner's: one who works their own records sees the cases they own;
# the dealer's managers the dealer's (unassigned ones too); the region and the group theirs.


def visible_cases(actor, action: str = Action.VIEW_CASES):
    condition = scope_filter(actor, action, dealer="dealer", owner="owner")
    return Case.objects.none() if condition is None else Case.objects.filter(condition)


def access_case(actor, case_id, action: str = Action.VIEW_CASES, *, for_update: bool = False) -> Case:
    """One case for ``action``: 404 unless the actor may see it, 403 if seen but not allowed."""
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404(_("No such case."))
    if not visible_cases(actor).filter(pk=case_id).exists():
        raise Http404(_("No such case."))
    allowed = visible_cases(actor, action).filter(pk=case_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    case = allowed.select_related("customer", "dealer", "owner", "vehicle", "opened_by", "closed_by").first()
    if case is None:
        raise PermissionDenied(refusal(action))
    return case


# -- blacklist -----------------------------------------------------------------------------------
# An entry belongs to its dealer and to the person who proposed it: a consultant or service
# advisor sees the entries they proposed; the dealer's managers and marketing the dealer's; the
# region and the group theirs.


def visible_blacklist(actor, action: str = Action.VIEW_BLACKLIST):
    """The blacklist entries in the actor's scope for ``action``."""
    condition = scope_filter(actor, action, owner="proposed_by")
    return BlacklistEntry.objects.none() if condition is None else BlacklistEntry.objects.filter(condition)


def access_blacklist_entry(actor, entry_id, action: str = Action.VIEW_BLACKLIST, *,
                           for_update: bool = False) -> BlacklistEntry:
    """One entry for ``action``: 404 unless the actor may see it, 403 if seen but not allowed."""
    try:
        entry_id = int(entry_id)
    except (TypeError, ValueError):
        raise Http404(_("No such blacklist entry."))
    if not visible_blacklist(actor).filter(pk=entry_id).exists():
        raise Http404(_("No such blacklist entry."))
    allowed = visible_blacklist(actor, action).filter(pk=entry_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    entry = allowed.select_related("customer", "dealer", "proposed_by", "decided_by", "lifted_by").first()
    if entry is None:
        raise PermissionDenied(refusal(action))
    return entry

# --- lost owners and win-back ----------------------------------------------------------------
# A lost owner belongs to the people who served the customer: a consultant (the customer's owner)
# or a service advisor (the customer's advisor) with a scope of their own records sees and works
# those of their customers; the dealer's managers the dealer's; the region and group theirs.



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
