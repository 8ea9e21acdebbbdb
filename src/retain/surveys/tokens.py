"""Single-use survey links: the token is shown once (in the message, the QR code, the API's
answer to the invitation) and stored only as its SHA-256 digest, so a copy of the database
opens no survey.

256 random bits from ``secrets`` (the issue asks for at least 128), URL-safe.
"""

import hashlib
import secrets

from django.conf import settings

#: Bytes of randomness in a token (43 URL-safe characters).
TOKEN_BYTES = 32


def new_token() -> tuple[str, str]:
    """A fresh token and the digest to store."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return token, digest(token)


def digest(token: str) -> str:
    """The stored form of a token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def link(token: str) -> str:
    """The public answer page of a token, as an absolute address (``RETAIN_PUBLIC_URL``). The
    project's URLs route ``PUBLIC_PATH`` to the answer page (``tests/surveys`` checks they agree)."""
    return f"{settings.PUBLIC_URL.rstrip('/')}{PUBLIC_PATH}{token}/"


#: Where answer pages live: short, because the link goes out in text messages.
PUBLIC_PATH = "/s/"
