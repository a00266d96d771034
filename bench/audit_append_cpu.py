"""CPU per audit append, in one process, run by hand on PostgreSQL (never in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_bench \
        uv run python bench/audit_append_cpu.py [--calls 5000] [--rounds 3] [--profile]

The database named in DATABASE_URL is DROPPED and recreated: its name must contain "bench".
One writer, no concurrency: CPU seconds, not wall time, so that other work on the machine
matters far less than for the rates of bench/audit_bench.py. Reports, per event, interleaved
over --rounds rounds of --calls calls:
  - audit_record (autocommit, one transaction per event as in a request): the writer
    process's CPU and its PostgreSQL backend's (read from /proc: the server must run on this
    machine);
  - the same row as one plain parameterised INSERT into a table of the same shape and indexes
    (bench/audit_bench.py's baseline), on the same connection;
  - the sequencer (audit_sequence) on the events just recorded: its process and its backend.
--profile then prints audit_record's profile, by CPU time, sorted by cumulative time.
--instructions counts instead the instructions the writer process runs per event (valgrind's
callgrind, from Debian's valgrind package): audit_record and the plain INSERT, each in a
process of its own run twice, with 200 and 200 + --calls events after the same warm-up, the
difference divided by --calls. Counts in user space only (not the kernel's, not the server's),
and the same from run to run whatever else the machine does: for small changes to the writer's
Python, where CPU seconds differ by less than their noise.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from audit_bench import (
    _backend_cpu,
    create_plain_table,
    plain_inserts,
    prepare_environment,
    recreate_database,
    setup_django,
)


def instructions(calls: int) -> tuple[float, float]:
    """Instructions per event of audit_record and of the plain INSERT, under callgrind (the
    four processes two at a time: one per core)."""

    def counted(kind: str, count: int) -> int:
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            sys.executable,
            __file__,
            "--child",
            kind,
            str(count),
        ]
        run = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603
        found = re.search(r"I\s+refs:\s+([\d,]+)", run.stderr)
        if found is None:
            sys.exit(f"no instruction count from valgrind:\n{run.stderr[-2000:]}")
        return int(found.group(1).replace(",", ""))

    runs = [(kind, count) for kind in ("audit_record", "plain") for count in (200, 200 + calls)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        record_short, record_long, plain_short, plain_long = pool.map(lambda r: counted(*r), runs)
    return (record_long - record_short) / calls, (plain_long - plain_short) / calls


def child(kind: str, count: int) -> None:
    """Under callgrind: 200 events to warm up, then `count` (the first 200 of them again)."""
    setup_django()
    from django.db import connection

    from audit.services import audit_record

    connection.ensure_connection()
    for work in (200, count):
        if kind == "audit_record":
            for i in range(work):
                audit_record(actor=None, action="bench.append", details={"writer": 0, "i": i})
        else:
            plain_inserts(connection, work, writer=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--instructions", action="store_true")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        prepare_environment()
        child(args.child[0], int(args.child[1]))
        return
    recreate_database(prepare_environment())
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from audit.sequencer import audit_sequence
    from audit.services import audit_record

    call_command("migrate", verbosity=0)
    create_plain_table()
    if args.instructions:
        record, plain_insert = instructions(args.calls)
        print("\nInstructions per event in the writer process (callgrind)\n")
        print("| audit_record | plain INSERT | ratio |\n|---|---|---|")
        print(f"| {record:,.0f} | {plain_insert:,.0f} | {record / plain_insert:.2f} |")
        return
    connection.ensure_connection()

    def appends(count: int) -> None:
        for i in range(count):
            audit_record(actor=None, action="bench.append", details={"writer": 0, "i": i})

    def plain(count: int) -> None:
        plain_inserts(connection, count, writer=0)

    def measure(work) -> tuple[float, float, int]:
        process, backend = time.process_time(), _backend_cpu(connection)
        count = work()
        after = _backend_cpu(connection)
        if backend is None or after is None:
            sys.exit("the PostgreSQL server must run on this machine (its CPU is read in /proc)")
        return time.process_time() - process, after - backend, count

    appends(200)  # warm up: imports, the cursor, the partition
    plain(200)
    audit_sequence()
    totals = {name: [0.0, 0.0, 0] for name in ("audit_record", "plain INSERT", "sequencer")}
    for _ in range(args.rounds):
        for name, work in (
            ("audit_record", lambda: appends(args.calls) or args.calls),
            ("plain INSERT", lambda: plain(args.calls) or args.calls),
            ("sequencer", audit_sequence),
        ):
            process, backend, count = measure(work)
            total = totals[name]
            total[0], total[1], total[2] = total[0] + process, total[1] + backend, total[2] + count
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\nCPU µs per event, {args.rounds} x {args.calls:,} (load average {load})\n")
    print("| work | process | PostgreSQL backend | together |\n|---|---|---|---|")
    for name, (process, backend, count) in totals.items():
        process, backend = process * 1e6 / count, backend * 1e6 / count
        print(f"| {name} | {process:.0f} | {backend:.0f} | {process + backend:.0f} |")
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.runcall(appends, args.calls)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
