"""The sweep: expiries, the reminders that fell due, the weekly digests, then the dispatch of
what is owed to the broker (see the package docstring)."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from enum import Enum

from django.db import connection, transaction
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from accounts.models import Membership, Organization, Role, User

from ..models import (
    RESOLUTIONS_TO_DELIVER,
    TRANSITIONS,
    ExpiryPolicy,
    InfoRequest,
    Notification,
    NotificationPreference,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Status,
)
from ..notifications.recipients import COMMUNE_ROLES, WORKER_ROLES, Directory
from ..selectors import overdue_q
from ..services.handling import info_request_expire
from .broker import enqueue, recover_lost_messages
from .schedule import (
    COMMUNE,
    DISPATCH_BATCH,
    ESCALATION,
    RULES,
    Rule,
    Slice,
    at_hour,
    catchup_days,
    dispatch_limit,
    next_send_slot,
    requeue_after,
    slices,
)

logger = logging.getLogger("relais.reminders")

# --- the sweep ------------------------------------------------------------------------------


class SweepFailed(Exception):
    """A phase of the sweep failed; the others ran (a bug in one must not hold all back)."""


def sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Everything that fell due by `now`: expiries, new reminders, digests, then dispatch.

    Each phase runs even when an earlier one failed: reminders already owed still go out.
    The failure is logged and raised at the end, so the task and the command show it."""
    now = now or timezone.now()
    report: dict[str, int] = {}
    failed: list[str] = []
    for name, phase in (
        ("expired", expire_due),
        ("reminders", create_due),
        ("digests", create_digests),
        ("daily_digests", create_daily_digests),
        ("enqueued", dispatch),
    ):
        try:
            report[name] = phase(now=now)
        except Exception:
            logger.exception("sweep phase %s failed", name)
            report[name] = 0
            failed.append(name)
    if failed:
        raise SweepFailed(f"sweep phases failed: {', '.join(failed)} (report {report})")
    return report


def expire_due(*, now: datetime) -> int:
    """Applies the implicit-rejection policy to requests whose decision deadline just passed.

    "Flag only" categories need nothing here: being overdue is derived from the dates (the
    `overdue` filter, the day counters) and the decision-overdue reminder escalates them."""
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
    expired = failures = 0
    for pk in candidates:
        with transaction.atomic():
            info_request = (
                InfoRequest.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            )
            if info_request is None:
                continue  # someone is changing it right now: the next sweep looks again
            before = info_request.status
            try:
                with transaction.atomic():
                    info_request = info_request_expire(info_request=info_request, now=now)
            except Exception:  # one request's failure must not stop the others' expiry
                logger.exception("expiry of request %s failed", pk)
                failures += 1
                continue
            expired += info_request.status != before
    if failures:
        raise SweepFailed(f"{failures} expiries failed")
    return expired


def create_due(*, now: datetime) -> int:
    """Writes the reminders whose trigger day lies in the catch-up window, for each rule:
    one INSERT … SELECT per rule and calendar slice, so that the work is done where the rows
    are, and grows with the number due. A row already written is skipped (NOT EXISTS, and the
    unique constraint behind it for two sweeps at once: ON CONFLICT DO NOTHING)."""
    return sum(
        _insert_owed(rule, piece, now=now) for rule in RULES for piece in slices(rule, now=now)
    )


# Raw SQL below: every identifier comes from the models' _meta and the RULES table, every
# value is a query parameter.


def _tables() -> dict[str, str]:
    return {
        "request": InfoRequest._meta.db_table,
        "reminder": Reminder._meta.db_table,
        "organization": Organization._meta.db_table,
        "membership": Membership._meta.db_table,
        "user": User._meta.db_table,
    }


def _recipients_sql(audience: str) -> tuple[list[str], list[str]]:
    """SELECTs of (request, watched date, user) over the `due` rows, one per source of
    recipients, and their parameters (roles). Joined with UNION ALL: someone found twice (an
    admin is also a worker) is written once, by ON CONFLICT DO NOTHING."""
    tables = _tables()
    select = "SELECT due.id AS request_id, due.watched, {user} AS user_id FROM due "
    active = f"JOIN {tables['user']} u ON u.id = {{user}} AND u.is_active"

    def members(organization: str, roles, *, unassigned_only: bool) -> tuple[str, list[str]]:
        placeholders = ", ".join(["%s"] * len(roles))
        sql = (
            select.format(user="m.user_id")
            + f"JOIN {tables['membership']} m ON m.organization_id = due.{organization} "
            + f"AND m.role IN ({placeholders}) "
            + active.format(user="m.user_id")
            + (" WHERE due.assigned_to_id IS NULL" if unassigned_only else "")
        )
        return sql, list(roles)

    if audience == COMMUNE:
        sql, params = members("commune_id", COMMUNE_ROLES, unassigned_only=False)
        return [sql], params
    assigned = select.format(user="due.assigned_to_id") + active.format(user="due.assigned_to_id")
    workers, params = members("prefecture_id", WORKER_ROLES, unassigned_only=True)
    parts = [assigned, workers]
    if audience == ESCALATION:  # the admins hear of an escalation whoever is assigned
        admins, admin_params = members(
            "prefecture_id", [Role.PREFECTURE_ADMIN], unassigned_only=False
        )
        parts.append(admins)
        params += admin_params
    return parts, params


def _insert_owed(rule: Rule, piece: Slice, *, now: datetime) -> int:
    """One INSERT … SELECT: the rule's reminders for one slice of watched dates."""
    tables = _tables()
    if rule.field == "clarification_requested_at":
        # A date object, so that PostgreSQL types it as a date in the SELECT list too.
        watched, watched_params = "%s", [piece.low]
        window = "r.clarification_requested_at >= %s AND r.clarification_requested_at < %s"
        window_params = [
            connection.ops.adapt_datetimefield_value(at_hour(piece.low, 0)),
            connection.ops.adapt_datetimefield_value(at_hour(piece.low + timedelta(days=1), 0)),
        ]
        done = "x.created_at >= r.clarification_requested_at"
    else:
        watched, watched_params = f"r.{rule.field}", []
        window = f"r.{rule.field} >= %s AND r.{rule.field} <= %s"
        window_params = [piece.low, piece.high]
        done = f"x.due_on = r.{rule.field}"
    statuses = sorted(rule.statuses)
    where = [f"r.status IN ({', '.join(['%s'] * len(statuses))})", window]
    params = [*watched_params, *statuses, *window_params]
    if rule.deliverable_only:
        resolutions = sorted(RESOLUTIONS_TO_DELIVER)
        where.append(f"r.resolution IN ({', '.join(['%s'] * len(resolutions))})")
        params += resolutions
    if piece.departements:
        placeholders = ", ".join(["%s"] * len(piece.departements))
        where.append(f"c.departement_code {'NOT ' if piece.national else ''}IN ({placeholders})")
        params += piece.departements
    where.append(
        f"NOT EXISTS (SELECT 1 FROM {tables['reminder']} x "  # noqa: S608 - see above
        f"WHERE x.info_request_id = r.id AND x.kind = %s AND {done})"
    )
    params.append(rule.kind)
    recipients, recipient_params = _recipients_sql(rule.audience)
    send_after = connection.ops.adapt_datetimefield_value(piece.send_after)
    # INSERT first (WITH inside it): SQLite's driver reports a row count for DML only.
    sql = (
        f"INSERT INTO {tables['reminder']} (kind, info_request_id, user_id, due_on, "  # noqa: S608
        "about_status, status, send_after, next_attempt_at, attempts, last_error, created_at) "
        "WITH due AS ("
        f"SELECT r.id, {watched} AS watched, r.commune_id, r.prefecture_id, r.assigned_to_id "
        f"FROM {tables['request']} r JOIN {tables['organization']} c ON c.id = r.commune_id "
        f"WHERE {' AND '.join(where)}) "
        "SELECT %s, owed.request_id, owed.user_id, owed.watched, '', %s, %s, %s, 0, '', %s "
        f"FROM ({' UNION ALL '.join(recipients)}) owed WHERE true "
        "ON CONFLICT DO NOTHING"
    )
    params += [
        rule.kind,
        ReminderStatus.PENDING,
        send_after,
        send_after,
        connection.ops.adapt_datetimefield_value(now),
        *recipient_params,
    ]
    # Choices are enums: a driver may dump an enum by name; the column holds its value.
    params = [str(value) if isinstance(value, Enum) else value for value in params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def create_digests(*, now: datetime) -> int:
    """Once a week, a digest of overdue requests for each prefecture's admins."""
    today = timezone.localdate(now)
    week = week_of(today)
    if Reminder.objects.filter(kind=ReminderKind.OVERDUE_DIGEST, due_on=week).exists():
        return 0
    prefectures = (
        InfoRequest.objects.filter(overdue_q(today=today))
        .values_list("prefecture_id", "prefecture__departement_code")
        .distinct()
    )
    directory = Directory()
    prefectures = sorted(set(prefectures))
    directory.load([pk for pk, _ in prefectures])
    owed = []
    for prefecture_id, departement_code in prefectures:
        send_after = next_send_slot(now, departement_code=departement_code)
        owed.extend(
            Reminder(
                kind=ReminderKind.OVERDUE_DIGEST,
                organization_id=prefecture_id,
                user_id=user_id,
                due_on=week,
                send_after=send_after,
                next_attempt_at=send_after,
            )
            for user_id in directory.members(prefecture_id, [Role.PREFECTURE_ADMIN])
        )
    Reminder.objects.bulk_create(owed, ignore_conflicts=True)
    return len(owed)


def create_daily_digests(*, now: datetime) -> int:
    """Once a day, for each user who chose it, one e-mail listing their unread notices (none
    when nothing is unread). The unique constraint makes a second sweep the same day a no-op;
    the row is about the user's first organisation, which only sets its quiet hours."""
    today = timezone.localdate(now)
    users = NotificationPreference.objects.filter(
        daily_digest=True, user__is_active=True
    ).values_list("user_id", flat=True)
    already = Reminder.objects.filter(kind=ReminderKind.DAILY_DIGEST, due_on=today).values_list(
        "user_id", flat=True
    )
    waiting = set(
        Notification.objects.filter(user_id__in=users, read_at__isnull=True)
        .exclude(user_id__in=already)
        .values_list("user_id", flat=True)
        .distinct()
    )
    if not waiting:
        return 0
    first_organization: dict[int, tuple[int, str]] = {}
    for user_id, organization_id, departement_code in (
        Membership.objects.filter(user_id__in=waiting)
        .order_by("pk")
        .values_list("user_id", "organization_id", "organization__departement_code")
    ):
        first_organization.setdefault(user_id, (organization_id, departement_code))
    owed = []
    for user_id, (organization_id, departement_code) in sorted(first_organization.items()):
        send_after = next_send_slot(now, departement_code=departement_code)
        owed.append(
            Reminder(
                kind=ReminderKind.DAILY_DIGEST,
                organization_id=organization_id,
                user_id=user_id,
                due_on=today,
                send_after=send_after,
                next_attempt_at=send_after,
            )
        )
    Reminder.objects.bulk_create(owed, ignore_conflicts=True)
    return len(owed)


def owed_q(*, now: datetime) -> Q:
    """Rows to hand to a worker now: not sent yet, and due for an attempt (first, or again
    because the message was lost or the worker that claimed the row died)."""
    return Q(status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING], next_attempt_at__lte=now)


def dispatch(*, now: datetime, limit: int | None = None) -> int:
    """Enqueues the owed rows' send tasks, in batches that two sweeps never share (SKIP
    LOCKED). A row handed out is next owed `requeue_after` later, should its message be
    lost; a claim pushes that to the end of the worker's lease.

    At most `dispatch_limit()` rows per sweep: workers send slower than a sweep can enqueue,
    and what waits is better kept in the database than in Redis; the next sweep goes on."""
    limit = dispatch_limit() if limit is None else limit
    recover_lost_messages(now=now)
    total = 0
    broker = {"down": False}
    after: tuple | None = None
    table = connection.ops.quote_name(Reminder._meta.db_table)

    def hand_over(ids: list[int]) -> None:
        if enqueue(ids) < len(ids):
            broker["down"] = True  # the rest waits for the next sweep

    while total < limit and not broker["down"]:
        rows = Reminder.objects.filter(owed_q(now=now))
        if after is not None:
            # Walk forward on the index: a batch never rereads the rows handed out before it.
            rows = rows.filter(
                RawSQL(  # noqa: S611 - the table name comes from the model, values are parameters
                    f"({table}.next_attempt_at, {table}.id) > (%s, %s)",
                    (connection.ops.adapt_datetimefield_value(after[0]), after[1]),
                    output_field=BooleanField(),
                )
            )
        with transaction.atomic():
            batch = list(
                rows.order_by("next_attempt_at", "pk")
                .select_for_update(skip_locked=True)
                .values_list("next_attempt_at", "pk")[: min(DISPATCH_BATCH, limit - total)]
            )
            if not batch:
                break
            ids = [pk for _, pk in batch]
            Reminder.objects.filter(pk__in=ids).update(
                enqueued_at=now, next_attempt_at=now + requeue_after()
            )
            # A named callable, not a partial: Django's robust on_commit logs its __qualname__.
            transaction.on_commit(lambda ids=ids: hand_over(ids), robust=True)
        after = batch[-1]
        total += len(ids)
    return total
