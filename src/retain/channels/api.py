"""Messages over JSON: the outbox in the caller's scope, one message with its tries, marking an
outbox message sent and queueing a dead letter again. Thin: the door and the services."""

import datetime as dt
import time
from typing import Literal

from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from retain.bounds import MAX_ID, Id, Input, Page, api_type, integer, string
from retain.org.masking import mask_mobile
from retain.org.models import Dealer

from . import signing
from .access import access_message, visible_messages
from .models import Channel, Message, settings_for
from .services import outbox
from .services.receipts import record_receipt

router = Router(tags=["messages"])


def _masked(address: str) -> str:
    if "@" in address:
        name, _at, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    return mask_mobile(address)


class MessageOut(Schema):
    id: int
    dealer: str
    customer_id: int
    customer_name: str
    purpose: str
    channel: str
    template_code: str = Field(description="The kind of message; empty for one written by hand.")
    language: str
    subject: str
    text: str
    address: str = Field(description="Where it was sent, masked (empty until it is sent).")
    status: str
    suppression_code: str
    suppression_reason: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    queued_at: dt.datetime
    sent_at: dt.datetime | None
    delivered_at: dt.datetime | None
    origin: str
    queued_by: str | None = Field(description="Username of the staff member who queued it; null for a job.")

    @staticmethod
    def resolve_dealer(obj):
        return obj.dealer.code

    @staticmethod
    def resolve_customer_name(obj):
        return obj.customer.name

    @staticmethod
    def resolve_text(obj):
        return obj.body

    @staticmethod
    def resolve_address(obj):
        return _masked(obj.address)

    @staticmethod
    def resolve_queued_by(obj):
        return obj.queued_by.username if obj.queued_by_id else None


class AttemptOut(Schema):
    number: int
    at: dt.datetime
    outcome: str
    status_code: int | None
    error: str
    duration_ms: int


class MessageDetail(MessageOut):
    attempts_made: list[AttemptOut] = Field(description="Each try at the gateway, oldest first.")

    @staticmethod
    def resolve_attempts_made(obj):
        return list(obj.delivery_attempts.all())


@router.get("/messages", response=list[MessageOut])
@paginate(Page)
def list_messages(request, status: api_type(Message, "status") | None = None,
                  purpose: api_type(Message, "purpose") | None = None,
                  channel: api_type(Message, "channel") | None = None,
                  customer_id: integer(1, MAX_ID, strict=False) | None = None,
                  dealer: api_type(Dealer, "code") | None = None):
    """Messages to customers in the caller's scope, newest first (the outbox: `channel=outbox&status=queued`)."""
    found = visible_messages(request.user)
    filters = {"status": status, "purpose": purpose, "channel": channel, "customer_id": customer_id,
               "dealer__code": dealer}
    found = found.filter(**{name: value for name, value in filters.items() if value is not None})
    return found.select_related("dealer", "customer", "queued_by")


class ReceiptIn(Input):
    message_id: Id = Field(description="The `id` of the message, as the gateway received it.")
    status: Literal["delivered", "failed"]
    error: string(500) = Field("", description="Why it could not be delivered.")


class ReceiptOut(Schema):
    id: int
    status: str


class Refusal(Schema):
    detail: str


@router.post("/messages/receipts", auth=None, response={200: ReceiptOut, 401: Refusal})
def receipt(request, payload: ReceiptIn):
    """A gateway's delivery receipt, signed with the dealer's gateway secret like our requests to it
    (`X-Retain-Timestamp`, `X-Retain-Signature`; at most 5 minutes old). No login: the signature
    is the credential, and an unknown message answers as a bad signature does."""
    message = Message.objects.filter(pk=payload.message_id, channel=Channel.WEBHOOK).first()
    secret = settings_for(message.dealer_id).webhook_secret if message else ""
    if not signing.verify(secret, request.headers.get(signing.TIMESTAMP_HEADER),
                          request.headers.get(signing.SIGNATURE_HEADER), request.body, now=time.time()):
        return Status(401, {"detail": "The signature does not verify (or is more than 5 minutes old)."})
    message = record_receipt(actor=None, message_id=message.pk, delivered=payload.status == "delivered",
                             error=payload.error)
    return {"id": message.pk, "status": message.status}


@router.get("/messages/{int:message_id}", response=MessageDetail)
def get_message(request, message_id: int):
    """One message with its delivery attempts."""
    return access_message(request.user, message_id)


@router.post("/messages/{int:message_id}/sent", response=MessageOut)
def mark_sent(request, message_id: int):
    """Record that an outbox message was sent by hand; the send-time rules are applied again first
    (the answer's status is `suppressed`, with the reason, if one now stops it; 422 in quiet hours)."""
    outbox.mark_sent(actor=request.user, message_id=message_id)
    return access_message(request.user, message_id)


@router.post("/messages/{int:message_id}/retry", response=MessageOut)
def retry(request, message_id: int):
    """Queue a dead-lettered message again, with the dealer's full number of tries."""
    outbox.retry(actor=request.user, message_id=message_id)
    return access_message(request.user, message_id)

