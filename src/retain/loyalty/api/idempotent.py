"""Every write of the points API takes an ``Idempotency-Key`` header (Stripe's semantics):

- the first request with a key does the write and stores its answer (status and body) on the key,
  in the same transaction as the entries: a crash before commit leaves neither, and a retry
  with the key does the write then;
- the same key with the same body (method, path and JSON) answers the stored answer again, with
  ``Idempotent-Replayed: true``, and writes nothing;
- the same key with another body is 422 naming the header; a missing key is 422 too;
- a refusal of the write itself (409 ``insufficient_points``, 422 from the service) is an answer
  like any other and is replayed; a 403 or 404 (nothing was attempted) is not stored.

Keys are the caller's own (two people may use the same text) and are kept at least 24 hours
(the job ``loyalty.prune_keys``)."""

import time

from django.core.exceptions import ValidationError
from django.db import OperationalError, transaction
from django.http import JsonResponse

from ..services import keys
from ..services.ledger import RETRIES, InsufficientPoints, retryable

HEADER = "Idempotency-Key"


def _key_refusal(error: ValidationError) -> JsonResponse:
    messages = error.message_dict.get("idempotency_key", error.messages)
    kind = getattr(error, "code", None) or "value_error"
    return JsonResponse({"detail": [{"loc": ["header", HEADER], "msg": msg, "type": kind} for msg in messages]},
                        status=422)


#: Refusals answered with their own ``type`` (409 for a state of things, 422 for a typo in a code).
TYPED = {"out_of_stock": 409, "limit_reached": 409, "voucher_used": 409, "voucher_closed": 409,
         "reservation_settled": 409, "reservation_timed_out": 409, "already_reversed": 409,
         "bad_check_character": 422}


def answer_for(error: ValidationError) -> tuple[int, dict]:
    return _answer(error)


def _answer(error: ValidationError) -> tuple[int, dict]:
    if hasattr(error, "error_dict"):
        typed = [(field, inner.code, message) for field, errors in error.error_dict.items() for inner in errors
                 if inner.code in TYPED for message in inner.messages]
        if typed:
            return max(TYPED[code] for _f, code, _m in typed), {"detail": [
                {"loc": ["body", field], "msg": message, "type": code} for field, code, message in typed]}
    if isinstance(error, InsufficientPoints):
        return 409, {"detail": [{"loc": ["body", error.field], "msg": msg, "type": InsufficientPoints.code}
                                for msg in error.message_dict[error.field]]}
    if hasattr(error, "error_dict"):
        return 422, {"detail": [{"loc": ["body", field], "msg": msg, "type": "value_error"}
                                for field, messages in error.message_dict.items() for msg in messages]}
    return 422, {"detail": [{"loc": ["body"], "msg": msg, "type": "value_error"} for msg in error.messages]}


def respond(request, body: dict, write, *, status: int = 201) -> JsonResponse:
    """Run ``write()`` (returning the answer's JSON body) once per caller and key."""
    key = request.headers.get(HEADER)
    try:
        keys.check_key(key)
    except ValidationError as error:
        return _key_refusal(error)
    fingerprint = keys.fingerprint(request.method, request.path, body)
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                row, new = keys.claim(actor=request.user, key=key, fingerprint=fingerprint)
                if not new:
                    replay = JsonResponse(row.response, status=row.status)
                    replay["Idempotent-Replayed"] = "true"
                    return replay
                try:
                    with transaction.atomic():  # a refusal undoes the write, the key keeps the answer
                        answer, code = write(), status
                except ValidationError as error:
                    code, answer = _answer(error)
                keys.store(row, code, answer)
            return JsonResponse(answer, status=code)
        except keys.KeyReused as error:
            return _key_refusal(error)
        except OperationalError as error:  # a lock not had in time: the whole transaction again
            if not retryable(error) or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover
