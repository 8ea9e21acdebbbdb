"""An uploaded file waiting between the web preview and the confirmed import.

The file is kept in ``IMPORT_UPLOAD_DIR`` under a random name that only the uploader's session
knows, so the preview, the dry run and the import all read the very same bytes; it is removed
after the import, and files older than a day are swept at each new upload."""

import secrets
import time
from pathlib import Path

from django.conf import settings

SESSION_KEY = "customer_import"
MAX_AGE_SECONDS = 24 * 3600


def _directory() -> Path:
    directory = Path(settings.IMPORT_UPLOAD_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def keep(request, data: bytes, *, name: str, options: dict) -> None:
    directory = _directory()
    cutoff = time.time() - MAX_AGE_SECONDS
    for old in directory.glob("*.upload"):
        if old.stat().st_mtime < cutoff:
            old.unlink(missing_ok=True)
    discard(request)
    token = secrets.token_urlsafe(24)
    (directory / f"{token}.upload").write_bytes(data)
    request.session[SESSION_KEY] = {"token": token, "name": name, **options}


def current(request) -> tuple[dict, bytes] | None:
    """``(what was chosen with it, the file's bytes)``, or ``None`` when nothing waits."""
    held = request.session.get(SESSION_KEY)
    if not held:
        return None
    path = _directory() / f"{held['token']}.upload"
    if not path.exists():
        return None
    return held, path.read_bytes()


def discard(request) -> None:
    held = request.session.pop(SESSION_KEY, None)
    if held:
        (_directory() / f"{held['token']}.upload").unlink(missing_ok=True)
