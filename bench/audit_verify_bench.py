"""audit_verify and audit_export over N events, run by hand on PostgreSQL (never in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_dev \
        .venv/bin/python bench/audit_verify_bench.py [--events 1000000]

Unlike bench/audit_bench.py the database is not dropped: the schema is migrated, and events
are appended (a valid chain, checkpointed every 100,000 events) until the log holds at least
N of them, so a second run reuses the first one's. AUDIT_SIGNING_KEY must stay the same from
one run to the next (a fixed test key is used when it is unset).

Prints, as a Markdown table, each measure next to a baseline taken in the same run:
  - baselines: hashlib alone (two SHA-256 per event over bytes of an event's body and link
    sizes), and `COPY (SELECT * FROM audit_auditevent ORDER BY seq) TO STDOUT` read whole;
  - `audit_verify` (full), `audit_verify --incremental` after 10,000 more events, and
    `audit_export`: wall seconds of the command's process, of the command alone (after
    django.setup()), CPU seconds of the command and its workers (PostgreSQL's own CPU is not
    counted), peak memory of the main process (its VmHWM: ru_maxrss would carry over this
    script's own peak through fork and exec) and of its largest worker, and the zip's size;
  - the ratios the targets are stated in: the command's wall seconds over hashlib's (the
    target: 5 for audit_verify, 15 for audit_export), and its CPU seconds over hashlib's;
  - bytes per event of the events table, each of its indexes and the Merkle tree (after
    VACUUM ANALYZE, at the end);
  - the load average before and after, since the machine may be shared.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))

TEST_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="  # bytes 0..31: a bench key only


def setup() -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["RELAIS_DURABLE_COMMITS"] = "1"  # as production commits (config/settings/test.py)
    os.environ.setdefault("AUDIT_SIGNING_KEY", TEST_KEY)
    import django

    django.setup()


def run_child(args: list[str]) -> dict:
    """A manage.py command in a fresh process: wall seconds (process, command alone), CPU
    seconds of the process and the workers it waited for, peak RSS of the process in MB."""
    program = (
        "import resource, sys, time\n"
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "def cpu():\n"
        "    own = resource.getrusage(resource.RUSAGE_SELF)\n"
        "    workers = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime\n"
        "began, cpu_began = time.perf_counter(), cpu()\n"
        f"call_command(*{args!r})\n"
        "hwm = [line for line in open('/proc/self/status') if line.startswith('VmHWM')]\n"
        "print('COMMAND', time.perf_counter() - began, hwm[0].split()[1], cpu() - cpu_began,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=BASE_DIR, check=False
    )
    wall = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}")
    command, rss_kb, command_cpu, workers_kb = result.stderr.rsplit("COMMAND", 1)[1].split()[:4]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {
        "wall": wall,
        "command": float(command),
        "cpu": cpu,
        "command_cpu": float(command_cpu),
        "rss": int(rss_kb) // 1024,
        "workers_rss": int(workers_kb) // 1024,
        "output": result.stdout,
    }


def hashlib_baseline(events: int) -> tuple[float, float]:
    """Two SHA-256 per event, over bytes the size of a bench event's body and link: wall and
    CPU seconds."""
    body, link = b"b" * 520, b"l" * 172
    sha256 = hashlib.sha256
    began, cpu_began = time.perf_counter(), time.process_time()
    for _ in range(events):
        sha256(body).hexdigest()
        sha256(link).hexdigest()
    return time.perf_counter() - began, time.process_time() - cpu_began


def copy_baseline() -> tuple[float, int]:
    """Seconds to read the whole table, in seq order, with COPY TO STDOUT; bytes read."""
    from django.db import connection

    size = 0
    began = time.perf_counter()
    with connection.cursor() as cursor:
        sql = "COPY (SELECT * FROM audit_auditevent ORDER BY seq) TO STDOUT"
        with cursor.cursor.copy(sql) as copy:
            for block in copy:
                size += len(block)
    return time.perf_counter() - began, size


def row(rows: list, *cells: str) -> None:
    rows.append(cells)
    print("| " + " | ".join(cells) + " |", file=sys.stderr, flush=True)


def measure(rows: list, label: str, args: list[str], hashing: tuple[float, float]) -> dict:
    """One command next to hashlib: the ratios of its wall and CPU seconds to hashlib's."""
    result = run_child(args)
    row(
        rows,
        label,
        f"{result['wall']:.1f} s ({result['command']:.1f} s after setup)",
        f"{result['cpu']:.1f} s ({result['command_cpu']:.1f} s after setup)",
        f"{result['rss']} MB (workers {result['workers_rss']} MB)",
        f"hashlib {hashing[0]:.2f} s, CPU {hashing[1]:.2f} s",
        f"{result['command'] / hashing[0]:.1f} (CPU {result['command_cpu'] / hashing[1]:.1f})",
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    setup()
    from audit_bench import bulk_load, sizes
    from django.core.management import call_command

    from audit.models import ChainHead

    call_command("migrate", verbosity=0)
    have = ChainHead.objects.get().seq
    if have < args.events:
        print(f"appending {args.events - have:,} events...", file=sys.stderr)
        bulk_load(args.events - have)
    total = ChainHead.objects.get().seq
    load_before = os.getloadavg()
    rows: list = []
    hashing = hashlib_baseline(total)
    copy_seconds, copy_bytes = copy_baseline()
    row(rows, f"hashlib alone, {total:,} events", f"{hashing[0]:.2f} s", f"{hashing[1]:.2f} s",
        "", "", "")  # fmt: skip
    row(rows, "COPY TO STDOUT of the table", f"{copy_seconds:.1f} s", "", "", "", "")
    tmp = Path(os.environ.get("TMPDIR", "/tmp"))  # noqa: S108
    state = tmp / "relais-verify-bench-state.txt"
    state.unlink(missing_ok=True)
    verify = ["audit_verify", "--max-gap", "0", "--incremental", str(state)]
    full = measure(rows, f"audit_verify, {total:,} events", verify, hashing)
    assert "OK:" in full["output"], full["output"]
    row(rows, "", "", "", "", f"COPY {copy_seconds:.1f} s", f"{full['command'] / copy_seconds:.1f}")
    bulk_load(10_000)
    incremental = run_child(verify)
    assert "OK:" in incremental["output"], incremental["output"]
    row(
        rows,
        "audit_verify --incremental, 10,000 new events",
        f"{incremental['wall']:.1f} s ({incremental['command']:.1f} s after setup)",
        f"{incremental['cpu']:.1f} s ({incremental['command_cpu']:.1f} s after setup)",
        f"{incremental['rss']} MB",
        f"hashlib {hashing[0]:.2f} s",
        f"{incremental['command'] / hashing[0]:.2f}",
    )
    state.unlink(missing_ok=True)
    target = tmp / "relais-verify-bench-export.zip"
    total = ChainHead.objects.get().seq
    export = measure(rows, f"audit_export, {total:,} events", ["audit_export", str(target)],
                     hashing)  # fmt: skip
    row(rows, "", f"zip {target.stat().st_size / 1e6:.0f} MB", "", "", f"COPY {copy_seconds:.1f} s",
        f"{export['command'] / copy_seconds:.1f}")  # fmt: skip
    target.unlink(missing_ok=True)
    load_after = os.getloadavg()
    total = ChainHead.objects.get().seq
    for cells in sizes(total):
        row(rows, *cells, "", "")
    print(
        f"\n{os.cpu_count()} CPUs, PostgreSQL, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average"
        f" {load_before[0]:.1f} before, {load_after[0]:.1f} after; COPY read"
        f" {copy_bytes / 1e6:.0f} MB\n"
    )
    print("| measure | wall | CPU | peak memory | baseline | ratio |\n|---|---|---|---|---|---|")
    for cells in rows:
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
