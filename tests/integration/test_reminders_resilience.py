"""Reminders survive a worker SIGKILLed in the middle of a send and a Redis outage while the
web app is in use: once a worker (or Redis) is back, every e-mail goes out, once."""

import pytest
from django.utils import timezone

from sharing import deadlines
from sharing.models import InfoRequest, Reminder, ReminderKind, ReminderStatus
from sharing.notifications.rendering import message_id_for
from sharing.reminders import ledger
from tests.factories import PURPOSE

from .stack import all_sent, requires_stack, settle, wait_for

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    requires_stack,
    pytest.mark.django_db(transaction=True),
]


def assert_each_reminder_sent_once(mailbox) -> None:
    rows = list(Reminder.objects.all())
    assert rows
    assert {row.status for row in rows} == {ReminderStatus.SENT}
    sent = mailbox.ids()
    assert {message_id: n for message_id, n in sent.items() if n > 1} == {}
    assert set(sent) == {message_id_for(row) for row in rows}


def sign_through_the_api(api, people, count: int) -> list[str]:
    references = []
    for _ in range(count):
        created = api(people.legal_officer).post(
            "/api/v1/requests/",
            {
                "category": "general-threat-briefing",
                "legal_basis": "instruction-intk1826096j",
                "purpose": PURPOSE,
            },
            format="json",
        )
        assert created.status_code == 201, created.content
        reference = created.json()["reference"]
        signed = api(people.mayor).post(f"/api/v1/requests/{reference}/sign/")
        assert signed.status_code == 200, signed.content
        references.append(reference)
    return references


def pass_the_acknowledgement_deadline(references: list[str]) -> None:
    passed = deadlines.subtract_business_days(timezone.localdate(), 2, departement_code="26")
    InfoRequest.objects.filter(reference__in=references).update(acknowledgement_due=passed)


def test_workers_killed_mid_send_lead_to_exactly_one_e_mail_each(
    world, orgs, people, api, broker, workers, mailbox, settings, tmp_path
):
    """Two workers SIGKILLed in the middle of a send, at the same time: one before its message
    is written (its claim expires and the next worker sends it), one after it was written but
    before the "sent" mark (the next worker finds the Message-ID in the backend and only marks
    it). Both in one run, so that the rescue waits for the claims' lease once."""
    settings.REMINDER_REQUEUE_SECONDS = 2  # messages the dead workers had taken are lost
    markers = {moment: tmp_path / f"hanging-{moment}" for moment in ("before", "after")}
    # One task at a time each (concurrency 1, prefetch 1, late acks): each takes one of the
    # signatures' tasks and hangs in its first send. They start while the requests are signed;
    # the messages wait in Redis.
    doomed = [
        worker
        for moment, marker in markers.items()
        for worker in workers(
            f"doomed-{moment}",
            concurrency=1,
            wait=False,
            EMAIL_BACKEND="tests.integration.mail.HangingJsonLinesEmailBackend",
            RELAIS_IT_HANG=moment,
            RELAIS_IT_HANG_MARKER=str(marker),
        )
    ]
    sign_through_the_api(api, people, 2)
    for worker in doomed:
        worker.wait_ready()
    # Killed well before the send task's soft time limit (LEASE_SECONDS * 0.6 - 1 s after it
    # started) would release the rows.
    wait_for(
        lambda: all(marker.exists() for marker in markers.values()),
        timeout=40,
        interval=0.02,
        what="both workers to hang in the middle of a send",
    )
    for worker in doomed:
        worker.kill()  # SIGKILL to the main process and its pool
    rows = {message_id_for(row): row for row in Reminder.objects.all()}
    hung = {}
    for moment, marker in markers.items():
        [hung_id] = marker.read_text().split()  # one message a send
        hung[moment] = rows[hung_id]
    assert hung["before"].pk != hung["after"].pk
    assert {row.status for row in hung.values()} == {ReminderStatus.SENDING}
    # Only the worker killed after the write left a message in the backend.
    assert set(mailbox.ids()) == {message_id_for(hung["after"])}

    [rescuer] = workers("rescuer", concurrency=2)
    all_sent(timeout=50, sweep_every=0.5)  # the sweep is beat: it hands lost rows out again
    settle(broker, [rescuer])
    assert_each_reminder_sent_once(mailbox)
    for row in hung.values():
        row.refresh_from_db()
        assert row.attempts == 2  # the dead worker's claim, then the rescuer's


def test_a_redis_outage_delays_reminders_and_loses_none(
    world, orgs, people, api, broker, workers, mailbox
):
    [worker] = workers("steady", concurrency=2)
    broker.stop()

    # The web app keeps working: drafts, signatures, lists, acknowledgements.
    references = sign_through_the_api(api, people, 4)
    listed = api(people.liaison).get("/api/v1/requests/")
    assert listed.status_code == 200
    assert {row["reference"] for row in listed.json()["results"]} == set(references)
    acknowledged = api(people.liaison).post(f"/api/v1/requests/{references[0]}/acknowledge/")
    assert acknowledged.status_code == 200

    # Deadlines pass and beat sweeps: the reminders are written, their enqueue fails.
    pass_the_acknowledgement_deadline(references[1:])
    report = ledger.sweep()
    assert report["reminders"] == 3 * 2  # liaison and admin, for each unacknowledged request
    assert report["enqueued"] == Reminder.objects.count()  # each row tried once, then left
    owed = Reminder.objects.filter(status=ReminderStatus.PENDING)
    assert owed.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).count() == 6
    assert owed.filter(kind=ReminderKind.STATUS_CHANGED).exists()
    assert mailbox.messages() == []

    broker.start()
    all_sent(timeout=60, sweep_every=0.5)
    settle(broker, [worker])
    assert_each_reminder_sent_once(mailbox)
    assert worker.process.poll() is None  # the same worker, reconnected


def test_messages_a_restarted_redis_lost_are_published_again_by_the_next_sweep(
    world, orgs, people, api, broker, workers, mailbox
):
    """Published, then lost with a Redis that restarted empty: the next sweep hands the rows
    out again at once, not a requeue period (here 600 s) later, and each goes out once."""
    references = sign_through_the_api(api, people, 2)
    pass_the_acknowledgement_deadline(references)
    first = ledger.sweep()
    assert first["enqueued"] == Reminder.objects.count() > 0
    assert broker.queued() > 0
    assert ledger.sweep()["enqueued"] == 0  # nothing lost yet: nothing owed again

    broker.stop()  # no persistence: its queue goes with it
    broker.start()
    assert broker.queued() == 0

    again = ledger.sweep()
    assert again["enqueued"] == first["enqueued"]
    started = workers("after-restart", concurrency=2)
    all_sent(timeout=40)
    settle(broker, started)
    assert_each_reminder_sent_once(mailbox)
