"""Business days on the French calendar, per département (Alsace-Moselle and overseas included)."""

import calendar
from datetime import date, timedelta
from functools import lru_cache

import holidays

# Alsace-Moselle shares one local calendar (Good Friday, 26 December) in the holidays package.
_SUBDIV_BY_DEPARTEMENT = {"57": "57", "67": "57", "68": "57"}
_OVERSEAS = {"971", "972", "973", "974", "976"}


def _subdivision(departement_code: str) -> str | None:
    if departement_code in _OVERSEAS:
        return departement_code
    return _SUBDIV_BY_DEPARTEMENT.get(departement_code)


# The départements whose calendar differs from the national one, by calendar.
SPECIAL_CALENDARS: dict[str, frozenset[str]] = {
    "57": frozenset(_SUBDIV_BY_DEPARTEMENT),
    **{code: frozenset({code}) for code in sorted(_OVERSEAS)},
}
NATIONAL_CALENDAR = ""


def calendar_of(departement_code: str) -> str:
    """The key of the calendar a département follows: "" (national), "57" or an overseas code."""
    return _subdivision(departement_code) or NATIONAL_CALENDAR


@lru_cache(maxsize=1024)
def _holidays(calendar_key: str, year: int) -> frozenset[date]:
    calendar_ = holidays.France(subdiv=calendar_key or None, years=year)
    return frozenset(calendar_.keys())


def is_business_day(day: date, *, departement_code: str) -> bool:
    """Monday to Friday and not a public holiday where the département lies."""
    return day.weekday() < 5 and day not in _holidays(calendar_of(departement_code), day.year)


def next_business_day(day: date, *, departement_code: str) -> date:
    """The day itself when it is a business day, else the next one."""
    while not is_business_day(day, departement_code=departement_code):
        day += timedelta(days=1)
    return day


def previous_business_day(day: date, *, departement_code: str) -> date:
    """The day itself when it is a business day, else the last one before it."""
    while not is_business_day(day, departement_code=departement_code):
        day -= timedelta(days=1)
    return day


def _weekday_holidays(departement_code: str, first: date, last: date) -> int:
    """Public holidays falling Monday to Friday from `first` to `last` inclusive."""
    key = calendar_of(departement_code)
    return sum(
        1
        for year in range(first.year, last.year + 1)
        for holiday in _holidays(key, year)
        if first <= holiday <= last and holiday.weekday() < 5
    )


def _weekdays_after(start: date, end: date) -> int:
    """Mondays to Fridays after `start` up to and including `end` (end >= start): five in
    every whole week, then the few days left counted one by one."""
    weeks, extra = divmod((end - start).days, 7)
    return weeks * 5 + sum(1 for i in range(1, extra + 1) if (start + timedelta(i)).weekday() < 5)


def _shift_weekdays(day: date, count: int) -> date:
    """The day `count` Mondays-to-Fridays after `day` (before it when negative)."""
    if count == 0:
        return day
    step = 1 if count > 0 else -1
    # Whole weeks first (five weekdays each), keeping at least one weekday to step onto, so
    # that a start on a weekend still lands on a weekday.
    weeks, rest = divmod(abs(count) - 1, 5)
    rest += 1
    day += timedelta(days=7 * weeks * step)
    while rest:
        day += timedelta(days=step)
        if day.weekday() < 5:
            rest -= 1
    return day


def add_business_days(start: date, days: int, *, departement_code: str) -> date:
    """The business day that falls `days` business days after `start` (start not counted).

    Jumps by weekdays, then again by as many days as the holidays it jumped over, until a jump
    crosses none: a few holiday look-ups, never a walk day by day."""
    day, owed = start, days
    while owed > 0:
        landed = _shift_weekdays(day, owed)
        owed = _weekday_holidays(departement_code, day + timedelta(days=1), landed)
        day = landed
    return day


def business_days_between(start: date, end: date, *, departement_code: str) -> int:
    """Business days after `start` up to and including `end`; negative when `end` is earlier."""
    if end < start:
        return -business_days_between(end, start, departement_code=departement_code)
    if end == start:
        return 0
    holidays_ = _weekday_holidays(departement_code, start + timedelta(days=1), end)
    return _weekdays_after(start, end) - holidays_


def add_months(start: date, months: int, *, departement_code: str) -> date:
    """Same day `months` later (clamped to the month's end), moved to the next business day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return next_business_day(date(year, month, day), departement_code=departement_code)


def subtract_business_days(end: date, days: int, *, departement_code: str) -> date:
    """The business day `days` business days before `end`, counted from the last business
    day on or before `end`: `business_days_between(result, end) == days`."""
    day, owed = previous_business_day(end, departement_code=departement_code), days
    while owed > 0:
        landed = _shift_weekdays(day, -owed)
        owed = _weekday_holidays(departement_code, landed, day - timedelta(days=1))
        day = landed
    return day


def years_after(day: date, years: int) -> date:
    """The same day `years` later (28 February for a 29th)."""
    return day.replace(year=day.year + years, day=min(day.day, 28) if day.month == 2 else day.day)


def representative_departement(calendar_key: str) -> str:
    """A département that follows the calendar (the national one: Paris)."""
    return calendar_key or "75"
