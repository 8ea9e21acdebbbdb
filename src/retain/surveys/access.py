"""The doors to survey records: the policy table applied to each record's dealer and the staff
member it belongs to. Outside the scope a record answers 404; seen but not allowed, 403.

(The definitions' doors are written by the defs part; this file is merged from several parts,
each in a block of its own.)
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, refusal, scope_filter

from .models import Response

# -- responses (answer) ----------------------------------------------------------------------------
# A response belongs to its dealer and to the staff member who served the customer (``staff``:
# the consultant of the sale, the service advisor of the repair). Sight of a response, before
# any action on it, is the reviewer's own scope for now; once the analysis part's
# ``VIEW_RESULTS`` is merged, it becomes that action's (a consultant then sees their own
# customers' answers, and a review of one of them is 403 rather than 404).
RESPONSE_SIGHT = Action.REVIEW_RESPONSES


def visible_responses(actor, action: str = RESPONSE_SIGHT):
    """Responses within the actor's scope for ``action`` (their own served, their dealer's...)."""
    condition = scope_filter(actor, action, dealer="dealer", owner="staff")
    return Response.objects.none() if condition is None else Response.objects.filter(condition)


def access_response(actor, response_id, action: str = RESPONSE_SIGHT, *, for_update: bool = False) -> Response:
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
