"""A request's access records, made in autocommit, are sent without waiting and settled before
the answer leaves (audit.services.answer_waits, config/postgresql): the answer of a read never
leaves before its record is committed, and a record that fails fails the answer.

PostgreSQL only (SQLite records at once); transactional tests, as a request in production runs
in autocommit."""

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, DataError, connection, connections, transaction
from rest_framework.test import APIClient

from audit.models import AuditEvent
from audit.services import answer_waits, audit_record
from sharing.legal_frame import seed_legal_frame
from sharing.models import Category, LegalBasis, Status
from tests.conftest import People, make_orgs
from tests.factories import request_in

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="statements sent without waiting: PostgreSQL"
    ),
]


@pytest.fixture
def people(transactional_db):
    """The territories' people, after the flush that emptied the seeded legal frame."""
    seed_legal_frame(category_model=Category, legal_basis_model=LegalBasis)
    return People(make_orgs())


@pytest.fixture
def read(people):
    """The liaison's API client and the reference of a request they may read."""
    info_request = request_in(Status.ACKNOWLEDGED, people._orgs.montelimar)
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(people.liaison)
    return client, info_request.reference


def _committed_views(reference: str) -> int:
    """Seen from another connection: only what is committed."""
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
        autocommit=True,
    ) as other:
        return other.execute(
            "SELECT count(*) FROM audit_auditevent"
            " WHERE action = 'request.viewed' AND target_ref = %s",
            [reference],
        ).fetchone()[0]


def test_a_read_answers_once_its_record_is_committed(read, monkeypatch):
    client, reference = read
    sent = []
    backend = type(connections[DEFAULT_DB_ALIAS])
    send = backend.send_without_waiting
    monkeypatch.setattr(
        backend,
        "send_without_waiting",
        lambda self, *args, **kwargs: sent.append(args[0]) or send(self, *args, **kwargs),
    )
    before = _committed_views(reference)
    response = client.get(f"/api/v1/requests/{reference}/")
    assert response.status_code == 200
    assert [sql.split(" (")[0] for sql in sent] == ["INSERT INTO audit_auditevent"]
    assert _committed_views(reference) == before + 1  # before anything else runs here
    assert "_unanswered" not in connection.__dict__


def test_a_record_that_fails_fails_the_answer(read):
    client, reference = read
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_views() RETURNS trigger LANGUAGE plpgsql AS $$"
            " BEGIN IF NEW.action = 'request.viewed' THEN RAISE EXCEPTION 'refused';"
            " END IF; RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_views BEFORE INSERT ON audit_auditevent"
            " FOR EACH ROW EXECUTE FUNCTION test_refuse_views()"
        )
    before = _committed_views(reference)
    try:
        response = client.get(f"/api/v1/requests/{reference}/")
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_views ON audit_auditevent")
            cursor.execute("DROP FUNCTION test_refuse_views()")
    assert response.status_code == 500
    assert reference not in response.content.decode()  # nothing of the request left
    assert _committed_views(reference) == before


def test_whatever_comes_next_on_the_connection_settles_first(people):
    liaison = people.liaison
    start = AuditEvent.objects.count()
    token = answer_waits.set(True)
    try:
        event = audit_record(actor=liaison, action="request.viewed")
        assert event.id is None  # sent, its answer not read yet
        assert AuditEvent.objects.count() == start + 1
        assert AuditEvent.objects.get(id=event.id).actor_username == liaison.username

        event = audit_record(actor=liaison, action="request.viewed")
        with transaction.atomic():  # leaving autocommit settles it
            assert event.id is not None
            inside = audit_record(actor=liaison, action="request.viewed")
            assert inside.id is not None  # in a transaction: at once, committed with it

        event = audit_record(actor=liaison, action="request.viewed")
        connection.close()  # so does closing
        assert event.id is not None
        assert AuditEvent.objects.count() == start + 4
    finally:
        answer_waits.reset(token)


def test_an_error_comes_out_where_the_connection_is_next_used_and_leaves_it_usable():
    connection.ensure_connection()
    connection.send_without_waiting("SELECT 1 / %s", [0], answered=lambda row: None)
    with pytest.raises(DataError), connection.cursor() as cursor:
        cursor.execute("SELECT 2")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 3")
        assert cursor.fetchone() == (3,)


def test_a_statement_larger_than_the_sockets_buffer_is_sent_whole():
    answers = []
    connection.ensure_connection()
    connection.send_without_waiting("SELECT length(%s)", ["x" * 8_000_000], answered=answers.append)
    connection.settle()
    assert answers == ["8000000"]


@transaction.atomic
def _an_action_that_fails(user) -> None:
    """Its records are written at once (psycopg prepares their statement), then it fails:
    Django rolls back, and psycopg deallocates."""
    audit_record(actor=user, action="request.viewed")
    audit_record(actor=user, action="request.viewed")
    raise ZeroDivisionError


def test_a_record_sent_after_psycopg_deallocated_its_statement_is_prepared_again(people):
    """After a rollback psycopg deallocates every prepared statement of the session, the
    records' one with its own: every later read on the connection then failed (found by a
    web fuzzer whose writes were rolled back). The statement is prepared and sent again."""
    liaison = people.liaison
    start = AuditEvent.objects.count()
    token = answer_waits.set(True)
    try:
        audit_record(actor=liaison, action="request.viewed")  # prepared, sent without waiting
        with pytest.raises(ZeroDivisionError):
            _an_action_that_fails(liaison)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert cursor.fetchone() == (0,)
        event = audit_record(actor=liaison, action="request.viewed")
        connection.settle()
        assert event.id is not None
        assert AuditEvent.objects.count() == start + 2
    finally:
        answer_waits.reset(token)
