"""Reminder sweep benchmark, run by hand on PostgreSQL (never in CI).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_sweep_bench \
        uv run python bench/sweep_bench.py [--open 1000000] [--due 1000,10000,100000]

The database named in DATABASE_URL is DROPPED and recreated: its name must contain "bench".
The script starts its own redis-server on --redis-port (6391) as the broker, so that the
sweep really publishes its send messages (`sharing.send_reminders`, REMINDER_SEND_BATCH rows
each), and stops it at the end.

Data: --open requests spread over 100 prefectures and 2,000 communes (a liaison and an admin
per prefecture), in every open status, with deadlines far from the sweep's window; written
with COPY, not through the services. For each N in --due, N of them get deadlines that fall
due on the sweep's day (a mix: acknowledgement overdue, decision in 7 business days,
decision overdue, delivery pending), the sweep runs once (timed, per phase), then a second
time (the next sweep: nothing new to write, the rest of the dispatch), and the N are put
back. Every due request owes a reminder to 2 people: N due requests are 2N ledger rows.

Reports a Markdown table: the time to find the due work and write the ledger (expiry,
reminders, digests) and its ratio to the smallest N's (time growing with the number due,
not with the number open), then the dispatch (at most REMINDER_DISPATCH_LIMIT rows per
sweep, REMINDER_SEND_BATCH rows per Celery message): rows, messages and time, and the whole
sweep with its ratio to the smallest N's. The process's first broker connection (imports,
connect) is made before the timed sweeps, as a worker has made it before it runs the sweep
task, and reported on its own.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

PREFECTURES = 100
COMMUNES_PER_PREFECTURE = 20


def prepare_environment(redis_port: int) -> str:
    url = os.environ.get("DATABASE_URL", "")
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.local"
    os.environ["DJANGO_DEBUG"] = "false"  # no query log in memory
    os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    os.environ.pop("CELERY_BROKER_URL", None)
    return name


def recreate_database(name: str) -> None:
    import psycopg

    parsed = urlparse(os.environ["DATABASE_URL"])
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


class Redis:
    def __init__(self, port: int) -> None:
        if shutil.which("redis-server") is None:
            sys.exit("redis-server is needed (the bench starts its own on --redis-port)")
        self.port = port
        self.dir = tempfile.mkdtemp(prefix="sweep-bench-redis-")

    def cli(self, *args: str) -> str:
        return subprocess.run(  # noqa: S603
            ["redis-cli", "-p", str(self.port), *args],  # noqa: S607
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()

    def start(self) -> None:
        if self.cli("ping") == "PONG":
            sys.exit(f"port {self.port} already has a Redis: choose another --redis-port")
        subprocess.run(  # noqa: S603
            [  # noqa: S607
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                self.dir,
            ],
            check=True,
        )
        for _ in range(100):
            if self.cli("ping") == "PONG":
                return
            time.sleep(0.1)
        sys.exit("redis-server did not start")

    def stop(self) -> None:
        self.cli("shutdown", "nosave")


def setup_django() -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- data -----------------------------------------------------------------------------------


def create_people() -> dict:
    """Prefectures and communes with their role holders, as plain rows (the sweep reads
    memberships; it needs no object permissions)."""
    from accounts.models import Membership, Organization, OrgKind, Role, User

    departements = [f"{n:02d}" for n in range(1, 96) if n != 20]
    departements += ["2A", "971", "972", "973", "974", "976"][: PREFECTURES - len(departements)]
    prefectures = Organization.objects.bulk_create(
        Organization(
            kind=OrgKind.PREFECTURE, code=dep, name=f"Préfecture {dep}", departement_code=dep
        )
        for dep in departements
    )
    communes = Organization.objects.bulk_create(
        Organization(
            kind=OrgKind.COMMUNE,
            code=f"{prefecture.code}{index:0{5 - len(prefecture.code)}d}",
            name=f"Commune {prefecture.code}-{index}",
            departement_code=prefecture.departement_code,
            prefecture=prefecture,
        )
        for prefecture in prefectures
        for index in range(1, COMMUNES_PER_PREFECTURE + 1)
    )
    users = User.objects.bulk_create(
        User(username=f"{role}-{prefecture.code}", email=f"{role}-{prefecture.code}@bench.test")
        for prefecture in prefectures
        for role in (Role.LIAISON, Role.PREFECTURE_ADMIN)
    )
    by_name = {user.username: user for user in users}
    Membership.objects.bulk_create(
        Membership(user=by_name[f"{role}-{prefecture.code}"], organization=prefecture, role=role)
        for prefecture in prefectures
        for role in (Role.LIAISON, Role.PREFECTURE_ADMIN)
    )
    author = User.objects.create(username="bench-author")
    return {"communes": communes, "author": author}


def copy_requests(*, count: int, people: dict, today: date) -> None:
    """COPY `count` open requests whose deadlines are all well outside the sweep's window."""
    from django.db import connection

    from sharing.models import Category, ExpiryPolicy, LegalBasis, Status

    # "Flag only": overdue requests stay open, so every run sees the same open set.
    Category.objects.update(expiry_policy=ExpiryPolicy.FLAG)
    category = Category.objects.order_by("pk").first()
    legal_basis = LegalBasis.objects.order_by("pk").first()
    communes = people["communes"]
    columns = (
        "reference, commune_id, prefecture_id, category_id, legal_basis_id, purpose, urgency, "
        "secure_channel_ref, status, resolution, reason_code, decision_remarks, "
        "procureur_agreement, intelligence_agreement, delivery_channel, withdraw_reason, "
        "created_by_id, created_at, updated_at, submitted_at, acknowledgement_due, "
        "decision_due, delivery_due, clarification_requested_at, decision_days_remaining"
    )
    statuses = [
        Status.SUBMITTED,
        Status.ACKNOWLEDGED,
        Status.ACKNOWLEDGED,
        Status.ACKNOWLEDGED,
        Status.ACKNOWLEDGED,
        Status.ACKNOWLEDGED,
        Status.ACKNOWLEDGED,
        Status.CLARIFICATION_REQUESTED,
        Status.DECIDED,
        Status.DECIDED,
    ]
    created = datetime.combine(today - timedelta(days=30), datetime.min.time()).isoformat()
    long_ago = (today - timedelta(days=90)).isoformat()
    with (
        connection.cursor() as cursor,
        cursor.copy(f"COPY sharing_inforequest ({columns}) FROM STDIN") as copy,
    ):
        buffer = io.StringIO()
        for n in range(count):
            commune = communes[n % len(communes)]
            status = statuses[n % len(statuses)]
            # Far from any trigger: 30 to 395 days ahead (the sweep looks at most
            # 7 business days ahead and a week back).
            ahead = (today + timedelta(days=30 + n % 365)).isoformat()
            buffer.write(
                "\t".join(
                    [
                        f"{commune.code}-2026-{n:07d}",
                        str(commune.pk),
                        str(commune.prefecture_id),
                        str(category.pk),
                        str(legal_basis.pk),
                        "Point de situation avant la réunion du CLSPD.",
                        "normal",
                        "",
                        status,
                        "granted" if status == Status.DECIDED else "",
                        "",
                        "",
                        "not_required",
                        "not_required",
                        "",
                        "",
                        str(people["author"].pk),
                        created,
                        created,
                        created,
                        ahead,
                        ahead,
                        ahead if status == Status.DECIDED else r"\N",
                        long_ago if status == Status.CLARIFICATION_REQUESTED else r"\N",
                        "20" if status == Status.CLARIFICATION_REQUESTED else r"\N",
                    ]
                )
                + "\n"
            )
            if n % 50_000 == 49_999:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # statistics for every table, as autovacuum would


# --- runs ------------------------------------------------------------------------------------


SPECIAL_CALENDARS = ["57", "67", "68", "971", "972", "973", "974", "976"]


def make_due(*, count: int, sweep_day: date) -> list[int]:
    """Gives `count` open requests (of communes on the national calendar) deadlines that fall
    due on `sweep_day`: a quarter each of acknowledgement overdue, decision in 7 business
    days, delivery in 2 business days, decision overdue."""
    from django.db import connection

    from sharing import deadlines
    from sharing.models import InfoRequest, Status

    national = "75"
    overdue = deadlines.subtract_business_days(sweep_day, 1, departement_code=national)
    kinds = [
        (Status.SUBMITTED, "acknowledgement_due", overdue),
        (
            Status.ACKNOWLEDGED,
            "decision_due",
            deadlines.add_business_days(sweep_day, 7, departement_code=national),
        ),
        (
            Status.DECIDED,
            "delivery_due",
            deadlines.add_business_days(sweep_day, 2, departement_code=national),
        ),
        (Status.ACKNOWLEDGED, "decision_due", overdue),
    ]
    chosen: list[int] = []
    for position, (status, field, due_on) in enumerate(kinds):
        wanted = count // 4 + (count % 4 if position == len(kinds) - 1 else 0)
        ids = list(
            InfoRequest.objects.filter(status=status)
            .exclude(commune__departement_code__in=SPECIAL_CALENDARS)
            .exclude(pk__in=chosen)
            .order_by("pk")
            .values_list("pk", flat=True)[:wanted]
        )
        for start in range(0, len(ids), 10_000):
            InfoRequest.objects.filter(pk__in=ids[start : start + 10_000]).update(**{field: due_on})
        chosen += ids
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE sharing_inforequest")
    return chosen


def undo_due(ids: list[int], today: date) -> None:
    from django.db import connection

    from sharing.models import InfoRequest, Notification, Reminder

    far = today + timedelta(days=200)
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        InfoRequest.objects.filter(pk__in=chunk).update(
            acknowledgement_due=far, decision_due=far, delivery_due=far
        )
    Reminder.objects.all().delete()
    Notification.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE sharing_inforequest")
        cursor.execute("VACUUM ANALYZE sharing_reminder")


def timed_sweep(now: datetime) -> dict[str, float]:
    from django.db import connection

    from sharing.reminders import ledger

    timings: dict[str, float] = {}
    started = time.perf_counter()
    for phase, function in (
        ("expire", ledger.expire_due),
        ("create", ledger.create_due),
        ("digests", ledger.create_digests),
        ("dispatch", ledger.dispatch),
    ):
        begin = time.perf_counter()
        timings[f"{phase}_count"] = function(now=now)
        timings[phase] = time.perf_counter() - begin
    timings["total"] = time.perf_counter() - started
    connection.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, default=1_000_000)
    parser.add_argument("--due", default="1000,10000,100000")
    parser.add_argument("--redis-port", type=int, default=6391)
    options = parser.parse_args()
    due_counts = [int(value) for value in options.due.split(",")]

    name = prepare_environment(options.redis_port)
    redis = Redis(options.redis_port)
    recreate_database(name)
    redis.start()
    try:
        setup_django()
        from django.utils import timezone

        from sharing import deadlines
        from sharing.reminders import broker
        from sharing.reminders.schedule import dispatch_limit, send_batch
        from tests.integration.support import at

        sweep_day = deadlines.previous_business_day(timezone.localdate(), departement_code="75")
        now = at(sweep_day, 10)  # a business morning: everything due is dispatched at once
        started = time.perf_counter()
        people = create_people()
        copy_requests(count=options.open, people=people, today=sweep_day)
        print(f"{options.open:,} open requests written in {time.perf_counter() - started:.1f}s")

        # A sweep run by beat runs in a worker, which set up its broker connection (and
        # imported the transport) before it took the sweep task: do the same once here,
        # with an empty enqueue, and report its cost apart.
        begin = time.perf_counter()
        broker.enqueue([])
        warm_up = time.perf_counter() - begin
        print(f"broker set-up in this process (first connection, imports): {warm_up:.3f}s")

        baseline = timed_sweep(now)
        rows = [("0", baseline, None)]
        for count in due_counts:
            ids = make_due(count=count, sweep_day=sweep_day)
            first = timed_sweep(now)
            first["messages"] = int(redis.cli("llen", "celery") or 0)
            second = timed_sweep(now)  # the next sweep (beat's interval is not waited for)
            queued = int(redis.cli("llen", "celery") or 0)
            rows.append((f"{count:,}", first, second))
            print(
                f"due {count:,}: first sweep {first['total']:.3f}s "
                f"({first['create_count']:,} rows, {first['dispatch_count']:,} enqueued in "
                f"{first['messages']:,} messages, {queued:,} messages in Redis after the "
                f"second sweep); second sweep {second['total']:.3f}s"
            )
            redis.cli("flushall")
            undo_due(ids, sweep_day)

        print()
        print(
            f"Sweep on PostgreSQL, {options.open:,} open requests; 2 recipients per due request; "
            f"at most {dispatch_limit():,} rows enqueued per sweep, {send_batch()} per Celery "
            "message (to a local Redis)"
        )
        print()
        print(
            "| due requests | ledger rows written | find & write s | ratio | rows enqueued "
            "| messages | enqueue s | whole sweep s | ratio | next sweep s |"
        )
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        smallest = None
        for label, first, second in rows:
            find = first["expire"] + first["create"] + first["digests"]
            smallest = smallest or ((find, first["total"]) if second else None)
            ratio = f"{find / smallest[0]:.1f}" if second and smallest else "-"
            whole = f"{first['total'] / smallest[1]:.1f}" if second and smallest else "-"
            again = f"{second['total']:.3f}" if second else "-"
            print(
                f"| {label} | {first['create_count']:,} | {find:.3f} | {ratio} "
                f"| {first['dispatch_count']:,} | {first.get('messages', 0):,} "
                f"| {first['dispatch']:.3f} | {first['total']:.3f} | {whole} | {again} |"
            )
    finally:
        redis.stop()


if __name__ == "__main__":
    main()
