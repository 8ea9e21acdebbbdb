"""The door to coalition partners: a partner is its programme's dealer's; out of the caller's
dealers for the action it is 404 (nothing revealed), the action not allowed anywhere 403.

Recording a partner's movements is open to the dealer's managers (``manage_partners``) and to the
partner's own agent (the API caller acting for the partner, ``Partner.agent``), whatever the
agent's role: the agent records that partner's movements and nothing else. Reversing one is the
dealer's managers' (``reverse_partner_movements``) and never the agent's, whatever its role
(``services.partner_reversal``)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, dealers_in_scope, refusal, require

from .models import Partner


def _get(partner_id) -> Partner:
    try:
        return Partner.objects.select_related("programme", "programme__dealer").get(pk=int(partner_id))
    except (TypeError, ValueError, OverflowError, Partner.DoesNotExist):
        raise Http404(_("No such partner.")) from None


def access_partner(actor, partner_id, action: str = Action.VIEW_LIABILITY) -> Partner:
    require(actor, action)
    partner = _get(partner_id)
    if not dealers_in_scope(actor, action).filter(pk=partner.programme.dealer_id).exists():
        raise Http404(_("No such partner."))
    return partner


def partners_in_scope(actor, action: str = Action.VIEW_LIABILITY):
    require(actor, action)
    return Partner.objects.filter(programme__dealer__in=dealers_in_scope(actor, action)).select_related(
        "programme", "programme__dealer")


def partner_for_movement(actor, partner_id) -> Partner:
    """The partner whose movement ``actor`` records: its agent, or a manager of its dealer; the
    system (``None``: the demo, a job) records for any."""
    if actor is None:
        return _get(partner_id)
    if getattr(actor, "pk", None) and Partner.objects.filter(pk=_id(partner_id), agent_id=actor.pk).exists():
        return _get(partner_id)
    try:
        return access_partner(actor, partner_id, Action.MANAGE_PARTNERS)
    except PermissionDenied:
        raise PermissionDenied(refusal(Action.MANAGE_PARTNERS)) from None


def _id(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise Http404(_("No such partner.")) from None
