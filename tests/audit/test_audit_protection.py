"""The database refuses to change or remove audit rows, whatever the application does."""

from pathlib import Path

import pytest
from django.db import DatabaseError, connection, transaction

from audit import partitions
from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.partitions import partitions_ensure
from audit.services import audit_record, checkpoint_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(users):
    return audit_record(actor=users["mayor"], action="request.viewed")


def run(statement: str) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)


def test_orm_update_of_an_event_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=event.seq).update(action="request.deleted")
    assert AuditEvent.objects.get(seq=event.seq).action == "request.viewed"


def test_orm_delete_of_an_event_is_refused(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(seq=event.seq).delete()
    assert AuditEvent.objects.filter(seq=event.seq).exists()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET actor_username = 'someone-else'",
        "DELETE FROM audit_auditevent",
        "UPDATE audit_auditcheckpoint SET size = 0",
        "DELETE FROM audit_auditcheckpoint",
    ],
)
def test_raw_sql_update_and_delete_are_refused(event, audit_key, statement):
    checkpoint_issue()
    with pytest.raises(DatabaseError, match="append-only"):
        run(statement)


@pytest.mark.parametrize("table", ["audit_auditevent", "audit_auditcheckpoint"])
def test_truncate_is_refused_on_postgresql(event, table):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE; DELETE without WHERE is covered above")
    with pytest.raises(DatabaseError, match="append-only"):
        run(f"TRUNCATE {table}")


def test_replication_role_does_not_silence_the_triggers(event):
    if connection.vendor != "postgresql":
        pytest.skip("session_replication_role is a PostgreSQL setting")
    with pytest.raises(DatabaseError, match="append-only"):
        run("SET LOCAL session_replication_role = replica; DELETE FROM audit_auditevent")


def test_chain_head_stays_updatable(event):
    assert ChainHead.objects.filter(pk=1).update(seq=ChainHead.objects.get().seq) == 1


def test_checkpoint_rows_are_inserted_not_updated(audit_key, event):
    first = checkpoint_issue()
    second = checkpoint_issue()
    assert second.number == first.number + 1
    assert AuditCheckpoint.objects.filter(number__in=[first.number, second.number]).count() == 2


GRANTS = Path(__file__).resolve().parents[2] / "sql" / "audit_grants.sql"


def grant_statements(role: str) -> list[str]:
    """The SQL statements of sql/audit_grants.sql (psql meta-commands left out)."""
    text = "\n".join(
        line
        for line in GRANTS.read_text().splitlines()
        if not line.lstrip().startswith(("\\", "--"))
    )
    statements = [s.strip() for s in text.replace(':"app_role"', f'"{role}"').split(";")]
    return [s for s in statements if s and s not in ("BEGIN", "COMMIT")]


@pytest.fixture
def app_role(event):
    """A role set up by sql/audit_grants.sql, acting for the rest of the test's transaction."""
    if connection.vendor != "postgresql":
        pytest.skip("roles and grants are PostgreSQL features")
    role = "relais_app_grants_test"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{role}" NOLOGIN')
        for statement in grant_statements(role):
            cursor.execute(statement)
        cursor.execute(f'SET LOCAL ROLE "{role}"')
    return role


def test_application_role_can_append_and_read(app_role):
    appended = audit_record(actor=None, action="reminder.sent")
    assert AuditEvent.objects.filter(seq=appended.seq).exists()


def test_application_role_creates_the_coming_months_partitions_it_cannot_drop(app_role):
    report = partitions_ensure(ahead=partitions.MONTHS_AHEAD + 1)
    assert (len(report.created), report.failed, report.default_events) == (1, [], 0)
    [month] = report.created
    with pytest.raises(DatabaseError, match="must be owner"):
        run(f"DROP TABLE {partitions.partition_name(month)}")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET ip = ''",
        "DELETE FROM audit_auditevent",
        "TRUNCATE audit_auditevent",
        "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_auditevent_append_only",
        "DROP TRIGGER audit_auditevent_append_only ON audit_auditevent",
        "DELETE FROM audit_chainhead",
        "DELETE FROM audit_auditevent_default",
        "TRUNCATE audit_auditevent_default",
        "ALTER TABLE audit_auditevent DETACH PARTITION audit_auditevent_default",
        "DROP TABLE audit_auditevent_default",
    ],
)
def test_application_role_cannot_change_or_unprotect_the_log(app_role, statement):
    with pytest.raises(DatabaseError, match=r"permission denied|must be owner"):
        run(statement)
