"""The outbox: the in-app notices and the e-mails owed for an event, written as rows in the
transaction of the change they announce, and what the digests list."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User

from ..models import (
    InfoRequest,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderKind,
)
from ..reminders.broker import enqueue
from ..reminders.schedule import next_send_slot, requeue_after
from ..selectors import awaited_date, overdue_q
from .recipients import Directory, status_change_recipients
from .rendering import DigestLine


def notify_status_change(
    *, info_request: InfoRequest, now: datetime | None = None, by_sweep: bool = False
) -> list[int]:
    """Both sides hear that the request changed status."""
    return _notify_event(
        info_request=info_request, kind=ReminderKind.STATUS_CHANGED, now=now, by_sweep=by_sweep
    )


def notify_deadline_change(*, info_request: InfoRequest, now: datetime | None = None) -> list[int]:
    """Both sides hear that the running deadline moved."""
    return _notify_event(
        info_request=info_request, kind=ReminderKind.DEADLINE_CHANGED, now=now, by_sweep=False
    )


def notify_sent_back(*, info_request: InfoRequest, now: datetime | None = None) -> list[int]:
    """The commune's legal officers hear that the mayor sent the draft back (not the remark)."""
    directory = Directory()
    recipients = directory.members(info_request.commune_id, [Role.LEGAL_OFFICER])
    return _notify_event(
        info_request=info_request,
        kind=ReminderKind.SENT_BACK,
        now=now,
        by_sweep=False,
        recipients=recipients,
    )


def _notify_event(
    *,
    info_request: InfoRequest,
    kind: str,
    now: datetime | None,
    by_sweep: bool,
    recipients: list[int] | None = None,
) -> list[int]:
    """Writes, inside the caller's transaction, one in-app notification and one outbox row per
    recipient, then enqueues the e-mails once the transaction commits.

    The rows commit or roll back with the change itself: a change is never announced twice
    nor lost. A change made by a person is e-mailed at once; one made by the sweep (an
    expiry) waits for the next business morning like a reminder.
    """
    now = now or timezone.now()
    if recipients is None:
        recipients = status_change_recipients(info_request=info_request)
    if not recipients:
        return []
    due_on = awaited_date(info_request)
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                info_request=info_request,
                kind=kind,
                status=info_request.status,
                due_on=due_on,
            )
            for user_id in recipients
        ]
    )
    send_after = (
        next_send_slot(now, departement_code=info_request.commune.departement_code)
        if by_sweep
        else now
    )
    rows = Reminder.objects.bulk_create(
        [
            Reminder(
                kind=kind,
                info_request=info_request,
                user_id=notification.user_id,
                due_on=timezone.localdate(now),
                about_status=info_request.status,
                send_after=send_after,
                # Sent at once: enqueued when the change commits, owed again only if lost.
                enqueued_at=now if send_after <= now else None,
                next_attempt_at=send_after + requeue_after() if send_after <= now else send_after,
                notification=notification,
            )
            for notification in notifications
        ]
    )
    ids = [row.pk for row in rows if row.enqueued_at is not None]
    if ids:
        # A lambda, not a partial: Django's robust on_commit logs the callable's __qualname__.
        transaction.on_commit(lambda: enqueue(ids), robust=True)
    return [row.pk for row in rows]


def overdue_of(*, prefecture_id: int, today: date) -> list[DigestLine]:
    """The prefecture's overdue requests, most overdue first: reference, status, due date."""
    rows = (
        InfoRequest.objects.filter(overdue_q(today=today), prefecture_id=prefecture_id)
        .only(
            "reference",
            "status",
            "resolution",
            "acknowledgement_due",
            "decision_due",
            "delivery_due",
        )
        .order_by("reference")
    )
    lines = [DigestLine(row.reference, row.status, awaited_date(row)) for row in rows]
    lines.sort(key=lambda line: (line.due_on or date.max, line.reference))
    return lines


# Sent as they come whatever the preference: the digests themselves and what the user asked.
NEVER_HELD_FOR_DIGEST = frozenset(
    {ReminderKind.DAILY_DIGEST, ReminderKind.OVERDUE_DIGEST, ReminderKind.PERSONAL}
)


def wants_daily_digest(user: User) -> bool:
    return NotificationPreference.objects.filter(user=user, daily_digest=True).exists()


def waits_for_daily_digest(*, user: User, kind: str) -> bool:
    """Whether this message's e-mail is left to the user's daily digest."""
    return kind not in NEVER_HELD_FOR_DIGEST and wants_daily_digest(user)
