"""What staff do with single messages: send an outbox message by hand, queue a dead letter again."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from .. import rules
from ..access import access_message
from ..models import Channel, MessageStatus, settings_for
from . import delivery


@transaction.atomic
def mark_sent(*, actor, message_id):
    """Record that the actor sent an outbox message by hand (copied into WeChat, an SMS, a call).

    The send-time rules are applied again first: a message a rule now stops (consent withdrawn
    since it was queued, the blacklist) becomes suppressed instead, with its reason, and is not
    to be sent; during the dealer's quiet hours it is refused until they end."""
    message = access_message(actor, message_id, Action.SEND_MESSAGES, for_update=True)
    if message.channel != Channel.OUTBOX:
        raise ValidationError({"message": _("Only outbox messages are sent by hand; this one goes by %(channel)s.")
                                          % {"channel": message.get_channel_display()}})
    if message.status != MessageStatus.QUEUED:
        raise ValidationError({"message": _("This message is %(status)s: only a queued message can be sent.")
                                          % {"status": message.get_status_display()}})
    settings, now = settings_for(message.dealer_id), timezone.now()
    reason = rules.suppression_reason(message.customer, message.purpose, message.channel, settings, now, message)
    if reason is not None:
        message.status, message.next_attempt_at = MessageStatus.SUPPRESSED, None
        message.suppression_code, message.suppression_label = reason.code, reason.label[:200]
        message.save(update_fields=["status", "next_attempt_at", "suppression_code", "suppression_label"])
        audit.record(actor=actor, action=AuditCode.MESSAGE_SUPPRESS, obj=message, before={"status": MessageStatus.QUEUED},
                     after={"status": message.status, "suppression_code": reason.code}, note=reason.label)
        return message
    quiet = rules.quiet_until(settings, now)
    if quiet is not None:
        until = formats.time_format(quiet.astimezone(rules.zone(settings)), "H:i")
        raise ValidationError({"message": _("Quiet hours at %(dealer)s until %(time)s: send it then.")
                                          % {"dealer": message.dealer.name, "time": until}})
    message.status, message.sent_at, message.sent_by = MessageStatus.SENT, now, actor
    message.attempts, message.next_attempt_at = message.attempts + 1, None
    message.address = rules.address_for(message.customer, message.channel)
    message.save(update_fields=["status", "sent_at", "sent_by", "attempts", "next_attempt_at", "address"])
    audit.record(actor=actor, action=AuditCode.MESSAGE_MARK_SENT, obj=message, before={"status": MessageStatus.QUEUED},
                 after={"status": message.status})
    return message


@transaction.atomic
def retry(*, actor, message_id):
    """Queue a dead-lettered message again (after the gateway or the address was fixed): it gets
    the dealer's full number of tries anew; its earlier attempts stay on record."""
    message = access_message(actor, message_id, Action.SEND_MESSAGES, for_update=True)
    if message.status != MessageStatus.DEAD:
        raise ValidationError({"message": _("Only a dead-lettered message can be tried again.")})
    message.status, message.attempts, message.next_attempt_at = MessageStatus.QUEUED, 0, timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    audit.record(actor=actor, action=AuditCode.MESSAGE_RETRY, obj=message, before={"status": MessageStatus.DEAD},
                 after={"status": MessageStatus.QUEUED})
    pk = message.pk
    transaction.on_commit(lambda: delivery.schedule(pk))
    return message
