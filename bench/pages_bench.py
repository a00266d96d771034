"""Web pages benchmark: server time of each main page with 100,000 requests in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_pages_bench \
        uv run python bench/pages_bench.py [--requests 100000] [--baseline-requests 1000] \
        [--events 10000000] [--runs 30] [--reuse] [--only LABEL] [--explain]
    uv run python bench/pages_bench.py            # SQLite file var/pages-bench.sqlite3

The database named in DATABASE_URL is DROPPED and recreated: its name must contain "bench".
Without DATABASE_URL, var/pages-bench.sqlite3 is recreated. The settings are the test settings,
whose database configuration is production's (`config.settings.base.database`: JIT off on
PostgreSQL). Requests are bulk-loaded with the object permissions the services grant (so the
visibility subqueries work on realistic tables); a few requests of the measured commune go
through the real services, so that their page has a timeline, messages and notes.

The baseline, in the same database and the same run: a fourth prefecture (Ain, 01) with only
`--baseline-requests` requests and its own users, whose pages are measured the same way right
after each page at scale. Read the ratio: it says what the 100,000 requests cost, whatever
else the machine is doing. Each page is fetched in-process with Django's test client (server
time: routing, queries, audit record, template; no network), warmed up, then measured `--runs`
times. Prints a Markdown table: median, 95th percentile, queries per page. Target: under
100 ms at the 95th percentile per page.

`--events N` (PostgreSQL) brings the audit table to N events with COPY after the load: events
on the loaded requests (views, lists with their references, changes), spread over the 18
months, by the bench's users, in the proportions a day of traffic writes them. Their `hash`
and `prev_hash` are placeholders, not the chain's: the chain of a bench database does not
verify (nothing here verifies it; `bench/audit_bench.py` measures the real appends). The
months' partitions are created first, as the beat task would have; the indexes of the audit
table are dropped for the COPY and built again after it, as a restore does.

`--explain` prints, for each page at scale, an `EXPLAIN (ANALYZE, BUFFERS)` summary of each of
its queries that reads the requests, their permissions or the audit log: the plan's scans
(index or sequential, on which relation), the rows and buffers, the time, and how many of
the audit table's monthly partitions the query reads (partition pruning: a date filter reads
its months only); a sequential scan of one of those tables is flagged.

`--reuse` skips the load when the database already holds a previous run's data (to iterate on
a fix; publish figures from a fresh load); `--events` then only adds the events missing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TARGET_MS = 100  # issue 14: p95 ≤ 100 ms at 1,000,000 requests
PREFECTURES = {"26": "Drôme", "62": "Pas-de-Calais", "07": "Ardèche"}
# Share of the requests each prefecture receives: the measured one (26) gets half.
SHARE = {"26": 0.5, "62": 0.3, "07": 0.2}
COMMUNES_PER_PREFECTURE = 100
MEASURED_COMMUNE = "26198"
BASELINE_PREFECTURE = ("01", "Ain")
BASELINE_COMMUNE = "01053"
BASELINE_COMMUNES = 10


def recreate_bench_database(url: str, *, reuse: bool) -> None:
    """The PostgreSQL database `url` names made afresh, or kept as it is with `reuse` when it
    exists; only a database whose name says it is a bench's."""
    name = urlparse(url).path.lstrip("/")
    if not url.startswith("postgres") or "bench" not in name:
        sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'")
    import psycopg

    admin = urlparse(url)._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not (reuse and exists):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')


def open_bench_database(*, sqlite_file: str, reuse: bool) -> None:
    """The database a one-process bench measures on, Django set up and migrated on it:
    DATABASE_URL's PostgreSQL database (`recreate_bench_database`), the SQLite file a
    `sqlite:///` URL names, or `var/<sqlite_file>` without DATABASE_URL; a SQLite file is
    emptied first unless `reuse`."""
    url = os.environ.get("DATABASE_URL", "")
    if url and not url.startswith("sqlite:///"):
        recreate_bench_database(url, reuse=reuse)
    else:
        path = Path(url.removeprefix("sqlite:///")) if url else BASE_DIR / "var" / sqlite_file
        path.parent.mkdir(parents=True, exist_ok=True)
        if not reuse:
            path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def prepare_environment(*, reuse: bool) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    os.environ["RELAIS_DURABLE_COMMITS"] = "1"  # as production commits (config/settings/test.py)
    url = os.environ.get("DATABASE_URL", "")
    if url:
        recreate_bench_database(url, reuse=reuse)
    else:
        path = BASE_DIR / "var" / "pages-bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        if not reuse:
            path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def organisations():
    from accounts.models import Organization, OrgKind

    prefectures, communes = {}, {}
    for code, name in [*PREFECTURES.items(), BASELINE_PREFECTURE]:
        prefectures[code] = Organization.objects.create(
            kind=OrgKind.PREFECTURE, code=code, name=f"Préfecture — {name}", departement_code=code
        )
        size = BASELINE_COMMUNES if code == BASELINE_PREFECTURE[0] else COMMUNES_PER_PREFECTURE
        codes = [f"{code}{n:03d}" for n in range(1, size + 1)]
        if code == "26":
            codes[0] = MEASURED_COMMUNE
        if code == BASELINE_PREFECTURE[0]:
            codes[0] = BASELINE_COMMUNE
        communes[code] = Organization.objects.bulk_create(
            [
                Organization(
                    kind=OrgKind.COMMUNE,
                    code=commune,
                    name=f"Commune {commune}",
                    departement_code=code,
                    prefecture=prefectures[code],
                )
                for commune in codes
            ]
        )
    return prefectures, communes


def users(commune, prefecture, oversight) -> dict:
    from accounts.models import Role, User
    from accounts.services import membership_create

    wanted = {
        "legal_officer": (commune, Role.LEGAL_OFFICER),
        "mayor": (commune, Role.MAYOR),
        "liaison": (prefecture, Role.LIAISON),
        "prefecture_admin": (prefecture, Role.PREFECTURE_ADMIN),
        "auditor": (oversight, Role.AUDITOR),
    }
    made = {}
    for key, (organization, role) in wanted.items():
        user, _created = User.objects.get_or_create(username=f"{role}-{organization.code}")
        membership_create(user=user, organization=organization, role=role, actor=None)
        made[key] = user
    return made


def bulk_requests(plan: list[tuple[str, int]], prefectures, communes, author) -> None:
    """(prefecture code, count) requests in every status, spread over 18 months, with their
    object permissions granted to the commune's and the prefecture's role groups as the
    services grant them."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    from accounts.models import OrgKind
    from accounts.services import organization_group
    from sharing.models import (
        Category,
        InfoRequest,
        InfoRequestGroupObjectPermission,
        LegalBasis,
        ReferenceCounter,
        Resolution,
        Status,
    )
    from sharing.permissions import PERMS_BY_ROLE

    rng = random.Random(2026)
    permissions = {
        p.codename: p
        for p in Permission.objects.filter(
            content_type__app_label="sharing",
            codename__in={c for perms in PERMS_BY_ROLE.values() for c in perms},
        )
    }
    categories = list(Category.objects.all())
    basis = LegalBasis.objects.get(code="instruction-intk1826096j")
    groups = {}

    def grants(organization):
        if organization.pk not in groups:
            roles = [r for r in PERMS_BY_ROLE if (organization.kind == OrgKind.COMMUNE) == (
                r in {"legal_officer", "mayor"})]  # fmt: skip
            groups[organization.pk] = [
                (organization_group(organization=organization, role=role), PERMS_BY_ROLE[role])
                for role in roles
            ]
        return groups[organization.pk]

    postgresql = connection.vendor == "postgresql"
    now = datetime.now(UTC)
    today = now.date()
    sequence: dict[str, int] = {}
    batch, permission_rows = [], []
    for code, count in plan:
        for _ in range(count):
            commune = rng.choice(communes[code])
            created = now - timedelta(days=rng.uniform(0, 540))
            age = (now - created).days
            if age > 120:
                status = rng.choice([Status.CLOSED] * 6 + [Status.WITHDRAWN, Status.DECIDED])
            elif age > 30:
                status = rng.choice(
                    [Status.ACKNOWLEDGED, Status.DECIDED, Status.CLOSED, Status.DELIVERED]
                )
            else:
                status = rng.choice(
                    [Status.DRAFT, Status.SUBMITTED, Status.ACKNOWLEDGED,
                     Status.CLARIFICATION_REQUESTED]
                )  # fmt: skip
            year = created.year
            key = f"{commune.code}-{year}"
            sequence[key] = sequence.get(key, 0) + 1
            submitted = None if status == Status.DRAFT else created + timedelta(hours=2)
            decided = status in {Status.DECIDED, Status.DELIVERED, Status.CLOSED}
            resolution = (
                rng.choice([Resolution.GRANTED, Resolution.REFUSED, Resolution.REDIRECTED])
                if decided
                else ""
            )
            request = InfoRequest(
                reference=f"{key}-{sequence[key]:04d}",
                commune=commune,
                prefecture=prefectures[code],
                category=rng.choice(categories),
                legal_basis=basis,
                purpose="Point de situation sur l'état de la menace avant la réunion du CLSPD.",
                urgency=rng.choice(["normal"] * 9 + ["urgent"]),
                status=status,
                resolution=resolution,
                reason_code="no_legal_basis" if resolution == Resolution.REFUSED else "",
                created_by=author,
                submitted_at=submitted,
                acknowledged_at=submitted + timedelta(days=3) if submitted and age > 5 else None,
                decided_at=submitted + timedelta(days=rng.randint(10, 70)) if decided else None,
                acknowledgement_due=(submitted + timedelta(days=7)).date() if submitted else None,
                decision_due=(submitted + timedelta(days=61)).date() if submitted else None,
                delivery_due=today + timedelta(days=rng.randint(-20, 20))
                if status == Status.DECIDED and resolution == Resolution.GRANTED
                else None,
            )
            batch.append(request)
            if len(batch) == 5000:
                if postgresql:
                    InfoRequest.objects.bulk_create(batch)
                    batch.clear()
                    continue
                permission_rows += _flush(batch, grants, permissions)
                if len(permission_rows) >= 50_000:
                    InfoRequestGroupObjectPermission.objects.bulk_create(permission_rows)
                    permission_rows = []
    if postgresql:
        InfoRequest.objects.bulk_create(batch)
        _grant_in_sql(communes, prefectures, grants, permissions)
    else:
        permission_rows += _flush(batch, grants, permissions)
        InfoRequestGroupObjectPermission.objects.bulk_create(permission_rows)
    # The services allocate the next references after the loaded ones.
    by_code = {c.code: c for cs in communes.values() for c in cs}
    ReferenceCounter.objects.bulk_create(
        [
            ReferenceCounter(commune=by_code[key[:5]], year=int(key[6:]), last=last)
            for key, last in sequence.items()
        ]
    )


def _grant_in_sql(communes, prefectures, grants, permissions) -> None:
    """PostgreSQL: the same permission rows as `_flush`, written by the server from the loaded
    requests (one INSERT … SELECT per side; the foreign keys are the loader's own, so their
    per-row checks are skipped, and the secondary indexes are built once afterwards)."""
    from django.db import connection

    rows = [
        (organization.pk, group.pk, permissions[codename].pk)
        for organization in [*prefectures.values(), *(c for cs in communes.values() for c in cs)]
        for group, perms in grants(organization)
        for codename in perms
    ]
    table = "sharing_inforequestgroupobjectpermission"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_grant (organization_id bigint, group_id integer, "
            "permission_id integer)"
        )
        with cursor.cursor.copy("COPY bench_grant FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute("SET session_replication_role = replica")
        for side in ("commune_id", "prefecture_id"):
            cursor.execute(
                f"INSERT INTO {table} (content_object_id, group_id, permission_id) "
                f"SELECT r.id, g.group_id, g.permission_id FROM sharing_inforequest r "
                f"JOIN bench_grant g ON g.organization_id = r.{side}"
            )
        cursor.execute("SET session_replication_role = DEFAULT")
        cursor.execute("DROP TABLE bench_grant")
        for _name, definition in indexes:
            cursor.execute(definition)


def _flush(batch, grants, permissions) -> list:
    from sharing.models import InfoRequest, InfoRequestGroupObjectPermission

    if not batch:
        return []
    created = InfoRequest.objects.bulk_create(batch)
    if created[0].pk is None:  # backends that do not return ids
        refs = [r.reference for r in created]
        created = list(InfoRequest.objects.filter(reference__in=refs))
    rows = []
    for request in created:
        for organization in (request.commune, request.prefecture):
            for group, perms in grants(organization):
                rows.extend(
                    InfoRequestGroupObjectPermission(
                        group=group, permission=permissions[p], content_object=request
                    )
                    for p in perms
                )
    batch.clear()
    return rows


def worked_requests(people, commune) -> dict:
    """A few requests of a measured commune through the real services (audited timeline)."""
    from sharing.models import Category, LegalBasis
    from sharing.services.clarification import info_request_request_clarification
    from sharing.services.drafting import info_request_create, info_request_sign
    from sharing.services.handling import info_request_acknowledge
    from sharing.services.notes import note_add

    category = Category.objects.get(code="general-threat-briefing")
    basis = LegalBasis.objects.get(code="instruction-intk1826096j")
    made = {}
    for name in ("draft", "acknowledged", "clarification"):
        request = info_request_create(
            actor=people["legal_officer"],
            commune=commune,
            category=category,
            legal_basis=basis,
            purpose="Point de situation sur l'état de la menace dans la commune.",
        )
        if name != "draft":
            request = info_request_sign(info_request=request, actor=people["mayor"])
            request = info_request_acknowledge(info_request=request, actor=people["liaison"])
            note_add(info_request=request, actor=people["liaison"], text="Voir avec le cabinet.")
        if name == "clarification":
            request = info_request_request_clarification(
                info_request=request,
                actor=people["liaison"],
                message="Merci de préciser le périmètre géographique.",
            )
        made[name] = request
    return made


def generate_events(total: int) -> None:
    """COPY audit events until the table holds `total` (see the module's docstring)."""
    import json

    from django.db import connection

    from accounts.models import User
    from audit import partitions
    from audit.models import HEAD_PK, AuditEvent, ChainHead
    from audit.verifier.encoding import FORMAT_VERSION
    from sharing.models import InfoRequest

    missing = total - AuditEvent.objects.count()
    if missing <= 0:
        return
    started = time.perf_counter()
    rng = random.Random(2027)
    requests = list(
        InfoRequest.objects.values_list("reference", "commune__code", "prefecture__code")
    )
    roles = {}
    for dep in {*PREFECTURES, BASELINE_PREFECTURE[0]}:
        people = User.objects.filter(username__endswith=f"-{dep}").values_list("pk", "username")
        if people:
            roles[dep] = [
                (pk, name, json.dumps([{"dep": dep, "org": dep, "kind": "prefecture",
                                        "role": name.split("-")[0]}]))
                for pk, name in people
            ]  # fmt: skip
    fallback = next(iter(roles.values()))
    changes = ("request.created", "request.signed", "request.acknowledged", "request.decided",
               "request.delivery_recorded", "request.closed")  # fmt: skip
    head = ChainHead.objects.get(pk=HEAD_PK)
    first = head.seq + 1
    now = datetime.now(UTC)
    span = 540 * 86400
    with connection.cursor() as cursor:
        # The months' partitions, as the beat task would have made them month after month.
        partitions.create_months(
            cursor, partitions.months_between(now - timedelta(seconds=span), now)
        )
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'audit_auditevent' "
            "AND indexname NOT IN (SELECT conname FROM pg_constraint)"
        )
        # A partitioned index's definition reads "ON ONLY": built again on every partition.
        indexes = [(name, sql.replace(" ON ONLY ", " ON ")) for name, sql in cursor.fetchall()]
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        columns = (
            "seq, prev_hash, hash, v, occurred_at, actor_id, actor_username, actor_is_staff, "
            "actor_roles, action, outcome, target_type, target_ref, org_code, departement_code, "
            "scope, ip, user_agent, request_id, details"
        )
        copy_sql = f"COPY audit_auditevent ({columns}) FROM STDIN"
        with cursor.cursor.copy(copy_sql) as copy:
            lines = []
            for number in range(missing):
                seq = first + number
                reference, commune, dep = rng.choice(requests)
                actor_id, username, actor_roles = rng.choice(roles.get(dep, fallback))
                draw = rng.random()
                if draw < 0.45:
                    action, details = "request.viewed", "{}"
                elif draw < 0.75:
                    picked = [rng.choice(requests)[0] for _ in range(20)]
                    action = "request.listed"
                    details = json.dumps({"count": 20, "query": {}, "references": picked})
                else:
                    action, details = rng.choice(changes), "{}"
                when = now - timedelta(seconds=span * (1 - number / missing))
                lines.append(
                    f"{seq}\t{seq - 1:064x}\t{seq:064x}\t{FORMAT_VERSION}\t{when.isoformat()}\t"
                    f"{actor_id}\t{username}\tf\t{actor_roles}\t{action}\tok\t"
                    f"sharing.inforequest\t{reference}\t{commune}\t{dep}\t,{dep},\t"
                    f"192.0.2.10\tbench\t\t{details}\n"
                )
                if len(lines) == 10_000:
                    copy.write("".join(lines))
                    lines = []
            copy.write("".join(lines))
        copied = time.perf_counter() - started
        for _name, definition in indexes:
            cursor.execute(definition)
        cursor.execute(
            "UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = %s",
            [first + missing - 1, f"{first + missing - 1:064x}", HEAD_PK],
        )
    print(
        f"{missing:,} audit events copied in {copied:.0f} s, "
        f"{len(indexes)} indexes built in {time.perf_counter() - started - copied:.0f} s",
        file=sys.stderr,
    )


BIG_TABLES = ("audit_auditevent", "sharing_inforequest", "sharing_inforequestgroupobjectpermission")


def explain(sql: str) -> str:
    """One line: the time, the buffers and the plan's scans of the big tables (index or
    sequential, rows), in plan order; a sequential scan of one of them flagged."""
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
        raw = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM pg_inherits WHERE inhparent = 'audit_auditevent'::regclass"
        )
        partitions = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    steps, flags = [], []
    # The audit table's partitions read (those the planner did not prune), in one step.
    months: dict[str, int] = {}

    def walk(node):
        kind, relation = node["Node Type"], node.get("Relation Name") or ""
        index = node.get("Index Name")
        rows = node.get("Actual Rows", 0)
        if relation.startswith("audit_auditevent_"):
            months[relation] = months.get(relation, 0) + rows
            # An empty partition (a month ahead) is read in no block: not worth a flag.
            if kind == "Seq Scan" and node.get("Shared Hit Blocks", 0) + node.get(
                "Shared Read Blocks", 0
            ):
                flags.append(f"SEQ SCAN {relation}")
        elif relation in BIG_TABLES or (index and not relation):
            steps.append(f"{kind} {index or relation} ({rows} rows)")
            if kind == "Seq Scan":
                flags.append(f"SEQ SCAN {relation}")
        for child in node.get("Plans", []):
            walk(child)

    walk(plan["Plan"])
    if months:
        steps.append(
            f"audit_auditevent: {len(months)} of {partitions} partitions read "
            f"({sum(months.values())} rows)"
        )
    top = plan["Plan"]
    buffers = top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0)
    return (
        f"{plan['Execution Time']:.1f} ms, {buffers} buffers: "
        + ", ".join(steps)
        + (f"  ** {', '.join(flags)}" if flags else "")
    )


def explain_page(client, url: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    lines = []
    for number, query in enumerate(queries.captured_queries, 1):
        sql = query["sql"]
        # The sequencer's read of pending events runs with its values bound by the server
        # (`$1`): not a page's read, and not explainable from its text alone.
        if "$1" in sql:
            continue
        if sql.lstrip().upper().startswith("SELECT") and any(t in sql for t in BIG_TABLES):
            summary = explain(sql)
            if not summary.endswith(": "):
                lines.append(f"    q{number}: {summary}")
    return lines


def measure(client, url: str, runs: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        assert client.get(url).status_code == 200, url
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, len(queries)


def load(args) -> None:
    from accounts.models import Organization, OrgKind

    prefectures, communes = organisations()
    national = Organization.objects.create(
        kind=OrgKind.OVERSIGHT, code="igrs-national", name="Inspection générale"
    )
    measured = next(c for c in communes["26"] if c.code == MEASURED_COMMUNE)
    small = next(c for c in communes[BASELINE_PREFECTURE[0]] if c.code == BASELINE_COMMUNE)
    people = users(measured, prefectures["26"], national)
    users(small, prefectures[BASELINE_PREFECTURE[0]], national)
    plan = [(code, int(args.requests * share)) for code, share in SHARE.items()]
    plan[0] = (plan[0][0], args.requests - sum(n for _, n in plan[1:]))
    plan.append((BASELINE_PREFECTURE[0], args.baseline_requests))
    bulk_requests(plan, prefectures, communes, people["legal_officer"])
    people = users(measured, prefectures["26"], national)
    worked_requests(people, measured)
    worked_requests(users(small, prefectures[BASELINE_PREFECTURE[0]], national), small)


def side(commune_code: str, prefecture_code: str) -> tuple[dict, dict]:
    """The clients of one side's users, and its worked requests' references by name."""
    from django.test import Client

    from accounts.models import Role, User
    from sharing.models import InfoRequest, Status

    usernames = {
        "legal_officer": f"{Role.LEGAL_OFFICER}-{commune_code}",
        "mayor": f"{Role.MAYOR}-{commune_code}",
        "liaison": f"{Role.LIAISON}-{prefecture_code}",
        "prefecture_admin": f"{Role.PREFECTURE_ADMIN}-{prefecture_code}",
        "auditor": f"{Role.AUDITOR}-igrs-national",
    }
    clients = {}
    for key, username in usernames.items():
        clients[key] = Client()
        clients[key].force_login(User.objects.get(username=username))
    clients["anonymous"] = Client()
    names = {
        Status.DRAFT: "draft",
        Status.ACKNOWLEDGED: "acknowledged",
        Status.CLARIFICATION_REQUESTED: "clarification",
    }
    worked = {
        names[status]: reference
        for reference, status in InfoRequest.objects.filter(commune__code=commune_code)
        .order_by("-pk")
        .values_list("reference", "status")[:3]
    }
    return clients, worked


# (label, who, path; None: no baseline for this page). {draft}, {acknowledged},
# {clarification} are the side's worked requests, {prefecture} the side's prefecture code.
PAGES = [
    ("sign-in page", "anonymous", "/connexion/", None),
    ("commune: requests", "legal_officer", "/demandes/", ""),
    ("commune: request page", "legal_officer", "/demandes/{clarification}/", ""),
    ("commune: new request form", "legal_officer", "/demandes/nouvelle/", ""),
    ("commune: clarification form", "legal_officer", "/demandes/{clarification}/clarify/", ""),
    ("mayor: drafts", "mayor", "/demandes/?status=draft", ""),
    ("mayor: sign page", "mayor", "/demandes/{draft}/sign/", ""),
    ("prefecture: inbox (open, due first)", "liaison", "/demandes/", ""),
    ("prefecture: all requests", "liaison", "/demandes/?status=", ""),
    ("prefecture: overdue filter", "liaison", "/demandes/?overdue=on", ""),
    ("prefecture: search by reference", "liaison",
     "/demandes/?reference={clarification}&status=", ""),
    ("prefecture: last page of all", "liaison", "/demandes/?status=&page=999999", ""),
    ("prefecture: request page", "liaison", "/demandes/{acknowledged}/", ""),
    ("prefecture: decide form", "liaison", "/demandes/{acknowledged}/decide/", ""),
    ("prefecture admin: team", "prefecture_admin", "/equipe/", ""),
    ("prefecture: statistics", "liaison", "/statistiques/", ""),
    # The national page's baseline is the same auditor's page scoped to the small prefecture.
    ("oversight: national statistics", "auditor", "/statistiques/",
     "/statistiques/?prefecture={prefecture}"),
    ("oversight: audit log", "auditor", "/audit/journal/", None),
    # A month's events: the date filter reads that month's partitions only.
    ("oversight: audit log, one month", "auditor",
     "/audit/journal/?date_from={month_from}&date_to={month_to}", None),
    ("oversight: audit API", "auditor", "/api/v1/audit/events/", None),
    ("oversight: audit API, one month", "auditor",
     "/api/v1/audit/events/?date_from={month_from}&date_to={month_to}", None),
    ("commune: notifications", "legal_officer", "/notifications/", ""),
    # The API list: its count and pages are narrowed to the reader's organisations.
    ("commune: API list", "legal_officer", "/api/v1/requests/", ""),
    ("prefecture: API list", "liaison", "/api/v1/requests/", ""),
    ("prefecture: API list, open, due first", "liaison",
     "/api/v1/requests/?status=submitted&status=acknowledged&ordering=decision_due", ""),
    ("prefecture: API list, last page", "liaison", "/api/v1/requests/?page=last", ""),
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--baseline-requests", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--only", default="", help="measure only pages whose label contains this")
    parser.add_argument("--events", type=int, default=0, help="audit events (PostgreSQL, COPY)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN the pages' big reads")
    args = parser.parse_args()
    prepare_environment(reuse=args.reuse)
    from django.conf import settings
    from django.db import connection

    from ops import heap
    from sharing.models import InfoRequest

    # The test client's host, and nothing else of `setup_test_environment()`: its template
    # instrumentation keeps a copy of every context a page renders, garbage that no web worker
    # makes and that the garbage collector's passes then walked in the middle of timed pages.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    started = time.perf_counter()
    if not (args.reuse and InfoRequest.objects.exists()):
        load(args)
    if args.events and connection.vendor == "postgresql":
        generate_events(args.events)
    if connection.vendor == "postgresql":
        # What autovacuum does after a bulk load, done now rather than while pages are timed
        # (VACUUM sets the visibility map that index-only scans rely on).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    loaded = time.perf_counter() - started
    count = InfoRequest.objects.count()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM audit_auditevent")
        events = cursor.fetchone()[0]
    small = InfoRequest.objects.filter(prefecture__code=BASELINE_PREFECTURE[0]).count()
    print(f"{count:,} requests loaded in {loaded:.0f} s ({connection.vendor})", file=sys.stderr)

    scale, scale_worked = side(MEASURED_COMMUNE, "26")
    # Three months ago: inside the events' 18 months.
    month = (datetime.now(UTC) - timedelta(days=90)).date().replace(day=1)
    scale_worked |= {
        "month_from": month.isoformat(),
        "month_to": (month + timedelta(days=27)).isoformat(),
    }
    base, base_worked = side(BASELINE_COMMUNE, BASELINE_PREFECTURE[0])
    chosen = [page for page in PAGES if not args.only or args.only in page[0]]
    # As a web worker after its first requests (ops/heap.py, config/gunicorn.conf.py): every
    # page served once, then what the process holds frozen out of the garbage collector's
    # passes (here also the objects the load step left, which no web worker holds).
    for _label, who, path, baseline_path in chosen:
        scale[who].get(path.format(**scale_worked, prefecture="26"))
        if baseline_path is not None:
            url = (baseline_path or path).format(**base_worked, prefecture=BASELINE_PREFECTURE[0])
            base[who].get(url)
    heap.freeze()
    rows, plans = [], []
    for label, who, path, baseline_path in chosen:
        url = path.format(**scale_worked, prefecture="26")
        median, p95, queries = measure(scale[who], url, args.runs)
        if args.explain and connection.vendor == "postgresql":
            plans += [f"- {label} (`{url}`)", *explain_page(scale[who], url)]
        if baseline_path is None:
            versus = ratio = "—"
        else:
            url = (baseline_path or path).format(**base_worked, prefecture=BASELINE_PREFECTURE[0])
            base_median, _p95, _queries = measure(base[who], url, args.runs)
            versus, ratio = f"{base_median:.1f}", f"{median / base_median:.1f}"
        verdict = "ok" if p95 <= TARGET_MS else "SLOW"
        rows.append((label, f"{median:.1f}", f"{p95:.1f}", str(queries), versus, ratio, verdict))
    load_average = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(
        f"\n{count - small:,} requests (+ {small:,} in the baseline prefecture), "
        f"{events:,} audit events, {connection.vendor}, {args.runs} runs per page, "
        f"load average {load_average}\n"
    )
    print(
        "| page | median ms | p95 ms | queries | baseline median ms | ratio "
        f"| p95 ≤ {TARGET_MS} ms |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    if plans:
        print("\nQuery plans at scale (EXPLAIN ANALYZE, BUFFERS), reads of the big tables:\n")
        print("\n".join(plans))


if __name__ == "__main__":
    main()
