"""A user's in-app notices: marking them read, choosing a daily digest over an e-mail each."""

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from ..exceptions import ActionNotAllowed
from ..models import Notification, NotificationPreference
from ..selectors import notifications_of


@transaction.atomic
def notification_mark_read(*, notification: Notification, actor: User) -> Notification:
    """A user marks one of their own notices read; anyone else's is not theirs to touch."""
    locked = Notification.objects.select_for_update().filter(pk=notification.pk, user=actor).first()
    if locked is None:
        raise ActionNotAllowed(action="mark_read")
    notification = locked
    if notification.read_at is not None:
        return notification  # marking again is harmless
    notification.read_at = timezone.now()
    notification.save(update_fields=["read_at"])
    audit_record(
        actor=actor,
        action="notification.read",
        details={"notification": notification.pk, "count": 1},
    )
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """A user marks all the unread notices they are shown read (those about requests they can
    no longer see stay hidden, and untouched); returns how many were marked."""
    # One UPDATE locks and changes exactly the rows it marks; a notice arriving meanwhile
    # stays unread, and two concurrent calls cannot count a notice twice.
    marked = notifications_of(user=actor, unread=True).update(read_at=timezone.now())
    if marked:
        audit_record(actor=actor, action="notification.read", details={"count": marked})
    return marked


@transaction.atomic
def notification_preference_set(*, actor: User, daily_digest: bool) -> NotificationPreference:
    """A user chooses between an e-mail per notice and one e-mail a day; their own only."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    if preference.daily_digest == daily_digest:
        return preference  # choosing again is harmless
    preference.daily_digest = daily_digest
    preference.save(update_fields=["daily_digest", "updated_at"])
    audit_record(
        actor=actor,
        action="notification.preference_changed",
        details={"daily_digest": daily_digest},
    )
    return preference
