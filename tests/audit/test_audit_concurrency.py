"""Concurrent appenders leave one contiguous, valid chain (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import close_old_connections, connection

from audit.models import AuditEvent, ChainHead
from audit.services import audit_record
from audit.verifier.encoding import body_hash, link_hash

from .conftest import sql, triggers_disabled

WRITERS = 16
PER_WRITER = 25


@pytest.fixture
def restore_chain(transactional_db):
    """This test commits; afterwards remove what it appended, as the tables' owner."""
    head = ChainHead.objects.get()
    yield head
    with triggers_disabled("audit_auditevent"):
        sql("DELETE FROM audit_auditevent WHERE seq > %s", [head.seq])
    ChainHead.objects.filter(pk=1).update(seq=head.seq, hash=head.hash)


def test_sixteen_concurrent_writers_leave_a_contiguous_valid_chain(restore_chain):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with one database lock; row locks need PostgreSQL")
    start = restore_chain.seq
    barrier = threading.Barrier(WRITERS)
    failures = []

    def writer(number: int) -> None:
        try:
            barrier.wait()
            for i in range(PER_WRITER):
                audit_record(actor=None, action="reminder.sent", details={"writer": number, "i": i})
        except Exception as exc:
            failures.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [e.seq for e in events] == list(range(start + 1, start + 1 + WRITERS * PER_WRITER))
    prev = restore_chain.hash
    for event in events:
        assert event.prev_hash == prev
        digest = body_hash(event.body())
        assert link_hash(seq=event.seq, prev_hash=prev, body_digest=digest) == event.hash
        prev = event.hash
    assert ChainHead.objects.get().hash == prev
    written = {(e.details["writer"], e.details["i"]) for e in events}
    assert len(written) == WRITERS * PER_WRITER
