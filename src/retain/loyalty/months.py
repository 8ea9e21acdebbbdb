"""Months in the dealer's time zone (Asia/Shanghai by default): a month is the first day of the
local month, and its bounds are the two local midnights that start it and the next, as aware
moments (so a movement at 23:59 on the 31st local time, 15:59 UTC, is in that month)."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def first_of(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def bounds(zone: ZoneInfo, month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The month's first local midnight and the next month's, aware."""
    start = dt.datetime.combine(month, dt.time(), tzinfo=zone)
    return start, dt.datetime.combine(next_month(month), dt.time(), tzinfo=zone)


def span(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first_of(first)
    while month <= first_of(last):
        months.append(month)
        month = next_month(month)
    return months


def parse(value, field: str = "month") -> dt.date:
    """``2026-03`` (or a date, or ``2026-03-01``) as the first day of that month, years 1900-2100."""
    if isinstance(value, dt.date):
        month = first_of(value)
    else:
        try:
            text = str(value)
            if len(text) == 7:
                text += "-01"
            if len(text) != 10:
                raise ValueError(text)
            month = first_of(dt.date.fromisoformat(text))
        except (TypeError, ValueError):
            raise ValidationError({field: _("Enter a month as YYYY-MM.")}) from None
    if not dt.date(1900, 1, 1) <= month <= dt.date(2100, 12, 1):
        raise ValidationError({field: _("Enter a month from 1900 to 2100.")})
    return month
