"""Sending ledger rows at most once each: claim, send, mark (see the package docstring for
the one window left), one row at a time or a batch of rows carried by one message."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from time import monotonic

from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from accounts.models import Role

from ..models import (
    EVENT_KINDS,
    RESOLUTIONS_TO_DELIVER,
    InfoRequest,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from ..notifications import outbox, recipients, rendering
from ..permissions import VIEW, can
from ..selectors import awaited_date, overdue_q
from .schedule import RULES_BY_KIND, claim_lease, max_attempts, next_send_slot

logger = logging.getLogger("relais.reminders")

# --- sending one row ------------------------------------------------------------------------


class DeliveryFailed(Exception):
    """The mail backend refused or failed; the row is owed again after `retry_in` seconds."""

    def __init__(self, *, reminder_id: int, retry_in: int, error: str) -> None:
        self.reminder_id = reminder_id
        self.retry_in = retry_in
        super().__init__(f"reminder {reminder_id}: {error}; retry in {retry_in}s")


def backoff(attempts: int) -> int:
    """Seconds before the next attempt: 1, 2, 4 … minutes, at most an hour."""
    return min(60 * 2 ** max(attempts - 1, 0), 3600)


def already_delivered(connection, message_id: str) -> bool:
    """Asks the mail backend whether it already accepted this Message-ID, when it can tell
    (`sent_message_ids`, e.g. sharing.mail_backends.JsonLinesEmailBackend); SMTP cannot."""
    probe = getattr(connection, "sent_message_ids", None)
    return probe is not None and message_id in probe([message_id])


def _departement_of(reminder: Reminder) -> str:
    if reminder.info_request_id is not None:
        return reminder.info_request.commune.departement_code
    return reminder.organization.departement_code


def _stale_reason(reminder: Reminder, *, today: date) -> str:
    """Why this row is no longer owed, or "" when it still is."""
    user = reminder.user
    if not user.is_active:
        return "user_inactive"
    if reminder.kind == ReminderKind.DAILY_DIGEST:
        unread = Notification.objects.filter(user=user, read_at__isnull=True).exists()
        return "" if unread else "nothing_unread"
    if reminder.kind == ReminderKind.OVERDUE_DIGEST:
        is_admin = user.memberships.filter(
            organization=reminder.organization_id, role=Role.PREFECTURE_ADMIN
        ).exists()
        if not is_admin:
            return "not_admin"
        still_overdue = InfoRequest.objects.filter(
            overdue_q(today=today), prefecture_id=reminder.organization_id
        ).exists()
        return "" if still_overdue else "nothing_overdue"
    info_request = reminder.info_request
    if not can(user, VIEW, info_request):
        return "not_visible"
    rule = RULES_BY_KIND.get(reminder.kind)
    if rule is None:  # events and personal reminders stay owed
        return ""
    if info_request.status not in rule.statuses:
        return "status_moved_on"
    if rule.deliverable_only and info_request.resolution not in RESOLUTIONS_TO_DELIVER:
        return "nothing_to_deliver"
    if rule.watched(info_request) != reminder.due_on:
        return "deadline_moved"
    if rule.before_deadline and today > reminder.due_on:
        return "deadline_passed"
    return ""


def _lock(reminder_id: int) -> Reminder | None:
    return (
        Reminder.objects.select_for_update(of=("self",))
        .select_related("user", "info_request", "info_request__commune", "organization")
        .filter(pk=reminder_id)
        .first()
    )


@dataclass
class _Claim:
    reminder: Reminder
    token: uuid.UUID
    took_over: bool


def _claim(reminder_id: int, *, now: datetime) -> _Claim | str:
    """Phase 1: the row becomes ours (status sending, fresh token), or says why not."""
    with transaction.atomic():
        reminder = _lock(reminder_id)
        if reminder is None:
            return "missing"
        if reminder.status in {
            ReminderStatus.SENT,
            ReminderStatus.CANCELLED,
            ReminderStatus.FAILED,
        }:
            return "done"
        took_over = reminder.status == ReminderStatus.SENDING
        if took_over and reminder.claimed_at > now - claim_lease():
            return "busy"  # a live worker holds it; a duplicate delivery ends here
        if reminder.send_after > now:
            return "early"
        reason = _stale_reason(reminder, today=timezone.localdate(now))
        if reason:
            reminder.status = ReminderStatus.CANCELLED
            reminder.last_error = reason
            reminder.save(update_fields=["status", "last_error"])
            return "cancelled"
        if reminder.kind not in EVENT_KINDS:
            slot = next_send_slot(now, departement_code=_departement_of(reminder))
            if slot > now:
                reminder.status = ReminderStatus.PENDING
                reminder.send_after = reminder.next_attempt_at = slot
                reminder.save(update_fields=["status", "send_after", "next_attempt_at"])
                return "deferred"
        if reminder.attempts >= max_attempts():
            reminder.status = ReminderStatus.FAILED
            reminder.last_error = reminder.last_error or "max_attempts"
            reminder.save(update_fields=["status", "last_error"])
            logger.error("reminder %s given up after %s attempts", reminder.pk, reminder.attempts)
            return "failed"
        reminder.status = ReminderStatus.SENDING
        reminder.claim_token = uuid.uuid4()
        reminder.claimed_at = now
        reminder.next_attempt_at = now + claim_lease()  # owed again only if we die
        reminder.attempts += 1
        reminder.save(
            update_fields=["status", "claim_token", "claimed_at", "next_attempt_at", "attempts"]
        )
        return _Claim(reminder=reminder, token=reminder.claim_token, took_over=took_over)


@dataclass
class _Rendered:
    message: rendering.Message
    notification: Notification | None  # the in-app notice to write with the "sent" mark


def _render(reminder: Reminder, *, now: datetime) -> _Rendered:
    user = reminder.user
    language = rendering.language_of(user)
    if reminder.kind == ReminderKind.DAILY_DIGEST:
        return _Rendered(rendering.render_daily_digest(user=user, language=language), None)
    if reminder.kind == ReminderKind.OVERDUE_DIGEST:
        lines = outbox.overdue_of(
            prefecture_id=reminder.organization_id, today=timezone.localdate(now)
        )
        message = rendering.render_digest(
            language=language, organization=reminder.organization, lines=lines
        )
        notice = Notification(
            user=user,
            organization=reminder.organization,
            kind=reminder.kind,
            count=len(lines),
        )
        return _Rendered(message, notice)
    info_request = reminder.info_request
    if reminder.kind in EVENT_KINDS:
        status = reminder.about_status
        due_on = reminder.notification.due_on if reminder.notification_id else None
    elif reminder.kind == ReminderKind.PERSONAL:
        status = info_request.status
        due_on = awaited_date(info_request)
    else:
        status = info_request.status
        due_on = reminder.due_on
    message = rendering.render_request_message(
        kind=reminder.kind,
        language=language,
        reference=info_request.reference,
        status=status,
        due_on=due_on,
        side=recipients.side_of(user, info_request),
    )
    notice = None
    if reminder.notification_id is None:
        notice = Notification(
            user=user, info_request=info_request, kind=reminder.kind, status=status, due_on=due_on
        )
    return _Rendered(message, notice)


def _release(claim: _Claim, *, error: str, now: datetime) -> int:
    """The send failed: the row is owed again after a backoff, or failed at the cap."""
    retry_in = backoff(claim.reminder.attempts)
    with transaction.atomic():
        reminder = _lock(claim.reminder.pk)
        if reminder is None or reminder.claim_token != claim.token:
            return retry_in
        reminder.last_error = error[:100]
        if reminder.attempts >= max_attempts():
            reminder.status = ReminderStatus.FAILED
            logger.error("reminder %s failed for good: %s", reminder.pk, error)
        else:
            reminder.status = ReminderStatus.PENDING
            reminder.send_after = reminder.next_attempt_at = now + timedelta(seconds=retry_in)
        reminder.save(update_fields=["status", "send_after", "next_attempt_at", "last_error"])
    return retry_in


def _mark_sent(claim: _Claim, rendered: _Rendered) -> str:
    """Phase 3: sent, and the in-app notice, in one transaction, if the claim is still ours."""
    with transaction.atomic():
        reminder = _lock(claim.reminder.pk)
        if (
            reminder is None
            or reminder.status != ReminderStatus.SENDING
            or reminder.claim_token != claim.token
        ):
            logger.error("reminder %s: claim lost before the sent mark", claim.reminder.pk)
            return "claim_lost"
        fields = ["status", "sent_at", "last_error"]
        if rendered.notification is not None:
            rendered.notification.save()
            reminder.notification = rendered.notification
            fields.append("notification")
        reminder.status = ReminderStatus.SENT
        reminder.sent_at = timezone.now()
        reminder.last_error = ""
        reminder.save(update_fields=fields)
    return "sent"


def deliver(*, reminder_id: int, now: datetime | None = None) -> str:
    """Sends one ledger row at most once (see the module docstring for the one window left).

    Returns what happened: sent, done (already sent or cancelled), busy (another worker holds
    it), early, deferred (quiet hours), cancelled (no longer owed), failed, missing."""
    now = now or timezone.now()
    claim = _claim(reminder_id, now=now)
    if isinstance(claim, str):
        return claim
    rendered = _render(claim.reminder, now=now)
    email = rendering.email_for(
        reminder=claim.reminder, user=claim.reminder.user, message=rendered.message
    )
    if email is not None and outbox.waits_for_daily_digest(
        user=claim.reminder.user, kind=claim.reminder.kind
    ):
        email = None  # the in-app notice now, the e-mail in tomorrow's digest
    if email is not None:
        try:
            connection = get_connection()
            message_id = email.extra_headers["Message-ID"]
            if not (claim.took_over and already_delivered(connection, message_id)):
                connection.send_messages([email])
        except Exception as exc:
            retry_in = _release(claim, error=type(exc).__name__, now=timezone.now())
            raise DeliveryFailed(
                reminder_id=reminder_id, retry_in=retry_in, error=type(exc).__name__
            ) from exc
    return _mark_sent(claim, rendered)


@dataclass
class BatchOutcome:
    """What became of each row of a batch."""

    results: dict[int, str] = field(default_factory=dict)  # row → what `deliver` returned
    failed: dict[int, int] = field(default_factory=dict)  # row → seconds before its retry
    unstarted: list[int] = field(default_factory=list)  # left when the time ran out


def deliver_batch(*, reminder_ids: list[int], budget: float | None = None) -> BatchOutcome:
    """Sends each row of a batch as `deliver` sends one: each claimed, sent and marked on its
    own, so that a row that fails neither stops nor resends the others.

    Stops claiming once `budget` seconds have passed and leaves the rest unstarted: each row's
    claim is taken when its turn comes, so the task's hard time limit, counted from the start
    of the batch, still ends a hung send before that row's lease runs out. A row that fails
    for another reason than its send (a bug, the database) is logged and stays owed in the
    ledger, where a later sweep finds it; the attempts cap bounds how often."""
    started = monotonic()
    outcome = BatchOutcome()
    for position, reminder_id in enumerate(reminder_ids):
        if budget is not None and monotonic() - started >= budget:
            outcome.unstarted = list(reminder_ids[position:])
            break
        try:
            outcome.results[reminder_id] = deliver(reminder_id=reminder_id)
        except DeliveryFailed as exc:
            outcome.results[reminder_id] = "retry"
            outcome.failed[reminder_id] = exc.retry_in
        except Exception:
            logger.exception("reminder %s: delivery failed; left to the next sweep", reminder_id)
            outcome.results[reminder_id] = "error"
    return outcome
