"""The reminders ledger: which reminders a sweep writes, for whom, once; when they go out
(business mornings only); and how a row is sent exactly once by `deliver`."""

import uuid
from datetime import date, timedelta

import pytest
from django.core import mail

from sharing.exceptions import TransitionNotAllowed
from sharing.mail_backends import JsonLinesEmailBackend, read_messages
from sharing.models import (
    Category,
    ExpiryPolicy,
    InfoRequest,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Resolution,
    Status,
)
from sharing.notifications import recipients, rendering, texts
from sharing.reminders import broker, delivery, ledger, schedule
from sharing.services.clarification import info_request_clarify, info_request_request_clarification
from sharing.services.drafting import info_request_sign, info_request_withdraw
from sharing.services.handling import (
    info_request_acknowledge,
    info_request_assign,
    info_request_decide,
    info_request_extend,
)
from tests.factories import draft
from tests.integration.support import Clock, at

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

SIGNED = date(2026, 3, 2)  # Monday: acknowledgement due Mon 9 March, decision due Mon 4 May


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine)


def signed(orgs, people, clock, day=SIGNED):
    clock.set(day)
    return info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)


def acknowledged(orgs, people, clock, day=SIGNED):
    info_request = signed(orgs, people, clock, day)
    return info_request_acknowledge(info_request=info_request, actor=people.liaison)


def swept(clock, day, hour=7):
    """The sweep as beat runs it, early in the morning of `day` (nothing dispatched yet)."""
    clock.set(day, hour)
    return ledger.sweep()


def owed(info_request, kind):
    return {
        row.user.username
        for row in Reminder.objects.filter(info_request=info_request, kind=kind).select_related(
            "user"
        )
    }


def deliver_all(clock, day, hour=9):
    clock.set(day, hour)
    ids = Reminder.objects.filter(status=ReminderStatus.PENDING).values_list("pk", flat=True)
    return {pk: delivery.deliver(reminder_id=pk) for pk in ids}


# --- which reminders, to whom, when ----------------------------------------------------------


def test_acknowledgement_reminders_go_to_the_prefecture_and_escalate_when_overdue(
    orgs, people, clock
):
    info_request = signed(orgs, people, clock)
    swept(clock, date(2026, 3, 4))
    assert owed(info_request, ReminderKind.ACKNOWLEDGEMENT_DUE_SOON) == set()
    swept(clock, date(2026, 3, 5))  # two business days before Mon 9 March
    workers = {people.liaison.username, people.prefecture_admin.username}
    assert owed(info_request, ReminderKind.ACKNOWLEDGEMENT_DUE_SOON) == workers
    swept(clock, date(2026, 3, 9))
    assert owed(info_request, ReminderKind.ACKNOWLEDGEMENT_OVERDUE) == set()
    swept(clock, date(2026, 3, 10))
    assert owed(info_request, ReminderKind.ACKNOWLEDGEMENT_OVERDUE) == workers


def test_decision_reminders_at_seven_and_two_days_on_the_day_and_overdue(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    info_request_assign(
        info_request=info_request, actor=people.prefecture_admin, liaison=people.liaison
    )
    Category.objects.update(expiry_policy=ExpiryPolicy.FLAG)  # stays open after the date
    expected = {
        date(2026, 4, 22): ReminderKind.DECISION_DUE_7,  # 7 business days before Mon 4 May
        date(2026, 4, 29): ReminderKind.DECISION_DUE_2,  # 1 May is off
        date(2026, 5, 4): ReminderKind.DECISION_DUE_TODAY,
        date(2026, 5, 5): ReminderKind.DECISION_OVERDUE,
    }
    for day, kind in expected.items():
        assert owed(info_request, kind) == set(), day
        swept(clock, day)
        recipients = owed(info_request, kind)
        if kind == ReminderKind.DECISION_OVERDUE:
            # Escalated: the assigned liaison and, above them, the prefecture's admin.
            assert recipients == {people.liaison.username, people.prefecture_admin.username}
        else:
            assert recipients == {people.liaison.username}  # assigned: only them


def test_a_second_sweep_writes_nothing_new(orgs, people, clock):
    info_request = signed(orgs, people, clock)
    first = swept(clock, date(2026, 3, 10))
    count = Reminder.objects.filter(info_request=info_request).count()
    second = swept(clock, date(2026, 3, 10), hour=8)
    assert first["reminders"] > 0
    assert second["reminders"] == 0
    assert Reminder.objects.filter(info_request=info_request).count() == count


def test_a_missed_day_is_caught_up_by_the_next_sweep(orgs, people, clock):
    info_request = signed(orgs, people, clock)
    swept(clock, date(2026, 3, 12))  # beat was down on the 5th (due soon) and 10th (overdue)
    assert owed(info_request, ReminderKind.ACKNOWLEDGEMENT_OVERDUE)
    # "Due soon" about a deadline already passed would say nothing useful.
    assert owed(info_request, ReminderKind.ACKNOWLEDGEMENT_DUE_SOON) == set()


def test_clarification_pending_reminds_the_commune_after_five_business_days(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 3, 10))
    info_request_request_clarification(
        info_request=info_request, actor=people.liaison, message="Merci de préciser."
    )
    swept(clock, date(2026, 3, 16))
    assert owed(info_request, ReminderKind.CLARIFICATION_PENDING) == set()
    swept(clock, date(2026, 3, 17))
    assert owed(info_request, ReminderKind.CLARIFICATION_PENDING) == {
        people.mayor.username,
        people.legal_officer.username,
    }
    # The decision clock is stopped: no decision reminder while the commune is asked.
    assert not Reminder.objects.filter(
        info_request=info_request, kind__startswith="decision"
    ).exists()


def test_the_commune_is_reminded_before_its_answer_is_due_and_once_when_it_is_late(
    orgs, people, clock
):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 3, 10))  # Tuesday: ten business days → Tuesday 24 March
    info_request = info_request_request_clarification(
        info_request=info_request, actor=people.liaison, message="Merci de préciser."
    )
    assert info_request.clarification_due == date(2026, 3, 24)
    commune = {people.mayor.username, people.legal_officer.username}
    swept(clock, date(2026, 3, 19))
    assert owed(info_request, ReminderKind.CLARIFICATION_DUE_SOON) == set()
    swept(clock, date(2026, 3, 20))  # two business days before
    assert owed(info_request, ReminderKind.CLARIFICATION_DUE_SOON) == commune
    deliver_all(clock, date(2026, 3, 20))
    swept(clock, date(2026, 3, 24))
    assert owed(info_request, ReminderKind.CLARIFICATION_OVERDUE) == set()
    swept(clock, date(2026, 3, 25))  # the first business day after
    swept(clock, date(2026, 3, 25), hour=8)  # a second sweep writes nothing new
    assert owed(info_request, ReminderKind.CLARIFICATION_OVERDUE) == commune
    kinds = [ReminderKind.CLARIFICATION_DUE_SOON, ReminderKind.CLARIFICATION_OVERDUE]
    rows = Reminder.objects.filter(info_request=info_request, kind__in=kinds)
    assert rows.count() == 4
    deliver_all(clock, date(2026, 3, 25))
    assert set(rows.values_list("status", flat=True)) == {ReminderStatus.SENT}
    late = Notification.objects.filter(
        info_request=info_request, kind=ReminderKind.CLARIFICATION_OVERDUE
    )
    assert {notice.user.username for notice in late} == commune
    assert texts.describe(
        kind=ReminderKind.CLARIFICATION_OVERDUE,
        status=Status.CLARIFICATION_REQUESTED,
        due_on=date(2026, 3, 24),
        side=recipients.COMMUNE,
        language="fr",
    ) == ("Précisions en retard (attendues le 24 mars 2026) — à apporter sans attendre.")


def test_a_commune_that_answered_in_time_is_not_told_it_is_late(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 3, 10))
    info_request = info_request_request_clarification(
        info_request=info_request,
        actor=people.liaison,
        message="Merci de préciser.",
        answer_by=date(2026, 3, 17),
    )
    assert info_request.clarification_due == date(2026, 3, 17)
    clock.set(date(2026, 3, 16))
    info_request_clarify(
        info_request=info_request, actor=people.legal_officer, message="Le secteur nord."
    )
    swept(clock, date(2026, 3, 18))
    assert owed(info_request, ReminderKind.CLARIFICATION_OVERDUE) == set()
    assert InfoRequest.objects.get(pk=info_request.pk).clarification_due is None


def test_delivery_reminders_follow_a_grant_only(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 3, 20))
    info_request_decide(
        info_request=info_request, actor=people.liaison, resolution=Resolution.GRANTED
    )
    swept(clock, date(2026, 4, 1))  # two business days before Fri 3 April
    assert owed(info_request, ReminderKind.DELIVERY_PENDING) == {
        people.liaison.username,
        people.prefecture_admin.username,
    }
    swept(clock, date(2026, 4, 7))  # Easter Monday skipped
    assert owed(info_request, ReminderKind.DELIVERY_OVERDUE) == {
        people.liaison.username,
        people.prefecture_admin.username,
    }


def test_refused_request_gets_no_delivery_reminder(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    clock.set(date(2026, 3, 20))
    info_request_decide(
        info_request=info_request,
        actor=people.liaison,
        resolution=Resolution.REFUSED,
        reason_code="no_legal_basis",
    )
    swept(clock, date(2026, 4, 7))
    assert not Reminder.objects.filter(info_request=info_request, kind__startswith="delivery")


def test_weekly_digest_goes_to_the_prefecture_admins_once_a_week(orgs, people, clock):
    info_request = signed(orgs, people, clock)
    swept(clock, date(2026, 3, 16))  # Monday: the request has been overdue since the 10th
    [digest] = Reminder.objects.filter(kind=ReminderKind.OVERDUE_DIGEST)
    assert (digest.user, digest.organization, digest.due_on) == (
        people.prefecture_admin,
        orgs.pref26,
        date(2026, 3, 16),
    )
    swept(clock, date(2026, 3, 18))
    assert Reminder.objects.filter(kind=ReminderKind.OVERDUE_DIGEST).count() == 1
    results = deliver_all(clock, date(2026, 3, 18))
    assert results[digest.pk] == "sent"
    [message] = [m for m in mail.outbox if "hebdomadaire" in m.body]
    assert message.to == [people.prefecture_admin.email]
    assert info_request.reference in message.body
    assert info_request.purpose not in message.body
    swept(clock, date(2026, 3, 23))
    assert Reminder.objects.filter(kind=ReminderKind.OVERDUE_DIGEST).count() == 2


# --- quiet days and hours ---------------------------------------------------------------------


def test_a_reminder_written_on_a_saturday_waits_for_monday_morning(orgs, people, clock):
    info_request = signed(orgs, people, clock, day=date(2026, 3, 3))  # due Tue 10 March
    swept(clock, date(2026, 3, 14), hour=3)  # Saturday night: overdue since Wednesday
    rows = Reminder.objects.filter(
        info_request=info_request, kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE
    )
    assert {row.send_after for row in rows} == {at(date(2026, 3, 16), 8)}
    clock.set(date(2026, 3, 14), 11)
    assert {delivery.deliver(reminder_id=row.pk) for row in rows} == {"early"}
    assert mail.outbox == []
    clock.set(date(2026, 3, 16), 8, 5)
    assert {delivery.deliver(reminder_id=row.pk) for row in rows} == {"sent"}
    assert len(mail.outbox) == rows.count()


def test_a_holiday_is_as_quiet_as_a_sunday(orgs, people, clock):
    signed(orgs, people, clock, day=date(2026, 3, 26))  # acknowledgement due Thu 2 April
    swept(clock, date(2026, 4, 6), hour=9)  # Easter Monday, in working hours: overdue since Fri
    rows = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE)
    assert rows.exists()
    assert {row.send_after for row in rows} == {at(date(2026, 4, 7), 8)}


def test_a_reminder_delivered_late_in_the_evening_is_deferred_to_the_next_morning(
    orgs, people, clock
):
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).first()
    clock.set(date(2026, 3, 10), 22)
    assert delivery.deliver(reminder_id=row.pk) == "deferred"
    row.refresh_from_db()
    assert (row.status, row.send_after, row.attempts) == (
        ReminderStatus.PENDING,
        at(date(2026, 3, 11), 8),
        0,
    )
    assert mail.outbox == []


# --- sending: what it says and how often ----------------------------------------------------


def test_a_reminder_carries_reference_status_due_date_and_link_only(orgs, people, clock):
    info_request = signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.get(
        kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE, user=people.prefecture_admin
    )
    clock.set(date(2026, 3, 10), 9)
    assert delivery.deliver(reminder_id=row.pk) == "sent"
    [message] = mail.outbox
    assert message.to == [people.prefecture_admin.email]
    assert info_request.reference in message.subject
    assert "en retard" in message.subject
    assert f"Demande : {info_request.reference}" in message.body
    assert "Statut : Signée et transmise" in message.body
    assert "lundi 9 mars 2026" in message.body
    assert f"/{info_request.reference}/" in message.body
    assert info_request.purpose not in message.body
    assert message.extra_headers["Message-ID"].startswith(f"<reminder.{row.pk}.")
    # The in-app notice is written with the "sent" mark.
    row.refresh_from_db()
    assert row.notification.user == people.prefecture_admin
    assert (row.notification.kind, row.notification.due_on) == (
        ReminderKind.ACKNOWLEDGEMENT_OVERDUE,
        date(2026, 3, 9),
    )


def test_a_reminder_to_an_english_speaking_user_is_in_english(orgs, people, clock):
    people.prefecture_admin.language = "en"
    people.prefecture_admin.save(update_fields=["language"])
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.get(
        kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE, user=people.prefecture_admin
    )
    clock.set(date(2026, 3, 10), 9)
    delivery.deliver(reminder_id=row.pk)
    [message] = mail.outbox
    assert "Acknowledgement of receipt overdue (due 9 March 2026) — to do now." in message.body
    assert "Status: Signed and sent" in message.body  # the catalogue's label, as in the web app
    assert "Monday 9 March 2026" in message.body


def test_delivering_twice_sends_once(orgs, people, clock):
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).first()
    clock.set(date(2026, 3, 10), 9)
    assert delivery.deliver(reminder_id=row.pk) == "sent"
    assert delivery.deliver(reminder_id=row.pk) == "done"
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).count() == 1


def test_a_row_claimed_by_a_live_worker_is_left_to_it(orgs, people, clock):
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).first()
    now = clock.set(date(2026, 3, 10), 9)
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENDING, claim_token=uuid.uuid4(), claimed_at=now, attempts=1
    )
    assert delivery.deliver(reminder_id=row.pk) == "busy"
    assert mail.outbox == []


def test_a_claim_whose_worker_died_is_taken_over_once_its_lease_expires(
    orgs, people, clock, settings
):
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).first()
    claimed = clock.set(date(2026, 3, 10), 9)
    Reminder.objects.filter(pk=row.pk).update(
        status=ReminderStatus.SENDING,
        claim_token=uuid.uuid4(),
        claimed_at=claimed,
        next_attempt_at=claimed + schedule.claim_lease(),
        attempts=1,
    )
    assert row.pk not in owed_now(claimed + timedelta(minutes=1))
    clock.now = claimed + schedule.claim_lease() + timedelta(seconds=1)
    # The sweep hands the row out again…
    assert row.pk in set(
        Reminder.objects.filter(ledger.owed_q(now=clock.now)).values_list("pk", flat=True)
    )
    # …and the next delivery sends it (SMTP-like backend: it cannot tell it was sent).
    assert delivery.deliver(reminder_id=row.pk) == "sent"
    row.refresh_from_db()
    assert (row.status, row.attempts) == (ReminderStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_takeover_does_not_send_again_what_the_backend_already_holds(
    orgs, people, clock, settings, tmp_path
):
    settings.EMAIL_BACKEND = "sharing.mail_backends.JsonLinesEmailBackend"
    settings.EMAIL_JSONL_PATH = str(tmp_path / "mail.jsonl")
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).first()
    now = clock.set(date(2026, 3, 10), 9)
    # A worker claimed the row, wrote the message, and died before the "sent" mark.
    claim = delivery._claim(row.pk, now=now)
    rendered = delivery._render(claim.reminder, now=now)
    email = rendering.email_for(
        reminder=claim.reminder, user=claim.reminder.user, message=rendered.message
    )
    JsonLinesEmailBackend().send_messages([email])
    clock.now = now + schedule.claim_lease() + timedelta(seconds=1)
    assert delivery.deliver(reminder_id=row.pk) == "sent"
    assert len(read_messages(tmp_path / "mail.jsonl")) == 1
    row.refresh_from_db()
    assert row.status == ReminderStatus.SENT
    assert row.notification is not None


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("smtp down")


def test_a_failed_send_is_owed_again_after_a_backoff_then_given_up(
    orgs, people, clock, settings, monkeypatch
):
    monkeypatch.setattr(delivery, "get_connection", BrokenBackend)
    settings.REMINDER_MAX_ATTEMPTS = 3
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).first()
    now = clock.set(date(2026, 3, 10), 9)
    with pytest.raises(delivery.DeliveryFailed) as failure:
        delivery.deliver(reminder_id=row.pk)
    assert failure.value.retry_in == 60
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (
        ReminderStatus.PENDING,
        1,
        "ConnectionRefusedError",
    )
    assert row.send_after == now + timedelta(seconds=60)
    assert delivery.deliver(reminder_id=row.pk) == "early"
    for attempt in (2, 3):
        clock.now = row.send_after
        with pytest.raises(delivery.DeliveryFailed):
            delivery.deliver(reminder_id=row.pk)
        row.refresh_from_db()
        assert row.attempts == attempt
    assert row.status == ReminderStatus.FAILED
    assert delivery.deliver(reminder_id=row.pk) == "done"
    assert Notification.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).count() == 0


def test_a_reminder_no_longer_owed_is_cancelled_unsent(orgs, people, clock):
    info_request = signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    clock.set(date(2026, 3, 10), 8, 30)
    info_request_acknowledge(info_request=info_request, actor=people.liaison)
    results = deliver_all(clock, date(2026, 3, 10))
    overdue = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE)
    assert {results[row.pk] for row in overdue} == {"cancelled"}
    assert {row.last_error for row in overdue} == {"status_moved_on"}
    assert not [m for m in mail.outbox if "retard" in m.subject]


def test_an_extension_cancels_the_reminders_about_the_old_date(orgs, people, clock):
    info_request = acknowledged(orgs, people, clock)
    swept(clock, date(2026, 4, 29))  # "due in 2 days" about 4 May
    clock.set(date(2026, 4, 29), 8, 30)
    info_request_extend(
        info_request=info_request,
        actor=people.liaison,
        new_due_date=date(2026, 6, 1),
        reason="Consultation du procureur en cours.",
    )
    results = deliver_all(clock, date(2026, 4, 29))
    due_2 = Reminder.objects.filter(kind=ReminderKind.DECISION_DUE_2)
    assert {results[row.pk] for row in due_2} == {"cancelled"}
    assert {row.last_error for row in due_2} == {"deadline_moved"}


def test_a_user_who_left_gets_nothing(orgs, people, clock):
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    people.liaison.is_active = False
    people.liaison.save(update_fields=["is_active"])
    row = Reminder.objects.get(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE, user=people.liaison)
    clock.set(date(2026, 3, 10), 9)
    assert delivery.deliver(reminder_id=row.pk) == "cancelled"
    assert mail.outbox == []


# --- dispatch: the outbox handed to the broker ----------------------------------------------


def owed_now(now):
    return set(Reminder.objects.filter(ledger.owed_q(now=now)).values_list("pk", flat=True))


def test_dispatch_enqueues_each_owed_row_once_per_requeue_period(
    orgs, people, clock, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(
        "sharing.tasks.send_reminders.apply_async",
        lambda *args, **kw: published.extend(kw["kwargs"]["ids"]),
    )
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10), hour=7)
    overdue = set(
        Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).values_list(
            "pk", flat=True
        )
    )
    assert overdue
    assert not overdue & owed_now(clock.now)  # written before 8:00: not owed yet
    now = clock.set(date(2026, 3, 10), 8)
    owed_ids = owed_now(now)
    assert overdue <= owed_ids
    with django_capture_on_commit_callbacks(execute=True):
        assert ledger.dispatch(now=now) == len(owed_ids)
    assert sorted(published) == sorted(owed_ids)  # each once
    assert owed_now(now + schedule.requeue_after() - timedelta(seconds=1)) == set()
    # A message the broker lost: the row is handed out again after the requeue period.
    later = now + schedule.requeue_after() + timedelta(seconds=1)
    assert owed_ids <= owed_now(later)


def test_a_broker_outage_leaves_rows_owed_for_the_next_sweep(
    orgs, people, clock, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to localhost:6379. Connection refused.")

    monkeypatch.setattr("sharing.tasks.send_reminders.apply_async", broker_down)
    signed(orgs, people, clock)
    now = clock.set(date(2026, 3, 10), 9)
    with django_capture_on_commit_callbacks(execute=True):
        report = ledger.sweep()
    assert report["enqueued"] > 0
    rows = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE)
    assert {(row.status, row.enqueued_at) for row in rows} == {(ReminderStatus.PENDING, None)}
    assert set(rows.values_list("pk", flat=True)) <= owed_now(now)


def test_status_change_e_mails_are_written_with_the_change_and_sent_after_commit(
    orgs, people, clock, django_capture_on_commit_callbacks
):
    info_request = draft(orgs.montelimar)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        info_request_sign(info_request=info_request, actor=people.mayor)
    rows = Reminder.objects.filter(info_request=info_request, kind=ReminderKind.STATUS_CHANGED)
    told = {people.mayor, people.legal_officer, people.liaison, people.prefecture_admin}
    assert {row.user for row in rows} == told
    assert {row.about_status for row in rows} == {Status.SUBMITTED}
    assert {n.user for n in Notification.objects.filter(info_request=info_request)} == told
    assert mail.outbox == []
    for callback in callbacks:
        callback()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(user.email for user in told)
    assert all(info_request.purpose not in m.body for m in mail.outbox)
    assert {row.status for row in rows.all()} == {ReminderStatus.SENT}
    # A status change keeps the notice written with it: no second one at send time.
    assert Notification.objects.filter(info_request=info_request).count() == len(told)


def test_a_failed_transition_writes_no_notice_nor_outbox_row(orgs, people):
    withdrawn = InfoRequest.objects.get(
        pk=info_request_withdraw(
            info_request=draft(orgs.montelimar),
            actor=people.mayor,
            reason="La question a été traitée en séance du CLSPD.",
        ).pk
    )
    before = (Reminder.objects.count(), Notification.objects.count())
    with pytest.raises(TransitionNotAllowed):
        info_request_sign(info_request=withdrawn, actor=people.mayor)
    assert (Reminder.objects.count(), Notification.objects.count()) == before


def test_the_send_task_retries_a_failed_send_with_backoff(orgs, people, clock, monkeypatch):
    from celery.exceptions import Retry

    from sharing.tasks import send_reminder

    monkeypatch.setattr(delivery, "get_connection", BrokenBackend)
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    row = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).first()
    now = clock.set(date(2026, 3, 10), 9)
    with pytest.raises(Retry) as retry:
        send_reminder.apply(args=(row.pk,))
    assert retry.value.when == 60
    row.refresh_from_db()
    # Owed again after the backoff: the retry (or the next sweep) sends it then, not before.
    assert (row.status, row.attempts, row.send_after) == (
        ReminderStatus.PENDING,
        1,
        now + timedelta(seconds=60),
    )
    assert mail.outbox == []


def test_a_failing_phase_does_not_hold_back_the_reminders_already_owed(
    orgs, people, clock, monkeypatch, django_capture_on_commit_callbacks
):
    published = []
    monkeypatch.setattr(
        "sharing.tasks.send_reminders.apply_async",
        lambda *args, **kw: published.extend(kw["kwargs"]["ids"]),
    )

    def broken(*, now):
        raise RuntimeError("a bug in the digest")

    monkeypatch.setattr(ledger, "create_digests", broken)
    signed(orgs, people, clock)
    clock.set(date(2026, 3, 10), 9)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ledger.SweepFailed):
        ledger.sweep()
    overdue = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE)
    assert overdue.exists()
    assert set(overdue.values_list("pk", flat=True)) <= set(published)


def test_a_draft_withdrawn_is_told_to_the_commune_only(orgs, people):
    info_request = info_request_withdraw(
        info_request=draft(orgs.montelimar),
        actor=people.mayor,
        reason="La question a été traitée en séance du CLSPD.",
    )
    told = {row.user for row in Reminder.objects.filter(info_request=info_request)}
    assert told == {people.mayor, people.legal_officer}
    noticed = {n.user for n in Notification.objects.filter(info_request=info_request)}
    assert noticed == told


# --- batches: one message carries several rows, each sent on its own ---------------------------


def overdue_rows(orgs, people, clock):
    """The two acknowledgement-overdue rows (liaison, admin) of one request, owed at 9:00."""
    signed(orgs, people, clock)
    swept(clock, date(2026, 3, 10))
    clock.set(date(2026, 3, 10), 9)
    rows = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).order_by("pk")
    return {row.user.username: row.pk for row in rows.select_related("user")}


def refusing(address):
    """A mail backend factory that refuses messages to `address` and keeps the others."""
    from django.core.mail.backends.locmem import EmailBackend

    class Refusing(EmailBackend):
        def send_messages(self, messages):
            if any(address in message.to for message in messages):
                raise ConnectionRefusedError("smtp refused")
            return super().send_messages(messages)

    return lambda *args, **kwargs: Refusing()


def test_a_batch_retries_only_the_row_whose_send_failed(orgs, people, clock, monkeypatch):
    from celery.exceptions import Retry

    from sharing.tasks import send_reminders

    ids = overdue_rows(orgs, people, clock)
    liaison, admin = ids[people.liaison.username], ids[people.prefecture_admin.username]
    working = delivery.get_connection
    monkeypatch.setattr(delivery, "get_connection", refusing(people.liaison.email))
    with pytest.raises(Retry) as retry:
        send_reminders.apply(kwargs={"ids": [liaison, admin]})
    assert retry.value.when == 60  # the failed row's backoff
    assert retry.value.sig.kwargs == {"ids": [liaison]}  # the sent one is not retried
    assert [message.to for message in mail.outbox] == [[people.prefecture_admin.email]]
    statuses = dict(Reminder.objects.filter(pk__in=[liaison, admin]).values_list("pk", "status"))
    assert statuses == {liaison: ReminderStatus.PENDING, admin: ReminderStatus.SENT}
    # The retry, once the backoff has passed and the mail server is back, sends that row only.
    monkeypatch.setattr(delivery, "get_connection", working)
    clock.now = Reminder.objects.get(pk=liaison).send_after
    assert send_reminders.apply(kwargs=retry.value.sig.kwargs).get() == {"sent": 1}
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [people.liaison.email, people.prefecture_admin.email]
    )


def test_a_batch_delivered_twice_sends_each_row_once(orgs, people, clock):
    from sharing.tasks import send_reminders

    ids = list(overdue_rows(orgs, people, clock).values())
    assert send_reminders.apply(kwargs={"ids": ids}).get() == {"sent": 2}
    assert send_reminders.apply(kwargs={"ids": ids}).get() == {"done": 2}
    assert len(mail.outbox) == 2


def test_a_row_that_breaks_does_not_hold_back_the_rest_of_its_batch(
    orgs, people, clock, monkeypatch
):
    ids = overdue_rows(orgs, people, clock)
    liaison, admin = ids[people.liaison.username], ids[people.prefecture_admin.username]
    render = delivery._render

    def broken_for_the_liaison(reminder, *, now):
        if reminder.pk == liaison:
            raise RuntimeError("a bug in one template")
        return render(reminder, now=now)

    monkeypatch.setattr(delivery, "_render", broken_for_the_liaison)
    outcome = delivery.deliver_batch(reminder_ids=[liaison, admin])
    assert outcome.results == {liaison: "error", admin: "sent"}
    assert outcome.failed == {}
    assert [message.to for message in mail.outbox] == [[people.prefecture_admin.email]]
    # The broken row stays owed: a sweep hands it out again once its claim's lease is over.
    later = clock.now + schedule.claim_lease() + timedelta(seconds=1)
    assert owed_now(later) & {liaison, admin} == {liaison}


def test_a_batch_stops_claiming_when_its_time_is_up_and_leaves_the_rest(
    orgs, people, clock, monkeypatch
):
    ids = list(overdue_rows(orgs, people, clock).values())
    ticks = iter([0.0, 0.0, 10.0])  # the start, before the first row, before the second
    monkeypatch.setattr(delivery, "monotonic", lambda: next(ticks))
    outcome = delivery.deliver_batch(reminder_ids=ids, budget=5)
    assert outcome.results == {ids[0]: "sent"}
    assert outcome.unstarted == ids[1:]
    assert len(mail.outbox) == 1
    assert Reminder.objects.get(pk=ids[1]).status == ReminderStatus.PENDING


def test_the_send_task_hands_what_it_had_no_time_for_to_a_new_message(
    orgs, people, clock, monkeypatch
):
    from sharing import tasks

    ids = list(overdue_rows(orgs, people, clock).values())
    handed = []
    monkeypatch.setattr(tasks, "SEND_TIME_LIMIT", 0)  # no time at all: nothing is claimed
    monkeypatch.setattr(tasks.broker, "enqueue", handed.extend)
    assert tasks.send_reminders.apply(kwargs={"ids": ids}).get() == {}
    assert handed == ids
    assert mail.outbox == []


def test_enqueue_publishes_one_message_per_batch_and_leaves_what_it_could_not_publish(
    orgs, people, clock, monkeypatch, settings
):
    from kombu.exceptions import OperationalError

    settings.REMINDER_SEND_BATCH = 2
    overdue_rows(orgs, people, clock)
    ids = sorted(Reminder.objects.values_list("pk", flat=True))  # the signature's e-mails too
    assert len(ids) >= 5
    messages = []
    monkeypatch.setattr(
        "sharing.tasks.send_reminders.apply_async",
        lambda *args, **kw: messages.append(kw["kwargs"]["ids"]),
    )
    assert broker.enqueue(ids) == len(ids)
    assert messages == [ids[start : start + 2] for start in range(0, len(ids), 2)]

    def broker_lost_after_one(*args, **kwargs):
        if messages:
            raise OperationalError("Connection reset by peer")
        messages.append(kwargs["kwargs"]["ids"])

    messages.clear()
    Reminder.objects.update(next_attempt_at=clock.now + timedelta(hours=1))
    monkeypatch.setattr("sharing.tasks.send_reminders.apply_async", broker_lost_after_one)
    assert broker.enqueue(ids) == 2
    assert messages == [ids[0:2]]
    # What was handed over waits for its message; the rest is owed to the next sweep at once.
    assert owed_now(clock.now) == set(ids[2:])


def test_a_dead_mail_server_or_a_silent_broker_fails_a_send_instead_of_holding_it(settings):
    from config.celery import app
    from sharing.tasks import SEND_TIME_LIMIT

    # A send to a mail server that stopped answering fails (and is retried) before the send
    # task's soft time limit, instead of being cut off by it.
    assert 0 < settings.EMAIL_TIMEOUT < SEND_TIME_LIMIT - 1
    # Kombu's Redis transport waits forever on a silent server unless told otherwise.
    options = app.conf.broker_transport_options
    assert options["socket_timeout"] > 0
    assert options["socket_connect_timeout"] > 0
