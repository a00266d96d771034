"""The reminders ledger: what is owed to whom and when, found by a sweep, sent exactly once.

`schedule` (the rules and the sending hours), `ledger` (the sweep), `broker` (the hand-over
to Celery), `delivery` (sending a row), `personal` (a user's own reminders). Callers import
from the module they need; nothing is re-exported here, so that the outbox can use the
schedule and the broker without loading the sweep, which calls the services.

The database is the outbox. Nothing is scheduled ahead on the broker: a periodic sweep
(Celery beat, `sharing.sweep_deadlines`, or `manage.py sweep_deadlines`)

1. applies the expiry policy to requests whose decision deadline has just passed;
2. writes the reminders that fell due (`schedule.RULES`), one row per recipient, with one
   INSERT … SELECT per rule and calendar, found by range queries on the indexed due dates:
   its cost grows with the number due, not with the number open. A row already written is
   skipped (the unique constraints, ON CONFLICT DO NOTHING, settle two sweeps at once);
3. takes the rows owed now (`next_attempt_at` passed) with `SELECT … FOR UPDATE SKIP
   LOCKED` (two sweeps never take the same row), pushes their `next_attempt_at` a requeue
   period ahead, and enqueues `sharing.send_reminders(ids=[…])` once the transaction
   commits, one message per `REMINDER_SEND_BATCH` rows, all over one broker connection. An
   enqueue that fails (broker down) makes the rows it did not hand over owed at once: the
   next sweep enqueues them again.

`deliver` sends one row: claim (status `sending`, a fresh claim token, attempts + 1, owed
again only when the claim's lease runs out) in one short transaction, send outside any
transaction, then mark `sent` (and write the in-app notification) in a second transaction
that checks the claim token. A duplicate delivery of the task finds the row sent, or
claimed by a live worker, and returns. `deliver_batch` does the same for each row of a
message in turn, each on its own: a row that fails is retried alone, with its backoff, and
a redelivered message finds the rows already sent done.

The window that remains: a worker killed after the mail server accepted the message and
before the `sent` mark commits. Its claim expires after `REMINDER_CLAIM_LEASE_SECONDS`; the
next attempt asks the backend whether that Message-ID was already accepted (backends that
can tell, like `sharing.mail_backends.JsonLinesEmailBackend`) and only marks it; over SMTP
it cannot know, sends again with the same Message-ID, and the recipient may get two copies.
"""
