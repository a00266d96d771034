"""The deadline calendar, end to end: due dates computed by the lifecycle services across
public holidays (national, Alsace-Moselle, overseas), weekends and a clarification pause.

Every expected date below was counted by hand on the 2024-2026 calendars; the comment on
each row says which days were skipped."""

from datetime import date

import pytest

from accounts.models import Role
from sharing import deadlines
from sharing.models import DeadlineChange, InfoRequest, ReminderKind, Status
from sharing.reminders.schedule import RULES_BY_KIND
from sharing.services.clarification import info_request_clarify, info_request_request_clarification
from sharing.services.drafting import info_request_sign
from sharing.services.handling import info_request_acknowledge
from tests.factories import CommuneFactory, PrefectureFactory, draft, member
from tests.integration.support import Clock

# One commune per calendar: the national one, Alsace-Moselle and the overseas départements.
COMMUNES = {
    "26": "26198",  # Montélimar, Drôme: the national calendar
    "57": "57463",  # Metz, Moselle
    "67": "67482",  # Strasbourg, Bas-Rhin
    "68": "68224",  # Mulhouse, Haut-Rhin
    "971": "97105",  # Basse-Terre, Guadeloupe
    "972": "97209",  # Fort-de-France, Martinique
    "973": "97302",  # Cayenne, Guyane
    "974": "97411",  # Saint-Denis, La Réunion
    "976": "97611",  # Mamoudzou, Mayotte
}


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine)


def people_of(departement_code: str):
    prefecture = PrefectureFactory(code=departement_code)
    commune = CommuneFactory(code=COMMUNES[departement_code], prefecture=prefecture)
    return (
        commune,
        member(commune, Role.MAYOR),
        member(commune, Role.LEGAL_OFFICER),
        member(prefecture, Role.LIAISON),
    )


def signed_on(day: date, departement_code: str, clock) -> InfoRequest:
    commune, mayor, _, _ = people_of(departement_code)
    clock.set(day)
    return info_request_sign(info_request=draft(commune), actor=mayor)


# (département, signed on, acknowledgement due: 5 business days later)
ACKNOWLEDGEMENT_CASES = [
    pytest.param("26", date(2026, 3, 14), date(2026, 3, 20), id="signed-on-a-saturday"),
    pytest.param("26", date(2026, 3, 13), date(2026, 3, 20), id="weekend-skipped"),
    # Thu 2, Fri 3 count, Mon 6 April is Easter Monday.
    pytest.param("26", date(2026, 4, 1), date(2026, 4, 9), id="easter-monday"),
    # …and in Moselle Good Friday (3 April) is off too.
    pytest.param("57", date(2026, 4, 1), date(2026, 4, 10), id="good-friday-moselle"),
    pytest.param("67", date(2026, 4, 1), date(2026, 4, 10), id="good-friday-bas-rhin"),
    pytest.param("68", date(2026, 4, 1), date(2026, 4, 10), id="good-friday-haut-rhin"),
    # Thursday 14 May 2026 is Ascension.
    pytest.param("26", date(2026, 5, 12), date(2026, 5, 20), id="ascension"),
    # Monday 25 May 2026 is Whit Monday.
    pytest.param("26", date(2026, 5, 20), date(2026, 5, 28), id="whit-monday"),
    # Tuesday 14 July 2026.
    pytest.param("26", date(2026, 7, 8), date(2026, 7, 16), id="14-july"),
    # Christmas everywhere; 26 December (a Friday in 2025) only in Alsace-Moselle.
    pytest.param("26", date(2025, 12, 22), date(2025, 12, 30), id="christmas"),
    pytest.param("57", date(2025, 12, 22), date(2025, 12, 31), id="26-december-moselle"),
    # Abolition of slavery: 27 May in Guadeloupe, 22 May in Martinique, 10 June in Guyane,
    # 20 December in La Réunion, 27 April in Mayotte.
    pytest.param("971", date(2026, 5, 26), date(2026, 6, 3), id="abolition-guadeloupe"),
    pytest.param("26", date(2026, 5, 26), date(2026, 6, 2), id="same-days-in-drome"),
    pytest.param("972", date(2026, 5, 21), date(2026, 6, 1), id="abolition-martinique"),
    pytest.param("973", date(2026, 6, 9), date(2026, 6, 17), id="abolition-guyane"),
    pytest.param("974", date(2024, 12, 19), date(2024, 12, 30), id="abolition-reunion"),
    pytest.param("976", date(2026, 4, 24), date(2026, 5, 5), id="abolition-mayotte"),
]


@pytest.mark.parametrize(("departement_code", "signed", "due"), ACKNOWLEDGEMENT_CASES)
def test_acknowledgement_is_due_five_business_days_after_signature(
    db, clock, departement_code, signed, due
):
    info_request = signed_on(signed, departement_code, clock)
    assert info_request.acknowledgement_due == due


@pytest.mark.parametrize(
    ("departement_code", "signed", "due"),
    [
        # 2 March + 2 months = Saturday 2 May → Monday 4 May.
        pytest.param("26", date(2026, 3, 2), date(2026, 5, 4), id="lands-on-a-saturday"),
        # 14 May + 2 months = 14 July → Wednesday 15 July.
        pytest.param("26", date(2026, 5, 14), date(2026, 7, 15), id="lands-on-14-july"),
        # 26 October 2025 + 2 months = Friday 26 December: a business day in Drôme only.
        pytest.param("26", date(2025, 10, 26), date(2025, 12, 26), id="26-december-drome"),
        pytest.param("57", date(2025, 10, 26), date(2025, 12, 29), id="26-december-moselle"),
    ],
)
def test_decision_is_due_two_months_after_signature_on_a_business_day(
    db, clock, departement_code, signed, due
):
    info_request = signed_on(signed, departement_code, clock)
    assert info_request.decision_due == due


# (département, signed, clarification asked, answered, days left on the clock, new due date)
PAUSE_CASES = [
    # Decision due Mon 4 May. Asked Wed 1 April: 21 business days left (2, 3, 7-10, 13-17,
    # 20-24, 27-30 April, 4 May; Easter Monday and 1 May off). Answered Fri 10 April:
    # 21 business days from there, skipping 1 and 8 May → Wed 13 May.
    pytest.param(
        "26",
        date(2026, 3, 2),
        date(2026, 4, 1),
        date(2026, 4, 10),
        21,
        date(2026, 5, 13),
        id="drome-across-easter",
    ),
    # The same in Moselle, where Good Friday is also off: 20 left → Tue 12 May.
    pytest.param(
        "57",
        date(2026, 3, 2),
        date(2026, 4, 1),
        date(2026, 4, 10),
        20,
        date(2026, 5, 12),
        id="moselle-across-good-friday",
    ),
    # Guadeloupe: due Mon 15 June. Asked Mon 18 May: 18 left (Whit Monday 25 May and
    # Abolition 27 May off). Answered Wed 20 May → Wed 17 June.
    pytest.param(
        "971",
        date(2026, 4, 13),
        date(2026, 5, 18),
        date(2026, 5, 20),
        18,
        date(2026, 6, 17),
        id="guadeloupe-across-abolition",
    ),
    # Answered the day it was asked: nothing moves.
    pytest.param(
        "26",
        date(2026, 3, 2),
        date(2026, 4, 1),
        date(2026, 4, 1),
        21,
        date(2026, 5, 4),
        id="answered-the-same-day",
    ),
    # Asked Fri 24 April with 5 left (27-30 April and 4 May; 1 May off), answered Mon
    # 27 April: the weekend costs nothing and the day of the answer is not counted, like the
    # day of a signature → 28, 29, 30 April, 4, 5 May → Tue 5 May.
    pytest.param(
        "26",
        date(2026, 3, 2),
        date(2026, 4, 24),
        date(2026, 4, 27),
        5,
        date(2026, 5, 5),
        id="over-a-weekend",
    ),
]


@pytest.mark.parametrize(
    ("departement_code", "signed", "asked", "answered", "left", "new_due"), PAUSE_CASES
)
def test_the_decision_clock_stops_during_a_clarification_and_resumes_with_the_days_left(
    db, clock, departement_code, signed, asked, answered, left, new_due
):
    commune, mayor, legal_officer, liaison = people_of(departement_code)
    clock.set(signed)
    info_request = info_request_sign(info_request=draft(commune), actor=mayor)
    info_request_acknowledge(info_request=info_request, actor=liaison)
    due_before = InfoRequest.objects.get(pk=info_request.pk).decision_due
    clock.set(asked)
    paused = info_request_request_clarification(
        info_request=info_request, actor=liaison, message="Merci de préciser le périmètre."
    )
    assert paused.decision_days_remaining == left
    clock.set(answered)
    resumed = info_request_clarify(
        info_request=info_request, actor=legal_officer, message="Le périmètre est la commune."
    )
    assert resumed.status == Status.ACKNOWLEDGED
    assert resumed.decision_due == new_due
    counted = deadlines.business_days_between(answered, new_due, departement_code=departement_code)
    assert counted == left
    moved = DeadlineChange.objects.filter(info_request=info_request, field="decision_due")
    assert [(change.old_date, change.new_date) for change in moved] == (
        [(due_before, new_due)] if new_due != due_before else []
    )


# A reminder "due in 2 business days" falls on different days on different calendars.
@pytest.mark.parametrize(
    ("kind", "departement_code", "due", "sent_on"),
    [
        # Due Tue 7 April 2026: Easter Monday and the weekend skipped → Thu 2 April.
        (ReminderKind.DECISION_DUE_2, "26", date(2026, 4, 7), date(2026, 4, 2)),
        # In Moselle Good Friday too → Wed 1 April.
        (ReminderKind.DECISION_DUE_2, "57", date(2026, 4, 7), date(2026, 4, 1)),
        # Due on a Saturday: counted from the Friday before.
        (ReminderKind.DECISION_DUE_2, "26", date(2026, 3, 21), date(2026, 3, 18)),
        (ReminderKind.DECISION_DUE_TODAY, "26", date(2026, 3, 21), date(2026, 3, 20)),
        # Overdue: the first business day after the deadline; Whit Monday skipped.
        (ReminderKind.DECISION_OVERDUE, "26", date(2026, 5, 22), date(2026, 5, 26)),
        # Martinique: 22 May (Abolition) and Whit Monday are off.
        (ReminderKind.DECISION_OVERDUE, "972", date(2026, 5, 21), date(2026, 5, 26)),
        # Due Tue 31 December 2024: seven business days back, Christmas skipped everywhere
        # and 20 December (Abolition) in La Réunion.
        (ReminderKind.DECISION_DUE_7, "974", date(2024, 12, 31), date(2024, 12, 18)),
        (ReminderKind.DECISION_DUE_7, "26", date(2024, 12, 31), date(2024, 12, 19)),
        # Clarification pending: 5 business days after it was asked; 14 July skipped.
        (ReminderKind.CLARIFICATION_PENDING, "26", date(2026, 7, 8), date(2026, 7, 16)),
    ],
)
def test_reminder_trigger_days_follow_the_local_calendar(kind, departement_code, due, sent_on):
    rule = RULES_BY_KIND[kind]
    assert rule.trigger_day(due, departement_code=departement_code) == sent_on
