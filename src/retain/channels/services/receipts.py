"""Delivery receipts from the gateway (``POST /api/v1/messages/receipts``, signed as ``signing``
says): the message was delivered, or it could not be (then it is dead-lettered with the reason)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode

from ..models import Message, MessageStatus

#: A receipt is believed for a message the gateway has had: one it accepted (sent), or one it
#: accepted on an earlier try while a retry waits (failed), or a receipt sent twice (delivered).
RECEIVABLE = (MessageStatus.SENT, MessageStatus.FAILED, MessageStatus.DELIVERED)


@transaction.atomic
def record_receipt(*, actor, message_id: int, delivered: bool, error: str = "") -> Message:
    """Apply the gateway's receipt; ``actor`` is None (the gateway is not a person). The caller
    has checked the signature with the message's dealer's secret."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.status not in RECEIVABLE:
        raise ValidationError({"message_id": _("This message was not handed to the gateway.")})
    before = {"status": message.status}
    if delivered:
        message.status, message.next_attempt_at = MessageStatus.DELIVERED, None
        message.delivered_at = message.delivered_at or timezone.now()
    else:
        message.status, message.next_attempt_at = MessageStatus.DEAD, None
        message.last_error = (error or _("The gateway could not deliver the message."))[:500]
    message.save(update_fields=["status", "next_attempt_at", "delivered_at", "last_error"])
    if before["status"] != message.status:
        audit.record(actor=actor, action=AuditCode.MESSAGE_RECEIPT, obj=message, before=before,
                     after={"status": message.status, "error": message.last_error if not delivered else ""})
    return message
