"""Days, months and periods as the showroom counts them: local calendar days (``RETAIN_TIME_ZONE``)
turned into aware [start, end) ranges that use the datetime indexes, and the parameters of
reports checked with errors that name the field."""

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def day_start(day: dt.date) -> dt.datetime:
    """The first instant of a local day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as an aware [start, next day's start) range."""
    return day_start(day), day_start(day + dt.timedelta(days=1))


def month_start(value, field: str = "month") -> dt.date:
    """The first day of the month of a date, or of text "YYYY-MM" / "YYYY-MM-DD"."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.replace(day=1)
    text = value.strip() if isinstance(value, str) else ""
    for fmt in ("%Y-%m", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, fmt).date().replace(day=1)
        except ValueError:
            continue
    raise ValidationError({field: _("Give the month as YYYY-MM, for example 2025-03.")})


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=calendar.monthrange(month.year, month.month)[1])


def next_month(month: dt.date) -> dt.date:
    return month_end(month) + dt.timedelta(days=1)


def check_period(start, end, *, max_days: int | None = None) -> tuple[dt.date, dt.date]:
    """Both dates given, in order, and (if asked) not longer than ``max_days``."""
    errors = {name: _("Enter a date.") for name, value in (("start", start), ("end", end))
              if not isinstance(value, dt.date)}
    if not errors and end < start:
        errors["end"] = _("The end date is before the start date.")
    elif not errors and max_days and (end - start).days >= max_days:
        errors["end"] = _("Choose a period of at most %(days)d days.") % {"days": max_days}
    if errors:
        raise ValidationError(errors)
    return start, end
