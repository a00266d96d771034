"""Thin Celery tasks: they take ids, call the ledger, and are safe to run twice.

Nothing is scheduled ahead with ETA/countdown: deadlines live in the database and the sweep,
run by beat on a static schedule, finds them. The only countdown is a retry's backoff
(minutes), and the row it retries stays owed in the database whatever becomes of it.
"""

from collections import Counter

from celery import shared_task
from django.utils import timezone

from .reminders import broker, delivery, ledger, schedule

# A worker still sending when its claim expires could send twice: the hard time limit
# (prefork pool) ends it well before. A batch claims each row when its turn comes, after the
# task started, so the limit holds for every row of it. Read once, at import, like every task
# option; EMAIL_TIMEOUT (per SMTP operation) is meant to be well under it.
_LEASE = int(schedule.claim_lease().total_seconds())
SEND_TIME_LIMIT = max(2, _LEASE * 6 // 10)
MAX_COUNTDOWN = 600
# Both send tasks: acknowledged after the work, requeued if the worker dies, bounded retries.
SEND_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": 5,
    "time_limit": SEND_TIME_LIMIT,
    "soft_time_limit": SEND_TIME_LIMIT - 1,
    "ignore_result": True,
}


@shared_task(name="sharing.sweep_deadlines", ignore_result=True)
def sweep_deadlines() -> dict[str, int]:
    """Beat's entry point: expiries, due reminders, digests, then dispatch."""
    return ledger.sweep(now=timezone.now())


@shared_task(name="sharing.send_reminder", **SEND_OPTIONS)
def send_reminder(self, reminder_id: int) -> str:
    """Sends one ledger row once; a failed send retries with backoff, bounded twice over
    (Celery's `max_retries` here, the row's attempts cap in the ledger)."""
    try:
        return delivery.deliver(reminder_id=reminder_id)
    except delivery.DeliveryFailed as exc:
        # A worker holds a countdown in memory, and Redis redelivers what is unacknowledged
        # after its visibility timeout (an hour): retry within minutes; a longer backoff is
        # kept in the row, where the sweep finds it.
        raise self.retry(exc=exc, countdown=min(exc.retry_in, MAX_COUNTDOWN)) from exc


@shared_task(name="sharing.send_reminders", **SEND_OPTIONS)
def send_reminders(self, ids: list[int]) -> dict[str, int]:
    """Sends each ledger row of a batch once, each on its own; retries only the rows whose send
    failed, with backoff, bounded as `send_reminder` is."""
    # Claims stop at half the time limit: a row claimed after that could not finish a slow
    # send; the rest goes out in a fresh message (or, should that fail, with the next sweep).
    outcome = delivery.deliver_batch(reminder_ids=ids, budget=SEND_TIME_LIMIT / 2)
    if outcome.unstarted:
        broker.enqueue(outcome.unstarted)
    if outcome.failed:
        # The longest backoff of the lot: none of them is still early when the retry comes.
        countdown = min(max(outcome.failed.values()), MAX_COUNTDOWN)
        raise self.retry(kwargs={"ids": list(outcome.failed)}, countdown=countdown)
    return dict(Counter(outcome.results.values()))
