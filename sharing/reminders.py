"""The reminders ledger: what is owed to whom and when, found by a sweep, sent exactly once.

The database is the outbox. Nothing is scheduled ahead on the broker: a periodic sweep
(Celery beat, `sharing.sweep_deadlines`, or `manage.py sweep_deadlines`)

1. applies the expiry policy to requests whose decision deadline has just passed;
2. writes the reminders that fell due, found by range queries on the indexed due dates
   (their cost grows with the number due, not with the number open), one row per
   recipient, deduplicated by the ledger's unique constraints;
3. takes the rows owed now with `SELECT … FOR UPDATE SKIP LOCKED` (two sweeps never take
   the same row), stamps them enqueued, and enqueues `sharing.send_reminder(id)` once the
   transaction commits. An enqueue that fails (broker down) leaves the row owed: the next
   sweep enqueues it again.

`deliver` sends one row: claim (status `sending`, a fresh claim token, attempts + 1) in one
short transaction, send outside any transaction, then mark `sent` (and write the in-app
notification) in a second transaction that checks the claim token. A duplicate delivery
of the task finds the row sent, or claimed by a live worker, and returns.

The window that remains: a worker killed after the mail server accepted the message and
before the `sent` mark commits. Its claim expires after `REMINDER_CLAIM_LEASE_SECONDS`; the
next attempt asks the backend whether that Message-ID was already accepted (backends that
can tell, like `sharing.mail_backends.JsonLinesEmailBackend`) and only marks it; over SMTP
it cannot know, sends again with the same Message-ID, and the recipient may get two copies.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from kombu.exceptions import KombuError

from accounts.models import Role, User
from audit.services import audit_record

from . import deadlines, notifications
from .exceptions import ActionNotAllowed, InvalidInput, TransitionNotAllowed
from .models import (
    EVENT_KINDS,
    RESOLUTIONS_TO_DELIVER,
    TRANSITIONS,
    ExpiryPolicy,
    InfoRequest,
    Notification,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Status,
)
from .permissions import VIEW, can

logger = logging.getLogger("relais.reminders")


def _setting(name: str, default):
    return getattr(settings, name, default)


def catchup_days() -> int:
    """How far back a sweep looks for reminders it has not written yet (a beat that was down
    over a long weekend loses nothing)."""
    return _setting("REMINDER_CATCHUP_DAYS", 7)


def claim_lease() -> timedelta:
    """How long a claimed row belongs to the worker that claimed it; longer than the send
    task's hard time limit, so a live worker never loses its claim while still sending."""
    return timedelta(seconds=_setting("REMINDER_CLAIM_LEASE_SECONDS", 300))


def requeue_after() -> timedelta:
    """How long an enqueued row waits before a sweep enqueues it again (message lost)."""
    return timedelta(seconds=_setting("REMINDER_REQUEUE_SECONDS", 600))


def max_attempts() -> int:
    return _setting("REMINDER_MAX_ATTEMPTS", 8)


def working_hours() -> tuple[int, int] | None:
    """Local hours (start, end) when reminder e-mails go out on business days; None sends at
    any time (tests with a real worker, which cannot choose the hour they run at)."""
    return _setting("REMINDER_WORKING_HOURS", (8, 19))


DISPATCH_BATCH = 1000
CREATE_BATCH = 2000


# --- quiet days -----------------------------------------------------------------------------


def _at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def next_send_slot(moment: datetime, *, departement_code: str) -> datetime:
    """`moment` itself during working hours of a business day, else the next business morning
    (weekends and public holidays of the département are quiet)."""
    hours = working_hours()
    if hours is None:
        return moment
    start, end = hours
    local = timezone.localtime(moment)
    day = local.date()
    if deadlines.is_business_day(day, departement_code=departement_code):
        if local.hour < start:
            return _at(day, start)
        if local.hour < end:
            return moment
    following = deadlines.add_business_days(day, 1, departement_code=departement_code)
    return _at(following, start)


# --- the rules --------------------------------------------------------------------------------

WORKERS = "workers"
ESCALATION = "escalation"
COMMUNE = "commune"


@dataclass(frozen=True)
class Rule:
    """A reminder owed when a request in one of `statuses` reaches `offset` business days
    from the date in `field` (negative: before it; zero: on its last business day)."""

    kind: str
    field: str
    offset: int
    statuses: frozenset[str]
    audience: str
    deliverable_only: bool = False

    def watched(self, info_request) -> date | None:
        value = getattr(info_request, self.field)
        if isinstance(value, datetime):
            return timezone.localdate(value)
        return value

    def trigger_day(self, watched: date, *, departement_code: str) -> date:
        """The business day the reminder falls due."""
        if self.offset > 0:
            return deadlines.add_business_days(
                watched, self.offset, departement_code=departement_code
            )
        return deadlines.subtract_business_days(
            watched, -self.offset, departement_code=departement_code
        )

    @property
    def before_deadline(self) -> bool:
        return self.offset <= 0


DECISION_RUNNING = frozenset({Status.SUBMITTED, Status.ACKNOWLEDGED})

RULES: tuple[Rule, ...] = (
    Rule(
        ReminderKind.ACKNOWLEDGEMENT_DUE_SOON,
        "acknowledgement_due",
        -2,
        frozenset({Status.SUBMITTED}),
        WORKERS,
    ),
    Rule(
        ReminderKind.ACKNOWLEDGEMENT_OVERDUE,
        "acknowledgement_due",
        1,
        frozenset({Status.SUBMITTED}),
        ESCALATION,
    ),
    Rule(ReminderKind.DECISION_DUE_7, "decision_due", -7, DECISION_RUNNING, WORKERS),
    Rule(ReminderKind.DECISION_DUE_2, "decision_due", -2, DECISION_RUNNING, WORKERS),
    Rule(ReminderKind.DECISION_DUE_TODAY, "decision_due", 0, DECISION_RUNNING, WORKERS),
    Rule(ReminderKind.DECISION_OVERDUE, "decision_due", 1, DECISION_RUNNING, ESCALATION),
    Rule(
        ReminderKind.CLARIFICATION_PENDING,
        "clarification_requested_at",
        5,
        frozenset({Status.CLARIFICATION_REQUESTED}),
        COMMUNE,
    ),
    Rule(
        ReminderKind.DELIVERY_PENDING,
        "delivery_due",
        -2,
        frozenset({Status.DECIDED}),
        WORKERS,
        deliverable_only=True,
    ),
    Rule(
        ReminderKind.DELIVERY_OVERDUE,
        "delivery_due",
        1,
        frozenset({Status.DECIDED}),
        ESCALATION,
        deliverable_only=True,
    ),
)
RULES_BY_KIND = {rule.kind: rule for rule in RULES}

ALL_CALENDARS = (deadlines.NATIONAL_CALENDAR, *deadlines.SPECIAL_CALENDARS)


def watched_range(rule: Rule, first: date, last: date) -> tuple[date, date] | None:
    """The watched dates whose trigger day falls in [first, last] on some calendar.

    Trigger days grow with the watched date, so the answer is one interval per calendar;
    this returns their union (rows are then checked one by one on their own calendar)."""
    margin = 3 * abs(rule.offset) + 15
    found: list[date] = []
    for calendar_key in ALL_CALENDARS:
        departement_code = deadlines.representative_departement(calendar_key)
        day = first - timedelta(days=margin if rule.offset > 0 else 0)
        end = last + timedelta(days=margin if rule.offset < 0 else 7)
        while day <= end:
            trigger = rule.trigger_day(day, departement_code=departement_code)
            if first <= trigger <= last:
                found.append(day)
            day += timedelta(days=1)
    if not found:
        return None
    return min(found), max(found)


# --- the sweep ------------------------------------------------------------------------------


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Everything that fell due by `now`: expiries, new reminders, digests, then dispatch."""
    now = now or timezone.now()
    report = {
        "expired": expire_due(now=now),
        "reminders": create_due(now=now),
        "digests": create_digests(now=now),
    }
    report["enqueued"] = dispatch(now=now)
    return report


def expire_due(*, now: datetime) -> int:
    """Applies the implicit-rejection policy to requests whose decision deadline just passed.

    "Flag only" categories need nothing here: being overdue is derived from the dates (the
    `overdue` filter, the day counters) and the decision-overdue reminder escalates them."""
    from .services import info_request_expire

    today = timezone.localdate(now)
    sources, _ = TRANSITIONS["expire"]
    candidates = list(
        InfoRequest.objects.filter(
            decision_due__gte=today - timedelta(days=catchup_days()),
            decision_due__lt=today,
            status__in=sources - {Status.CLARIFICATION_REQUESTED},
            category__expiry_policy=ExpiryPolicy.IMPLICIT_REJECTION,
        ).values_list("pk", flat=True)
    )
    expired = 0
    for pk in candidates:
        with transaction.atomic():
            info_request = (
                InfoRequest.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            )
            if info_request is None:
                continue  # someone is changing it right now: the next sweep looks again
            before = info_request.status
            info_request = info_request_expire(info_request=info_request, now=now)
            expired += info_request.status != before
    return expired


def create_due(*, now: datetime) -> int:
    """Writes the reminders whose trigger day lies in the catch-up window, for each rule."""
    directory = notifications.Directory()
    return sum(_create_for_rule(rule, now=now, directory=directory) for rule in RULES)


@transaction.atomic
def _create_for_rule(rule: Rule, *, now: datetime, directory: notifications.Directory) -> int:
    today = timezone.localdate(now)
    first = today - timedelta(days=catchup_days())
    bounds = watched_range(rule, first, today)
    if bounds is None:
        return 0
    low, high = bounds
    rows = InfoRequest.objects.filter(status__in=rule.statuses)
    if rule.field == "clarification_requested_at":
        rows = rows.filter(
            clarification_requested_at__gte=_at(low, 0),
            clarification_requested_at__lt=_at(high + timedelta(days=1), 0),
        )
        done = Reminder.objects.filter(
            info_request=OuterRef("pk"),
            kind=rule.kind,
            created_at__gte=OuterRef("clarification_requested_at"),
        )
    else:
        if rule.before_deadline:
            low = max(low, today)  # a "due soon" about a passed deadline says nothing useful
        if low > high:
            return 0
        rows = rows.filter(**{f"{rule.field}__range": (low, high)})
        done = Reminder.objects.filter(
            info_request=OuterRef("pk"), kind=rule.kind, due_on=OuterRef(rule.field)
        )
    if rule.deliverable_only:
        rows = rows.filter(resolution__in=RESOLUTIONS_TO_DELIVER)
    # Rows a transition holds right now are skipped; the next sweep finds them again.
    found = list(
        rows.exclude(Exists(done))
        .select_for_update(skip_locked=True, of=("self",))
        .values_list(
            "pk",
            rule.field,
            "commune_id",
            "commune__departement_code",
            "prefecture_id",
            "assigned_to_id",
        )
    )
    directory.load({row[2] for row in found} | {row[4] for row in found})
    owed: list[Reminder] = []
    for pk, value, commune_id, departement_code, prefecture_id, assigned_to_id in found:
        watched = timezone.localdate(value) if isinstance(value, datetime) else value
        trigger = rule.trigger_day(watched, departement_code=departement_code)
        if not first <= trigger <= today:
            continue
        if rule.audience == COMMUNE:
            users = directory.commune(commune_id=commune_id)
        elif rule.audience == ESCALATION:
            users = directory.escalation(prefecture_id=prefecture_id, assigned_to_id=assigned_to_id)
        else:
            users = directory.workers(prefecture_id=prefecture_id, assigned_to_id=assigned_to_id)
        send_after = next_send_slot(now, departement_code=departement_code)
        owed.extend(
            Reminder(
                kind=rule.kind,
                info_request_id=pk,
                user_id=user_id,
                due_on=watched,
                send_after=send_after,
            )
            for user_id in users
        )
    Reminder.objects.bulk_create(owed, batch_size=CREATE_BATCH, ignore_conflicts=True)
    return len(owed)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def create_digests(*, now: datetime) -> int:
    """Once a week, a digest of overdue requests for each prefecture's admins."""
    from .selectors import overdue_q

    today = timezone.localdate(now)
    week = week_of(today)
    if Reminder.objects.filter(kind=ReminderKind.OVERDUE_DIGEST, due_on=week).exists():
        return 0
    prefectures = (
        InfoRequest.objects.filter(overdue_q(today=today))
        .values_list("prefecture_id", "prefecture__departement_code")
        .distinct()
    )
    directory = notifications.Directory()
    prefectures = sorted(set(prefectures))
    directory.load([pk for pk, _ in prefectures])
    owed = [
        Reminder(
            kind=ReminderKind.OVERDUE_DIGEST,
            organization_id=prefecture_id,
            user_id=user_id,
            due_on=week,
            send_after=next_send_slot(now, departement_code=departement_code),
        )
        for prefecture_id, departement_code in prefectures
        for user_id in directory.members(prefecture_id, [Role.PREFECTURE_ADMIN])
    ]
    Reminder.objects.bulk_create(owed, ignore_conflicts=True)
    return len(owed)


def owed_q(*, now: datetime) -> Q:
    """Rows to hand to a worker now: pending and due, or claimed by a worker whose lease ran
    out (it died); either way not enqueued in the last `requeue_after`."""
    return (
        Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING], send_after__lte=now)
        & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=now - requeue_after()))
        & (
            Q(status=ReminderStatus.PENDING)
            | Q(status=ReminderStatus.SENDING, claimed_at__lte=now - claim_lease())
        )
    )


def dispatch(*, now: datetime, limit: int = 100_000) -> int:
    """Enqueues a send task per owed row, in batches that two sweeps never share.

    The batches walk forward on (send_after, id), so a row whose enqueue failed (and which
    is owed again at once) waits for the next sweep instead of looping in this one."""
    total = 0
    after: tuple[datetime, int] | None = None
    while total < limit:
        rows = Reminder.objects.filter(owed_q(now=now))
        if after is not None:
            rows = rows.filter(Q(send_after__gt=after[0]) | Q(send_after=after[0], pk__gt=after[1]))
        with transaction.atomic():
            batch = list(
                rows.order_by("send_after", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", "send_after")[: min(DISPATCH_BATCH, limit - total)]
            )
            if not batch:
                break
            ids = [pk for pk, _ in batch]
            Reminder.objects.filter(pk__in=ids).update(enqueued_at=now)
            transaction.on_commit(partial(enqueue, ids), robust=True)
        after = (batch[-1][1], batch[-1][0])
        total += len(ids)
    return total


def enqueue(reminder_ids: list[int]) -> int:
    """Publishes one send task per row; on a broker failure, stops, and leaves the remaining
    rows to the next sweep (never an error for the web request that committed them).

    One connection per batch, tried once: with the broker down the caller waits for a refused
    connection, not for kombu's default retries (seconds per message)."""
    from .tasks import send_reminder

    app = send_reminder.app
    eager = app.conf.task_always_eager
    published = 0
    try:
        with nullcontext() if eager else app.connection_for_write() as connection:
            options = {"retry": False}
            if connection is not None:
                connection.ensure_connection(max_retries=0)
                options["connection"] = connection
            for pk in reminder_ids:
                send_reminder.apply_async((pk,), **options)
                published += 1
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
        ).update(enqueued_at=None)
    return published


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


def _departement_of(reminder: Reminder) -> str:
    if reminder.info_request_id is not None:
        return reminder.info_request.commune.departement_code
    return reminder.organization.departement_code


def _stale_reason(reminder: Reminder, *, today: date) -> str:
    """Why this row is no longer owed, or "" when it still is."""
    user = reminder.user
    if not user.is_active:
        return "user_inactive"
    if reminder.kind == ReminderKind.OVERDUE_DIGEST:
        from .selectors import overdue_q

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
                reminder.send_after = slot
                reminder.enqueued_at = None
                reminder.save(update_fields=["status", "send_after", "enqueued_at"])
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
        reminder.attempts += 1
        reminder.save(update_fields=["status", "claim_token", "claimed_at", "attempts"])
        return _Claim(reminder=reminder, token=reminder.claim_token, took_over=took_over)


@dataclass
class _Rendered:
    message: notifications.Message
    notification: Notification | None  # the in-app notice to write with the "sent" mark


def _render(reminder: Reminder, *, now: datetime) -> _Rendered:
    user = reminder.user
    language = notifications.language_of(user)
    if reminder.kind == ReminderKind.OVERDUE_DIGEST:
        lines = notifications.overdue_of(
            prefecture_id=reminder.organization_id, today=timezone.localdate(now)
        )
        message = notifications.render_digest(
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
        due_on = notifications.running_due_date(info_request)
    else:
        status = info_request.status
        due_on = reminder.due_on
    message = notifications.render_request_message(
        kind=reminder.kind,
        language=language,
        reference=info_request.reference,
        status=status,
        due_on=due_on,
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
            reminder.send_after = now + timedelta(seconds=retry_in)
            reminder.enqueued_at = None
        reminder.save(update_fields=["status", "send_after", "enqueued_at", "last_error"])
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
    email = notifications.email_for(
        reminder=claim.reminder, user=claim.reminder.user, message=rendered.message
    )
    if email is not None:
        try:
            connection = get_connection()
            message_id = email.extra_headers["Message-ID"]
            if not (claim.took_over and notifications.already_delivered(connection, message_id)):
                connection.send_messages([email])
        except Exception as exc:
            retry_in = _release(claim, error=type(exc).__name__, now=timezone.now())
            raise DeliveryFailed(
                reminder_id=reminder_id, retry_in=retry_in, error=type(exc).__name__
            ) from exc
    return _mark_sent(claim, rendered)


# --- personal reminders -------------------------------------------------------------------

PERSONAL_HORIZON_DAYS = 2 * 366


def personal_send_after(*, remind_on: date, departement_code: str, now: datetime) -> datetime:
    """The business morning of the chosen day (or the next one), never before now."""
    hours = working_hours()
    start = _at(remind_on, hours[0] if hours else 0)
    return next_send_slot(max(start, now), departement_code=departement_code)


@transaction.atomic
def personal_reminder_create(
    *, info_request: InfoRequest, actor: User, remind_on: date, now: datetime | None = None
) -> tuple[Reminder, bool]:
    """Anyone who can see a request may ask to be reminded of it on a day of their choosing;
    asking twice for the same day is harmless. Returns (reminder, created)."""
    now = now or timezone.now()
    if not can(actor, VIEW, info_request):
        raise ActionNotAllowed(action="remind")
    today = timezone.localdate(now)
    if remind_on < today:
        raise InvalidInput({"remind_on": "A reminder cannot be set in the past."})
    if remind_on > today + timedelta(days=PERSONAL_HORIZON_DAYS):
        raise InvalidInput({"remind_on": "A reminder can be set at most two years ahead."})
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
            reminder = Reminder.objects.create(
                **key,
                send_after=personal_send_after(
                    remind_on=remind_on,
                    departement_code=info_request.commune.departement_code,
                    now=now,
                ),
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
