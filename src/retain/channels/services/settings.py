"""A dealer's channel settings: the default channel and language, its time zone and quiet hours,
the frequency caps, the gateway and its retries."""

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from retain.bounds import check_fields
from retain.org import audit
from retain.org.audit_codes import AuditCode
from retain.org.policy import Action

from ..access import dealer_in_scope
from ..models import Channel, ChannelSettings

#: What a manager sets (the gateway secret apart: it is never shown, only replaced).
FIELDS = ("default_channel", "default_language", "time_zone", "quiet_start", "quiet_end", "cap_days", "marketing_cap",
          "survey_cap", "webhook_url", "webhook_timeout", "max_attempts", "retry_seconds", "email_from")


def _values(row: ChannelSettings) -> dict:
    values = {name: getattr(row, name) for name in FIELDS}
    values |= {name: values[name].isoformat(timespec="minutes") for name in ("quiet_start", "quiet_end")
               if isinstance(values[name], dt.time)}
    values["webhook_secret"] = "set" if row.webhook_secret else ""
    return values


@transaction.atomic
def update_settings(*, actor, dealer_id, webhook_secret: str | None = None, **values) -> ChannelSettings:
    """Change a dealer's settings; ``webhook_secret=None`` keeps the secret, ``""`` removes it.
    Every field's problem is named at once; nothing is saved unless all are right."""
    dealer = dealer_in_scope(actor, Action.SET_CHANNELS, dealer_id=dealer_id)
    row = ChannelSettings.objects.select_for_update().filter(dealer=dealer).first() or ChannelSettings(dealer=dealer)
    before = _values(row) if row.pk else {}
    errors = {name: _("This field cannot be set here.") for name in values if name not in FIELDS}
    check_fields(ChannelSettings, errors, **{k: v for k, v in values.items() if k in FIELDS and isinstance(v, str)})
    if webhook_secret is not None:
        check_fields(ChannelSettings, errors, webhook_secret=webhook_secret)
    if errors:
        raise ValidationError(errors)
    for name, value in values.items():
        setattr(row, name, value.strip() if isinstance(value, str) else value)
    if webhook_secret is not None:
        row.webhook_secret = webhook_secret.strip()
    try:
        row.full_clean(exclude=["dealer", "updated_by"])
    except ValidationError as exc:
        errors.update({name: messages[0] for name, messages in exc.message_dict.items()})
    try:
        ZoneInfo(row.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.setdefault("time_zone", _("“%(zone)s” is not a time zone; use a name such as Asia/Shanghai.")
                          % {"zone": row.time_zone})
    if row.webhook_secret and len(row.webhook_secret) < 16:
        errors.setdefault("webhook_secret", _("Use a secret of at least 16 characters."))
    if row.default_channel == Channel.WEBHOOK and not (row.webhook_url and row.webhook_secret):
        errors.setdefault("default_channel", _("Set the gateway's URL and secret before making it the default."))
    if errors:
        raise ValidationError(errors)
    row.updated_by = actor
    row.save()
    after = _values(row)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        audit.record(actor=actor, action=AuditCode.CHANNEL_SETTINGS_UPDATE, obj=row, dealer_id=dealer.pk,
                     before={k: before.get(k) for k in changed}, after=changed)
    return row
