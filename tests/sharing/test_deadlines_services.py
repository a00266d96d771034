"""Deadlines in the lifecycle: every moved due date is recorded and audited, the expiry
policy of the category applies, and the day counters reach the API and its filters."""

from datetime import date

import pytest
from django.core import mail

from audit.models import AuditEvent
from sharing.models import (
    Category,
    DeadlineChange,
    ExpiryPolicy,
    InfoRequest,
    Notification,
    Reminder,
    ReminderKind,
    Resolution,
    Status,
)
from sharing.reminders import ledger
from sharing.services.clarification import info_request_clarify, info_request_request_clarification
from sharing.services.drafting import info_request_sign
from sharing.services.handling import (
    info_request_acknowledge,
    info_request_decide,
    info_request_extend,
)
from tests.factories import draft
from tests.integration.support import Clock, at

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

SIGNED = date(2026, 3, 2)  # a Monday: acknowledgement due Mon 9 March, decision Mon 4 May


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine)


def events(info_request, action):
    return list(
        AuditEvent.objects.filter(target_ref=info_request.reference, action=action).order_by(
            "seq", "id"
        )
    )


def signed(orgs, people, clock, *, day=SIGNED, category_code="general-threat-briefing"):
    clock.set(day)
    return info_request_sign(
        info_request=draft(orgs.montelimar, category_code=category_code), actor=people.mayor
    )


def acknowledged(orgs, people, clock, **options):
    info_request = signed(orgs, people, clock, **options)
    return info_request_acknowledge(info_request=info_request, actor=people.liaison)


def reload(info_request):
    return InfoRequest.objects.get(pk=info_request.pk)


def test_signature_audits_the_due_dates_it_sets(orgs, people, clock):
    info_request = signed(orgs, people, clock)
    [event] = events(info_request, "request.signed")
    assert event.details["acknowledgement_due"] == "2026-03-09"
    assert event.details["decision_due"] == "2026-05-04"


def test_extension_records_its_reason_and_audits_old_and_new_dates(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 4, 20))
    info_request_extend(
        info_request=info_request,
        actor=people.liaison,
        new_due_date=date(2026, 6, 1),
        reason="Consultation du procureur en cours.",
    )
    [change] = DeadlineChange.objects.filter(info_request=info_request)
    assert (change.field, change.old_date, change.new_date) == (
        "decision_due",
        date(2026, 5, 4),
        date(2026, 6, 1),
    )
    assert change.reason == "Consultation du procureur en cours."
    [event] = events(info_request, "request.extended")
    assert event.details["old_due_date"] == "2026-05-04"
    assert event.details["new_due_date"] == "2026-06-01"
    assert event.details["deadline_change"] == change.pk
    # The reason is free text: it stays beside the date, never in the audit log.
    assert "procureur" not in str(event.details)


def test_extension_tells_both_sides_that_the_deadline_moved(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    info_request_extend(
        info_request=info_request,
        actor=people.liaison,
        new_due_date=date(2026, 6, 1),
        reason="Consultation du procureur en cours.",
    )
    notices = Notification.objects.filter(kind=ReminderKind.DEADLINE_CHANGED)
    assert {notice.user for notice in notices} >= {people.mayor, people.legal_officer}
    assert {notice.due_on for notice in notices} == {date(2026, 6, 1)}


def test_clarification_audits_the_paused_clock_and_the_resumed_due_date(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 4, 1))
    info_request_request_clarification(
        info_request=info_request, actor=people.liaison, message="Merci de préciser."
    )
    clock.set(date(2026, 4, 10))
    info_request_clarify(
        info_request=info_request, actor=people.legal_officer, message="Voici les précisions."
    )
    [asked] = events(info_request, "request.clarification_requested")
    assert asked.details["decision_days_remaining"] == 21
    [answered] = events(info_request, "request.clarified")
    assert answered.details["old_due_date"] == "2026-05-04"
    assert answered.details["decision_due"] == "2026-05-13"
    [change] = DeadlineChange.objects.filter(info_request=info_request)
    assert answered.details["deadline_change"] == change.pk


def test_decision_granting_access_audits_the_delivery_due_date(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 3, 20))  # a Friday: 10 business days → Fri 3 April
    info_request_decide(
        info_request=info_request, actor=people.liaison, resolution=Resolution.GRANTED
    )
    [event] = events(info_request, "request.decided")
    assert event.details["delivery_due"] == "2026-04-03"


# --- the expiry policy -------------------------------------------------------------------


def test_implicit_rejection_policy_decides_the_request_the_day_after_the_deadline(
    orgs, people, clock, django_capture_on_commit_callbacks
):
    info_request = acknowledged(orgs, people, clock)
    assert info_request.category.expiry_policy == ExpiryPolicy.IMPLICIT_REJECTION
    clock.set(date(2026, 5, 4), 23)
    with django_capture_on_commit_callbacks(execute=True):
        report = ledger.sweep()
    assert report["expired"] == 0  # the due date itself is not past
    clock.set(date(2026, 5, 5), 9)
    with django_capture_on_commit_callbacks(execute=True):
        report = ledger.sweep()
    assert report["expired"] == 1
    info_request = reload(info_request)
    assert (info_request.status, info_request.resolution) == (
        Status.DECIDED,
        Resolution.IMPLICIT_REJECTION,
    )
    [event] = events(info_request, "request.expired")
    assert event.actor_username == ""
    # Both sides are told, in the app and by e-mail.
    notices = Notification.objects.filter(info_request=info_request, status=Status.DECIDED)
    told = {notice.user for notice in notices}
    assert {people.mayor, people.legal_officer, people.liaison, people.prefecture_admin} <= told
    decided_mail = [m for m in mail.outbox if "Décidée" in m.body]
    assert {m.to[0] for m in decided_mail} >= {people.mayor.email, people.liaison.email}


def test_implicit_rejection_waits_while_a_clarification_stops_the_clock(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 4, 30))
    info_request_request_clarification(
        info_request=info_request, actor=people.liaison, message="Merci de préciser."
    )
    report = ledger.sweep(now=at(date(2026, 5, 6)))
    assert report["expired"] == 0
    assert reload(info_request).status == Status.CLARIFICATION_REQUESTED


def test_flag_only_policy_leaves_the_request_open_and_escalates(orgs, people, clock):
    Category.objects.filter(code="general-threat-briefing").update(expiry_policy=ExpiryPolicy.FLAG)
    info_request = acknowledged(orgs, people, clock)
    report = ledger.sweep(now=at(date(2026, 5, 5), 9))
    assert report["expired"] == 0
    info_request = reload(info_request)
    assert info_request.status == Status.ACKNOWLEDGED
    escalated = Reminder.objects.filter(
        info_request=info_request, kind=ReminderKind.DECISION_OVERDUE
    )
    # The admin is a worker and the escalation's target: written once all the same.
    assert sorted(row.user.username for row in escalated) == sorted(
        [people.liaison.username, people.prefecture_admin.username]
    )


# --- day counters -------------------------------------------------------------------------


def counters(api, user, info_request):
    response = api(user).get(f"/api/v1/requests/{info_request.reference}/")
    assert response.status_code == 200
    body = response.json()
    return {
        key: body[key]
        for key in (
            "days_to_acknowledgement",
            "days_to_decision",
            "days_to_delivery",
            "days_overdue",
            "decision_clock_paused",
        )
    }


def test_day_counters_while_the_acknowledgement_is_awaited(orgs, people, clock, api):
    info_request = signed(orgs, people, clock)
    clock.set(date(2026, 3, 4))
    assert counters(api, people.liaison, info_request) == {
        "days_to_acknowledgement": 3,  # Thu 5, Fri 6, Mon 9
        "days_to_decision": 41,  # to Mon 4 May; Easter Monday and 1 May not counted
        "days_to_delivery": None,
        "days_overdue": 0,
        "decision_clock_paused": False,
    }
    clock.set(date(2026, 3, 12))
    assert counters(api, people.liaison, info_request)["days_overdue"] == 3  # 10, 11, 12


def test_day_counters_show_the_stopped_clock_during_a_clarification(orgs, people, clock, api):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 4, 1))
    info_request_request_clarification(
        info_request=info_request, actor=people.liaison, message="Merci de préciser."
    )
    clock.set(date(2026, 4, 20))
    assert counters(api, people.mayor, info_request) == {
        "days_to_acknowledgement": None,
        "days_to_decision": 21,
        "days_to_delivery": None,
        "days_overdue": 0,
        "decision_clock_paused": True,
    }


def test_day_counters_after_a_grant_count_down_to_delivery(orgs, people, clock, api):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 3, 20))
    info_request_decide(
        info_request=info_request, actor=people.liaison, resolution=Resolution.GRANTED
    )
    clock.set(date(2026, 4, 7))  # delivery was due Fri 3 April; Easter Monday not counted
    body = counters(api, people.liaison, info_request)
    assert (body["days_to_delivery"], body["days_overdue"]) == (-1, 1)


def references(response):
    assert response.status_code == 200, response.content
    return {row["reference"] for row in response.json()["results"]}


def test_filters_on_days_overdue_and_on_deadlines_coming_up(orgs, people, clock, api):
    early = signed(orgs, people, clock, day=date(2026, 3, 2))  # acknowledgement due 9 March
    late = signed(orgs, people, clock, day=date(2026, 3, 9))  # acknowledgement due 16 March
    clock.set(date(2026, 3, 12))  # early: 3 days overdue; late: due in 2 days
    client = api(people.liaison)
    assert references(client.get("/api/v1/requests/?min_days_overdue=3")) == {early.reference}
    assert references(client.get("/api/v1/requests/?min_days_overdue=4")) == set()
    assert references(client.get("/api/v1/requests/?overdue=true")) == {early.reference}
    assert references(client.get("/api/v1/requests/?due_within=1")) == set()
    assert references(client.get("/api/v1/requests/?due_within=2")) == {late.reference}
    response = client.get("/api/v1/requests/?min_days_overdue=soon")
    assert response.status_code == 400


def test_coming_deadlines_filter_counts_on_the_communes_own_calendar(db, clock, api):
    from accounts.models import Role
    from tests.factories import CommuneFactory, PrefectureFactory, member

    moselle = PrefectureFactory(code="57")
    metz = CommuneFactory(code="57463", prefecture=moselle)
    mayor = member(metz, Role.MAYOR)
    liaison = member(moselle, Role.LIAISON)
    clock.set(date(2026, 3, 30))  # a Monday; Good Friday and Easter Monday are off in Moselle
    info_request = info_request_sign(info_request=draft(metz), actor=mayor)
    assert info_request.acknowledgement_due == date(2026, 4, 8)
    # From Wed 1 April: Thu 2, Tue 7, Wed 8 in Moselle (4 days on the national calendar).
    clock.set(date(2026, 4, 1))
    client = api(liaison)
    assert references(client.get("/api/v1/requests/?due_within=2")) == set()
    assert references(client.get("/api/v1/requests/?due_within=3")) == {info_request.reference}
