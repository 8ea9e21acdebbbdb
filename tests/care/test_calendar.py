"""The calendar arithmetic against known dates: month steps, solar and lunar birthdays (leap
months, 29-day months), the festivals and the inspection schedule."""

import datetime as dt

import pytest

from retain.care import calendar

D = dt.date


@pytest.mark.parametrize("day, months, expected", [
    (D(2024, 1, 31), 1, D(2024, 2, 29)), (D(2023, 1, 31), 1, D(2023, 2, 28)), (D(2024, 3, 31), -1, D(2024, 2, 29)),
    (D(2024, 2, 29), 12, D(2025, 2, 28)), (D(2024, 12, 15), 1, D(2025, 1, 15)), (D(2024, 5, 20), 0, D(2024, 5, 20)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert calendar.add_months(day, months) == expected


@pytest.mark.parametrize("day", [D(2024, 2, 29), D(2023, 2, 28), D(2024, 3, 31), D(2024, 4, 30), D(2024, 7, 15)])
@pytest.mark.parametrize("months", [1, 6, 12, 18, 120])
def test_months_back_finds_exactly_the_dates_that_step_onto_the_day(day, months):
    found = calendar.months_back(day, months)
    start = calendar.add_months(day, -months - 1)
    every = [start + dt.timedelta(days=i) for i in range(70)]
    assert found == [d for d in every if calendar.add_months(d, months) == day]


def test_a_leap_day_birthday_is_greeted_on_28_february_in_common_years():
    birth = D(1984, 2, 29)
    assert calendar.solar_birthday(birth, 2023) == D(2023, 2, 28)
    assert calendar.solar_birthday(birth, 2024) == D(2024, 2, 29)
    assert birth in calendar.solar_births_on(D(2023, 2, 28))
    assert birth not in calendar.solar_births_on(D(2023, 3, 1))
    assert D(1990, 7, 3) in calendar.solar_births_on(D(2024, 7, 3))
    assert all(b.month == 7 and b.day == 3 for b in calendar.solar_births_on(D(2024, 7, 3)))


def test_known_lunar_dates():
    """2023 had a leap second month (闰二月), starting on 22 March 2023; Spring Festival dates."""
    assert calendar.lunar_of(D(2023, 3, 22)).is_leap_month and calendar.lunar_of(D(2023, 3, 22)).month == 2
    assert calendar.lunar_of(D(2023, 2, 20)).month == 2 and not calendar.lunar_of(D(2023, 2, 20)).is_leap_month
    for day in (D(2023, 1, 22), D(2024, 2, 10), D(2025, 1, 29), D(2026, 2, 17)):
        lunar = calendar.lunar_of(day)
        assert (lunar.month, lunar.day, lunar.is_leap_month) == (1, 1, False)


def test_a_lunar_birthday_falls_on_its_lunar_month_and_day_each_year():
    birth = D(1980, 3, 31)  # lunar 1980-02-15
    assert calendar.lunar_birthday(birth, 2024) == D(2024, 3, 24)  # 2024 lunar 2/15
    assert birth in calendar.lunar_births_on(D(2024, 3, 24))
    assert birth not in calendar.solar_births_on(D(2024, 3, 24))


def test_in_a_year_with_a_leap_month_the_ordinary_month_is_the_birthday():
    """Born on lunar 2/15: 2023 has 2/15 twice (ordinary 6 March, leap 5 April); the ordinary one."""
    birth = D(1980, 3, 31)
    assert calendar.lunar_birthday(birth, 2023) == D(2023, 3, 6)
    assert birth in calendar.lunar_births_on(D(2023, 3, 6))
    assert calendar.lunar_of(D(2023, 4, 5)).is_leap_month
    assert calendar.lunar_births_on(D(2023, 4, 5)) == ()  # the leap month greets nobody


def test_a_birthday_in_a_leap_month_is_kept_in_the_ordinary_month():
    birth = D(1987, 8, 4)  # lunar 1987 leap 6/10
    assert calendar.lunar_of(birth).is_leap_month
    assert calendar.lunar_birthday(birth, 2024) == D(2024, 7, 15)  # 2024 lunar 6/10
    assert birth in calendar.lunar_births_on(D(2024, 7, 15))


def test_the_30th_of_a_month_that_has_29_days_this_year_is_greeted_on_the_29th():
    birth = D(1984, 5, 30)  # lunar 1984 4/30; 2024's fourth month has 29 days
    assert calendar.lunar_birthday(birth, 2024) == D(2024, 6, 5)  # 2024 lunar 4/29
    on_29th = calendar.lunar_births_on(D(2024, 6, 5))
    assert birth in on_29th and D(1984, 5, 29) in on_29th  # born on the 29th: the same day
    assert calendar.lunar_birthday(birth, 2020) == D(2020, 5, 22)  # 2020: a 30-day ordinary fourth month


def test_lunar_dates_outside_the_librarys_years_are_none():
    assert calendar.lunar_births_on(D(2100, 6, 1)) == ()
    assert calendar.lunar_birthday(D(1899, 12, 31), 2024) is None


@pytest.mark.parametrize("year, expected", [
    (2023, {"spring_festival": D(2023, 1, 22), "dragon_boat": D(2023, 6, 22), "mid_autumn": D(2023, 9, 29),
            "national_day": D(2023, 10, 1)}),
    (2024, {"spring_festival": D(2024, 2, 10), "dragon_boat": D(2024, 6, 10), "mid_autumn": D(2024, 9, 17),
            "national_day": D(2024, 10, 1)}),
    (2025, {"spring_festival": D(2025, 1, 29), "dragon_boat": D(2025, 5, 31), "mid_autumn": D(2025, 10, 6),
            "national_day": D(2025, 10, 1)}),
    (2026, {"spring_festival": D(2026, 2, 17), "dragon_boat": D(2026, 6, 19), "mid_autumn": D(2026, 9, 25),
            "national_day": D(2026, 10, 1)}),
])
def test_festivals_come_from_the_holiday_library(year, expected):
    assert calendar.festivals(year) == expected
    assert all(calendar.festival_on(day) == name for name, day in expected.items())
    assert calendar.festival_on(expected["spring_festival"] + dt.timedelta(days=1)) is None


def test_the_inspection_schedule_of_a_private_car():
    registered = D(2010, 5, 31)
    dues = calendar.inspections(registered, D(2027, 12, 31))
    assert dues[:5] == [(D(2012, 5, 31), "sticker"), (D(2014, 5, 31), "sticker"), (D(2016, 5, 31), "on_site"),
                        (D(2018, 5, 31), "sticker"), (D(2020, 5, 31), "on_site")]
    assert [d for d, _ in dues[5:10]] == [D(2021, 5, 31), D(2022, 5, 31), D(2023, 5, 31), D(2024, 5, 31),
                                          D(2025, 5, 31)]
    assert dues[10:] == [(D(2025, 11, 30), "on_site"), (D(2026, 5, 31), "on_site"), (D(2026, 11, 30), "on_site"),
                         (D(2027, 5, 31), "on_site"), (D(2027, 11, 30), "on_site")]
    for day, what in dues:
        assert calendar.registrations_due_on(day)[registered] == what
    assert registered not in calendar.registrations_due_on(D(2019, 5, 31))  # year 9: nothing due
