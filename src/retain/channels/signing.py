"""How the gateway webhook is signed, so a gateway can tell our requests from anyone else's.

Every POST to a dealer's gateway URL carries::

    Content-Type: application/json
    X-Retain-Timestamp: 1767225600                     (Unix seconds, when it was sent)
    X-Retain-Signature: sha256=<64 hex digits>
    X-Retain-Message-Id: 42                            (the same id twice means a retry: send once)

where the signature is ``HMAC-SHA256(secret, timestamp + "." + body)`` over the exact bytes of
the body, with the dealer's gateway secret (``ChannelSettings.webhook_secret``) as the key. A
gateway verifies it by computing the same HMAC over the raw body it received and comparing in
constant time, and refuses a timestamp more than ``TOLERANCE`` seconds from its own clock (a
replayed request). ``verify`` is that check, used by the tests' gateway and by
``POST /api/v1/messages/receipts``, where the gateway signs its delivery receipts the same way.
"""

import hashlib
import hmac

#: How far a signed request's timestamp may be from the receiver's clock (seconds).
TOLERANCE = 300

TIMESTAMP_HEADER = "X-Retain-Timestamp"
SIGNATURE_HEADER = "X-Retain-Signature"
MESSAGE_HEADER = "X-Retain-Message-Id"


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: signature(secret, timestamp, body)}


def verify(secret: str, timestamp: str | None, given: str | None, body: bytes, *, now: float) -> bool:
    """Whether ``given`` signs ``body`` at ``timestamp`` with ``secret``, within the tolerance."""
    if not secret or not timestamp or not given or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    if abs(now - int(timestamp)) > TOLERANCE:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given)
