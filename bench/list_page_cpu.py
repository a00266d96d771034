"""CPU per request-list page, in one process: the list's constant cost, not its data's.

    uv run python bench/list_page_cpu.py [--requests 3000] [--runs 40] [--reuse] \
        [--html DIR] [--only LABEL]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_list_bench \
        uv run python bench/list_page_cpu.py ...

Without DATABASE_URL, the SQLite file var/list-page-cpu.sqlite3 is recreated (a DATABASE_URL
`sqlite:///…` names another file); a PostgreSQL database named in DATABASE_URL is DROPPED and
recreated, and its name must contain "bench". `--reuse` keeps a previous run's data: run
before and after a change on the same data, alternating, to compare their figures and their
HTML. The data: bench/pages_bench.py's organisations and loader, with `--requests` requests
(half in the measured prefecture, Drôme) and its few requests worked through the services.

Each page of the list (a liaison's inbox and its filters, pages and sorts, a work list, the
commune's lists, the prefecture admin's inbox; French and English) is fetched in-process with
Django's test client as its user, warmed up, then fetched `--runs` times, interleaved page by
page. Prints a Markdown table: the median CPU milliseconds of this process per page (with
SQLite, the database's work too; with PostgreSQL, not the server's), the median wall time,
and the queries of one fetch. `--html DIR` writes each page's HTML there, the CSRF token and
the CSP nonce replaced by placeholders, for a byte-for-byte comparison (`diff -r`) of two runs.
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import statistics
import sys
import time
from pathlib import Path

from pages_bench import (
    MEASURED_COMMUNE,
    bulk_requests,
    open_bench_database,
    organisations,
    side,
    users,
    worked_requests,
)

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

# (label, who, path, language); {clarification}: a worked request of the measured commune.
PAGES = [
    ("inbox", "liaison", "/demandes/", "fr"),
    ("inbox (en)", "liaison", "/demandes/", "en"),
    ("all requests", "liaison", "/demandes/?status=", "fr"),
    ("overdue filter", "liaison", "/demandes/?overdue=on", "fr"),
    ("all, page 2", "liaison", "/demandes/?status=&page=2", "fr"),
    ("all, page 3 (en)", "liaison", "/demandes/?status=&page=3", "en"),
    ("search by reference", "liaison", "/demandes/?reference={clarification}&status=", "fr"),
    ("sort by commune", "liaison", "/demandes/?status=&sort=commune", "fr"),
    ("work list: to handle", "liaison", "/demandes/?worklist=a-traiter", "fr"),
    ("last page", "liaison", "/demandes/?status=&page=999999", "fr"),
    ("admin: inbox", "prefecture_admin", "/demandes/", "fr"),
    ("admin: inbox (en)", "prefecture_admin", "/demandes/", "en"),
    ("commune: requests", "legal_officer", "/demandes/", "fr"),
    ("commune: requests (en)", "legal_officer", "/demandes/", "en"),
    ("mayor: drafts", "mayor", "/demandes/?status=draft", "fr"),
]
HIDDEN = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=)"[^"]*"'), r'\1""'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def prepare_environment(*, reuse: bool) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    open_bench_database(sqlite_file="list-page-cpu.sqlite3", reuse=reuse)


def load(total: int) -> None:
    from accounts.models import Organization, OrgKind

    prefectures, communes = organisations()
    national = Organization.objects.create(
        kind=OrgKind.OVERSIGHT, code="igrs-national", name="Inspection générale"
    )
    measured = next(c for c in communes["26"] if c.code == MEASURED_COMMUNE)
    people = users(measured, prefectures["26"], national)
    plan = [("26", total // 2), ("62", total // 4), ("07", total - total // 2 - total // 4)]
    bulk_requests(plan, prefectures, communes, people["legal_officer"])
    worked_requests(people, measured)


def fetch(client, url: str, language: str):
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, (url, response.status_code)
    return response


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--html", default="", help="write each page's HTML in this folder")
    parser.add_argument("--only", default="", help="measure only pages whose label contains this")
    args = parser.parse_args()
    prepare_environment(reuse=args.reuse)
    from django.conf import settings
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sharing.models import InfoRequest

    # Not `setup_test_environment`: its instrumented template rendering (a signal per template)
    # is no part of a page's cost in production.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    if not (args.reuse and InfoRequest.objects.exists()):
        load(args.requests)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")
    gc.collect()
    gc.freeze()
    clients, worked = side(MEASURED_COMMUNE, "26")
    pages = [
        (label, clients[who], path.format(**worked), language)
        for label, who, path, language in PAGES
        if args.only in label
    ]
    html_dir = Path(args.html) if args.html else None
    if html_dir is not None:
        html_dir.mkdir(parents=True, exist_ok=True)
    queries = {}
    for label, client, url, language in pages:
        for _ in range(3):
            fetch(client, url, language)
        with CaptureQueriesContext(connection) as captured:
            response = fetch(client, url, language)
        queries[label] = len(captured)
        if html_dir is not None:
            html = response.content.decode()
            for pattern, placeholder in HIDDEN:
                html = pattern.sub(placeholder, html)
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            (html_dir / f"{name}.html").write_text(html)
    cpu: dict[str, list[float]] = {label: [] for label, *_ in pages}
    wall: dict[str, list[float]] = {label: [] for label, *_ in pages}
    for _ in range(args.runs):
        for label, client, url, language in pages:
            started, started_cpu = time.perf_counter(), time.process_time()
            fetch(client, url, language)
            cpu[label].append((time.process_time() - started_cpu) * 1000)
            wall[label].append((time.perf_counter() - started) * 1000)
    load_average = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    count = InfoRequest.objects.count()
    print(
        f"\n{count:,} requests, {connection.vendor}, {args.runs} runs per page, "
        f"load average {load_average}\n"
    )
    print("| page | CPU ms (median) | wall ms (median) | queries |\n|---|---:|---:|---:|")
    for label, *_ in pages:
        print(
            f"| {label} | {statistics.median(cpu[label]):.1f} "
            f"| {statistics.median(wall[label]):.1f} | {queries[label]} |"
        )
    every = [value for values in cpu.values() for value in values]
    print(f"| all pages | {statistics.median(every):.1f} | | |")


if __name__ == "__main__":
    main()
