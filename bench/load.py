"""A mixed day of API traffic by role against running web nodes, then the count of answers
served against the audit events written.

    DATABASE_URL=postgres://…/relais uv run python bench/load.py \
        --url http://127.0.0.1:8000 [--url http://127.0.0.1:8001] \
        --password P [--clients 8] [--seconds 30]

The nodes serve the demo data (`manage.py demo --password P`). Each client thread signs in as
one demo user (token) and runs that role's mix, round-robin over the given nodes, on a kept-
alive connection per node; a node that stops answering (killed, restarted) only costs the
requests that failed on it, which are counted as errors, and the client goes on with the
others. Afterwards, from the database: every detail answered 200 has its `request.viewed`
event and every list answered 200 its `request.listed` event, no more, no fewer.

Reports throughput, latency percentiles (p50, p95, p99) and errors per kind of request.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from urllib.parse import urlsplit

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
    "inbox": "/api/v1/requests/?status=submitted&status=acknowledged&ordering=decision_due",
    "list": "/api/v1/requests/",
    "me": "/api/v1/me/",
}


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
    all_headers = {"Accept": "application/json", **(headers or {})}
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
    assert status == 200, status
    return [row["reference"] for row in json.loads(data)["results"]]


def client(nodes, username, token, mix, references, stop, results, lock, seed):
    rng = random.Random(seed)
    kinds, weights = zip(*mix, strict=True)
    connections: dict = {}
    headers = {"Authorization": f"Token {token}"}
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
    with lock:
        results.extend(local)


def audit_counts(database_url: str, after_seq: int | None) -> tuple[int, Counter]:
    import psycopg

    with psycopg.connect(database_url) as connection:
        if after_seq is None:
            return connection.execute(
                "SELECT coalesce(max(seq), 0) FROM audit_auditevent"
            ).fetchone()[0], Counter()
        rows = connection.execute(
            "SELECT action, count(*) FROM audit_auditevent WHERE seq > %s GROUP BY action",
            [after_seq],
        ).fetchall()
    return after_seq, Counter(dict(rows))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--password", required=True)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    args = parser.parse_args()
    nodes = [Node(url) for url in args.url or ["http://127.0.0.1:8000"]]
    database_url = os.environ.get("DATABASE_URL", "")

    population = [role for role in ROLES for _ in range(role[1])]
    tokens = {username: sign_in(nodes, username, args.password) for username, _, _ in ROLES}
    references = {username: references_for(nodes, tokens[username]) for username in tokens}
    start_seq = audit_counts(database_url, None)[0] if database_url else None

    stop, lock, results = threading.Event(), threading.Lock(), []
    threads = []
    for number in range(args.clients):
        username, _, mix = population[number % len(population)]
        if not references[username]:
            continue
        thread = threading.Thread(
            target=client,
            args=(nodes, username, tokens[username], mix, references[username], stop, results,
                  lock, number),
        )  # fmt: skip
        thread.start()
        threads.append(thread)
    started = time.perf_counter()
    time.sleep(args.seconds)
    stop.set()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started

    by_kind: dict[str, list] = defaultdict(list)
    for kind, status, seconds in results:
        by_kind[kind].append((status, seconds))
    print(f"\n{len(nodes)} node(s), {len(threads)} clients, {elapsed:.0f} s\n")
    print("| request | answers | answers/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    total_errors = 0
    for kind in sorted(by_kind):
        rows = by_kind[kind]
        ok = [seconds for status, seconds in rows if status == 200]
        errors = Counter(status for status, _ in rows if status != 200)
        total_errors += sum(errors.values())
        print(
            f"| {kind} | {len(ok)} | {len(ok) / elapsed:.1f} | {statistics.median(ok) * 1000:.1f} "
            f"| {percentile(ok, 0.95):.1f} | {percentile(ok, 0.99):.1f} "
            f"| {dict(errors) or 0} |"
        )
    served = sum(1 for _, status, _ in results if status == 200)
    print(f"\nall: {served} answers, {served / elapsed:.1f}/s, {total_errors} errors")

    if start_seq is None:
        print("audit check skipped (no DATABASE_URL)")
        return
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
