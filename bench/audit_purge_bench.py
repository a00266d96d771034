"""Retention on the partitioned audit table: dropping whole months against deleting their rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_purge_bench \
        .venv/bin/python bench/audit_purge_bench.py [--events 2000000] [--months 24] [--purge 12]

The database named in DATABASE_URL is DROPPED and recreated (its name must contain "bench").
N events are copied (COPY) evenly over the last `--months` months, each month in its partition
as the beat task makes them; their hashes are placeholders (nothing here verifies the chain).
The oldest `--purge` months are then removed twice, each time in a transaction rolled back
afterwards, so both work on the same table:

- the partitions' way (`audit.partitions.purge_partitions`, what `audit_purge` does on
  PostgreSQL): the months behind the cut detached and dropped;
- the rows' way (what `audit_purge` did before, and still does on SQLite): the guard trigger
  off, `DELETE ... WHERE seq <= cut`.

Prints the wall time of each (the work is PostgreSQL's) and their ratio, and the size of the
table's indexes before and after each: a drop takes the months' indexes with it, a DELETE
leaves them their size until a REINDEX. Nothing is timed in the signing or the checkpoint,
which are the same either way.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'")
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["RELAIS_DURABLE_COMMITS"] = "1"  # as production commits (config/settings/test.py)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def copy_events(total: int, months: int) -> datetime:
    """COPY `total` events over the last `months` months; returns the first one's time."""
    from django.db import connection

    from audit import partitions
    from audit.verifier.encoding import FORMAT_VERSION

    now = datetime.now(UTC)
    start = datetime.combine(
        partitions.add_months(partitions.month_start(now), 1 - months), datetime.min.time(), UTC
    )
    step = (now - start) / total
    with connection.cursor() as cursor:
        partitions.create_months(cursor, partitions.months_between(start, now))
        columns = (
            "seq, prev_hash, hash, v, occurred_at, actor_username, actor_is_staff, actor_roles, "
            "action, outcome, target_type, target_ref, org_code, departement_code, scope, ip, "
            "user_agent, request_id, details"
        )
        with cursor.cursor.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
            lines = []
            for seq in range(1, total + 1):
                when = start + step * (seq - 1)
                lines.append(
                    f"{seq}\t{seq - 1:064x}\t{seq:064x}\t{FORMAT_VERSION}\t{when.isoformat()}\t"
                    f"liaison-26\tf\t[]\trequest.viewed\tok\tsharing.inforequest\t"
                    f"26198-2026-{seq % 9999:04d}\t26\t26\t,26,\t192.0.2.10\tbench\t\t{{}}\n"
                )
                if len(lines) == 10_000:
                    copy.write("".join(lines))
                    lines = []
            copy.write("".join(lines))
        cursor.execute(
            "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [total, f"{total:064x}"]
        )
        cursor.execute("VACUUM ANALYZE audit_auditevent")
    return start


def index_bytes() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(pg_indexes_size(inhrelid)), 0) FROM pg_inherits"
            " WHERE inhparent = 'audit_auditevent'::regclass"
        )
        return int(cursor.fetchone()[0])


def timed(work) -> tuple[float, int]:
    """Seconds of `work` and the index bytes after it, in a transaction rolled back."""
    from django.db import transaction

    with transaction.atomic():
        started = time.perf_counter()
        work()
        seconds = time.perf_counter() - started
        after = index_bytes()
        transaction.set_rollback(True)
    return seconds, after


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--purge", type=int, default=12, help="oldest months removed")
    args = parser.parse_args()
    setup()
    from django.db import connection

    from audit import partitions, triggers

    started = time.perf_counter()
    start = copy_events(args.events, args.months)
    print(
        f"{args.events:,} events copied in {time.perf_counter() - started:.0f} s", file=sys.stderr
    )
    before = datetime.combine(
        partitions.add_months(start.date(), args.purge), datetime.min.time(), UTC
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(seq) FROM audit_auditevent WHERE occurred_at < %s", [before])
        cut = cursor.fetchone()[0]

    def drop_months():
        dropped = partitions.purge_partitions(cut=cut, before=before)
        assert len(dropped) == args.purge, dropped

    def delete_rows():
        triggers.execute(connection, triggers.disable_statements("postgresql", "audit_auditevent"))
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM audit_auditevent WHERE seq <= %s", [cut])
            assert cursor.rowcount == cut

    initial = index_bytes()
    drop_seconds, drop_after = timed(drop_months)
    delete_seconds, delete_after = timed(delete_rows)
    load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    mb = 1024 * 1024
    print(
        f"\n{args.events:,} events over {args.months} months; the oldest {args.purge} months "
        f"({cut:,} events) removed; load average {load_average}\n"
    )
    print(f"| way | seconds | indexes after, MB (before: {initial / mb:.0f}) |")
    print("|---|---:|---:|")
    print(
        f"| detach and drop the months' partitions | {drop_seconds:.3f} | {drop_after / mb:.0f} |"
    )
    print(f"| DELETE the rows (trigger off) | {delete_seconds:.3f} | {delete_after / mb:.0f} |")
    print(f"\nratio DELETE / drop: {delete_seconds / drop_seconds:.1f}")


if __name__ == "__main__":
    main()
