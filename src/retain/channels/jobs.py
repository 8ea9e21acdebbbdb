"""The channels app's periodic job (registered in ``ChannelsConfig.ready``)."""

import datetime as dt

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from retain.jobs.registry import periodic

from .services import delivery


@periodic("channels.deliver", at="09:05",
          description=_("Hand the worker again the messages due today: after quiet hours, retries, lost tasks"))
def deliver_due(day: dt.date) -> str:
    """Idempotent: a message already sent is not sent again (each try claims it first)."""
    count = delivery.sweep(day)
    return ngettext("%(n)d message handed to the worker", "%(n)d messages handed to the worker", count) % {"n": count}
