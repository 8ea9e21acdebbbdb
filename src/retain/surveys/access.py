"""The doors to survey records: the policy table applied to each record's dealer and the person
it is about. Outside the scope a record answers 404; seen but not allowed, 403."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, refusal, scope_filter

from .models import Invitation

# --- invitations (invite) ---------------------------------------------------------------------
# An invitation is about the person who served the customer (``staff``): a consultant or service
# advisor sees the invitations of the customers they served, the dealer's desks the dealer's.
# Invitations are read under ``INVITE`` until the results' action (``VIEW_RESULTS``, analysis)
# is merged: then ``READ_INVITATIONS`` becomes that action (one line).

READ_INVITATIONS = Action.INVITE


def visible_invitations(actor, action: str = READ_INVITATIONS):
    condition = scope_filter(actor, action, dealer="dealer", owner="staff")
    return Invitation.objects.none() if condition is None else Invitation.objects.filter(condition)


def access_invitation(actor, invitation_id, action: str = READ_INVITATIONS, *, for_update: bool = False) -> Invitation:
    """One invitation for ``action``: 404 unless the actor may see it, 403 if seen but not allowed."""
    try:
        invitation_id = int(invitation_id)
    except (TypeError, ValueError):
        raise Http404(_("No such invitation."))
    if not visible_invitations(actor).filter(pk=invitation_id).exists():
        raise Http404(_("No such invitation."))
    allowed = visible_invitations(actor, action).filter(pk=invitation_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    invitation = allowed.select_related("survey", "dealer", "customer", "staff", "respondent_staff", "transaction",
                                        "vehicle", "created_by").first()
    if invitation is None:
        raise PermissionDenied(refusal(action))
    return invitation
