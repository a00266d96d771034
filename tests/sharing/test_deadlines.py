"""Business days on the French calendar, per département (sharing/deadlines.py)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharing.deadlines import (
    add_business_days,
    add_months,
    business_days_between,
    is_business_day,
    next_business_day,
    previous_business_day,
    subtract_business_days,
    years_after,
)

DROME = "26"
MOSELLE = "57"


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 1, 1), "New Year's Day"),
        (date(2026, 4, 6), "Easter Monday"),
        (date(2026, 5, 1), "Labour Day"),
        (date(2026, 5, 8), "Victory in Europe Day"),
        (date(2026, 5, 14), "Ascension"),
        (date(2026, 5, 25), "Whit Monday"),
        (date(2026, 7, 14), "14 July"),
        (date(2026, 11, 11), "Armistice"),
        (date(2026, 12, 25), "Christmas"),
    ],
)
def test_national_public_holiday_is_not_a_business_day(day, name):
    assert day.weekday() < 5, f"{name} must fall on a weekday for this case to mean anything"
    assert not is_business_day(day, departement_code=DROME)


def test_ordinary_weekday_is_a_business_day():
    assert is_business_day(date(2026, 3, 11), departement_code=DROME)  # a Wednesday


@pytest.mark.parametrize("day", [date(2026, 3, 14), date(2026, 3, 15)])
def test_weekend_is_not_a_business_day(day):
    assert not is_business_day(day, departement_code=DROME)


@pytest.mark.parametrize("departement_code", ["57", "67", "68"])
@pytest.mark.parametrize("day", [date(2025, 4, 18), date(2025, 12, 26)])
def test_good_friday_and_saint_stephen_are_holidays_in_alsace_moselle(day, departement_code):
    assert day.weekday() == 4  # both fall on a Friday in 2025
    assert not is_business_day(day, departement_code=departement_code)


@pytest.mark.parametrize("day", [date(2025, 4, 18), date(2025, 12, 26)])
def test_good_friday_and_saint_stephen_are_business_days_elsewhere(day):
    assert is_business_day(day, departement_code=DROME)


@pytest.mark.parametrize(
    ("departement_code", "day"),
    [
        ("971", date(2026, 5, 27)),  # Guadeloupe
        ("972", date(2026, 5, 22)),  # Martinique
        ("974", date(2024, 12, 20)),  # La Réunion
    ],
)
def test_abolition_of_slavery_is_a_holiday_in_its_overseas_departement_only(departement_code, day):
    assert day.weekday() < 5
    assert not is_business_day(day, departement_code=departement_code)
    assert is_business_day(day, departement_code=DROME)


def test_add_business_days_skips_the_weekend():
    friday = date(2026, 3, 13)
    assert add_business_days(friday, 1, departement_code=DROME) == date(2026, 3, 16)


def test_add_business_days_does_not_count_the_start_day():
    monday = date(2026, 3, 9)
    assert add_business_days(monday, 5, departement_code=DROME) == date(2026, 3, 16)


def test_add_zero_business_days_is_the_start_day():
    assert add_business_days(date(2026, 3, 14), 0, departement_code=DROME) == date(2026, 3, 14)


def test_add_business_days_skips_easter_monday():
    # Thursday 2 April 2026 + 2 business days: Friday 3, (weekend), (Easter Monday) → Tuesday 7.
    assert add_business_days(date(2026, 4, 2), 2, departement_code=DROME) == date(2026, 4, 7)


def test_add_business_days_skips_good_friday_in_moselle_only():
    thursday = date(2026, 4, 2)
    assert add_business_days(thursday, 1, departement_code=DROME) == date(2026, 4, 3)
    assert add_business_days(thursday, 1, departement_code=MOSELLE) == date(2026, 4, 7)


def test_add_business_days_skips_ascension_and_whit_monday():
    # Ascension is Thursday 14 May 2026, Whit Monday is 25 May.
    assert add_business_days(date(2026, 5, 13), 1, departement_code=DROME) == date(2026, 5, 15)
    assert add_business_days(date(2026, 5, 22), 1, departement_code=DROME) == date(2026, 5, 26)


def test_add_business_days_skips_14_july():
    assert add_business_days(date(2026, 7, 13), 1, departement_code=DROME) == date(2026, 7, 15)


def test_add_business_days_crosses_the_year_end_holidays():
    # Wed 24 Dec 2025 + 2: Christmas (Thu 25) off, Fri 26 counts in Drôme but not in Moselle.
    assert add_business_days(date(2025, 12, 24), 2, departement_code=DROME) == date(2025, 12, 29)
    assert add_business_days(date(2025, 12, 24), 2, departement_code=MOSELLE) == date(2025, 12, 30)


def test_next_business_day_keeps_a_business_day():
    assert next_business_day(date(2026, 3, 11), departement_code=DROME) == date(2026, 3, 11)


def test_next_business_day_moves_past_a_holiday_weekend():
    # Saturday 4 April 2026 → (Sunday, Easter Monday) → Tuesday 7 April.
    assert next_business_day(date(2026, 4, 4), departement_code=DROME) == date(2026, 4, 7)


def test_business_days_between_counts_after_start_up_to_end():
    assert business_days_between(date(2026, 3, 9), date(2026, 3, 16), departement_code=DROME) == 5


def test_business_days_between_is_negative_when_end_is_earlier():
    assert business_days_between(date(2026, 3, 16), date(2026, 3, 9), departement_code=DROME) == -5


def test_business_days_between_is_the_inverse_of_add_business_days():
    start = date(2026, 4, 1)
    end = add_business_days(start, 17, departement_code=MOSELLE)
    assert business_days_between(start, end, departement_code=MOSELLE) == 17


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    # 31 Dec 2025 + 2 months → 28 Feb 2026 (a Saturday) → Monday 2 March.
    assert add_months(date(2025, 12, 31), 2, departement_code=DROME) == date(2026, 3, 2)


def test_add_months_lands_on_the_next_business_day_after_a_holiday():
    # 14 May 2026 + 2 months = 14 July 2026 (national day) → Wednesday 15 July.
    assert add_months(date(2026, 5, 14), 2, departement_code=DROME) == date(2026, 7, 15)


# --- the arithmetic jumps by weeks; a walk day by day is the reference ------------------


def _walk_forward(start: date, days: int, departement_code: str) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_business_day(day, departement_code=departement_code)
    return day


def _walk_between(start: date, end: date, departement_code: str) -> int:
    if end < start:
        return -_walk_between(end, start, departement_code)
    return sum(
        is_business_day(start + timedelta(days=i), departement_code=departement_code)
        for i in range(1, (end - start).days + 1)
    )


DAYS = st.dates(min_value=date(2020, 1, 1), max_value=date(2032, 12, 31))
CALENDARS = st.sampled_from([DROME, MOSELLE, "971", "976"])


@settings(max_examples=300, deadline=None)
@given(start=DAYS, days=st.integers(0, 300), departement_code=CALENDARS)
def test_adding_and_subtracting_business_days_agree_with_a_walk_day_by_day(
    start, days, departement_code
):
    added = add_business_days(start, days, departement_code=departement_code)
    assert added == _walk_forward(start, days, departement_code)
    back = subtract_business_days(added, days, departement_code=departement_code)
    assert business_days_between(back, added, departement_code=departement_code) == days
    assert back == previous_business_day(back, departement_code=departement_code)


@settings(max_examples=300, deadline=None)
@given(start=DAYS, end=DAYS, departement_code=CALENDARS)
def test_business_days_between_agrees_with_a_walk_day_by_day(start, end, departement_code):
    expected = _walk_between(start, end, departement_code)
    assert business_days_between(start, end, departement_code=departement_code) == expected


def test_years_after_keeps_the_day_and_takes_28_february_for_a_29th():
    assert years_after(date(2026, 12, 3), 6) == date(2032, 12, 3)
    assert years_after(date(2028, 2, 29), 1) == date(2029, 2, 28)
