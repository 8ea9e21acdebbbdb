"""Idempotency keys: claimed inside the transaction of the write they answer for, so a crash
leaves neither the key nor the entries, and a retry with the same key completes once.

Two requests with one key at the same moment: on PostgreSQL the second INSERT of the key waits on
the unique index until the first commits, then fails, and the second reads the first's answer
(a new statement sees the committed row); on SQLite the second transaction waits for the write
lock and then finds the key. Either way the write happens once and both get the same answer."""

import datetime as dt
import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.org import audit
from retain.org.audit_codes import AuditCode

from .. import faults
from ..models import IdempotencyKey
from ..models.idempotency import KEEP_HOURS, MAX_KEY_LENGTH


class KeyReused(ValidationError):
    """The key was used before with another request."""

    code = "idempotency_key_reused"

    def __init__(self):
        super().__init__({"idempotency_key": [ValidationError(
            _("This Idempotency-Key was used with another request: use a new key for a new request."),
            code=self.code)]})


def fingerprint(*parts) -> str:
    """SHA-256 of the request's parts (method, path, body) in one canonical JSON spelling."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def check_key(key) -> str:
    if not isinstance(key, str) or not key.strip():
        raise ValidationError({"idempotency_key": _("Send an Idempotency-Key header (a new random text per write).")})
    if len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ValidationError({"idempotency_key": _("Use at most %(n)d printable characters.") % {"n": MAX_KEY_LENGTH}})
    return key


def claim(*, actor, key: str, fingerprint: str) -> tuple[IdempotencyKey, bool]:
    """The key's row, and whether it is new (then the caller does the work and ``store``s its
    answer); an old row with another fingerprint raises ``KeyReused``. Call inside a transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("an idempotency key is claimed inside the transaction of its write")
    staff = actor if getattr(actor, "pk", None) else None
    key = check_key(key)
    found = IdempotencyKey.objects.select_for_update().filter(staff=staff, key=key).first()
    if found is None:
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(staff=staff, key=key, fingerprint=fingerprint,
                                                     created_at=timezone.now()), True
        except IntegrityError:  # claimed by a concurrent request that has committed since
            found = IdempotencyKey.objects.select_for_update().get(staff=staff, key=key)
    if found.fingerprint != fingerprint:
        raise KeyReused()
    return found, False


def store(row: IdempotencyKey, status: int, response) -> None:
    row.status, row.response = status, response
    row.save(update_fields=["status", "response"])
    faults.checkpoint("key_stored")


def prune(*, actor, day: dt.date) -> int:
    """Remove keys older than the start of the day before ``day``, and never one younger than
    ``KEEP_HOURS``: a key is kept at least a day whatever day the job is told."""
    with transaction.atomic():
        start = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time()))
        cutoff = min(start, timezone.now() - dt.timedelta(hours=KEEP_HOURS))
        removed, _by_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
        if removed:
            audit.record(actor=actor, action=AuditCode.POINTS_KEYS_PRUNE, object_type="idempotencykey",
                         after={"removed": removed, "before": cutoff})
        return removed
