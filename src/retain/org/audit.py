"""Writing the audit log.

``record`` must be called inside the transaction of the change it describes (services are
``@transaction.atomic``), so the row and the change commit or roll back together.
Values are stored as JSON; personal data in them is masked first, because the audit log is
read by managers who may not have the reveal permission.
"""

import contextvars
import datetime as dt
from decimal import Decimal

from django.db import models, transaction

from .masking import mask_value
from .models import AuditEvent

client_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("client_address", default=None)


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
    """JSON-safe copy of ``values`` with personal fields masked."""
    if values is None:
        return None
    return {key: mask_value(key, _jsonable(value)) for key, value in values.items()}


def record(*, actor, action: str, obj=None, object_type: str = "", object_id="", dealer_id=None,
           before: dict | None = None, after: dict | None = None, note: str = "") -> AuditEvent:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must run inside the transaction of the change it records")
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_id = object_id or obj.pk
        dealer_id = dealer_id or getattr(obj, "dealer_id", None)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        dealer_id=dealer_id,
        before=snapshot(before),
        after=snapshot(after),
        note=note,
        client_address=client_address.get(),
    )


def record_many(*, actor, action: str, object_type: str, rows: list[tuple], note: str = "") -> None:
    """One row per object for bulk actions: ``rows`` holds ``(object_id, dealer_id, before, after)``."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record_many must run inside the transaction of the change it records")
    address = client_address.get()
    AuditEvent.objects.bulk_create(
        AuditEvent(actor=actor, action=action, object_type=object_type, object_id=str(object_id), dealer_id=dealer_id,
                   before=snapshot(before), after=snapshot(after), note=note, client_address=address)
        for object_id, dealer_id, before, after in rows
    )
