"""Statistics: the period chosen, months by name, and who sees exact numbers."""

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone, translation

from sharing.models import InfoRequest, Status
from sharing.stats import masked_for, statistics_for
from sharing.stats_period import MAX_MONTHS, StatsPeriodForm
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

TODAY = date(2026, 3, 15)


def signed_on(info_request: InfoRequest, day: date) -> None:
    at = datetime.combine(
        day, datetime.min.time().replace(hour=10), tzinfo=timezone.get_current_timezone()
    )
    InfoRequest.objects.filter(pk=info_request.pk).update(submitted_at=at)


def chosen(**data):
    return StatsPeriodForm(data, today=TODAY).chosen()


# --- the period ---------------------------------------------------------------------------------


def test_the_default_period_is_the_last_twelve_months_from_the_first_of_the_month():
    period = StatsPeriodForm(None, today=TODAY).chosen()
    assert (period.kind, period.start, period.end) == ("12m", date(2025, 4, 1), TODAY)
    assert chosen(prefecture="26").start == date(2025, 4, 1)


def test_each_period_choice_gives_its_days():
    assert (chosen(period="30j").start, chosen(period="30j").end) == (date(2026, 2, 14), TODAY)
    assert chosen(period="3m").start == date(2026, 1, 1)
    year = chosen(period="annee", year="2025")
    assert (year.start, year.end) == (date(2025, 1, 1), date(2025, 12, 31))
    this_year = chosen(period="annee", year="2026")
    assert (this_year.start, this_year.end) == (date(2026, 1, 1), TODAY)
    dates = chosen(period="dates", date_from="2025-06-10", date_to="2025-09-02")
    assert (dates.kind, dates.start, dates.end) == ("dates", date(2025, 6, 10), date(2025, 9, 2))


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"period": "semaine"}, "period"),
        ({"period": "annee"}, "year"),
        ({"period": "annee", "year": "1990"}, "year"),
        ({"period": "dates", "date_from": "2025-06-10"}, "date_to"),
        ({"period": "dates", "date_from": "2025-06-10", "date_to": "2025-01-01"}, "date_to"),
        ({"period": "dates", "date_from": "2025-06-10", "date_to": "2026-12-01"}, "date_to"),
        ({"period": "dates", "date_from": "2010-01-01", "date_to": "2011-01-01"}, "date_from"),
        (
            {"period": "dates", "date_from": "née le 17/08/1992", "date_to": "2026-01-01"},
            "date_from",
        ),
    ],
)
def test_a_bad_period_is_a_field_error_and_falls_back_to_twelve_months(data, field):
    form = StatsPeriodForm(data, today=TODAY)
    assert not form.is_valid()
    assert field in form.errors
    assert form.chosen().kind == "12m"


def test_a_range_longer_than_the_bound_is_refused():
    start = date(2022, 1, 1)
    too_far = date(start.year + MAX_MONTHS // 12, start.month, 1)
    form = StatsPeriodForm(
        {"period": "dates", "date_from": start.isoformat(), "date_to": too_far.isoformat()},
        today=TODAY,
    )
    assert "date_to" in form.errors
    within = too_far - timedelta(days=1)
    assert chosen(period="dates", date_from=start.isoformat(), date_to=within.isoformat()).end == (
        within
    )


def test_only_requests_signed_within_the_period_are_counted(orgs):
    recent, older = (request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(2))
    signed_on(recent, date(2026, 3, 1))
    signed_on(older, date(2025, 12, 20))
    month = statistics_for(
        prefectures=[orgs.pref26],
        scope_label="",
        period=chosen(period="30j"),
        masked=False,
        today=TODAY,
    )
    assert month.monthly_total == 1
    quarter = statistics_for(
        prefectures=[orgs.pref26],
        scope_label="",
        period=chosen(period="3m"),
        masked=False,
        today=TODAY,
    )
    assert quarter.monthly_total == 1  # December is before the three months
    year = statistics_for(
        prefectures=[orgs.pref26],
        scope_label="",
        period=chosen(period="12m"),
        masked=False,
        today=TODAY,
    )
    assert year.monthly_total == 2
    assert {cell.key: cell.value for cell in year.monthly}["2025-12-01"] == 1


# --- months by name -----------------------------------------------------------------------------


def test_months_are_named_in_the_readers_language(orgs):
    with translation.override("fr"):
        french = statistics_for(prefectures=[orgs.pref26], scope_label="", today=TODAY)
    with translation.override("en"):
        english = statistics_for(prefectures=[orgs.pref26], scope_label="", today=TODAY)
    assert [cell.label for cell in french.monthly][:2] == ["avril 2025", "mai 2025"]
    assert french.monthly[-1].label == "mars 2026"
    assert [cell.label for cell in english.monthly][:2] == ["April 2025", "May 2025"]
    assert len(english.monthly) == 12


# --- who sees exact numbers -------------------------------------------------------------------


def test_a_prefectures_staff_see_their_own_numbers_exactly(orgs, people):
    assert masked_for(user=people.liaison, prefectures=[orgs.pref26]) is False
    assert masked_for(user=people.prefecture_admin, prefectures=[orgs.pref26]) is False


def test_oversight_and_other_scopes_keep_the_masking(orgs, people):
    assert masked_for(user=people.liaison, prefectures=[orgs.pref62]) is True
    assert masked_for(user=people.liaison, prefectures=[orgs.pref26, orgs.pref62]) is True
    assert masked_for(user=people.auditor26, prefectures=[orgs.pref26]) is True
    assert masked_for(user=people.auditor_national, prefectures=None) is True
    assert masked_for(user=people.liaison, prefectures=None) is True


def test_exact_numbers_publish_small_counts_and_medians(orgs):
    for _ in range(2):
        request_in(Status.DECIDED, orgs.montelimar)
    masked = statistics_for(prefectures=[orgs.pref26], scope_label="")
    exact = statistics_for(prefectures=[orgs.pref26], scope_label="", masked=False)
    assert masked.monthly_total is None
    assert masked.median_decision_days is None
    assert exact.monthly_total == 2
    assert exact.monthly[-1].value == 2
    assert exact.median_decision_days is not None
    assert exact.on_time_percent == 100
