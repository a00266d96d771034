"""The events table's monthly partitions (PostgreSQL): created ahead, an insert that never
fails, retention by dropping whole months behind the anchor, date filters that read one month."""

import json
from datetime import UTC, datetime, timedelta
from importlib import import_module
from types import SimpleNamespace

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from audit import partitions
from audit.models import AuditCheckpoint, AuditEvent
from audit.partitions import add_months, month_start, monthly_partitions, partition_name
from audit.selectors import EventFilters, audit_events_visible_to
from audit.services import audit_purge, audit_record, checkpoint_issue
from audit.tasks import ensure_partitions
from audit.verification import verify_database
from ops.metrics import exposition

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="partitioning is PostgreSQL's; SQLite keeps one"
    ),
]


def home(event: AuditEvent) -> str:
    """The partition that holds the event."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM audit_auditevent WHERE id = %s", [event.id]
        )
        return cursor.fetchone()[0]


def create(*months) -> None:
    with connection.cursor() as cursor:
        partitions.create_months(cursor, list(months))


def test_migrate_creates_this_month_the_next_ones_and_a_default_partition():
    this_month = month_start(timezone.now())
    months = monthly_partitions()
    assert [add_months(this_month, n) for n in range(partitions.MONTHS_AHEAD + 1)] == [
        month for month in months if month >= this_month
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [partitions.DEFAULT_PARTITION])
        assert cursor.fetchone()[0]


def test_an_event_lands_in_the_partition_of_its_month(users):
    event = audit_record(actor=users["mayor"], action="request.viewed")
    month = month_start(event.occurred_at)
    assert home(event) == partition_name(month)


def test_beat_task_creates_the_coming_months_once(settings):
    settings.AUDIT_PARTITION_MONTHS_AHEAD = partitions.MONTHS_AHEAD + 2
    this_month = month_start(timezone.now())
    first = ensure_partitions.delay().get()
    assert first["created"] == [
        str(add_months(this_month, n))
        for n in (partitions.MONTHS_AHEAD + 1, partitions.MONTHS_AHEAD + 2)
    ]
    assert first["failed"] == []
    assert ensure_partitions.delay().get() == {"created": [], "failed": [], "default_events": 0}
    assert b"relais_audit_partition_months_ahead 5.0" in exposition()


def test_an_event_outside_the_created_months_goes_to_the_default_partition_and_is_reported(
    users,
):
    later = timezone.now() + timedelta(days=3 * 365)
    with time_machine.travel(later, tick=False):
        event = audit_record(actor=users["mayor"], action="request.viewed")
    assert home(event) == partitions.DEFAULT_PARTITION
    assert ensure_partitions.delay().get()["default_events"] == 1
    assert b"relais_audit_default_partition_events 1.0" in exposition()
    # Its month's partition cannot be created any more: reported, the other months still made.
    report = partitions.partitions_ensure(ahead=1, now=later)
    assert report.failed == [month_start(later)]
    assert report.created == [add_months(month_start(later), 1)]


def record_at(moment: datetime, users, count: int, *, checkpoint: bool = True) -> None:
    with time_machine.travel(moment, tick=False):
        for _ in range(count):
            audit_record(actor=users["mayor"], action="request.viewed")
        if checkpoint:
            checkpoint_issue()


def at(month, day: int) -> datetime:
    return datetime(month.year, month.month, day, 12, tzinfo=UTC)


def test_purge_drops_the_months_behind_the_anchor_and_the_rest_still_verifies(
    audit_key, users, settings
):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 0
    settings.AUDIT_RETENTION_DAYS = 365
    whole = month_start(timezone.now() - timedelta(days=540))
    unpartitioned, partial = add_months(whole, 2), add_months(whole, 4)
    create(whole, partial)
    record_at(at(whole, 2), users, 3)
    record_at(at(unpartitioned, 2), users, 2)  # in the default partition
    record_at(at(partial, 2), users, 3)
    anchor = AuditCheckpoint.objects.order_by("-number").first()
    record_at(at(partial, 3), users, 2, checkpoint=False)  # after the anchor: kept
    record_at(timezone.now() - timedelta(days=10), users, 3)

    result = audit_purge()

    assert result.dropped_partitions == (partition_name(whole),)
    assert whole not in monthly_partitions()
    assert partial in monthly_partitions()
    assert result.purged_to == anchor.size
    assert result.deleted == 8
    assert not AuditEvent.objects.filter(seq__lte=anchor.size).exists()
    kept = AuditEvent.objects.filter(occurred_at__lt=at(partial, 4))
    assert sorted(kept.values_list("seq", flat=True)) == [anchor.size + 1, anchor.size + 2]
    assert AuditEvent.objects.filter(action="audit.purged").exists()
    checkpoint_issue()
    report = verify_database()
    assert report.ok, report.errors
    assert report.first_seq == anchor.size + 1


def test_a_month_with_events_after_the_anchor_is_not_dropped(audit_key, users, settings):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 0
    month = month_start(timezone.now() - timedelta(days=450))
    create(month)
    record_at(at(month, 2), users, 2)
    record_at(at(month, 3), users, 1, checkpoint=False)  # not behind any checkpoint before
    record_at(timezone.now(), users, 1)
    result = audit_purge()
    assert result.dropped_partitions == ()
    assert month in monthly_partitions()
    assert AuditEvent.objects.filter(occurred_at__lt=at(month, 4)).count() == 1


def scanned(queryset) -> set[str]:
    """The relations a query's plan reads (plan-time pruning leaves the others out)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        raw = cursor.fetchone()[0]
    plan = json.loads(raw) if isinstance(raw, str) else raw
    found = set()

    def walk(node):
        if node.get("Relation Name"):
            found.add(node["Relation Name"])
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def test_an_auditors_date_filter_reads_only_its_months_partition(users):
    this_month = month_start(timezone.now())
    lower, upper = partitions.bounds(this_month)
    events = audit_events_visible_to(
        user=users["auditor_national"], filters=EventFilters(date_from=lower, date_to=upper)
    )
    assert {name for name in scanned(events) if name.startswith("audit_auditevent")} == {
        partition_name(this_month)
    }


def is_partitioned() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_partitioned_table"
            " WHERE partrelid = 'audit_auditevent'::regclass"
        )
        return cursor.fetchone()[0] == 1


def test_migration_copies_the_events_into_their_months_and_back(audit_key, users, settings):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 0
    old_month = month_start(timezone.now() - timedelta(days=200))
    record_at(at(old_month, 2), users, 2)
    record_at(timezone.now(), users, 2)
    migration = import_module("audit.migrations.0009_monthly_partitions")
    editor = SimpleNamespace(connection=connection)

    migration.backwards(None, editor)
    assert not is_partitioned()
    assert verify_database().ok
    migration.forwards(None, editor)

    assert is_partitioned()
    assert old_month in monthly_partitions()  # made for the oldest event's month
    old = AuditEvent.objects.order_by("seq").first()
    assert home(old) == partition_name(old_month)
    later = audit_record(actor=users["mayor"], action="request.viewed")
    assert later.id > AuditEvent.objects.exclude(id=later.id).order_by("-id").first().id
    checkpoint_issue()
    report = verify_database()
    assert report.ok, report.errors
