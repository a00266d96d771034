"""CPU per API detail (`GET /api/v1/requests/<reference>/`), or per page of the API list or
inbox (`--kind list`, `--kind inbox`: the requests `bench/load.py` sends), in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_detail_bench \
        uv run python bench/detail_cpu.py [--kind detail] [--runs 200] [--reuse] [--json DIR]

Without DATABASE_URL, the SQLite file var/detail-cpu.sqlite3 is used; a PostgreSQL database
named in DATABASE_URL is DROPPED and recreated unless `--reuse` finds it, and its name must
contain "bench". The data: the demo (`manage.py demo`), loaded once. Each reader (a liaison,
a prefecture admin, a commune's legal officer and mayor) gets an API token, as `bench/load.py`
issues them, and reads the details of the first requests of its list with it (or its list, or
its inbox: the same path `PER_READER` times), through Django's test client: warmed up, then
`--runs` times each, interleaved. Production commits durably (RELAIS_DURABLE_COMMITS), so that
the audit record's commit costs what it costs.

Prints the median CPU milliseconds of this process per answer (with SQLite, the database's
work too; with PostgreSQL, not the server's), the median wall time and the queries of one
answer. `--json DIR` writes each answer's body there, for a byte-for-byte comparison
(`diff -r`) of two runs on the same data (`--reuse`, the same day).
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import time
from pathlib import Path

from pages_bench import open_bench_database

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

READERS = ["liaison-26", "prefecture_admin-26", "legal_officer-26198", "mayor-26198"]
PER_READER = 5  # answers read by each reader
# The lists as bench/load.py asks for them.
LISTS = {
    "list": "/api/v1/requests/",
    "inbox": "/api/v1/requests/?status=submitted&status=acknowledged&ordering=decision_due",
}


def prepare_environment(*, reuse: bool) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["RELAIS_DURABLE_COMMITS"] = "1"  # as production commits (config/settings/test.py)
    open_bench_database(sqlite_file="detail-cpu.sqlite3", reuse=reuse)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kind", choices=["detail", *LISTS], default="detail")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--json", default="", help="write each answer's body in this folder")
    parser.add_argument("--queries", action="store_true", help="print one answer's queries")
    args = parser.parse_args()
    prepare_environment(reuse=args.reuse)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from accounts.security_services import token_issue

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if not User.objects.exists():
        call_command("demo", password="bench-only-password", stdout=io.StringIO())  # noqa: S106
    details = []  # (label, client, path, headers)
    for username in READERS:
        user = User.objects.get(username=username)
        token = token_issue(user=user, name="detail bench", second_factor=True, actor=user)
        headers = {"HTTP_AUTHORIZATION": f"Token {token.secret}"}
        client = Client()
        listed = client.get("/api/v1/requests/", **headers)
        assert listed.status_code == 200, listed.status_code
        for index, row in enumerate(listed.json()["results"][:PER_READER]):
            if args.kind == "detail":
                label = f"{username} {row['reference']}"
                path = f"/api/v1/requests/{row['reference']}/"
            else:
                label, path = f"{username} {args.kind} {index}", LISTS[args.kind]
            details.append((label, client, path, headers))
    gc.collect()
    gc.freeze()
    json_dir = Path(args.json) if args.json else None
    if json_dir is not None:
        json_dir.mkdir(parents=True, exist_ok=True)
    queries = {}
    for label, client, path, headers in details:
        for _ in range(3):
            client.get(path, **headers)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
        if args.queries and not queries:
            for query in captured.captured_queries:
                print(f"{query['time']} s: {query['sql'][:300]}")
        queries[label] = len(captured)
        if json_dir is not None:
            (json_dir / f"{label.replace(' ', '_')}.json").write_bytes(response.content)
    cpu: list[float] = []
    wall: list[float] = []
    for _ in range(args.runs):
        for _label, client, path, headers in details:
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path, **headers)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"\n{len(details)} answers ({args.kind}), {connection.vendor}, {args.runs} runs each, "
        f"load average {load_average}"
    )
    print(
        f"CPU ms per answer: median {statistics.median(cpu):.2f}, "
        f"p10 {statistics.quantiles(cpu, n=10)[0]:.2f}; "
        f"wall ms: median {statistics.median(wall):.2f}; "
        f"queries: {sorted(set(queries.values()))}"
    )


if __name__ == "__main__":
    main()
