"""Presentation filters every page shares, so money, dates, phone numbers and charts look the same
everywhere: ``{% load retain %}``.

- ``{{ cents|money }}``: integer cents as ¥205,656.00 (both languages).
- ``{{ day|day }}`` / ``{{ moment|moment }}``: one date and one date-time format per language.
- ``{{ e164|phone }}`` / ``{{ e164|tel }}``: a mobile in national format / as a ``tel:`` URI.
- ``{% chart c %}``: a chart from ``retain.web.charts``; its data goes out with ``json_script``.
"""

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import phonenumbers
from django import template
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from retain.web.finders import PATH as PLOTLY_PATH

register = template.Library()

#: One format for both languages (Django date-format characters): ISO dates keep tables narrow
#: and read the same to a Chinese and an English reader.
DATE_FORMAT, DATETIME_FORMAT = "Y-m-d", "Y-m-d H:i"


def _iso_day(value: dt.date) -> str:
    """``DATE_FORMAT`` written directly: the same text as Django's ``date`` filter at a twentieth
    of its cost (it parses the format and looks up the language's formats on every call, some
    12 µs; a table of dates shows a hundred of them)."""
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


@register.filter
def money(cents) -> str:
    """Integer cents as yuan with thousands separators and two decimals: ¥205,656.00."""
    if cents in (None, ""):
        return "—"
    try:
        yuan = (Decimal(int(cents)) / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (TypeError, ValueError, ArithmeticError):
        return "—"
    return f"-¥{-yuan:,.2f}" if yuan < 0 else f"¥{yuan:,.2f}"


@register.filter
def day(value) -> str:
    if not value:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return _iso_day(value)
    return date_filter(value, DATE_FORMAT)


@register.filter
def moment(value) -> str:
    if not value:
        return "—"
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{_iso_day(value)} {value.hour:02d}:{value.minute:02d}"
    return date_filter(value, DATETIME_FORMAT)


@register.filter
def span(value) -> str:
    """A length of time as a clock shows it: "3 d 4 h", "5 h 20 min", "12 min"."""
    if not isinstance(value, dt.timedelta):
        return "—"
    minutes = int(abs(value).total_seconds() // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
    if hours:
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
    return _("%(minutes)d min") % {"minutes": minutes}


def _parse(number):
    try:
        return phonenumbers.parse(str(number), "CN")
    except phonenumbers.NumberParseException:
        return None


@register.filter
def phone(number) -> str:
    """A number as people dial it at home: 138 1234 1234 (numbers abroad keep their country code)."""
    parsed = _parse(number)
    if parsed is None:
        return str(number or "")
    fmt = phonenumbers.PhoneNumberFormat.NATIONAL if parsed.country_code == 86 else \
        phonenumbers.PhoneNumberFormat.INTERNATIONAL
    return phonenumbers.format_number(parsed, fmt)


@register.filter
def tel(number) -> str:
    """A ``tel:`` URI (E.164, which every phone dials correctly)."""
    parsed = _parse(number)
    if parsed is None:
        return ""
    return "tel:" + phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@register.simple_tag
def chart(c):
    return render_to_string("web/_chart.html", {"chart": c})


@register.simple_tag
def plotly_js() -> str:
    """The static path of the Plotly.js copy served from the plotly wheel."""
    return PLOTLY_PATH
