"""The organisation's domain actions: issuing and revoking API tokens (the only writers of
``ApiToken``), each change audited."""

import datetime as dt
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .audit_codes import AuditCode
from .models import ApiToken, Staff


@transaction.atomic
def issue_token(*, actor, staff: Staff, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``staff``: ``(row, raw token)``. The raw token is returned once and never
    stored (only its SHA-256 is); it expires after ``days`` (default ``RETAIN_TOKEN_DAYS``)."""
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3650:
        raise ValidationError({"days": _("A token lives between 1 and 3650 days.")})
    if not staff.is_active:
        raise ValidationError({"staff": _("Tokens are issued to active staff only.")})
    raw = "rt_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(staff=staff, digest=ApiToken.hash(raw),
                                    expires_at=timezone.now() + dt.timedelta(days=days))
    audit.record(actor=actor, action=AuditCode.TOKEN_ISSUE, obj=token, dealer_id=staff.dealer_id,
                 after={"staff": staff.pk, "expires_at": token.expires_at})
    return token, raw


@transaction.atomic
def revoke_token(*, actor, token_id: int, staff: Staff | None = None) -> ApiToken:
    """Stop a token working at once; the row stays as the record of who held it and when.
    With ``staff``, only that person's token is found (the command names both)."""
    tokens = ApiToken.objects.select_for_update()
    if staff is not None:
        tokens = tokens.filter(staff=staff)
    token = tokens.filter(pk=token_id).first()
    if token is None:
        raise ValidationError({"token": _("No such token.")})
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(actor=actor, action=AuditCode.TOKEN_REVOKE, obj=token, dealer_id=token.staff.dealer_id,
                 after={"staff": token.staff_id, "revoked_at": token.revoked_at})
    return token


def tokens_of(staff: Staff):
    return ApiToken.objects.filter(staff=staff).order_by("-created_at", "-id")


def touch(token: ApiToken) -> None:
    """Note when this one token was last used (a bookkeeping column, not an audited change)."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())


def _staff_named(username: str):
    return Staff.objects.filter(username=username).only("pk", "dealer_id").first()


def _record_sign_in(*, actor, code: AuditCode, username: str, **after) -> None:
    """An audit row about a sign-in: the name typed (never the password) and, when it names a
    staff member, that person and dealer, so their managers see attempts on their accounts.
    The client address comes from the request, as for every audit row."""
    username = (username or "")[:150]
    staff = _staff_named(username)
    audit.record(actor=actor, action=code, object_type="staff", object_id=staff.pk if staff else "",
                 dealer_id=staff.dealer_id if staff else None, after={"username": username, **after})


@transaction.atomic
def record_failed_login(*, actor=None, username: str) -> None:
    """One audit row per failed login."""
    _record_sign_in(actor=actor, code=AuditCode.AUTH_LOGIN_FAILED, username=username)


@transaction.atomic
def record_lockout(*, actor=None, username: str) -> None:
    """The failed login that locked ``username`` out from the client's address."""
    _record_sign_in(actor=actor, code=AuditCode.AUTH_LOCKED_OUT, username=username,
                    failures=settings.AXES_FAILURE_LIMIT)
