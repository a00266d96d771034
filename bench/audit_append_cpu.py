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
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time

from audit_bench import (
    _backend_cpu,
    create_plain_table,
    plain_inserts,
    prepare_environment,
    recreate_database,
    setup_django,
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    recreate_database(prepare_environment())
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from audit.sequencer import audit_sequence
    from audit.services import audit_record

    call_command("migrate", verbosity=0)
    create_plain_table()
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
