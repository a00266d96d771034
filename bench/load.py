"""API throughput by kind of request, side by side with a Django view that does no database
work, then a mixed day of traffic by role, then the count of answers served against the audit
events written.

    DATABASE_URL=postgres://…/relais_load_bench uv run python bench/load.py --serve \
        [--workers 4] [--port 9500] [--clients 8] [--phase-seconds 10] [--seconds 30]
    DATABASE_URL=postgres://…/relais uv run python bench/load.py \
        --url http://127.0.0.1:8000 [--url http://127.0.0.1:8001] [--password P] …

`--serve` is the one-command run: it migrates the database, loads the demo when it holds no
user (or uses the users already there: a `bench/pages_bench.py` database at 1,000,000
requests serves as it is), issues each role's API token in this process, starts one gunicorn
node as the Procfile does (production settings, a generated secret and audit signing key,
Redis db 6 unless REDIS_URL says otherwise) on `--port`, and stops it at the end. With `--url`
the nodes are already running and serve the demo data; the clients sign in with `--password`.

The same `--clients` client threads (each on a kept-alive connection per node, round-robin
over the nodes) run one phase after another:

- `baseline`: `/healthz`, a Django view that does no database work (the same middleware,
  routing and gunicorn worker; no session, no query), before and after the others;
- `detail`, `inbox`, `list`: that kind of API request alone, every client as one of the roles
  whose day includes it (`--phase-seconds` each);
- `mixed`: each client runs its role's mix (`--seconds`).

Each phase's throughput is also given as a ratio of the baseline's (the mean of its two
runs): the machine's speed and load cancel out of it. Afterwards, from the database: every
detail answered 200 has its `request.viewed` event and every list answered 200 its
`request.listed` event, no more, no fewer. Prints the load average (`/proc/loadavg`) before
and after, and the issue's targets (detail ≥ 300/s, inbox and list ≥ 100/s, p95 ≤ 100 ms,
no error).

A node that stops answering (killed, restarted) only costs the requests that failed on it,
counted as errors, and the client goes on with the others.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent

# (username, weight among the clients, the mix: (kind, weight))
ROLES = [
    ("liaison-26", 3, [("inbox", 4), ("detail", 5), ("events", 1)]),
    ("prefecture_admin-26", 1, [("inbox", 3), ("detail", 3), ("events", 1)]),
    ("liaison-62", 2, [("inbox", 4), ("detail", 5), ("events", 1)]),
    ("legal_officer-26198", 2, [("list", 3), ("detail", 4), ("me", 1)]),
    ("mayor-26198", 1, [("list", 2), ("detail", 3), ("me", 1)]),
    ("legal_officer-62041", 1, [("list", 3), ("detail", 4), ("me", 1)]),
]
PATHS = {
    "baseline": "/healthz",
    "inbox": "/api/v1/requests/?status=submitted&status=acknowledged&ordering=decision_due",
    "list": "/api/v1/requests/",
    "me": "/api/v1/me/",
}
# What the TLS-terminating proxy in front of a production node adds.
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.10"}
TARGETS = {"detail": 300, "inbox": 100, "list": 100}
TARGET_P95_MS = 100


class Node:
    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname, parts.port or 80

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=30)


def call(connections, nodes, index, method, path, headers=None, body=None):
    node = nodes[index % len(nodes)]
    connection = connections.get(index % len(nodes)) or node.connect()
    connections[index % len(nodes)] = connection
    payload = json.dumps(body).encode() if body is not None else None
    all_headers = {"Accept": "application/json", **PROXY_HEADERS, **(headers or {})}
    if payload is not None:
        all_headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=payload, headers=all_headers)
        response = connection.getresponse()
        data = response.read()
        return response.status, data
    except (OSError, http.client.HTTPException):
        connection.close()
        connections.pop(index % len(nodes), None)
        return 0, b""


def sign_in(nodes, username: str, password: str) -> str:
    status, data = call({}, nodes, 0, "POST", "/api/v1/auth/token/", body={
        "username": username, "password": password,
    })  # fmt: skip
    if status != 200:
        sys.exit(f"cannot sign in as {username}: {status} {data[:200]!r}")
    return json.loads(data)["token"]


def references_for(nodes, token: str) -> list[str]:
    status, data = call(
        {}, nodes, 0, "GET", "/api/v1/requests/", {"Authorization": f"Token {token}"}
    )
    assert status == 200, (status, data[:300])
    return [row["reference"] for row in json.loads(data)["results"]]


def client(nodes, token, mix, references, stop, results, lock, seed):
    rng = random.Random(seed)
    kinds, weights = zip(*mix, strict=True)
    connections: dict = {}
    headers = {"Authorization": f"Token {token}"} if token else {}
    index = seed
    local = []
    while not stop.is_set():
        kind = rng.choices(kinds, weights)[0]
        if kind in PATHS:
            path = PATHS[kind]
        elif kind == "detail":
            path = f"/api/v1/requests/{rng.choice(references)}/"
        else:
            path = f"/api/v1/requests/{rng.choice(references)}/events/"
        started = time.perf_counter()
        status, _ = call(connections, nodes, index, "GET", path, headers)
        local.append((kind, status, time.perf_counter() - started))
        index += 1
    for connection in connections.values():
        connection.close()
    with lock:
        results.extend(local)


def run_phase(nodes, clients: int, seconds: float, kind: str, people) -> tuple[list, float]:
    """`clients` threads for `seconds`: the mixed day (kind "mixed"), or one kind alone, each
    client as one of the roles whose day includes it (by the roles' weights)."""
    if kind == "mixed":
        population = [(u, mix) for u, weight, mix in ROLES if u in people for _ in range(weight)]
    else:
        population = [
            (u, [(kind, 1)])
            for u, weight, mix in ROLES
            if u in people and (kind == "baseline" or kind in dict(mix))
            for _ in range(weight)
        ]
    stop, lock, results = threading.Event(), threading.Lock(), []
    threads = []
    for number in range(clients):
        username, mix = population[number % len(population)]
        token, references = people[username]
        thread = threading.Thread(
            target=client,
            args=(nodes, "" if kind == "baseline" else token, mix, references, stop, results,
                  lock, number),
        )  # fmt: skip
        threads.append(thread)
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def audit_counts(database_url: str, after: int | None) -> tuple[int, Counter]:
    """The audit table's last position (`after` None), or the events written after it by
    action. The position is the order of arrival (`id`) where events get their `seq` later
    from a sequencer, else `seq`."""
    import psycopg

    with psycopg.connect(database_url) as connection:
        column = (
            "id"
            if connection.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'audit_auditevent' AND column_name = 'id'"
            ).fetchone()
            else "seq"
        )
        if after is None:
            return connection.execute(
                f"SELECT coalesce(max({column}), 0) FROM audit_auditevent"
            ).fetchone()[0], Counter()
        rows = connection.execute(
            f"SELECT action, count(*) FROM audit_auditevent WHERE {column} > %s GROUP BY action",
            [after],
        ).fetchall()
    return after, Counter(dict(rows))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- --serve: the database, the tokens and a gunicorn node started here ---------------------


def prepare_database(database_url: str) -> dict[str, tuple[str, list[str]]]:
    """Migrates, loads the demo when the database has no user, and issues each role's token
    (second factor done, as after a sign-in); {username: (token, [])}."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["RELAIS_DURABLE_COMMITS"] = "1"  # as production commits (config/settings/test.py)
    os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import User
    from accounts.security_services import token_issue

    call_command("migrate", verbosity=0)
    if not User.objects.exists():
        # The demo's logins and second-factor secrets are not for this output.
        call_command("demo", password=secrets.token_urlsafe(12), stdout=io.StringIO())
    people = {}
    for username, _weight, _mix in ROLES:
        user = User.objects.filter(username=username).first()
        if user is not None:
            issued = token_issue(user=user, name="load bench", second_factor=True, actor=user)
            people[username] = (issued.secret, [])
    from django.db import connections

    connections.close_all()
    return people


def start_node(database_url: str, port: int, workers: int, workdir: Path) -> subprocess.Popen:
    """gunicorn as the Procfile starts it, production settings, in its own process group."""
    from audit.keys import write_new_key

    key = workdir / "audit-signing-key.pem"
    write_new_key(key)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/6"),
        "AUDIT_SIGNING_KEY_FILE": str(key),
        "WEB_CONCURRENCY": str(workers),
        "PORT": str(port),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        "LOG_LEVEL": "WARNING",
        "REQUEST_LOG_LEVEL": "WARNING",
        "GUNICORN_LOG_LEVEL": "warning",
        # A worker replaced in the middle of a phase (production's default: after about 2,000
        # requests) stalls its clients while the new one imports the project: not what a
        # phase measures.
        "GUNICORN_MAX_REQUESTS": "0",
        "PYTHONPATH": str(BASE_DIR),
    }
    log = (workdir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    node = Node(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit("gunicorn exited:\n" + (workdir / "gunicorn.log").read_text()[-3000:])
        # Every worker answers once before the clock starts (imports, first connection).
        if all(call({}, [node], 0, "GET", PATHS["baseline"])[0] == 200 for _ in range(workers)):
            return process
        time.sleep(0.5)
    process.kill()
    sys.exit("gunicorn did not answer within 120 s")


def stop_node(process: subprocess.Popen) -> None:
    import signal

    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def report(phases: list[tuple[str, list, float]]) -> tuple[bool, list]:
    baselines = [len([r for r in results if r[1] == 200]) / elapsed
                 for kind, results, elapsed in phases if kind == "baseline"]  # fmt: skip
    base_rate = statistics.mean(baselines) if baselines else 0.0
    print("| phase | request | answers | answers/s | ratio to baseline | p50 ms | p95 ms | "
          "p99 ms | errors |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    misses = []
    all_results = []
    for phase, results, elapsed in phases:
        all_results.extend(results)
        by_kind: dict[str, list] = defaultdict(list)
        for kind, status, seconds in results:
            by_kind[kind].append((status, seconds))
        for kind in sorted(by_kind):
            rows = by_kind[kind]
            ok = [seconds for status, seconds in rows if status == 200]
            errors = Counter(status for status, _ in rows if status != 200)
            rate = len(ok) / elapsed
            p95 = percentile(ok, 0.95) if ok else float("nan")
            ratio = f"{rate / base_rate:.2f}" if base_rate else "—"
            print(
                f"| {phase} | {kind} | {len(ok)} | {rate:.1f} | {ratio} "
                f"| {statistics.median(ok) * 1000 if ok else float('nan'):.1f} | {p95:.1f} "
                f"| {percentile(ok, 0.99) if ok else float('nan'):.1f} | {dict(errors) or 0} |"
            )
            if errors:
                misses.append(f"{phase} {kind}: errors {dict(errors)}")
            if phase == kind and kind in TARGETS:
                if rate < TARGETS[kind]:
                    misses.append(f"{kind}: {rate:.0f}/s < {TARGETS[kind]}/s")
                if p95 > TARGET_P95_MS:
                    misses.append(f"{kind}: p95 {p95:.0f} ms > {TARGET_P95_MS} ms")
    return not misses, misses


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--password", default="")
    parser.add_argument("--serve", action="store_true", help="start a gunicorn node here")
    parser.add_argument("--port", type=int, default=9500)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (--serve)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--phase-seconds", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=30, help="the mixed day")
    parser.add_argument("--phases", default="baseline,detail,inbox,list,mixed,baseline")
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL", "")

    process = None
    workdir = Path(tempfile.mkdtemp(prefix="relais-load-"))
    if args.serve:
        if not database_url.startswith("postgres"):
            sys.exit("--serve needs DATABASE_URL=postgres://…")
        people = prepare_database(database_url)
        process = start_node(database_url, args.port, args.workers, workdir)
        nodes = [Node(f"http://127.0.0.1:{args.port}")]
    else:
        nodes = [Node(url) for url in args.url or ["http://127.0.0.1:8000"]]
        if not args.password:
            sys.exit("--password P (the demo's) or --serve")
        people = {u: (sign_in(nodes, u, args.password), []) for u, _w, _m in ROLES}
    try:
        for username, (token, _) in list(people.items()):
            references = references_for(nodes, token)
            if references:
                people[username] = (token, references)
            else:
                del people[username]
        start_seq = audit_counts(database_url, None)[0] if database_url else None
        before = load_average()
        phases = []
        for kind in args.phases.split(","):
            seconds = args.seconds if kind == "mixed" else args.phase_seconds
            results, elapsed = run_phase(nodes, args.clients, seconds, kind, people)
            phases.append((kind, results, elapsed))
        after = load_average()
    finally:
        if process is not None:
            stop_node(process)

    served = sum(1 for _, results, _ in phases for r in results if r[1] == 200)
    print(
        f"\n{len(nodes)} node(s)"
        + (f" ({args.workers} gunicorn workers, production settings)" if args.serve else "")
        + f", {args.clients} clients, users: {', '.join(sorted(people))}; "
        f"load average {before} before, {after} after\n"
    )
    met, misses = report(phases)
    print(f"\nall: {served} answers")
    print("targets (detail ≥ 300/s, inbox and list ≥ 100/s, p95 ≤ 100 ms, 0 errors): "
          + ("met" if met else "NOT MET: " + "; ".join(misses)))  # fmt: skip

    if start_seq is None:
        print("audit check skipped (no DATABASE_URL)")
        return
    results = [r for _, phase_results, _ in phases for r in phase_results]
    _, written = audit_counts(database_url, start_seq)
    viewed = sum(1 for kind, status, _ in results if kind == "detail" and status == 200)
    listed = sum(1 for kind, status, _ in results if kind in {"inbox", "list"} and status == 200)
    checks = {
        "request.viewed": (viewed, written["request.viewed"]),
        "request.listed": (listed, written["request.listed"]),
    }
    # A node killed while answering may have written the event of an answer that never
    # reached the client (a connection error here): never more than those, never fewer.
    cut = sum(1 for kind, status, _ in results if status == 0)
    failed = False
    for action, (answers, events) in checks.items():
        if answers == events:
            verdict = "equal"
        elif answers < events <= answers + cut:
            verdict = f"{events - answers} answers cut off by a dying node ({cut} cut in all)"
        else:
            verdict, failed = "DIFFERENT", True
        print(f"{action}: {answers} answers received, {events} audit events written: {verdict}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
