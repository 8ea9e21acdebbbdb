"""The calendar arithmetic of the care calendar: month steps, solar and lunar birthdays, the
festivals, and the annual-inspection schedule. Pure functions of dates (no database), so each is
tested against known dates.

Each rule is asked two ways: forwards (when is this customer's next birthday, this car's next
inspection) for pages and tests, and backwards (which birth dates, which registration dates,
have their occurrence on day T) for the daily job, which turns the answer into one indexed
database query (``birthday IN (...)``) instead of looking at every customer.

Rules (docs/care.md says the same, with sources):

- **Month steps.** ``add_months(d, n)`` keeps the day of the month and falls back to the
  month's last day when it has fewer days (31 January + 1 month = 28 or 29 February); a
  birthday on 29 February is greeted on 28 February in other years.
- **Lunar birthdays.** The birthday is stored as the solar date of birth; its lunar month and
  day are taken from it (``lunardate``, 1900-2099). Each lunar year the greeting falls on that
  lunar month and day, in the ordinary month: a birthday in a leap month (闰月) is kept in the
  ordinary month of the same number (the leap month recurs only every 19 years or so; families
  celebrate in the ordinary one), and in a year that has a leap month after the birth month the
  ordinary (first) month is the one. A birthday on the 30th, in a year whose month has only 29
  days, is greeted on the 29th (the month's last day).
- **Festivals.** Spring Festival, Dragon Boat, Mid-Autumn and National Day: the first day the
  ``holidays`` package names each in China's calendar for the year (its data is maintained;
  nothing is typed in here).
- **Annual inspection** (private small passenger cars; GB 38900-2020 and the 2022 reform of
  the Ministry of Public Security and SAMR, in force 1 October 2022; over 15 years, the Road
  Traffic Safety Law's implementing regulation, art. 16): within 10 years of registration no
  on-site inspection except in years 6 and 10; in years 2, 4 and 8 the owner applies for the
  inspection sticker; from year 11 to 15 an inspection every year; after 15 years every six
  months. Each falls due on the registration anniversary.
"""

import datetime as dt
import functools

import holidays
from lunardate import LunarDate

#: The years ``lunardate`` converts.
LUNAR_YEARS = (1900, 2099)
#: How far back a birth date may lie (the bounds of every date the system takes).
FIRST_YEAR = 1900


def _last_day(year: int, month: int) -> int:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return (following - dt.timedelta(days=1)).day


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` (negative: back), its day of the month kept or, when the month
    is shorter, the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, _last_day(year, month + 1)))


def months_back(day: dt.date, months: int) -> list[dt.date]:
    """Every date ``d`` with ``add_months(d, months) == day``: one, none (31 March has no date a
    month before it, since 28 February + 1 month is 28 March), or several when ``day`` is the
    last of its month (28 February came from 28-31 January)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    if year < FIRST_YEAR:
        return []
    last_here, last_there = _last_day(day.year, day.month), _last_day(year, month + 1)
    if day.day < last_here:
        return [dt.date(year, month + 1, day.day)] if day.day <= last_there else []
    return [dt.date(year, month + 1, d) for d in range(day.day, last_there + 1)]


def anniversary(day: dt.date, years: int) -> dt.date:
    return add_months(day, 12 * years)


# --- birthdays -----------------------------------------------------------------------------

def solar_birthday(birth: dt.date, year: int) -> dt.date:
    """The greeting day in ``year`` of a birthday kept by the solar calendar."""
    return anniversary(birth, year - birth.year)


@functools.lru_cache(maxsize=64)
def solar_births_on(day: dt.date) -> tuple[dt.date, ...]:
    """Birth dates whose solar birthday falls on ``day`` (one per year, with 29 February
    births on 28 February of common years)."""
    return tuple(birth for year in range(FIRST_YEAR, day.year + 1)
                 for birth in months_back(day, 12 * (day.year - year)))


def _in_lunar_range(day: dt.date) -> bool:
    return LUNAR_YEARS[0] <= day.year <= LUNAR_YEARS[1]


def lunar_of(day: dt.date) -> LunarDate:
    return LunarDate.from_solar_date(day.year, day.month, day.day)


def _solar(year: int, month: int, day: int, leap: bool = False) -> dt.date | None:
    """The solar date of a lunar date, or None if that lunar date does not exist."""
    try:
        return LunarDate(year, month, day, leap).to_solar_date()
    except ValueError:
        return None


def lunar_birthday(birth: dt.date, lunar_year: int) -> dt.date | None:
    """The greeting day of a birthday kept by the lunar calendar, in lunar year ``lunar_year``
    (None outside the years the lunar library converts)."""
    if not _in_lunar_range(birth) or not LUNAR_YEARS[0] <= lunar_year <= LUNAR_YEARS[1]:
        return None
    born = lunar_of(birth)
    return _solar(lunar_year, born.month, born.day) or _solar(lunar_year, born.month, 29)


@functools.lru_cache(maxsize=64)
def lunar_births_on(day: dt.date) -> tuple[dt.date, ...]:
    """Birth dates whose lunar birthday falls on ``day``: born on this lunar month and day (in
    the ordinary or the leap month of that number), and, when ``day`` is the 29th of a month
    that has no 30th this year, born on the 30th. No lunar birthday falls in a leap month."""
    if not _in_lunar_range(day):
        return ()
    today = lunar_of(day)
    if today.is_leap_month:
        return ()
    days = [today.day]
    if today.day == 29 and _solar(today.year, today.month, 30) is None:
        days.append(30)
    births = []
    for year in range(LUNAR_YEARS[0], today.year + 1):
        leap = LunarDate.leap_month_for_year(year) == today.month
        for lunar_day in days:
            for is_leap in ((False, True) if leap else (False,)):
                birth = _solar(year, today.month, lunar_day, is_leap)
                if birth is not None and birth <= day:
                    births.append(birth)
    return tuple(sorted(births))


# --- festivals -----------------------------------------------------------------------------

#: The festivals greeted, by the name the ``holidays`` package gives them (in its English).
FESTIVAL_NAMES = {
    "spring_festival": "Chinese New Year (Spring Festival)",
    "dragon_boat": "Dragon Boat Festival",
    "mid_autumn": "Mid-Autumn Festival",
    "national_day": "National Day",
}


@functools.lru_cache(maxsize=256)
def festivals(year: int) -> dict[str, dt.date]:
    """The first day of each greeted festival in ``year`` (China's calendar; a festival the
    package does not name for that year is left out)."""
    calendar = holidays.China(years=year, language="en_US")
    found: dict[str, dt.date] = {}
    for day, name in sorted(calendar.items()):
        for festival, festival_name in FESTIVAL_NAMES.items():
            if festival_name in name.split("; ") and festival not in found:
                found[festival] = day
    return found


def festival_on(day: dt.date) -> str | None:
    """The greeted festival whose first day is ``day``, if any."""
    for festival, date in festivals(day.year).items():
        if date == day:
            return festival
    return None


# --- annual inspection ---------------------------------------------------------------------

#: Years after registration in which the sticker is applied for without an on-site inspection.
STICKER_YEARS = (2, 4, 8)
#: Years with an on-site inspection in the first 15.
INSPECTION_YEARS = (6, 10, 11, 12, 13, 14, 15)
#: After 15 years: every six months. A car's age is bounded so the backwards search is too.
HALF_YEARLY_AFTER, OLDEST_YEARS = 15, 40

STICKER, ON_SITE = "sticker", "on_site"


def _inspection_steps() -> list[tuple[int, str]]:
    """(months after registration, what is due), in order."""
    steps = [(12 * y, STICKER) for y in STICKER_YEARS] + [(12 * y, ON_SITE) for y in INSPECTION_YEARS]
    steps += [(12 * HALF_YEARLY_AFTER + 6 * k, ON_SITE)
              for k in range(1, 2 * (OLDEST_YEARS - HALF_YEARLY_AFTER) + 1)]
    return sorted(steps)


INSPECTION_STEPS = _inspection_steps()


def inspections(registered: dt.date, until: dt.date) -> list[tuple[dt.date, str]]:
    """Each inspection (or sticker application) due from ``registered`` up to ``until``."""
    dues = [(add_months(registered, months), what) for months, what in INSPECTION_STEPS]
    return [(day, what) for day, what in dues if day <= until]


def registrations_due_on(day: dt.date) -> dict[dt.date, str]:
    """Registration dates whose inspection (or sticker application) falls due on ``day``."""
    found: dict[dt.date, str] = {}
    for months, what in INSPECTION_STEPS:
        for registered in months_back(day, months):
            found[registered] = what
    return found
