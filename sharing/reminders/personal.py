"""Personal reminders: "remind me about this request on that day", for anyone who can see it."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from .. import rules
from ..exceptions import ActionNotAllowed, InvalidInput, TransitionNotAllowed
from ..models import InfoRequest, Reminder, ReminderKind, ReminderStatus
from .schedule import at_hour, next_send_slot, working_hours

# --- personal reminders -------------------------------------------------------------------

PERSONAL_HORIZON_DAYS = 2 * 366


def personal_send_after(*, remind_on: date, departement_code: str, now: datetime) -> datetime:
    """The business morning of the chosen day (or the next one), never before now."""
    hours = working_hours()
    start = at_hour(remind_on, hours[0] if hours else 0)
    return next_send_slot(max(start, now), departement_code=departement_code)


@transaction.atomic
def personal_reminder_create(
    *, info_request: InfoRequest, actor: User, remind_on: date, now: datetime | None = None
) -> tuple[Reminder, bool]:
    """Anyone who can see a request may ask to be reminded of it on a day of their choosing,
    until it is closed or withdrawn; asking twice for the same day is harmless. Returns
    (reminder, created)."""
    now = now or timezone.now()
    rules.check(actor, "remind", info_request)
    today = timezone.localdate(now)
    if remind_on < today:
        raise InvalidInput({"remind_on": "reminder_in_past"})
    if remind_on > today + timedelta(days=PERSONAL_HORIZON_DAYS):
        raise InvalidInput({"remind_on": "reminder_too_far"})
    key = {
        "kind": ReminderKind.PERSONAL,
        "info_request": info_request,
        "user": actor,
        "due_on": remind_on,
    }
    existing = Reminder.objects.filter(**key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            send_after = personal_send_after(
                remind_on=remind_on,
                departement_code=info_request.commune.departement_code,
                now=now,
            )
            reminder = Reminder.objects.create(
                **key, send_after=send_after, next_attempt_at=send_after
            )
    except IntegrityError:  # the same request, twice at once
        return Reminder.objects.get(**key), False
    audit_record(
        actor=actor,
        action="reminder.created",
        target=info_request,
        organization=info_request.commune,
        details={"reminder": reminder.pk, "remind_on": remind_on.isoformat()},
    )
    return reminder, True


@transaction.atomic
def personal_reminder_cancel(*, reminder: Reminder, actor: User) -> Reminder:
    """A user withdraws their own personal reminder before it is sent."""
    reminder = Reminder.objects.select_for_update().get(pk=reminder.pk)
    if reminder.user_id != actor.pk or reminder.kind != ReminderKind.PERSONAL:
        raise ActionNotAllowed(action="cancel_reminder")
    if reminder.status == ReminderStatus.CANCELLED:
        return reminder
    if reminder.status != ReminderStatus.PENDING:
        raise TransitionNotAllowed(action="cancel_reminder", status=reminder.status)
    reminder.status = ReminderStatus.CANCELLED
    reminder.last_error = "cancelled_by_user"
    reminder.save(update_fields=["status", "last_error"])
    audit_record(
        actor=actor,
        action="reminder.cancelled",
        target=reminder.info_request,
        organization=reminder.info_request.commune,
        details={"reminder": reminder.pk},
    )
    return reminder
