"""Row locks on PostgreSQL: a sweep never takes a row another transaction holds, and two
sweeps writing the same reminders at once leave one row each (SQLite has no row locks:
these only mean something on PostgreSQL)."""

import threading
from datetime import date

import pytest
from django.db import connection, transaction

from sharing.legal_frame import seed_legal_frame
from sharing.models import Category, LegalBasis, Reminder, ReminderKind
from sharing.reminders import ledger
from sharing.services.drafting import info_request_sign
from tests.factories import draft
from tests.integration.support import Clock

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SKIP LOCKED and concurrent writers are only meaningful on PostgreSQL",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def legal_frame(transactional_db):
    """Transactional tests start from a flushed database: the seeded legal frame is gone."""
    seed_legal_frame(category_model=Category, legal_basis_model=LegalBasis)


@pytest.fixture
def clock(time_machine):
    return Clock(time_machine)


@pytest.fixture
def published(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(
        "sharing.tasks.send_reminders.apply_async",
        lambda *args, **kw: sent.extend(kw["kwargs"]["ids"]),
    )
    return sent


def overdue(orgs, people, clock, count):
    clock.set(date(2026, 3, 2))  # acknowledgement due Mon 9 March
    for _ in range(count):
        info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    clock.set(date(2026, 3, 10), 7)
    ledger.create_due(now=clock.now)
    return list(
        Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE).values_list(
            "pk", flat=True
        )
    )


def test_dispatch_skips_the_rows_another_transaction_holds(
    legal_frame, orgs, people, clock, published
):
    ids = overdue(orgs, people, clock, 3)
    published.clear()  # the status-change e-mails of the signatures
    held, free = set(ids[:2]), set(ids[2:])
    locked = threading.Event()
    release = threading.Event()

    def hold():
        try:
            with transaction.atomic():
                list(Reminder.objects.select_for_update().filter(pk__in=held))
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert locked.wait(timeout=30)
    now = clock.set(date(2026, 3, 10), 9)
    taken = ledger.dispatch(now=now)
    release.set()
    holder.join(timeout=30)
    assert set(published) & set(ids) == free
    assert taken == len(published)
    # Once released, the next sweep takes what was held.
    published.clear()
    ledger.dispatch(now=now)
    assert set(published) & set(ids) == held


def test_two_sweeps_writing_at_once_leave_one_row_per_reminder(
    legal_frame, orgs, people, clock, published
):
    clock.set(date(2026, 3, 2))
    for _ in range(20):
        info_request_sign(info_request=draft(orgs.montelimar), actor=people.mayor)
    now = clock.set(date(2026, 3, 10), 9)
    barrier = threading.Barrier(2)
    reports: list[dict] = []
    errors: list[Exception] = []

    def sweep():
        try:
            barrier.wait(timeout=10)
            reports.append(ledger.sweep(now=now))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    rows = Reminder.objects.filter(kind=ReminderKind.ACKNOWLEDGEMENT_OVERDUE)
    assert rows.count() == 20 * 2
    keys = list(rows.values_list("info_request", "due_on", "user"))
    assert len(keys) == len(set(keys))
    # Every owed row was handed to the broker once, by one sweep or the other.
    owed = set(
        Reminder.objects.exclude(kind=ReminderKind.STATUS_CHANGED).values_list("pk", flat=True)
    )
    assert sorted(pk for pk in published if pk in owed) == sorted(owed)
