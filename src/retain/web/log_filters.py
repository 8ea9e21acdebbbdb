"""Logging filters for the server log."""

import logging


class OneLineRefusals(logging.Filter):
    """Log a 403 as one line (``Forbidden (Permission denied): /path``) instead of a traceback.

    Django's ``django.request`` logger attaches the ``PermissionDenied`` exception to its
    warning, so every refused page wrote a full traceback: noise that hid real errors. A refusal
    is the policy working; the path says enough. Other statuses keep their tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "django.request" and getattr(record, "status_code", None) == 403:
            record.exc_info = None
            record.exc_text = None
        return True
