"""The door to prospects: the customers' policy applied to the prospect's dealer and consultant.

A consultant sees and works only the prospects they own; managers see their dealer's (region's,
group's). Outside the scope a prospect answers 404; seen but not allowed, 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, scope_filter

from .models import Prospect


def visible_prospects(actor, action: str = Action.VIEW):
    condition = scope_filter(actor, action)
    if condition is None:
        return Prospect.objects.none()
    return Prospect.objects.filter(condition)


def access_prospect(actor, prospect_id, action: str = Action.VIEW, *, for_update: bool = False) -> Prospect:
    try:
        prospect_id = int(prospect_id)
    except (TypeError, ValueError):
        raise Http404(_("No such prospect."))
    if not visible_prospects(actor, Action.VIEW).filter(pk=prospect_id).exists():
        raise Http404(_("No such prospect."))
    allowed = visible_prospects(actor, action).filter(pk=prospect_id)
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    prospect = allowed.select_related("customer", "dealer", "owner").first()
    if prospect is None:
        raise PermissionDenied(_("You may not %(action)s this prospect.") % {"action": Action.LABELS[action]})
    return prospect
