"""The events table partitioned by month of `occurred_at` (PostgreSQL; audit/partitions.py).

The table is rebuilt as a partitioned one with the same columns: one partition per month from
the oldest event's to AUDIT_PARTITION_MONTHS_AHEAD months after the current one, a DEFAULT
partition, the events copied (in time proportional to their number: plan the upgrade of a
large log), the old table dropped. A partitioned table's unique indexes must hold the
partition key, so the primary key becomes (id, occurred_at) and the unique index on seq
(seq, occurred_at), 8 bytes more per entry each; id comes from one identity and seq from
the sequencer under the head row's lock, so both stay unique alone. The indexes are those of migration 0008, created on
the parent (hence on every partition, present and future); the append-only triggers too
(row triggers on a partitioned table are cloned to its partitions, `ENABLE ALWAYS` with them).

`audit_partition_create(date)` creates one month's partition; it runs with its owner's rights
(the tables' owner, who runs migrations) and only the roles granted EXECUTE may call it
(sql/audit_grants.sql grants it to the application role, for the beat task).

Reversed, the table is rebuilt plain with migration 0008's indexes, its events copied back.

SQLite: nothing changes. The model state does not change either: Django still sees `id` as
the primary key and `seq` as unique, which the values are.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations
from django.utils import timezone

from audit import partitions, triggers

TABLE = partitions.TABLE
OLD = f"{TABLE}_previous"
LIKE_OLD = (
    f"CREATE TABLE {TABLE} (LIKE {OLD} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY)"
)

INDEXES = [
    f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id, occurred_at)",
    f"CREATE UNIQUE INDEX {TABLE}_seq ON {TABLE} (seq, occurred_at)",
    f"CREATE INDEX {TABLE}_unsequenced ON {TABLE} (id) WHERE seq IS NULL",
    f"CREATE INDEX {TABLE}_target_ref ON {TABLE} (target_ref)",
    f"CREATE INDEX {TABLE}_occurred_brin ON {TABLE} USING brin (occurred_at)",
    f"CREATE INDEX {TABLE}_action_seq ON {TABLE} (action varchar_pattern_ops)"
    " WHERE seq IS NOT NULL",
    f"CREATE INDEX {TABLE}_org_code_seq ON {TABLE} (org_code) WHERE seq IS NOT NULL",
]
# Back to migration 0008's plain table and indexes.
PLAIN_INDEXES = [
    f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (id)",
    *import_module("audit.migrations.0008_sequencer").POSTGRES_INDEXES,
]


def rebuild(connection, *, create: list[str], indexes: list[str]) -> None:
    """The events table made anew as `create` says, its events copied, the old one dropped
    (with its partitions, if it had any), then its indexes and append-only triggers."""
    triggers.execute(connection, [f"ALTER TABLE {TABLE} RENAME TO {OLD}", *create])
    triggers.execute(
        connection,
        [
            f"INSERT INTO {TABLE} OVERRIDING SYSTEM VALUE SELECT * FROM {OLD}",  # noqa: S608
            f"DROP TABLE {OLD}",
            f"SELECT setval(pg_get_serial_sequence('{TABLE}', 'id'),"
            f" coalesce(max(id), 0) + 1, false) FROM {TABLE}",  # noqa: S608
            *indexes,
            *triggers.postgres_create(TABLE),
            *triggers.postgres_event_guard(),
        ],
    )


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    ahead = getattr(settings, "AUDIT_PARTITION_MONTHS_AHEAD", partitions.MONTHS_AHEAD)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT current_schema(), min(occurred_at), max(occurred_at) FROM {TABLE}")  # noqa: S608
        schema, oldest, newest = cursor.fetchone()
    last = partitions.add_months(partitions.month_start(max(newest or now, now)), ahead)
    months = [
        f"SELECT audit_partition_create('{month}')"
        for month in partitions.months_between(oldest or now, last)
    ]
    rebuild(
        connection,
        create=[
            f"{LIKE_OLD} PARTITION BY RANGE (occurred_at)",
            partitions.create_function_sql(schema),
            "REVOKE ALL ON FUNCTION audit_partition_create(date) FROM PUBLIC",
            f"CREATE TABLE {partitions.DEFAULT_PARTITION} PARTITION OF {TABLE} DEFAULT",
            *months,
        ],
        indexes=INDEXES,
    )


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    rebuild(
        connection,
        create=[LIKE_OLD, "DROP FUNCTION audit_partition_create(date)"],
        indexes=PLAIN_INDEXES,
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0008_sequencer")]

    operations = [migrations.RunPython(forwards, backwards)]
