"""The base re-check (基盘盘点): which records have gone unverified for too long.

The base is the company's asset and must stay true (DOMAIN.md section 3; the care course: 基盘客户的
资料要经常更新, 定期盘点基盘, 确保资料的正确性). Each customer carries the day someone last confirmed
the record with them (``Customer.last_verified``, set by ``services.verify_customer``); a record
never verified, or verified ``months`` or more months ago, is due for its re-check.
"""

import calendar
import datetime as dt

from django.db.models import Q

DEFAULT_MONTHS = 12
MAX_MONTHS = 120
#: A verification's note says how the record was checked ("电话核实", "到店核对证件").
NOTE_LENGTH = 200


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (the month's last day where it has fewer)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def due_for_recheck(customers, *, months: int, today: dt.date):
    """Those of ``customers`` (a queryset from the door) not verified within the last ``months``."""
    cutoff = months_before(today, months)
    return customers.filter(Q(last_verified__isnull=True) | Q(last_verified__lte=cutoff))
