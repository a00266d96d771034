"""Handing ledger rows to the broker: `sharing.send_reminders` messages, published by the
task's registered name (the task module calls the ledger, so the ledger cannot import it),
and the recovery of rows whose messages a Redis broker lost."""

from __future__ import annotations

import logging
from contextlib import nullcontext
from datetime import datetime

from celery import current_app
from django.utils import timezone
from kombu.exceptions import KombuError
from redis import Redis
from redis.exceptions import RedisError

from ..models import Reminder, ReminderStatus
from .schedule import send_batch

logger = logging.getLogger("relais.reminders")

# sharing.tasks.send_reminders; sharing.apps registers the tasks in every process.
SEND_REMINDERS = "sharing.send_reminders"
BROKER_EPOCH_KEY = "relais:broker-epoch"


def send_task():
    """The registered `sharing.send_reminders` task (eager in the tests, as configured)."""
    return current_app.tasks[SEND_REMINDERS]


def recover_lost_messages(*, now: datetime) -> int:
    """Rows handed to a Redis broker that has since lost its messages (restarted without
    persistence, failed over to an empty replica, flushed) become owed at once, instead of a
    `requeue_after` later.

    The sign is a key the sweep keeps in the broker beside the queues: it lives exactly as
    long as their messages do, so finding it missing means what was published before may be
    gone. Only rows never claimed are concerned: a claimed row is in a worker's hands, and a
    row that failed keeps its backoff. A broker that kept its messages never loses the key;
    a spurious recovery (the key evicted, the first sweep ever) only costs duplicate messages,
    which find their rows sent."""
    conf = current_app.conf
    url = conf.broker_url or ""
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://")):
        return 0
    options = conf.broker_transport_options or {}
    client = Redis.from_url(
        url,
        socket_connect_timeout=options.get("socket_connect_timeout", 4),
        socket_timeout=options.get("socket_timeout", 10),
    )
    try:
        if client.exists(BROKER_EPOCH_KEY):
            return 0
        recovered = Reminder.objects.filter(
            status=ReminderStatus.PENDING,
            attempts=0,
            enqueued_at__isnull=False,
            next_attempt_at__gt=now,
        ).update(next_attempt_at=now)
        client.set(BROKER_EPOCH_KEY, now.isoformat())
    except RedisError as exc:
        logger.warning("broker unavailable (%s): lost messages not checked", type(exc).__name__)
        return 0
    finally:
        client.close()
    if recovered:
        logger.warning("broker lost its messages: %d reminder(s) owed again now", recovered)
    return recovered


def enqueue(reminder_ids: list[int]) -> int:
    """Publishes the rows' send tasks, `send_batch()` rows per message; on a broker failure,
    stops, and leaves the rows not yet handed over to the next sweep (never an error for the
    web request that committed them). Returns how many rows were handed over.

    One connection for all the messages, tried once: with the broker down the caller waits
    for a refused connection, not for kombu's default retries (seconds per message)."""
    send_reminders = send_task()
    app = send_reminders.app
    eager = app.conf.task_always_eager
    size = send_batch()
    published = 0
    try:
        with nullcontext() if eager else app.connection_for_write() as broker_connection:
            options: dict = {"retry": False}
            if broker_connection is not None:
                broker_connection.ensure_connection(max_retries=0)
                options["producer"] = app.amqp.Producer(broker_connection, auto_declare=False)
            for start in range(0, len(reminder_ids), size):
                chunk = reminder_ids[start : start + size]
                send_reminders.apply_async(kwargs={"ids": chunk}, **options)
                published += len(chunk)
    except Exception as exc:
        if eager and not isinstance(exc, KombuError):
            raise  # the task itself failed, in-process: not a broker outage
        logger.warning(
            "broker unavailable (%s): %d reminder(s) left for the next sweep",
            type(exc).__name__,
            len(reminder_ids) - published,
        )
        Reminder.objects.filter(
            pk__in=reminder_ids[published:],
            status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING],
        ).update(enqueued_at=None, next_attempt_at=timezone.now())
    return published
