"""Relais behind a real pgbouncer (Debian's package) in transaction mode, configured as
DATABASE_POOLER=true configures production (`config.settings.base.behind_pooler`): a
request's lifecycle through the API with its audit records, reads, two writers at once on a
pool smaller than its clients, a checkpoint and the audit chain verified, every query through
the pooler.

The pooler is started for these tests in a temporary directory, on port 6440 by default
(RELAIS_PGBOUNCER_PORT, plus the pytest-xdist process's number), in front of the test
database. Skipped on the embedded default (SQLite) and, unless RELAIS_REQUIRE_PGBOUNCER=1
(CI sets it), when pgbouncer is not installed."""

from __future__ import annotations

import base64
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection, connections

from audit.models import AuditEvent, ChainHead
from audit.sequencer import audit_sequence, sequenced_size
from audit.services import checkpoint_issue
from audit.verification import verify_database
from audit.verifier.encoding import GENESIS_HASH
from config.settings.base import behind_pooler
from sharing.legal_frame import seed_legal_frame
from sharing.models import Category, InfoRequest, LegalBasis, Status
from sharing.services.drafting import info_request_sign
from sharing.services.handling import info_request_acknowledge
from tests.audit.conftest import sql, triggers_disabled
from tests.factories import PURPOSE, draft, today

PORT = int(os.environ.get("RELAIS_PGBOUNCER_PORT", "6440")) + int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)
# Fewer server connections than clients (this process and two writer threads): transactions
# from different clients take turns on the same PostgreSQL sessions, as they do in production.
POOL_SIZE = 2
LIST = "/api/v1/requests/"


NOT_POSTGRESQL = (
    "pgbouncer pools PostgreSQL connections: needs a PostgreSQL DATABASE_URL "
    "(the embedded default is SQLite)"
)
# Debian installs it in /usr/sbin, which an unprivileged user's PATH may leave out.
PGBOUNCER = shutil.which("pgbouncer") or shutil.which("pgbouncer", path="/usr/sbin")
NO_PGBOUNCER = "needs pgbouncer (Debian's package: apt-get install pgbouncer)"

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason=NOT_POSTGRESQL),
    pytest.mark.skipif(
        PGBOUNCER is None and os.environ.get("RELAIS_REQUIRE_PGBOUNCER") != "1",
        reason=NO_PGBOUNCER,
    ),
    pytest.mark.django_db(transaction=True),
]


class PgBouncer:
    """pgbouncer in front of the test database's server, transaction pool mode, trust
    authentication from this machine (the server's own authentication still applies)."""

    def __init__(self, port: int, directory: Path, database: dict) -> None:
        self.port = port
        self.directory = directory
        self.user = database["USER"] or "postgres"
        host = database["HOST"] or "127.0.0.1"
        server_port = database["PORT"] or "5432"
        password = (database.get("PASSWORD") or "").replace('"', '""')
        (directory / "userlist.txt").write_text(f'"{self.user}" "{password}"\n')
        self.ini = directory / "pgbouncer.ini"
        self.ini.write_text(
            "[databases]\n"
            f"* = host={host} port={server_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {directory / 'userlist.txt'}\n"
            f"admin_users = {self.user}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {POOL_SIZE}\n"
            "max_client_conn = 50\n"
            "ignore_startup_parameters = extra_float_digits\n"
        )
        for path in (directory, directory / "userlist.txt", self.ini):
            path.chmod(0o755 if path.is_dir() else 0o644)
        self.log = directory / "pgbouncer.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        # pgbouncer will not run as root: it drops to an unprivileged user when started so.
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        with self.log.open("w") as output:
            self.process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [PGBOUNCER, *user, str(self.ini)],
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 15
        while not self.show("VERSION"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"pgbouncer did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # immediate shutdown
            self.process.wait(timeout=15)

    def show(self, what: str) -> list[dict]:
        """`SHOW <what>` on pgbouncer's admin console (simple query protocol, as it needs)."""
        try:
            with psycopg.connect(
                host="127.0.0.1",
                port=self.port,
                user=self.user,
                dbname="pgbouncer",
                autocommit=True,
                connect_timeout=2,
            ) as admin:
                cursor = psycopg.ClientCursor(admin)
                cursor.execute(f"SHOW {what}", prepare=False)
                columns = [column.name for column in cursor.description]
                return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        except psycopg.OperationalError:
            return []

    def transactions(self, database: str) -> int:
        stats = [row for row in self.show("STATS") if row["database"] == database]
        return sum(int(row["total_xact_count"]) for row in stats)


@pytest.fixture(scope="module")
def pgbouncer(django_db_setup, django_db_blocker):
    if PGBOUNCER is None:
        pytest.fail(f"RELAIS_REQUIRE_PGBOUNCER=1 but {NO_PGBOUNCER}", pytrace=False)
    directory = Path(tempfile.mkdtemp(prefix="relais-pgbouncer-"))
    with django_db_blocker.unblock():
        bouncer = PgBouncer(PORT, directory, dict(connection.settings_dict))
    bouncer.start()
    yield bouncer
    bouncer.stop()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def pooled(pgbouncer, transactional_db):
    """Every connection of this process (each thread opens its own) goes through pgbouncer
    with the settings DATABASE_POOLER=true gives production; put back afterwards."""
    settings_dict = connection.settings_dict  # shared by every thread's connection
    saved = {**settings_dict, "OPTIONS": dict(settings_dict.get("OPTIONS", {}))}
    connections.close_all()
    settings_dict.update(behind_pooler({**saved, "HOST": "127.0.0.1", "PORT": str(pgbouncer.port)}))
    seed_legal_frame(category_model=Category, legal_basis_model=LegalBasis)
    empty_audit_log()
    yield pgbouncer
    connections.close_all()
    settings_dict.clear()
    settings_dict.update(saved)
    empty_audit_log()


def empty_audit_log() -> None:
    """The audit log outlives the flush between transactional tests (its tables refuse
    deletes), so earlier tests of this process may have left events and checkpoints signed by
    their own keys: start, and leave, the log empty, as the tables' owner would, directly."""
    with triggers_disabled():
        for table in ("audit_cosignature", "audit_auditcheckpoint", "audit_auditevent"):
            sql(f"DELETE FROM {table}")  # noqa: S608 (fixed table names)
    sql("DELETE FROM audit_merklenode")
    ChainHead.objects.filter(pk=1).update(
        seq=0,
        hash=GENESIS_HASH,
        prev_hash="",
        checkpoint_number=0,
        checkpoint_hash=GENESIS_HASH,
        signer="",
        tree_size=0,
        tree_range="",
    )


def test_the_application_connects_through_the_pooler_in_transaction_mode(pooled):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database(), inet_server_port()")
        name, server_port = cursor.fetchone()
    assert connection.connection.info.port == pooled.port
    assert name == connection.settings_dict["NAME"]
    assert server_port != pooled.port  # PostgreSQL's own port: pgbouncer is in between
    assert connection.settings_dict["CONN_MAX_AGE"] == 0
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    assert "options" not in connection.settings_dict["OPTIONS"]
    [pool] = [row for row in pooled.show("POOLS") if row["database"] == name]
    assert pool["pool_mode"] == "transaction"


@pytest.fixture
def audit_key(settings):
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.AUDIT_SIGNING_KEY = base64.b64encode(seed).decode("ascii")
    settings.AUDIT_SIGNING_KEY_FILE = ""


def test_a_request_lifecycle_through_the_api_with_reads_and_a_verified_chain(
    pooled, audit_key, api, orgs, people
):
    name = connection.settings_dict["NAME"]
    before = pooled.transactions(name)
    head = sequenced_size()
    legal_officer, mayor, liaison = (
        api(people.legal_officer),
        api(people.mayor),
        api(people.liaison),
    )
    created = legal_officer.post(
        LIST,
        {
            "category": "general-threat-briefing",
            "legal_basis": "instruction-intk1826096j",
            "purpose": PURPOSE,
            "urgency": "normal",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    reference = created.json()["reference"]
    steps = [
        (mayor, "sign", {}, "submitted"),
        (liaison, "acknowledge", {}, "acknowledged"),
        (liaison, "decide", {"resolution": "granted", "remarks": ""}, "decided"),
        (
            liaison,
            "record-delivery",
            {"channel": "bilateral_meeting", "delivered_on": today().isoformat()},
            "delivered",
        ),
        (liaison, "close", {}, "closed"),
    ]
    for client, action, payload, status in steps:
        response = client.post(f"{LIST}{reference}/{action}/", payload, format="json")
        assert response.status_code == 200, (action, response.content)
        assert response.json()["status"] == status
    for client in (mayor, liaison):
        detail = client.get(f"{LIST}{reference}/")
        assert detail.status_code == 200
        assert detail.json()["status"] == "closed"
        listed = client.get(LIST)
        assert listed.status_code == 200
        assert reference in [row["reference"] for row in listed.json()["results"]]
    timeline = mayor.get(f"{LIST}{reference}/events/")
    assert timeline.status_code == 200
    assert [event["action"] for event in timeline.json()] == [
        "request.created",
        "request.signed",
        "request.acknowledged",
        "request.decided",
        "request.delivery_recorded",
        "request.closed",
    ]
    # Each detail and list read left its record, in the chain after the writes.
    audit_sequence()
    actions = list(
        AuditEvent.objects.filter(seq__gt=head).order_by("seq").values_list("action", flat=True)
    )
    assert actions.count("request.viewed") == 2
    assert actions.count("request.listed") == 2
    checkpoint_issue()
    report = verify_database()
    assert report.ok, report.errors
    assert report.events == sequenced_size()
    assert pooled.transactions(name) > before


def test_two_writers_at_once_through_a_smaller_pool_leave_a_valid_chain(
    pooled, audit_key, orgs, people
):
    head = sequenced_size()
    drafts = [[draft(orgs.montelimar) for _ in range(4)] for _ in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def writer(own: list[InfoRequest]) -> None:
        try:
            barrier.wait(timeout=10)
            for info_request in own:
                signed = info_request_sign(info_request=info_request, actor=people.mayor)
                info_request_acknowledge(info_request=signed, actor=people.liaison)
        except BaseException as exc:  # reported by the test below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(own,)) for own in drafts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    every = [info_request.pk for own in drafts for info_request in own]
    assert InfoRequest.objects.filter(pk__in=every, status=Status.ACKNOWLEDGED).count() == 8
    audit_sequence()
    actions = list(AuditEvent.objects.filter(seq__gt=head).values_list("action", flat=True))
    assert actions.count("request.signed") == 8
    assert actions.count("request.acknowledged") == 8
    seqs = sorted(AuditEvent.objects.filter(seq__gt=head).values_list("seq", flat=True))
    assert seqs == list(range(head + 1, sequenced_size() + 1))
    checkpoint_issue()
    report = verify_database()
    assert report.ok, report.errors
