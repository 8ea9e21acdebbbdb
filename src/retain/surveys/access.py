"""The doors to survey records: the policy table applied to each record's dealer and the person it
belongs to (the staff member who served the customer, for invitations and responses).

Outside the scope a record answers 404 that reveals nothing; seen but not allowed, 403.
"""

# --- analysis: counted answers and the results pages ------------------------------------------
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, dealers_in_scope, require, scope_filter

from .models import Response, Survey


def visible_responses(actor, action: str = Action.VIEW_RESULTS):
    """Responses in the actor's scope for ``action``: a consultant's or service advisor's own (the
    customers they served: ``Response.staff``), a manager's dealer's, a region's, a group's.
    Every response, counted or not, submitted or not: ``surveys.results`` narrows to what is
    scored."""
    condition = scope_filter(actor, action, dealer="dealer", owner="staff")
    return Response.objects.none() if condition is None else Response.objects.filter(condition)


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


def results_survey(actor, survey_id, action: str = Action.VIEW_RESULTS) -> Survey:
    """A survey whose results the actor may read: one of their group's surveys, the group's own
    or one of a dealer within their scope; otherwise 404. (The definitions part's
    ``access_survey`` is the door for the definitions themselves.)"""
    require(actor, action)
    try:
        survey_id = int(survey_id)
    except (TypeError, ValueError):
        raise Http404(_("No such survey.")) from None
    group_id = getattr(actor, "group_id", None)
    survey = Survey.objects.filter(pk=survey_id, group_id=group_id).first() if group_id else None
    if survey is None or (survey.dealer_id is not None
                          and not results_dealers(actor, action).filter(pk=survey.dealer_id).exists()):
        raise Http404(_("No such survey."))
    return survey
