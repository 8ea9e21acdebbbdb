"""Writing the audit log.

``record`` must be called inside the transaction of the change it describes (services are
``@transaction.atomic``), so the row and the change commit or roll back together.
Values are stored as JSON; personal data in them is masked first, because the audit log is
read by managers who may not have the reveal permission.

Every row is chained to the one before it (``row_hash`` = SHA-256 of the previous row's hash
and this row's content), so a row edited or removed outside the application breaks the chain
and ``verify`` names the first broken link. The chain needs one writer at a time: on
PostgreSQL a transaction-scoped advisory lock is taken before the head is read and held until
commit, so a concurrent writer waits and then chains onto the committed row; on SQLite every
transaction is ``BEGIN IMMEDIATE`` (settings), which already holds the database's only write
lock for the whole transaction.
"""

import contextvars
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import models, transaction

from .audit_codes import AuditCode
from .masking import mask_value
from .models import AuditEvent

client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)

#: ``prev_hash`` of the first row.
GENESIS = "0" * 64
#: Key of the PostgreSQL advisory lock that serialises appends to the chain ("audt").
CHAIN_LOCK = 0x61756474


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (list, tuple, set)):
        return [_jsonable(v) for v in value]
    return value


def snapshot(values: dict | None) -> dict | None:
    """JSON-safe copy of ``values`` with personal fields masked, exactly as the database will
    give it back (keys as strings), so the hash taken now matches the row read later."""
    if values is None:
        return None
    return json.loads(json.dumps({key: mask_value(key, _jsonable(value)) for key, value in values.items()}))


def _canonical(value):
    """Numbers in one spelling whatever the database did to them (PostgreSQL's jsonb gives
    ``1e20`` back as ``100000000000000000000``): the hash must survive the round trip."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(Decimal(str(value)).normalize())
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return str(value)


def row_digest(prev_hash: str, event: AuditEvent) -> str:
    """SHA-256 over the previous row's hash and this row's content (not its id, which the
    database assigns after the hash is taken)."""
    content = {
        "at": event.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": event.actor_id, "action": str(event.action), "object_type": event.object_type,
        "object_id": str(event.object_id), "dealer": event.dealer_id,
        "before": _canonical(event.before), "after": _canonical(event.after),
        "note": event.note, "client_address": event.client_address,
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _chain_head() -> str:
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])
    head = AuditEvent.objects.order_by("-id").values_list("row_hash", flat=True).first()
    return head or GENESIS


def _chain(events: list[AuditEvent]) -> None:
    prev = _chain_head()
    address = AuditEvent._meta.get_field("client_address")
    for event in events:
        event.client_address = address.to_python(event.client_address)  # stored form (IPv6 normalised)
        event.prev_hash = prev
        event.row_hash = prev = row_digest(prev, event)


def _check(action) -> AuditCode:
    try:
        return AuditCode(action)
    except ValueError:
        raise ValueError(f"unknown audit code {action!r}: add it to org.audit_codes.AuditCode") from None


def record(*, actor, action: AuditCode, obj=None, object_type: str = "", object_id="", dealer_id=None,
           before: dict | None = None, after: dict | None = None, note: str = "") -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it records")
    code = _check(action)
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
        dealer_id = dealer_id or getattr(obj, "dealer_id", None)
    event = AuditEvent(
        actor=actor if getattr(actor, "pk", None) else None,
        action=code.value,
        object_type=object_type,
        object_id=str(object_id),
        dealer_id=dealer_id,
        before=snapshot(before),
        after=snapshot(after),
        note=note,
        client_address=client_address.get(),
    )
    _chain([event])
    event.save()
    return event


def record_many(*, actor, action: AuditCode, object_type: str, rows: list[tuple], note: str = "") -> None:
    """One row per object for bulk actions: ``rows`` holds ``(object_id, dealer_id, before, after)``.

    The rows are chained in list order and inserted in that order, so their ids follow the chain."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many must run inside the transaction of the change it records")
    code = _check(action)
    address = client_address.get()
    events = [
        AuditEvent(actor=actor if getattr(actor, "pk", None) else None, action=code.value, object_type=object_type,
                   object_id=str(object_id), dealer_id=dealer_id, before=snapshot(before), after=snapshot(after),
                   note=note, client_address=address)
        for object_id, dealer_id, before, after in rows
    ]
    if events:
        _chain(events)
        AuditEvent.objects.bulk_create(events)


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found: rows checked, the head hash, and the first broken link if any."""

    checked: int
    head: str
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify(chunk_size: int = 2000) -> Verification:
    """Walk the chain in id order; stop at the first row whose link or content does not match.

    A removed or inserted row shows as a link mismatch on the row after it; an edited row as a
    content mismatch on itself. Removing the newest rows leaves a shorter, valid chain: compare
    the head and count printed here with a copy kept elsewhere to detect that."""
    prev, checked = GENESIS, 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=chunk_size):
        if event.prev_hash != prev:
            return Verification(checked, prev, event.pk, "link")
        if row_digest(prev, event) != event.row_hash:
            return Verification(checked, prev, event.pk, "content")
        prev = event.row_hash
        checked += 1
    return Verification(checked, prev)
