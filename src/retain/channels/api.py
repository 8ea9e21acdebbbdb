"""Messages over JSON: the outbox in the caller's scope, one message with its tries, marking an
outbox message sent and queueing a dead letter again. Thin: the door and the services."""

import datetime as dt

from ninja import Field, Router, Schema
from ninja.pagination import paginate

from retain.bounds import MAX_ID, Page, api_type, integer
from retain.org.masking import mask_mobile
from retain.org.models import Dealer

from .access import access_message, visible_messages
from .models import Message
from .services import outbox

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

