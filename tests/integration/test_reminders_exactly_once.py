"""Exactly one e-mail per reminder with real workers and a real Redis: two sweeps racing, every
row handed out more than once (in batches and one by one), two workers at once."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from sharing import deadlines
from sharing.models import InfoRequest, Reminder, ReminderKind, ReminderStatus
from sharing.notifications.rendering import message_id_for
from sharing.reminders import ledger
from sharing.reminders.broker import BROKER_EPOCH_KEY, enqueue
from sharing.services.drafting import info_request_sign
from sharing.tasks import send_reminder, send_reminders
from tests.factories import draft

from .stack import all_sent, requires_stack, settle

pytestmark = [
    pytest.mark.slow,
    pytest.mark.integration,
    requires_stack,
    pytest.mark.django_db(transaction=True),
]


def overdue_requests(orgs, people, count: int) -> list[InfoRequest]:
    """Signed requests whose acknowledgement deadline passed a few business days ago (the
    workers run on the real clock, so the dates move rather than the clock)."""
    signed = [
        info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
        for _ in range(count)
    ]
    passed = deadlines.subtract_business_days(timezone.localdate(), 2, departement_code="26")
    InfoRequest.objects.filter(pk__in=[row.pk for row in signed]).update(acknowledgement_due=passed)
    return signed


def assert_each_reminder_sent_once(mailbox) -> None:
    rows = list(Reminder.objects.all())
    assert rows
    assert {row.status for row in rows} == {ReminderStatus.SENT}
    sent = mailbox.ids()
    duplicates = {message_id: n for message_id, n in sent.items() if n > 1}
    assert duplicates == {}
    assert set(sent) == {message_id_for(row) for row in rows}
    assert sum(sent.values()) == len(rows)


def race(*functions):
    """Runs the functions at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list = []

    def run(index, function):
        try:
            barrier.wait(timeout=10)
            results[index] = function()
        except Exception as exc:  # reported to the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


def test_two_racing_sweeps_and_tasks_delivered_twice_send_each_reminder_once(
    world, orgs, people, broker, workers, mailbox
):
    [worker] = workers("solo", concurrency=4, wait=False)
    overdue_requests(orgs, people, 10)
    # A broker that has not lost its messages (its epoch key is there): the first sweep ever
    # would otherwise, rightly, hand out again what the other sweep just published.
    broker.cli("set", BROKER_EPOCH_KEY, "kept", check=True)
    first, second = race(ledger.sweep, ledger.sweep)
    swept = Reminder.objects.exclude(kind=ReminderKind.STATUS_CHANGED)
    # One row per request, kind, day and recipient, whoever wrote it…
    assert swept.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).count() == 10 * 2
    # …and each owed row handed to the broker by one sweep only (SKIP LOCKED).
    assert first["enqueued"] + second["enqueued"] == swept.count()
    # Every row is now handed out (at least) three times: by a sweep, again in batches as the
    # sweep publishes them, and one by one.
    ids = list(Reminder.objects.values_list("pk", flat=True))
    assert enqueue(ids) == len(ids)
    for pk in ids:
        send_reminder.apply_async((pk,))
    worker.wait_ready()
    all_sent(timeout=40)
    settle(broker, [worker])
    assert_each_reminder_sent_once(mailbox)


def test_two_workers_at_once_send_no_duplicate(world, orgs, people, broker, workers, mailbox):
    started = workers("one", "two", concurrency=2, wait=False)
    overdue_requests(orgs, people, 8)
    ledger.sweep()
    for worker in started:
        worker.wait_ready()
    ids = list(Reminder.objects.values_list("pk", flat=True))
    for _ in range(2):
        send_reminders.apply_async(kwargs={"ids": ids[::-1]})  # against the sweep's order
        for pk in ids:
            send_reminder.apply_async((pk,))
    all_sent(timeout=40)
    settle(broker, started)
    assert_each_reminder_sent_once(mailbox)
    assert len({message["pid"] for message in mailbox.messages()}) >= 2
