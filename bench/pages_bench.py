"""Web pages benchmark: server time of each main page with 100,000 requests in the database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/relais_pages_bench \
        uv run python bench/pages_bench.py [--requests 100000] [--runs 30]
    uv run python bench/pages_bench.py            # SQLite file var/pages-bench.sqlite3

The database named in DATABASE_URL is DROPPED and recreated: its name must contain "bench".
Without DATABASE_URL, var/pages-bench.sqlite3 is recreated. Requests are bulk-loaded with the
object permissions the services grant (so the visibility subqueries work on realistic
tables); a few requests of the measured commune go through the real services, so that their
page has a timeline, messages and notes. Each page is fetched in-process with Django's test
client (server time: routing, queries, audit record, template; no network), warmed up, then
measured `--runs` times. Prints a Markdown table: median, 95th percentile, queries per page.
Target: under 200 ms per page.
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

TARGET_MS = 200
PREFECTURES = {"26": "Drôme", "62": "Pas-de-Calais", "07": "Ardèche"}
# Share of the requests each prefecture receives: the measured one (26) gets half.
SHARE = {"26": 0.5, "62": 0.3, "07": 0.2}
COMMUNES_PER_PREFECTURE = 100
MEASURED_COMMUNE = "26198"


def prepare_environment() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    url = os.environ.get("DATABASE_URL", "")
    if url:
        name = urlparse(url).path.lstrip("/")
        if not url.startswith("postgres") or "bench" not in name:
            sys.exit("DATABASE_URL must name a PostgreSQL database whose name contains 'bench'")
        import psycopg

        admin = urlparse(url)._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        path = BASE_DIR / "var" / "pages-bench.sqlite3"
        path.parent.mkdir(exist_ok=True)
        path.unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def organisations():
    from accounts.models import Organization, OrgKind

    prefectures, communes = {}, {}
    for code, name in PREFECTURES.items():
        prefectures[code] = Organization.objects.create(
            kind=OrgKind.PREFECTURE, code=code, name=f"Préfecture — {name}", departement_code=code
        )
        codes = [f"{code}{n:03d}" for n in range(1, COMMUNES_PER_PREFECTURE + 1)]
        if code == "26":
            codes[0] = MEASURED_COMMUNE
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


def users(prefectures, communes) -> dict:
    from accounts.models import Organization, OrgKind, Role, User
    from accounts.services import membership_create

    measured = next(c for c in communes["26"] if c.code == MEASURED_COMMUNE)
    national = Organization.objects.create(
        kind=OrgKind.OVERSIGHT, code="igrs-national", name="Inspection générale"
    )
    wanted = {
        "legal_officer": (measured, Role.LEGAL_OFFICER),
        "mayor": (measured, Role.MAYOR),
        "liaison": (prefectures["26"], Role.LIAISON),
        "prefecture_admin": (prefectures["26"], Role.PREFECTURE_ADMIN),
        "auditor": (national, Role.AUDITOR),
    }
    made = {}
    for key, (organization, role) in wanted.items():
        user = User.objects.create_user(username=f"{role}-{organization.code}")
        membership_create(user=user, organization=organization, role=role, actor=None)
        made[key] = user
    return made


def bulk_requests(total: int, prefectures, communes, author) -> None:
    """`total` requests in every status, spread over 18 months, with their object permissions
    granted to the commune's and the prefecture's role groups as the services grant them."""
    from django.contrib.auth.models import Permission

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

    now = datetime.now(UTC)
    today = now.date()
    sequence: dict[str, int] = {}
    batch, permission_rows = [], []
    plan = [(code, int(total * share)) for code, share in SHARE.items()]
    plan[0] = (plan[0][0], total - sum(n for _, n in plan[1:]))
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
                permission_rows += _flush(batch, grants, permissions)
                if len(permission_rows) >= 50_000:
                    InfoRequestGroupObjectPermission.objects.bulk_create(permission_rows)
                    permission_rows = []
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
    """A few requests of the measured commune through the real services (audited timeline)."""
    from sharing import services
    from sharing.models import Category, LegalBasis

    category = Category.objects.get(code="general-threat-briefing")
    basis = LegalBasis.objects.get(code="instruction-intk1826096j")
    made = {}
    for name in ("draft", "acknowledged", "clarification"):
        request = services.info_request_create(
            actor=people["legal_officer"],
            commune=commune,
            category=category,
            legal_basis=basis,
            purpose="Point de situation sur l'état de la menace dans la commune.",
        )
        if name != "draft":
            request = services.info_request_sign(info_request=request, actor=people["mayor"])
            request = services.info_request_acknowledge(
                info_request=request, actor=people["liaison"]
            )
            services.note_add(
                info_request=request, actor=people["liaison"], text="Voir avec le cabinet."
            )
        if name == "clarification":
            request = services.info_request_request_clarification(
                info_request=request,
                actor=people["liaison"],
                message="Merci de préciser le périmètre géographique.",
            )
        made[name] = request
    return made


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    prepare_environment()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from sharing.models import InfoRequest

    setup_test_environment()
    started = time.perf_counter()
    prefectures, communes = organisations()
    people = users(prefectures, communes)
    bulk_requests(args.requests, prefectures, communes, people["legal_officer"])
    measured = next(c for c in communes["26"] if c.code == MEASURED_COMMUNE)
    worked = worked_requests(people, measured)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    loaded = time.perf_counter() - started
    count = InfoRequest.objects.count()
    print(f"{count:,} requests loaded in {loaded:.0f} s ({connection.vendor})", file=sys.stderr)

    clients = {}
    for key, user in people.items():
        clients[key] = Client()
        clients[key].force_login(user)
    anonymous = Client()
    draft = worked["draft"].reference
    acknowledged = worked["acknowledged"].reference
    clarification = worked["clarification"].reference
    pages = [
        ("sign-in page", anonymous, "/connexion/"),
        ("commune: requests", clients["legal_officer"], "/demandes/"),
        ("commune: request page", clients["legal_officer"], f"/demandes/{clarification}/"),
        ("commune: new request form", clients["legal_officer"], "/demandes/nouvelle/"),
        ("commune: clarification form", clients["legal_officer"],
         f"/demandes/{clarification}/clarify/"),
        ("mayor: drafts", clients["mayor"], "/demandes/?status=draft"),
        ("mayor: sign page", clients["mayor"], f"/demandes/{draft}/sign/"),
        ("prefecture: inbox (open, due first)", clients["liaison"], "/demandes/"),
        ("prefecture: all requests", clients["liaison"], "/demandes/?status="),
        ("prefecture: overdue filter", clients["liaison"], "/demandes/?overdue=on"),
        ("prefecture: search by reference", clients["liaison"],
         f"/demandes/?reference={clarification}&status="),
        ("prefecture: last page of all", clients["liaison"], "/demandes/?status=&page=999999"),
        ("prefecture: request page", clients["liaison"], f"/demandes/{acknowledged}/"),
        ("prefecture: decide form", clients["liaison"], f"/demandes/{acknowledged}/decide/"),
        ("prefecture admin: team", clients["prefecture_admin"], "/equipe/"),
        ("prefecture: statistics", clients["liaison"], "/statistiques/"),
        ("oversight: national statistics", clients["auditor"], "/statistiques/"),
        ("oversight: audit log", clients["auditor"], "/audit/journal/"),
        ("commune: notifications", clients["legal_officer"], "/notifications/"),
    ]  # fmt: skip
    rows = []
    for label, client, url in pages:
        median, p95, queries = measure(client, url, args.runs)
        verdict = "ok" if p95 < TARGET_MS else "SLOW"
        rows.append((label, f"{median:.1f}", f"{p95:.1f}", str(queries), verdict))
    print(f"\n{count:,} requests, {connection.vendor}, {args.runs} runs per page\n")
    print("| page | median ms | p95 ms | queries | < 200 ms |")
    print("|---|---:|---:|---:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
