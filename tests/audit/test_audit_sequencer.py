"""The sequencer (docs/audit-format.md, section 3.2): an event is recorded without seq and
chained later; the events table's guard allows exactly that fill, on both engines."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit.models import AuditEvent, ChainHead
from audit.sequencer import audit_sequence, sequenced
from audit.services import audit_record, checkpoint_issue
from audit.verification import verify_database
from audit.verifier.encoding import body_hash, link_hash

from .conftest import sql

pytestmark = pytest.mark.django_db

HASH = "ab" * 32


@pytest.fixture
def pending(users):
    """A recorded event whose seq, prev_hash and hash are still NULL (inserted as PostgreSQL's
    audit_record does, also on SQLite, whose audit_record sequences at once)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (v, occurred_at, actor_id, actor_username,"
            " actor_is_staff, actor_roles, action, outcome, target_type, target_ref, org_code,"
            " departement_code, scope, ip, user_agent, request_id, details) VALUES (1, %s,"
            " NULL, '', %s, '[]', 'request.viewed', 'ok', '', '', '', '', '', '', '', '', '{}')"
            " RETURNING id",
            [connection.ops.adapt_datetimefield_value(timezone.now()), False],
        )
        return cursor.fetchone()[0]


def test_an_event_has_no_seq_until_sequenced_on_postgresql_and_at_once_on_sqlite(users):
    start = ChainHead.objects.get().seq
    event = audit_record(actor=users["mayor"], action="request.viewed")
    assert event.id is not None
    if connection.vendor == "postgresql":
        assert (event.seq, event.prev_hash, event.hash) == (None, None, None)
        assert AuditEvent.objects.get(id=event.id).seq is None
        assert ChainHead.objects.get().seq == start
    sequenced(event)
    assert event.seq == start + 1
    stored = AuditEvent.objects.get(id=event.id)
    assert (stored.seq, stored.prev_hash, stored.hash) == (event.seq, event.prev_hash, event.hash)
    digest = body_hash(stored.body())
    assert link_hash(seq=stored.seq, prev_hash=stored.prev_hash, body_digest=digest) == stored.hash
    assert (ChainHead.objects.get().seq, ChainHead.objects.get().hash) == (stored.seq, stored.hash)


def test_the_sequencer_chains_in_order_of_arrival_and_the_tree_follows(audit_key, users):
    start = ChainHead.objects.get().seq
    events = [
        audit_record(actor=users["mayor"], action="request.viewed", details={"i": i})
        for i in range(7)
    ]
    audit_sequence(batch=3)  # three batches
    assert [sequenced(e).seq for e in events] == list(range(start + 1, start + 8))
    head = ChainHead.objects.get()
    assert head.seq == start + 7
    if connection.vendor == "postgresql":  # SQLite's immediate sequencing leaves the tree
        assert head.tree_size == head.seq  # to the next checkpoint
    checkpoint = checkpoint_issue()
    assert checkpoint.size == ChainHead.objects.get().tree_size == start + 7
    assert verify_database().ok


def test_a_checkpoint_covers_every_event_recorded_before_it(audit_key, users):
    event = audit_record(actor=users["mayor"], action="request.viewed")
    checkpoint = checkpoint_issue()
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 0
    assert checkpoint.size == sequenced(event).seq


def test_the_guard_allows_filling_seq_and_hashes_where_they_are_null(pending):
    head = ChainHead.objects.get()
    with transaction.atomic():
        sql(
            "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [head.seq + 1000, HASH, HASH, pending],
        )
    assert AuditEvent.objects.get(id=pending).seq == head.seq + 1000


@pytest.mark.parametrize(
    "statement",
    [
        # Filling, but changing something else too.
        "UPDATE audit_auditevent SET seq = 999999, prev_hash = %(h)s, hash = %(h)s,"
        " actor_username = 'someone' WHERE id = %(id)s",
        "UPDATE audit_auditevent SET seq = 999999, prev_hash = %(h)s, hash = %(h)s,"
        " details = '{\"x\": 1}' WHERE id = %(id)s",
        "UPDATE audit_auditevent SET seq = 999999, prev_hash = %(h)s, hash = %(h)s,"
        " id = id + 1000000 WHERE id = %(id)s",
        # Filling only part, or with a malformed hash or seq.
        "UPDATE audit_auditevent SET seq = 999999 WHERE id = %(id)s",
        "UPDATE audit_auditevent SET seq = 999999, prev_hash = %(h)s WHERE id = %(id)s",
        "UPDATE audit_auditevent SET seq = 999999, prev_hash = 'x', hash = %(h)s WHERE id = %(id)s",
        "UPDATE audit_auditevent SET seq = 0, prev_hash = %(h)s, hash = %(h)s WHERE id = %(id)s",
        # Anything else on a recorded event.
        "UPDATE audit_auditevent SET outcome = 'failed' WHERE id = %(id)s",
        "DELETE FROM audit_auditevent WHERE id = %(id)s",
    ],
)
def test_the_guard_refuses_every_other_change_to_an_unsequenced_event(pending, statement):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement, {"h": HASH, "id": pending})
    assert AuditEvent.objects.get(id=pending).seq is None


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET seq = seq + 1000000 WHERE id = %(id)s",
        "UPDATE audit_auditevent SET hash = %(h)s WHERE id = %(id)s",
        "UPDATE audit_auditevent SET seq = NULL, prev_hash = NULL, hash = NULL WHERE id = %(id)s",
        "UPDATE audit_auditevent SET prev_hash = NULL WHERE id = %(id)s",
        "DELETE FROM audit_auditevent WHERE id = %(id)s",
    ],
)
def test_a_sequenced_event_cannot_be_refilled_nor_emptied(users, statement):
    event = sequenced(audit_record(actor=users["mayor"], action="request.viewed"))
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        sql(statement, {"h": HASH, "id": event.id})
    stored = AuditEvent.objects.get(id=event.id)
    assert (stored.seq, stored.hash) == (event.seq, event.hash)


def test_a_recorded_event_is_chained_from_its_stored_row_on_both_engines(pending):
    head = ChainHead.objects.get()
    assert audit_sequence() == 1
    stored = AuditEvent.objects.get(id=pending)
    assert (stored.seq, stored.prev_hash) == (head.seq + 1, head.hash)
    digest = body_hash(stored.body())
    assert link_hash(seq=stored.seq, prev_hash=stored.prev_hash, body_digest=digest) == stored.hash
    after = ChainHead.objects.get()
    assert (after.seq, after.hash, after.tree_size) == (stored.seq, stored.hash, stored.seq)
