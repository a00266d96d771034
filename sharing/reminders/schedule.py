"""When reminders fall due and when they may go out: the ledger's settings, quiet days, and
the rules (which kind, about which date, how many business days before or after, to whom)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from .. import deadlines
from ..models import ReminderKind, Status


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
    """How long an enqueued row waits before a sweep enqueues it again, in case its message
    was lost (a broker restarted without persistence, a worker killed with it prefetched).
    A longer queue than this only costs duplicate messages, which find the row sent."""
    return timedelta(seconds=_setting("REMINDER_REQUEUE_SECONDS", 300))


def max_attempts() -> int:
    return _setting("REMINDER_MAX_ATTEMPTS", 8)


def working_hours() -> tuple[int, int] | None:
    """Local hours (start, end) when reminder e-mails go out on business days; None sends at
    any time (tests with a real worker, which cannot choose the hour they run at)."""
    return _setting("REMINDER_WORKING_HOURS", (8, 19))


def dispatch_limit() -> int:
    """How many rows one sweep hands to the broker at most; the next sweep goes on."""
    return _setting("REMINDER_DISPATCH_LIMIT", 10_000)


def send_batch() -> int:
    """How many rows one send message carries at most. Publishing a message costs about a
    millisecond whatever it carries; a worker sends a message's rows one after the other, so
    a smaller batch spreads a sweep over more workers."""
    return max(1, _setting("REMINDER_SEND_BATCH", 50))


DISPATCH_BATCH = 1000


# --- quiet days -----------------------------------------------------------------------------


def at_hour(day: date, hour: int) -> datetime:
    """`day` at the local (Europe/Paris) hour."""
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
            return at_hour(day, start)
        if local.hour < end:
            return moment
    following = deadlines.add_business_days(day, 1, departement_code=departement_code)
    return at_hour(following, start)


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
    # The commune's answer to a clarification: two business days before its date, and the
    # first business day after it, while the request still waits for the commune.
    Rule(
        ReminderKind.CLARIFICATION_DUE_SOON,
        "clarification_due",
        -2,
        frozenset({Status.CLARIFICATION_REQUESTED}),
        COMMUNE,
    ),
    Rule(
        ReminderKind.CLARIFICATION_OVERDUE,
        "clarification_due",
        1,
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


def watched_days(rule: Rule, calendar_key: str, *, first: date, last: date) -> list[date]:
    """The watched dates whose trigger day, on this calendar, falls in [first, last]: one
    interval, since trigger days grow with the watched date."""
    departement_code = deadlines.representative_departement(calendar_key)
    margin = 3 * abs(rule.offset) + 15
    day = first - timedelta(days=margin if rule.offset > 0 else 0)
    end = last + timedelta(days=margin if rule.offset < 0 else 7)
    found = []
    while day <= end:
        if first <= rule.trigger_day(day, departement_code=departement_code) <= last:
            found.append(day)
        day += timedelta(days=1)
    return found


@dataclass(frozen=True)
class Slice:
    """Watched dates [low, high] of the communes of some départements, and when their
    reminders may go out: what one INSERT … SELECT writes."""

    low: date
    high: date
    send_after: datetime
    departements: tuple[str, ...]  # those, or with `national`, all but the other calendars'
    national: bool


def slices(rule: Rule, *, now: datetime) -> list[Slice]:
    """Where and what to look for, calendar by calendar, merged when calendars agree."""
    today = timezone.localdate(now)
    first = today - timedelta(days=catchup_days())
    groups: dict[tuple, list[str]] = {}
    for calendar_key in ALL_CALENDARS:
        days = watched_days(rule, calendar_key, first=first, last=today)
        if rule.before_deadline:
            days = [day for day in days if day >= today]  # "due soon" about a passed date
        if not days:
            continue
        send_after = next_send_slot(
            now, departement_code=deadlines.representative_departement(calendar_key)
        )
        ranges = (
            [(day, day) for day in days]  # a timestamp: one local day at a time
            if rule.field == "clarification_requested_at"
            else [(min(days), max(days))]
        )
        for low, high in ranges:
            groups.setdefault((low, high, send_after), []).append(calendar_key)
    found = []
    for (low, high, send_after), keys in groups.items():
        national = deadlines.NATIONAL_CALENDAR in keys
        chosen = [key for key in keys if key != deadlines.NATIONAL_CALENDAR]
        if national:  # every département but those of the calendars not in this group
            chosen = [key for key in deadlines.SPECIAL_CALENDARS if key not in keys]
        codes = tuple(sorted(code for key in chosen for code in deadlines.SPECIAL_CALENDARS[key]))
        found.append(Slice(low, high, send_after, codes, national))
    return found
