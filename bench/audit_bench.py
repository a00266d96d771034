"""Audit log benchmark, run by hand on PostgreSQL (never in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_bench \
        uv run python bench/audit_bench.py [--events 1000000] [--appends 4000]
        [--duration SECONDS] [--pgbench]

The database named in DATABASE_URL is DROPPED and recreated: its name must contain "bench".
Reports, as a Markdown table:
  - appends per second (audit_record) with 1, 8 and 32 concurrent writer processes while a
    sequencer process runs beside them as Celery beat would (every second here), next to plain
    single-row INSERTs of the same row into a table of the same shape and indexes (ratio);
  - the CPU per append of the writers' processes and of their PostgreSQL backends (read from
    /proc: the server must run on this machine), and of the sequencer (its process and its
    backend) per event it sequenced, against the plain inserts' own, and the ratio of rates
    they would give on cores of their own. Far less sensitive to other work than the rates,
    not immune: at load averages above 10 every figure grows (by 1.5 to 2 here), so compare
    runs made under the same load, and prefer an in-process A/B for small differences;
  - the sequencer's throughput on the backlog left at the end of each run (events/s; it must
    keep up with the appends), and the events it sequenced during the run;
  - bytes per event of the table and of each index after those appends and their sequencing
    (VACUUMed: the sequencing UPDATE leaves one dead version per event until VACUUM);
  - API detail view latency (GET /api/v1/requests/{reference}/) with its access record and
    without it, in alternating rounds (ratio of the medians; the bench checks that the records
    were made, and not made);
  - audit_verify over N events (seconds) and the ratio to hashing the same bytes with
    hashlib alone; then `audit_verify --incremental` after 10,000 more events;
  - audit_export of N events (seconds, peak resident memory of the process);
  - bytes per event of the events table and of each of its indexes, and of the Merkle tree.

--reuse keeps the database of a previous run (its million events) and measures only the
verification, the export and the sizes. --appends-only stops after the appends, the sequencer,
their sizes and the API latency; --duration S makes every writer setting of the appends last S
seconds instead of a fixed count (every writer appends until a shared deadline; the rate is the
rows the database holds from that window, so 32 writers are not judged by their slowest one);
--pgbench measures the database's append path alone, without the writers' Python: PostgreSQL's
pgbench (PGBENCH, default "pgbench") sends the INSERT audit_record sends, captured from it, with
1, 8 and 32 clients for --duration seconds (default 10), against the events table with the
sequencer beside, then into its trigger-less copy, and drains and checks the sequencing after
each setting (it implies --appends-only); --latency-only measures the API latency alone (with and
without the access record, in alternating rounds). The load average is printed with the
table: the machine may be shared.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

WRITERS = (1, 8, 32)


def prepare_environment() -> str:
    url = os.environ.get("DATABASE_URL", "")
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["RELAIS_DURABLE_COMMITS"] = "1"  # as production commits (config/settings/test.py)
    if not os.environ.get("AUDIT_SIGNING_KEY"):
        os.environ["AUDIT_SIGNING_KEY"] = base64.b64encode(os.urandom(32)).decode()
    return name


def recreate_database(name: str) -> None:
    import psycopg

    parsed = urlparse(os.environ["DATABASE_URL"])
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def setup_django() -> None:
    import django

    django.setup()


# -- appends ---------------------------------------------------------------------------------


def _backend_cpu(connection) -> float | None:
    """CPU seconds of this connection's PostgreSQL backend so far (user and system), read
    from /proc when the server runs on this machine; None otherwise."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu(connection) -> tuple[float, float | None]:
    return time.process_time(), _backend_cpu(connection)


def _spent(before: tuple[float, float | None], after: tuple[float, float | None]) -> tuple:
    """(process CPU seconds, backend CPU seconds or None) between two _cpu readings."""
    backend = None if before[1] is None or after[1] is None else after[1] - before[1]
    return after[0] - before[0], backend


def _writer(kind: str, count: int, number: int, ready, start, done, deadline) -> None:
    """`count` appends (or plain inserts), or as many as fit before `deadline` (time.time(),
    shared by every writer) when it is set."""
    setup_django()
    from django.db import connection

    from audit.services import audit_record

    connection.ensure_connection()
    ready.put(number)
    start.wait()
    until = deadline.value or None
    began = _cpu(connection)
    if kind == "chain":
        i = 0
        while (i < count) if until is None else (time.time() < until):
            audit_record(actor=None, action="bench.append", details={"writer": number, "i": i})
            i += 1
        count = i
    else:
        count = plain_inserts(connection, count, writer=number, until=until)
    spent = _spent(began, _cpu(connection))
    connection.close()
    done.put((count, *spent))


# The row audit_record writes, as one parameterised statement with no Python around it.
PLAIN_INSERT = (
    "INSERT INTO bench_plain_event (v, occurred_at, actor_id, actor_username,"
    " actor_is_staff, actor_roles, action, outcome, target_type, target_ref,"
    " org_code, departement_code, scope, ip, user_agent, request_id, details)"
    " VALUES (1, %s, NULL, '', false, %s::jsonb, 'bench.append', 'ok', '', '',"
    " '', '', '', '', '', '', %s::jsonb) RETURNING id"
)


def plain_inserts(connection, count: int, *, writer: int, until: float | None = None) -> int:
    """The baseline: plain INSERTs of the row an append writes, each its own commit, `count`
    of them or as many as fit before `until` (time.time()); returns how many. Sent as an
    append sends its own, the values apart and the statement prepared (audit/cursors.py), so
    that the ratio measures the log, not the way the row travels."""
    from audit.cursors import server_binding_cursor

    i = 0
    with server_binding_cursor(connection, prepared=True) as cursor:
        while (i < count) if until is None else (time.time() < until):
            cursor.execute(
                PLAIN_INSERT, [datetime.now(UTC), "[]", f'{{"i": {i}, "writer": {writer}}}']
            )
            cursor.fetchone()
            i += 1
    return i


def _sequencer(stop, done) -> None:
    """What the Celery beat task does, every second, until told to stop."""
    setup_django()
    from django.db import connection

    from audit.sequencer import audit_sequence

    sequenced = 0
    began = _cpu(connection)
    while not stop.wait(1.0):
        sequenced += audit_sequence()
    spent = _spent(began, _cpu(connection))
    connection.close()
    done.put((sequenced, *spent))


@dataclass
class Run:
    """One setting's appends: the rate, and CPU seconds of the writers' processes, of their
    PostgreSQL backends (None when the server is not on this machine) and of the sequencer
    (its process and its backend together)."""

    rate: float
    appends: int
    writers_cpu: float
    backends_cpu: float | None
    sequenced: int = 0
    sequencer_cpu: float | None = None

    def per_append(self, seconds: float | None) -> str:
        return "?" if seconds is None else f"{seconds / self.appends * 1e6:,.0f}"


def appends_per_second(kind: str, writers: int, total: int, duration: float = 0.0) -> Run:
    """The appends' rate and CPU, with the sequencer beside them for kind "chain": `total`
    appends shared among the writers (the rate then waits for the slowest writer), or, with a
    `duration`, every writer appending until a common deadline, the rate counted from the
    database: the rows stamped within the window (each writer checks the clock before an append,
    so at most its last one commits after the deadline, by one commit's time)."""
    context = multiprocessing.get_context("spawn")
    ready, start, done = context.Queue(), context.Event(), context.Queue()
    deadline = context.Value("d", 0.0)
    stop, sequenced = context.Event(), context.Queue()
    beside = context.Process(target=_sequencer, args=(stop, sequenced))
    if kind == "chain":
        beside.start()
    per = max(total // writers, 1)
    processes = [
        context.Process(target=_writer, args=(kind, per, n, ready, start, done, deadline))
        for n in range(writers)
    ]
    for process in processes:
        process.start()
    for _ in processes:
        ready.get()  # every writer has imported Django and connected
    window = time.time()
    if duration:
        deadline.value = window + duration
    began = time.perf_counter()
    start.set()
    results = [done.get() for _ in processes]
    elapsed = time.perf_counter() - began
    for process in processes:
        process.join()
    written = counted = sum(count for count, _, _ in results)
    if duration:
        table = "audit_auditevent" if kind == "chain" else "bench_plain_event"
        # Every claimed row is there (an append checked the clock, then stamped its row: it
        # may stamp it just after the deadline); the rate counts those stamped before it.
        held = rows_stamped(table, window, float("inf"))
        assert held == written, f"{written} appends claimed, {held} in the database"
        counted = rows_stamped(table, window, deadline.value)
        elapsed = duration
    backends = [backend for _, _, backend in results]
    run = Run(
        rate=counted / elapsed,
        appends=written,
        writers_cpu=sum(cpu for _, cpu, _ in results),
        backends_cpu=None if None in backends else sum(backends),
    )
    if kind == "chain":
        stop.set()
        run.sequenced, process_cpu, backend_cpu = sequenced.get()
        run.sequencer_cpu = None if backend_cpu is None else process_cpu + backend_cpu
        beside.join()
    return run


def rows_stamped(table: str, start: float, end: float) -> int:
    """Rows of `table` whose occurred_at falls in [start, end) (time.time() values)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {table} WHERE occurred_at >= %s AND occurred_at < %s",
            [datetime.fromtimestamp(start, UTC), _moment(end)],
        )
        return cursor.fetchone()[0]


def _moment(seconds: float) -> datetime:
    return (
        datetime.max.replace(tzinfo=UTC)
        if seconds == float("inf")
        else (datetime.fromtimestamp(seconds, UTC))
    )


def sequencer_per_second() -> tuple[float, int]:
    """The sequencer draining the backlog: (events per second, events)."""
    from audit.sequencer import audit_sequence

    began = time.perf_counter()
    count = audit_sequence()
    elapsed = time.perf_counter() - began
    return (count / elapsed if count else 0.0), count


def create_plain_table() -> None:
    """Same columns, defaults, identity and indexes as the events table; no trigger."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_plain_event")
        cursor.execute("CREATE TABLE bench_plain_event (LIKE audit_auditevent INCLUDING ALL)")


# -- the database's append path alone (pgbench) ----------------------------------------------

PGBENCH = os.environ.get("PGBENCH", "pgbench")

# The values pgbench gives the statement's parameters, one variable per column. pgbench has no
# string functions, so the columns an index or the sequencer's reading depends on vary as random
# integers (as text where the column is text) and the other texts are constants; occurred_at
# is the run's start (the events table's one index on it is a BRIN, its partition that month's).
PGBENCH_RANDOM = {
    "actor_id": "random(1, 100000)",
    "target_ref": "random(1, 1000000000)",
    "request_id": "random(1, 1000000000000000)",
}
PGBENCH_CONSTANT = {
    "v": "1",
    "actor_username": "liaison-26",
    "actor_is_staff": "false",
    "actor_roles": '[{"dep": "26", "kind": "prefecture", "org": "26", "role": "liaison"}]',
    "action": "request.viewed",
    "outcome": "ok",
    "target_type": "sharing.inforequest",
    "org_code": "26198",
    "departement_code": "26",
    "scope": ",26,",
    "ip": "203.0.113.9",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
    "details": '{"via": "pgbench"}',
}


def append_statement() -> str:
    """The INSERT audit_record sends on PostgreSQL, as Django's cursor receives it (an execute
    wrapper sees it; the event is rolled back)."""
    from django.db import connection, transaction

    from audit.services import audit_record

    sent: list[str] = []

    def capture(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with transaction.atomic(), connection.execute_wrapper(capture):
        audit_record(actor=None, action="bench.append", details={"via": "pgbench"})
        transaction.set_rollback(True)
    inserts = [sql for sql in sent if sql.startswith("INSERT INTO audit_auditevent ")]
    assert len(inserts) == 1, sent
    return inserts[0]


def pgbench_script(statement: str, *, table: str = "audit_auditevent") -> tuple[str, dict]:
    """A pgbench script sending `statement` (Django's %s placeholders, one per column of its
    column list) into `table`, each placeholder a variable named after its column, and the
    constants to pass with -D. With -M prepared pgbench sends it as psycopg sends an append's:
    the statement with $1, $2... prepared once per connection, and the values apart."""
    match = re.match(r"INSERT INTO audit_auditevent \(([^)]*)\) VALUES ", statement)
    assert match, statement
    columns = [column.strip() for column in match.group(1).split(",")]
    pieces = statement.split("%s")
    assert len(pieces) == len(columns) + 1, "one placeholder per column"
    script = pieces[0] + "".join(
        f":{column}{piece}" for column, piece in zip(columns, pieces[1:], strict=True)
    )
    script = script.replace("INSERT INTO audit_auditevent ", f"INSERT INTO {table} ", 1)
    defines = {c: PGBENCH_CONSTANT[c] for c in columns if c in PGBENCH_CONSTANT}
    defines["occurred_at"] = datetime.now(UTC).isoformat()
    unknown = set(columns) - set(defines) - set(PGBENCH_RANDOM)
    assert not unknown, f"no pgbench value for {unknown}"
    lines = [f"\\set {name} {expression}" for name, expression in PGBENCH_RANDOM.items()]
    return "\n".join([*lines, script + ";", ""]), defines


def pgbench_run(script: str, defines: dict, clients: int, seconds: int) -> int:
    """Run pgbench for `seconds` with `clients` connections, durable commits; returns the
    transactions it reports processed (none may fail)."""
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"relais-bench-{os.getpid()}.sql"  # noqa: S108
    path.write_text(script)
    command = [PGBENCH, "-n", "-M", "prepared", "-c", str(clients), "-T", str(seconds)]
    command += ["-j", str(min(clients, os.cpu_count() or 1)), "-f", str(path)]
    command += [f"-D{name}={value}" for name, value in defines.items()]
    command.append(os.environ["DATABASE_URL"])
    environment = {**os.environ, "PGOPTIONS": "-c synchronous_commit=on"}
    result = subprocess.run(  # noqa: S603 - our own arguments
        command, capture_output=True, text=True, env=environment, check=False
    )
    path.unlink(missing_ok=True)
    if result.returncode != 0:
        sys.exit(f"pgbench failed:\n{result.stdout}\n{result.stderr}")
    failed = re.search(r"number of failed transactions: (\d+)", result.stdout)
    assert failed is None or failed.group(1) == "0", result.stdout
    return int(re.search(r"actually processed: (\d+)", result.stdout).group(1))


def table_rows(table: str) -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        return cursor.fetchone()[0]


def pgbench_appends(rows: list, seconds: int) -> None:
    """The INSERT audit_record sends, by pgbench with 1, 8 and 32 clients: into the events table
    with the sequencer beside (then drained, and every event checked sequenced), and into the
    trigger-less copy; rates from the rows each table gained."""
    from audit.models import AuditEvent

    create_plain_table()
    statement = append_statement()
    rates = {}
    for clients in WRITERS:
        context = multiprocessing.get_context("spawn")
        stop, sequenced = context.Event(), context.Queue()
        beside = context.Process(target=_sequencer, args=(stop, sequenced))
        beside.start()
        time.sleep(2)  # the sequencer's django.setup()
        before = table_rows("audit_auditevent")
        script, defines = pgbench_script(statement)
        processed = pgbench_run(script, defines, clients, seconds)
        appended = table_rows("audit_auditevent") - before
        stop.set()
        during = sequenced.get()[0]
        beside.join()
        assert appended == processed, f"pgbench {processed}, table {appended}"
        drain, backlog = sequencer_per_second()
        pending = AuditEvent.objects.filter(seq__isnull=True).count()
        assert pending == 0, f"{pending} events left unsequenced"
        before = table_rows("bench_plain_event")
        script, defines = pgbench_script(statement, table="bench_plain_event")
        processed = pgbench_run(script, defines, clients, seconds)
        inserted = table_rows("bench_plain_event") - before
        assert inserted == processed, f"pgbench {processed}, table {inserted}"
        chain, plain = appended / seconds, inserted / seconds
        rates[clients] = (chain, plain)
        report(
            rows,
            (
                f"pgbench appends/s, {clients} client(s), {seconds} s, sequencer beside",
                f"{chain:,.0f}",
                f"plain {plain:,.0f}",
                f"{chain / plain:.2f}",
            ),
        )
        report(
            rows,
            (
                f"pgbench sequencer, {clients} client(s): chained during the run / backlog after"
                " (all sequenced)",
                f"{during:,} / {backlog:,}",
                f"backlog at {drain:,.0f} events/s",
                f"{drain / chain:.1f} x appends" if drain else "",
            ),
        )
    fall_rows(rows, "pgbench", rates)
    # The sequencer's own rate, on a backlog of its size: appends without it, then one run.
    script, defines = pgbench_script(statement)
    backlog = pgbench_run(script, defines, 8, seconds)
    drain, drained = sequencer_per_second()
    assert drained == backlog, f"{backlog} appended, {drained} sequenced"
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    report(
        rows,
        (
            f"pgbench sequencer alone, a backlog of {backlog:,} events (8 clients, {seconds} s)",
            f"{drain:,.0f} events/s",
            "",
            f"{drain / rates[8][0]:.1f} x appends at 8",
        ),
    )


def fall_rows(rows: list, label: str, rates: dict) -> None:
    """From 8 to 32 writers: appends' and plain inserts' change."""
    (chain8, plain8), (chain32, plain32) = rates[8], rates[32]
    report(
        rows,
        (
            f"{label}: 32 writers over 8",
            f"appends {chain32 / chain8:.2f}",
            f"plain {plain32 / plain8:.2f}",
            "",
        ),
    )


# -- API detail latency -----------------------------------------------------------------------


def api_latency(requests: int, rounds: int = 10) -> tuple[float, float]:
    """Median wall time of the API detail with its access record and without it (the record
    skipped where the view's selector makes it), in alternating rounds so that a change in the
    machine's load falls on both alike. Fails if the record was not skipped, or not made."""
    from unittest import mock

    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import Role
    from audit.models import AuditEvent
    from tests.factories import CommuneFactory, PrefectureFactory, member, request_in

    setup_test_environment()
    prefecture = PrefectureFactory(code="26", name="Préfecture de la Drôme")
    commune = CommuneFactory(code="26198", name="Montélimar", prefecture=prefecture)
    liaison = member(prefecture, Role.LIAISON)
    info_request = request_in("acknowledged", commune)
    client = Client()
    client.force_login(liaison)
    url = f"/api/v1/requests/{info_request.reference}/"
    per_round = max(1, requests // rounds)

    def measure(timings: list[float]) -> int:
        """One round; returns how many views it recorded."""
        viewed = AuditEvent.objects.filter(action="request.viewed", target_ref=url.split("/")[-2])
        before = viewed.count()
        for _ in range(per_round):
            began = time.perf_counter()
            response = client.get(url, HTTP_HOST="localhost")
            timings.append(time.perf_counter() - began)
            assert response.status_code == 200, response.status_code
        return viewed.count() - before

    measure([])  # warm up
    logged: list[float] = []
    unlogged: list[float] = []
    for _ in range(rounds):
        assert measure(logged) == per_round, "each logged answer records its view"
        with mock.patch("sharing.selectors.request_page.audit_record"):
            assert measure(unlogged) == 0, "the unlogged answers recorded nothing"
    return statistics.median(logged) * 1000, statistics.median(unlogged) * 1000


# -- a million events -------------------------------------------------------------------------


def bulk_load(events: int, batch: int = 20_000) -> float:
    """COPY a valid chain of `events` events, checkpointing every 5 batches; returns the seconds
    hashlib alone needs for the same bytes (bodies and links)."""
    from django.db import connection

    from audit.models import ChainHead
    from audit.services import checkpoint_issue
    from audit.verifier.encoding import canonical_json, format_timestamp

    head = ChainHead.objects.get()
    seq, prev = head.seq, head.hash
    hashing = 0.0
    origin = datetime.now(UTC) - timedelta(seconds=events // 1000 + 60)
    columns = (
        "seq, prev_hash, hash, v, occurred_at, actor_id, actor_username, actor_is_staff, "
        "actor_roles, action, outcome, target_type, target_ref, org_code, departement_code, "
        "scope, ip, user_agent, request_id, details"
    )
    roles = [{"dep": "26", "kind": "prefecture", "org": "26", "role": "liaison"}]
    import json

    roles_json = json.dumps(roles)
    batches = 0
    while seq < head.seq + events:
        rows, payloads = [], []
        for _ in range(min(batch, head.seq + events - seq)):
            seq += 1
            occurred = origin + timedelta(milliseconds=seq)
            reference = f"26198-2026-{seq % 10000:04d}"
            body = {
                "action": "request.viewed",
                "actor_id": 7,
                "actor_is_staff": False,
                "actor_roles": roles,
                "actor_username": "liaison-26",
                "departement_code": "26",
                "details": {"via": "api"},
                "ip": "203.0.113.9",
                "occurred_at": format_timestamp(occurred),
                "org_code": "26198",
                "outcome": "ok",
                "request_id": f"{seq:032x}",
                "target_ref": reference,
                "target_type": "sharing.inforequest",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                "v": 1,
            }
            body_bytes = canonical_json(body)
            body_digest = hashlib.sha256(body_bytes).hexdigest()
            link = canonical_json({"body_hash": body_digest, "prev_hash": prev, "seq": seq})
            digest = hashlib.sha256(link).hexdigest()
            payloads.append(body_bytes)
            payloads.append(link)
            rows.append(
                (
                    seq,
                    prev,
                    digest,
                    1,
                    occurred,
                    7,
                    "liaison-26",
                    False,
                    roles_json,
                    "request.viewed",
                    "ok",
                    "sharing.inforequest",
                    reference,
                    "26198",
                    "26",
                    ",26,",
                    "203.0.113.9",
                    "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0",
                    f"{seq:032x}",
                    '{"via": "api"}',
                ),
            )
            prev = digest
        began = time.perf_counter()
        for payload in payloads:
            hashlib.sha256(payload).hexdigest()
        hashing += time.perf_counter() - began
        with connection.cursor() as cursor:
            with cursor.cursor.copy(f"COPY audit_auditevent ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute(
                "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [seq, prev]
            )
        batches += 1
        if batches % 5 == 0 or seq == head.seq + events:
            checkpoint_issue(reason="manual")
    return hashing


def run_child(args: list[str]) -> tuple[float, int, str]:
    """Run a manage.py command in a fresh process: (seconds, peak RSS in MB, output)."""
    program = (
        "import resource, sys, django; django.setup()\n"
        "from django.core.management import call_command\n"
        f"call_command(*{args!r})\n"
        "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n"
    )
    began = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=BASE_DIR, check=False
    )
    elapsed = time.perf_counter() - began
    if result.returncode != 0:
        sys.exit(f"{args[0]} failed:\n{result.stdout}\n{result.stderr}")
    rss_kb = int(result.stderr.rsplit("MAXRSS", 1)[1].split()[0])
    return elapsed, rss_kb // 1024, result.stdout


def sizes(total: int, label: str = "") -> list[tuple[str, ...]]:
    """Bytes per event of the events table (heap and TOAST), each index, the Merkle tree."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditevent")
        cursor.execute("VACUUM ANALYZE audit_merklenode")
        # Summed over the monthly partitions (a partitioned table or index has no storage of
        # its own; on a plain table the "tree" is the table or index alone).
        cursor.execute(
            "SELECT (SELECT sum(pg_table_size(relid)) FROM pg_partition_tree('audit_auditevent')),"
            " pg_total_relation_size('audit_merklenode')"
        )
        table, tree = cursor.fetchone()
        cursor.execute(
            "SELECT c.relname, (SELECT sum(pg_relation_size(relid)) FROM pg_partition_tree(c.oid))"
            " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE i.indrelid = 'audit_auditevent'::regclass ORDER BY 2 DESC"
        )
        indexes = cursor.fetchall()
    out = [(f"bytes/event{label}, events table (heap)", f"{table / total:.0f}", "", "")]
    out += [
        (f"bytes/event{label}, index {name}", f"{size / total:.0f}", "", "")
        for name, size in indexes
    ]
    out.append(
        (
            f"bytes/event{label}, {len(indexes)} indexes together",
            f"{sum(size for _, size in indexes) / total:.0f}",
            "",
            "",
        )
    )
    out.append(
        (f"bytes/event{label}, Merkle tree (audit_merklenode)", f"{tree / total:.0f}", "", "")
    )
    return out


def report(rows: list[tuple[str, ...]], row: tuple[str, ...]) -> None:
    rows.append(row)
    print("| " + " | ".join(row) + " |", file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=4000, help="appends per writer setting")
    parser.add_argument("--api-requests", type=int, default=300)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded database")
    parser.add_argument("--appends-only", action="store_true", help="skip the million events")
    parser.add_argument(
        "--duration", type=int, default=0, help="seconds per writer setting instead of a count"
    )
    parser.add_argument(
        "--pgbench", action="store_true", help="the database's append path alone, by pgbench"
    )
    parser.add_argument(
        "--latency-only", action="store_true", help="only the API detail with and without its log"
    )
    args = parser.parse_args()
    name = prepare_environment()
    if not args.reuse:
        recreate_database(name)
    setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows: list[tuple[str, ...]] = []
    if args.pgbench:
        pgbench_appends(rows, args.duration or 10)
        args.appends_only = True
    elif args.latency_only:
        latency(rows, args)
        args.appends_only = True
    elif not args.reuse:
        appends_and_latency(rows, args)
    if not args.appends_only:
        hashing = None
        if not args.reuse:
            print(f"loading {args.events:,} events...", file=sys.stderr)
            hashing = bulk_load(args.events)
        verify_and_export(rows, hashing)
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"\n{os.cpu_count()} CPUs (load average {load} at the end), PostgreSQL,"
        f" {datetime.now(UTC):%Y-%m-%d}\n"
    )
    print("| measure | value | baseline | ratio |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def _per_event(seconds: float | None, events: int) -> str:
    return "?" if seconds is None or not events else f"{seconds / events * 1e6:,.0f}"


def _cpu_ratio(chain: Run, plain: Run) -> str:
    """Plain inserts' CPU per row over the appends' (writer, backend and sequencer): the
    ratio of rates the two would reach on cores they had to themselves."""
    if chain.backends_cpu is None or plain.backends_cpu is None or not chain.sequenced:
        return ""
    append = (chain.writers_cpu + chain.backends_cpu) / chain.appends
    append += (chain.sequencer_cpu or 0.0) / chain.sequenced
    return f"{(plain.writers_cpu + plain.backends_cpu) / plain.appends / append:.2f} (CPU)"


def appends_and_latency(rows: list, args) -> None:
    from audit.models import AuditEvent

    create_plain_table()
    rates = {}
    for writers in WRITERS:
        chain = appends_per_second("chain", writers, args.appends, args.duration)
        plain = appends_per_second("plain", writers, args.appends, args.duration)
        rates[writers] = (chain.rate, plain.rate)
        setting = f"{args.duration} s" if args.duration else f"{args.appends:,} appends"
        report(
            rows,
            (
                f"appends/s, {writers} writer(s), {setting}, sequencer beside",
                f"{chain.rate:,.0f}",
                f"plain {plain.rate:,.0f}",
                f"{chain.rate / plain.rate:.2f}",
            ),
        )
        # CPU per append: far less sensitive than the rates to what else the machine runs.
        report(
            rows,
            (
                f"CPU µs/append, {writers} writer(s): writer process / its backend"
                " / sequencer (process and backend, per event sequenced)",
                f"{chain.per_append(chain.writers_cpu)} / {chain.per_append(chain.backends_cpu)}"
                f" / {_per_event(chain.sequencer_cpu, chain.sequenced)}",
                f"plain {plain.per_append(plain.writers_cpu)}"
                f" / {plain.per_append(plain.backends_cpu)}",
                _cpu_ratio(chain, plain),
            ),
        )
        drain, backlog = sequencer_per_second()
        report(
            rows,
            (
                f"sequencer, {writers} writer(s): chained during the run / backlog after",
                f"{chain.sequenced:,} / {backlog:,}",
                f"backlog at {drain:,.0f} events/s",
                f"{drain / chain.rate:.1f} x appends" if drain else "",
            ),
        )
    fall_rows(rows, "Python writers", rates)
    for row in sizes(AuditEvent.objects.count(), " (appended and sequenced)"):
        report(rows, row)
    latency(rows, args)


def latency(rows: list, args: argparse.Namespace) -> None:
    with_log, without_log = api_latency(args.api_requests)
    report(
        rows,
        (
            "API detail median latency (ms)",
            f"{with_log:.2f} logged",
            f"{without_log:.2f} not logged",
            f"{with_log / without_log:.2f}",
        ),
    )


def verify_and_export(rows: list, hashing: float | None) -> None:
    from audit.models import ChainHead

    total = ChainHead.objects.get().seq
    state = Path(os.environ.get("TMPDIR", "/tmp")) / "relais-bench-verified.txt"  # noqa: S108
    state.unlink(missing_ok=True)
    verify_seconds, _verify_rss, output = run_child(
        ["audit_verify", "--max-gap", "0", "--incremental", str(state)]
    )
    assert "OK:" in output, output
    report(
        rows,
        (
            f"audit_verify, {total:,} events (s)",
            f"{verify_seconds:.1f}",
            f"hashlib alone {hashing:.1f}" if hashing else "",
            f"{verify_seconds / hashing:.1f}" if hashing else "",
        ),
    )
    bulk_load(10_000)
    incremental_seconds, _rss, output = run_child(
        ["audit_verify", "--max-gap", "0", "--incremental", str(state)]
    )
    assert "OK: 10000 events" in output, output
    state.unlink(missing_ok=True)
    report(
        rows,
        ("audit_verify --incremental, 10,000 new events (s)", f"{incremental_seconds:.1f}", "", ""),
    )
    total = ChainHead.objects.get().seq
    target = Path(os.environ.get("TMPDIR", "/tmp")) / "relais-bench-export.zip"  # noqa: S108
    export_seconds, export_rss, _ = run_child(["audit_export", str(target)])
    report(
        rows,
        (
            f"audit_export, {total:,} events",
            f"{export_seconds:.1f} s",
            f"peak RSS {export_rss} MB",
            f"{target.stat().st_size / 1e6:.0f} MB zip",
        ),
    )
    target.unlink(missing_ok=True)
    for row in sizes(total):
        report(rows, row)


if __name__ == "__main__":
    main()
