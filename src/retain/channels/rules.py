"""The send-time rules, applied when a message is queued and again just before it is delivered.

In this order, the first that applies suppresses the message with its reason:

1. **Consent** (read from the customer's consent records, the newest per purpose):
   a marketing message needs the customer's marketing consent, granted and not withdrawn since
   (no record: ``no_consent``; withdrawn: ``consent_withdrawn``, effective at once, also for
   messages already queued). A service message about the customer's own car and a survey
   invitation are never stopped by the marketing consent; only an explicit refusal of service
   contact (the newest service-contact record says no) stops them.
2. **No address** for the channel: the e-mail channel needs the customer's e-mail; the outbox
   and the gateway (SMS, WeChat) reach the mobile.
3. **The suppression hook** (``suppression.register``: the blacklist).
4. **The frequency cap** per customer and purpose: at most ``marketing_cap`` marketing (and
   ``survey_cap`` survey) messages in ``cap_days`` days, counting the messages queued before
   this one that were not suppressed or dead-lettered. Service messages are not capped.

**Quiet hours** do not suppress: a message whose time falls in the dealer's quiet hours (in the
dealer's time zone; default 21:00-09:00) is deferred to the end of them, never dropped
(``quiet_until``). A message outside quiet hours goes at once.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from retain.customers.models import Consent, ConsentPurpose

from . import suppression
from .models import COUNTED, Channel, ChannelSettings, Message, Purpose, SuppressionCode
from .suppression import Reason


def zone(settings: ChannelSettings) -> ZoneInfo:
    return ZoneInfo(settings.time_zone)


def local_day(settings: ChannelSettings, now: dt.datetime) -> dt.date:
    return now.astimezone(zone(settings)).date()


def address_for(customer, channel: str) -> str:
    """Where a message on ``channel`` goes: the e-mail, or the mobile (outbox and gateway)."""
    return customer.email if channel == Channel.EMAIL else customer.mobile


def _consent(customer, purpose: str) -> bool | None:
    """The newest consent decision of the customer for a consent purpose (None: none on record)."""
    return (Consent.objects.filter(customer=customer, purpose=purpose).order_by("-recorded_at", "-id")
            .values_list("granted", flat=True).first())


def _builtin(code: SuppressionCode) -> Reason:
    return Reason(code.value, str(code.label))


def consent_reason(customer, purpose: str) -> Reason | None:
    if purpose == Purpose.MARKETING:
        granted = _consent(customer, ConsentPurpose.MARKETING)
        if granted is None:
            return _builtin(SuppressionCode.NO_CONSENT)
        return None if granted else _builtin(SuppressionCode.CONSENT_WITHDRAWN)
    # Service and survey messages: only an explicit refusal of service contact stops them.
    return _builtin(SuppressionCode.CONSENT_WITHDRAWN) if _consent(customer, ConsentPurpose.SERVICE) is False else None


def cap_reason(customer, purpose: str, settings: ChannelSettings, now: dt.datetime,
               message: Message | None = None) -> Reason | None:
    cap = settings.cap(purpose)
    if cap is None:
        return None
    earlier = Message.objects.filter(customer=customer, purpose=purpose, status__in=COUNTED,
                                     queued_at__gt=now - dt.timedelta(days=settings.cap_days))
    if message is not None and message.pk:
        earlier = earlier.filter(pk__lt=message.pk)  # only those queued before it: the order settles a tie
    if earlier.count() >= cap:
        return Reason(SuppressionCode.FREQUENCY_CAP.value,
                      _("Frequency cap reached: %(n)d in %(days)d days") % {"n": cap, "days": settings.cap_days})
    return None


def suppression_reason(customer, purpose: str, channel: str, settings: ChannelSettings, now: dt.datetime,
                       message: Message | None = None) -> Reason | None:
    """The reason a rule stops this message now, or None (quiet hours are not a reason)."""
    return (consent_reason(customer, purpose)
            or (None if address_for(customer, channel) else _builtin(SuppressionCode.NO_ADDRESS))
            or suppression.check(customer, purpose, local_day(settings, now))
            or cap_reason(customer, purpose, settings, now, message))


def quiet_until(settings: ChannelSettings, now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours ``now`` falls in (an aware time), or None outside them.

    The window runs from ``quiet_start`` to ``quiet_end`` local time, across midnight when the
    start is later in the day than the end (21:00-09:00); equal times mean no quiet hours."""
    if not settings.has_quiet_hours:
        return None
    local = now.astimezone(zone(settings))
    start, end, time = settings.quiet_start, settings.quiet_end, local.time()
    quiet = (time >= start or time < end) if start > end else (start <= time < end)
    if not quiet:
        return None
    day = local.date() if time < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=zone(settings))
