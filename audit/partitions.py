"""The events table's monthly partitions (PostgreSQL only; SQLite keeps one plain table).

`audit_auditevent` is partitioned by range of `occurred_at`, one partition per calendar month
in UTC (`audit_auditevent_y2026m12`), plus a DEFAULT partition (`audit_auditevent_default`)
that takes any event whose month has no partition, so that recording never fails. Partitions
are created ahead of time by `audit_partition_create(date)`, a function owned by the tables'
owner (SECURITY DEFINER) that the application role may only call: the beat task
`audit.ensure_partitions` keeps AUDIT_PARTITION_MONTHS_AHEAD months ready. Retention drops
whole months behind the purge's anchor (`purge_partitions`), and deletes the rest row by row.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from .models import AuditEvent

logger = logging.getLogger("relais.audit")

TABLE = "audit_auditevent"
DEFAULT_PARTITION = f"{TABLE}_default"
MONTHS_AHEAD = 3
_NAME = re.compile(rf"{TABLE}_y(\d{{4}})m(\d{{2}})")
# DETACH takes the parent's ACCESS EXCLUSIVE lock: a purge behind a long reader gives up
# (and is run again) rather than holding every writer in the queue behind it.
PURGE_LOCK_TIMEOUT = "5s"


def create_function_sql(schema: str) -> str:
    """The partition creator. CREATE then ATTACH rather than CREATE ... PARTITION OF: ATTACH
    takes SHARE UPDATE EXCLUSIVE on the parent, which does not stop writers and readers (only
    the default partition, scanned for rows of the new month, is locked briefly); a lock not
    granted within 2 s fails this run, and the next one retries. The advisory lock makes the
    existence check safe with several nodes."""
    return f"""
CREATE OR REPLACE FUNCTION audit_partition_create(in_month date) RETURNS boolean
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = "{schema}", pg_temp SET lock_timeout = '2s' AS $$
DECLARE
    first_day date := date_trunc('month', in_month)::date;
    name text := '{TABLE}_' || to_char(first_day, '"y"YYYY"m"MM');
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('audit_partition_create'));
    IF to_regclass(name) IS NOT NULL THEN
        RETURN false;
    END IF;
    EXECUTE format('CREATE TABLE %I (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)',
        name);
    EXECUTE format('ALTER TABLE {TABLE} ATTACH PARTITION %I FOR VALUES FROM (%L) TO (%L)',
        name, to_char(first_day, 'YYYY-MM-DD "00:00:00+00"'),
        to_char(first_day + interval '1 month', 'YYYY-MM-DD "00:00:00+00"'));
    RETURN true;
END;
$$"""  # noqa: S608 (schema from current_schema(), the rest constant)


def month_start(moment: datetime | date) -> date:
    return date(moment.year, moment.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every month from first's to last's, both included (dates or datetimes)."""
    months, month, end = [], month_start(first), month_start(last)
    while month <= end:
        months.append(month)
        month = add_months(month, 1)
    return months


def partition_name(month: date) -> str:
    """audit_auditevent_y2026m12: what audit_partition_create names the month's partition."""
    return f"{TABLE}_y{month.year:04d}m{month.month:02d}"


def bounds(month: date) -> tuple[datetime, datetime]:
    """The partition's range: [first instant of the month, first of the next) in UTC."""
    lower = datetime(month.year, month.month, 1, tzinfo=UTC)
    upper_month = add_months(month, 1)
    return lower, datetime(upper_month.year, upper_month.month, 1, tzinfo=UTC)


def create_months(cursor, months: list[date]) -> list[date]:
    """Create the partitions of these months that do not exist; returns those created."""
    created = []
    for month in months:
        cursor.execute("SELECT audit_partition_create(%s)", [month])
        if cursor.fetchone()[0]:
            created.append(month)
    return created


def monthly_partitions() -> list[date]:
    """The months that have a partition, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = %s::regclass",
            [TABLE],
        )
        names = [name for (name,) in cursor.fetchall()]
    return sorted(
        date(int(match[1]), int(match[2]), 1)
        for match in (_NAME.fullmatch(name) for name in names)
        if match
    )


def default_partition_events() -> int:
    """Events in the default partition: months without a partition (a clock far off, or a
    month the beat task could not create). 0 normally."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DEFAULT_PARTITION}")  # noqa: S608
        return cursor.fetchone()[0]


@dataclass
class PartitionReport:
    created: list[date] = field(default_factory=list)
    failed: list[date] = field(default_factory=list)
    default_events: int = 0


def partitions_ensure(*, ahead: int | None = None, now: datetime | None = None) -> PartitionReport:
    """The current month's partition and `ahead` more (AUDIT_PARTITION_MONTHS_AHEAD), each in
    its own transaction: a month that cannot be created (a lock not granted, or events of that
    month already in the default partition) is reported and the others still made. Safe to run
    on several nodes at once, and again: existing months are left alone."""
    if ahead is None:
        ahead = getattr(settings, "AUDIT_PARTITION_MONTHS_AHEAD", MONTHS_AHEAD)
    first = month_start(now or timezone.now())
    report = PartitionReport()
    for month in (add_months(first, count) for count in range(ahead + 1)):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                report.created += create_months(cursor, [month])
        except DatabaseError as exc:
            report.failed.append(month)
            logger.warning("audit partition %s not created (%s)", month, type(exc).__name__)
    report.default_events = default_partition_events()
    if report.default_events:
        logger.warning(
            "%d audit events are in the default partition (no partition for their month)",
            report.default_events,
        )
    return report


def _holds_events_after(month: date, cut: int) -> bool:
    """The month has an event not yet sequenced, or sequenced after `cut` (read through the
    parent: the date range prunes the other partitions)."""
    lower, upper = bounds(month)
    return (
        AuditEvent.objects.filter(occurred_at__gte=lower, occurred_at__lt=upper)
        .filter(Q(seq__isnull=True) | Q(seq__gt=cut))
        .exists()
    )


def purge_partitions(*, cut: int, before: datetime) -> list[str]:
    """Remove the events up to seq `cut` (all older than `before`), in the purge's transaction,
    run by the tables' owner: months entirely behind the cut are detached and dropped (no row
    is read, and their indexes go with them), the other months older than `before` and the
    default partition have their rows deleted, their guard trigger off for this transaction.
    The detaching comes last, so that the parent's lock is held only until commit. Returns the
    dropped partitions."""
    whole, partial = [], [DEFAULT_PARTITION]
    for month in monthly_partitions():
        lower, upper = bounds(month)
        if lower >= before:
            break
        behind = upper <= before and not _holds_events_after(month, cut)
        (whole if behind else partial).append(partition_name(month))
    trigger = f"{TABLE}_append_only"
    with connection.cursor() as cursor:
        for name in partial:
            cursor.execute(f"ALTER TABLE {name} DISABLE TRIGGER {trigger}")
            cursor.execute(f"DELETE FROM {name} WHERE seq <= %s", [cut])  # noqa: S608
            cursor.execute(f"ALTER TABLE {name} ENABLE ALWAYS TRIGGER {trigger}")
        if whole:
            cursor.execute(f"SET LOCAL lock_timeout = '{PURGE_LOCK_TIMEOUT}'")
        for name in whole:
            cursor.execute(f"ALTER TABLE {TABLE} DETACH PARTITION {name}")
            cursor.execute(f"DROP TABLE {name}")
    return whole
