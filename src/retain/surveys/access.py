"""The doors to surveys: the policy table applied to a survey's owner (the group, or one dealer).

A survey of the group (``dealer`` empty) is every dealer's: anyone of the group who may do an
action at some dealer may do it with the group's survey (read it, invite to it, read its
answers in their own scope), except edit it: the group's questionnaire is the group's to change
(``MANAGE_SURVEYS`` with the group's scope); a dealer changes its own copy instead. A dealer's
own survey is within the scope of those who may act at that dealer; a survey has no personal
owner, so a scope of one's "own records" reaches the actor's dealer's surveys. Outside the scope
a survey answers 404 (the door says nothing about it); seen but not allowed, 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, Scope, dealers_in_scope, refusal, scope_filter, scope_of

from .models import Invitation, Response, Survey

#: Actions that, on a group survey, need the group's scope (the others need any scope).
GROUP_WIDE = frozenset({Action.MANAGE_SURVEYS})


def survey_scope(actor, action: str) -> Q | None:
    """Which surveys the actor may ``action``, as a filter (None: none)."""
    scope = scope_of(actor, action)
    if scope is Scope.NONE:
        return None
    if scope is Scope.OWN:  # a survey has no personal owner: one's own dealer's
        dealers = Q(dealer_id=actor.dealer_id) if actor.dealer_id else None
    else:
        dealers = scope_filter(actor, action)
    group_wide = (Q(dealer__isnull=True, group_id=actor.group_id)
                  if actor.group_id and (action not in GROUP_WIDE or scope is Scope.GROUP) else None)
    parts = [part for part in (dealers, group_wide) if part is not None]
    if not parts:
        return None
    condition = parts[0]
    for part in parts[1:]:
        condition |= part
    return condition


def visible_surveys(actor, action: str = Action.VIEW_SURVEYS):
    """The surveys the actor may ``action`` (the group's and their dealers' own)."""
    condition = survey_scope(actor, action)
    return Survey.objects.none() if condition is None else Survey.objects.filter(condition)


def access_survey(actor, survey_id, action: str = Action.VIEW_SURVEYS, *, for_update: bool = False) -> Survey:
    """One survey for ``action``: 404 unless the actor may see it, 403 if seen but not allowed."""
    try:
        survey_id = int(survey_id)
    except (TypeError, ValueError):
        raise Http404(_("No such survey."))
    if not visible_surveys(actor).filter(pk=survey_id).exists():
        raise Http404(_("No such survey."))
    allowed = visible_surveys(actor, action).filter(pk=survey_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    survey = allowed.select_related("dealer", "group", "current_version").first()
    if survey is None:
        raise PermissionDenied(refusal(action))
    return survey


def survey_for(dealer, kind: str) -> Survey | None:
    """The active survey of ``kind`` a dealer sends: its own copy if it has one, else the group's
    (the oldest of each, so a preset installed first wins over a later one of the same kind)."""
    surveys = Survey.objects.filter(kind=kind, active=True, current_version__isnull=False)
    own = surveys.filter(dealer=dealer).order_by("id").first()
    if own is not None:
        return own
    return surveys.filter(dealer__isnull=True, group_id=dealer.region.group_id).order_by("id").first()


# --- invitations (invite) ---------------------------------------------------------------------
# An invitation is about the person who served the customer (``staff``): a consultant or service
# advisor sees the invitations of the customers they served, the dealer's desks the dealer's.
# Invitations are read as the answers are (``VIEW_RESULTS``): whoever may invite may read them,
# and so may the region and the group, who do not contact customers but watch the response rates.

READ_INVITATIONS = Action.VIEW_RESULTS


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


# --- responses (analysis, answer) ---------------------------------------------------------------
# A response belongs to its dealer and to the staff member who served the customer (``staff``:
# the consultant of the sale, the service advisor of the repair). It is seen under
# ``VIEW_RESULTS``: a consultant sees their own customers' answers, so a review of one of them
# is 403 (they may not decide which of their answers count), not 404.

def visible_responses(actor, action: str = Action.VIEW_RESULTS):
    """Responses in the actor's scope for ``action``: a consultant's or service advisor's own (the
    customers they served: ``Response.staff``), a manager's dealer's, a region's, a group's.
    Every response, counted or not, submitted or not: ``surveys.results`` narrows to what is
    scored."""
    condition = scope_filter(actor, action, dealer="dealer", owner="staff")
    return Response.objects.none() if condition is None else Response.objects.filter(condition)


def access_response(actor, response_id, action: str = Action.VIEW_RESULTS, *, for_update: bool = False) -> Response:
    """One response for ``action``: 404 unless the actor may see it, 403 if seen but not allowed."""
    try:
        response_id = int(response_id)
    except (TypeError, ValueError):
        raise Http404(_("No such response.")) from None
    if not visible_responses(actor).filter(pk=response_id).exists():
        raise Http404(_("No such response."))
    allowed = visible_responses(actor, action).filter(pk=response_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    response = allowed.select_related("survey", "dealer", "customer", "staff", "transaction", "vehicle").first()
    if response is None:
        raise PermissionDenied(refusal(action))
    return response


def results_dealers(actor, action: str = Action.VIEW_RESULTS):
    """The dealers whose results the actor may read (the dealer filter's choices)."""
    return dealers_in_scope(actor, action)


def results_dealer(actor, dealer_id, action: str = Action.VIEW_RESULTS):
    """One dealer of the actor's scope, or 404 (a dealer filter outside the scope reveals nothing)."""
    try:
        dealer_id = int(dealer_id)
    except (TypeError, ValueError):
        raise Http404(_("No such dealer.")) from None
    dealer = results_dealers(actor, action).filter(pk=dealer_id).first()
    if dealer is None:
        raise Http404(_("No such dealer."))
    return dealer
