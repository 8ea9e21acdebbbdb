"""The doors to messages, templates and a dealer's channel settings.

A message is seen as its customer is: by the customer's owner (own scope) and by the staff of
the customer's dealer, region or group (wider scopes), through the policy's ``scope_filter``
with the owner read through the customer. Templates and settings belong to a dealer: who may
manage them at a dealer is ``dealers_in_scope``. Outside scope is a 404 that reveals nothing;
seen but not allowed is a 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from retain.org.policy import Action, dealers_in_scope, refusal, require, scope_filter

from .models import Message, Template


class MessageNotFound(Http404):
    pass


def visible_messages(actor, action: str = Action.VIEW_MESSAGES):
    condition = scope_filter(actor, action, owner="customer__owner")
    return Message.objects.filter(condition) if condition is not None else Message.objects.none()


def _id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def access_message(actor, message_id, action: str = Action.VIEW_MESSAGES, *, for_update: bool = False) -> Message:
    """One message for ``action``: 404 if out of sight, 403 if seen but not allowed."""
    pk = _id(message_id)
    if pk is None or not visible_messages(actor).filter(pk=pk).exists():
        raise MessageNotFound(_("No such message."))
    allowed = visible_messages(actor, action).filter(pk=pk)
    if action != Action.VIEW_MESSAGES and not allowed.exists():
        raise PermissionDenied(refusal(action))
    if for_update:
        allowed = allowed.select_for_update(of=("self",))
    return allowed.select_related("customer", "dealer", "vehicle", "template", "queued_by", "sent_by").get()


def dealer_in_scope(actor, action: str, *, dealer_id=None, code=None):
    """The dealer (by id or code) at which the actor may ``action``: 403 if they may not do it
    anywhere, 404 if the dealer is outside their scope (or does not exist)."""
    require(actor, action)
    dealers = dealers_in_scope(actor, action)
    pk = _id(dealer_id) if dealer_id is not None else None
    dealer = dealers.filter(pk=pk).first() if dealer_id is not None else dealers.filter(code=code).first()
    if dealer is None or (dealer_id is not None and pk is None):
        raise Http404(_("No such dealer."))
    return dealer


def visible_templates(actor):
    return Template.objects.filter(dealer__in=dealers_in_scope(actor, Action.MANAGE_TEMPLATES))


def access_template(actor, template_id, *, for_update: bool = False) -> Template:
    require(actor, Action.MANAGE_TEMPLATES)
    pk = _id(template_id)
    templates = visible_templates(actor).filter(pk=pk) if pk is not None else Template.objects.none()
    if for_update:
        templates = templates.select_for_update(of=("self",))
    template = templates.select_related("dealer").first()
    if template is None:
        raise Http404(_("No such template."))
    return template


def my_notices(actor):
    """The notices to ``actor``: a notice is its recipient's alone (managers do not read each
    other's), so the door is the recipient, whatever the role."""
    from .models import StaffNotice

    return StaffNotice.objects.filter(staff_id=actor.pk)
