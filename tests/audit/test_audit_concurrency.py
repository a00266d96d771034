"""Concurrent writers, with the sequencer running beside them, leave one contiguous, valid
chain (PostgreSQL: real concurrent transactions)."""

import threading

import pytest
from django.db import close_old_connections, connection

from audit.models import AuditEvent, ChainHead
from audit.sequencer import audit_sequence
from audit.services import audit_record
from audit.verifier.encoding import GENESIS_HASH, body_hash, link_hash

from .conftest import sql, triggers_disabled

WRITERS = 16
PER_WRITER = 25


def _empty_the_log() -> None:
    """As the tables' owner: no event, checkpoint, cosignature or tree node; the head at the
    genesis, as after the first migration."""
    for table in ("audit_redaction", "audit_cosignature", "audit_merklenode"):
        sql(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    with triggers_disabled():
        for table in ("audit_auditevent", "audit_auditcheckpoint"):
            sql(f"DELETE FROM {table}")  # noqa: S608
    ChainHead.objects.filter(pk=1).update(
        seq=0,
        hash=GENESIS_HASH,
        tree_size=0,
        tree_range="",
        checkpoint_number=0,
        checkpoint_hash=GENESIS_HASH,
        signer="",
    )


@pytest.fixture
def empty_log(transactional_db):
    """These tests write, sequence, verify, tamper with and export the whole log, and commit:
    each starts from an empty log and leaves one. (The database is emptied after each committed
    test, but not the audit tables, which Django does not manage: the tests that committed
    before may have left events, sequenced or not, that these would count, tamper with, or
    leave a gap behind.)"""
    _empty_the_log()
    yield
    _empty_the_log()


def test_sixteen_concurrent_writers_leave_a_contiguous_valid_chain(empty_log):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers with one database lock; row locks need PostgreSQL")
    start = 0
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

    writing = threading.Event()
    writing.set()
    batches = []

    def sequencer() -> None:
        try:
            while writing.is_set():
                batches.append(audit_sequence(batch=50))
        except Exception as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
    beside = threading.Thread(target=sequencer)
    beside.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    writing.clear()
    beside.join()
    assert failures == []
    batches.append(audit_sequence())
    assert sum(batches) == WRITERS * PER_WRITER
    events = list(AuditEvent.objects.filter(seq__gt=start).order_by("seq"))
    assert [e.seq for e in events] == list(range(start + 1, start + 1 + WRITERS * PER_WRITER))
    prev = GENESIS_HASH
    for event in events:
        assert event.prev_hash == prev
        digest = body_hash(event.body())
        assert link_hash(seq=event.seq, prev_hash=prev, body_digest=digest) == event.hash
        prev = event.hash
    assert ChainHead.objects.get().hash == prev
    written = {(e.details["writer"], e.details["i"]) for e in events}
    assert len(written) == WRITERS * PER_WRITER


def test_parallel_verification_checks_the_seams_between_slices(empty_log, settings):
    if connection.vendor != "postgresql":
        pytest.skip("parallel verification runs on PostgreSQL only")
    from audit.models import AuditCheckpoint
    from audit.services import checkpoint_issue
    from audit.verification import _segments, verify_database

    from .conftest import raw_key

    settings.AUDIT_SIGNING_KEY = raw_key()
    settings.AUDIT_VERIFY_WORKERS = 3
    settings.AUDIT_VERIFY_PARALLEL_THRESHOLD = 10
    for i in range(45):
        audit_record(actor=None, action="reminder.sent", details={"i": i})
        if i % 10 == 9:
            checkpoint_issue()
    checkpoint_issue()
    segments = _segments(start=None, end=None)
    assert len(segments) == 3
    report = verify_database()
    assert report.ok, report.errors
    assert report.events == ChainHead.objects.get().seq
    seam = segments[1][0]
    middle = (segments[2][0] + segments[2][1]) // 2
    with triggers_disabled("audit_auditevent"):
        sql("DELETE FROM audit_auditevent WHERE seq = %s", [seam])
        sql("UPDATE audit_auditevent SET ip = '192.0.2.1' WHERE seq = %s", [middle])
    errors = "\n".join(verify_database().errors)
    assert f"seq {seam + 1} follows seq {seam - 1}: events missing" in errors
    assert f"seq {middle}: hash does not match" in errors
    assert AuditCheckpoint.objects.exists()


def test_parallel_slices_check_the_merkle_roots_from_the_stored_tree_checked_at_the_seams(
    empty_log, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("parallel verification runs on PostgreSQL only")
    from audit.services import checkpoint_issue
    from audit.verification import _segments, verify_database

    from .conftest import raw_key

    settings.AUDIT_SIGNING_KEY = raw_key()
    settings.AUDIT_VERIFY_WORKERS = 3
    settings.AUDIT_VERIFY_PARALLEL_THRESHOLD = 10
    for i in range(45):
        audit_record(actor=None, action="reminder.sent", details={"i": i})
        if i % 10 == 9:
            checkpoint_issue()
    checkpoint_issue()
    segments = _segments(start=None, end=None)
    assert len(segments) == 3
    report = verify_database()
    assert report.ok, report.errors
    # Every checkpoint's root is checked, those inside the later slices by the slices.
    assert not [e for e in report.errors if "could not be checked" in e]
    seam = segments[1][0]
    # The stored subtrees before the second slice are forged: its hint no longer matches the
    # tree the verifier computed up to the seam.
    sql(
        "UPDATE audit_merklenode SET hash = sha256(hash) WHERE ((idx + 1) << level) <= %s",
        [seam - 1],
    )
    errors = "\n".join(verify_database().errors)
    assert f"the stored Merkle tree of the first {seam - 1} events does not match" in errors
    assert "checkpoint Merkle roots in the range could not be checked" in errors


def test_parallel_export_writes_the_same_lines_as_a_serial_one(
    empty_log, settings, tmp_path, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("parallel exports run on PostgreSQL only")
    import zipfile

    from django.core.management import call_command

    from audit import exports
    from audit.keys import signing_key
    from audit.services import checkpoint_issue
    from audit.verifier.export import verify_export

    from .conftest import raw_key

    settings.AUDIT_SIGNING_KEY = raw_key()
    settings.AUDIT_EXPORT_DIR = tmp_path / "exports"
    settings.AUDIT_EXPORT_PARALLEL_THRESHOLD = 10
    for i in range(45):
        action = "reminder.sent" if i % 3 else "request.viewed"
        audit_record(actor=None, action=action, details={"i": i, "text": 'é "q" \\ 𝄞'})
        if i % 10 == 9:
            checkpoint_issue()
    verifier = signing_key().verifier
    parallel = []
    original = exports._parallel_blocks

    def counted(*args):
        parallel.append(args[-1])
        yield from original(*args)

    monkeypatch.setattr(exports, "_parallel_blocks", counted)
    written = {}
    for workers, block in ((1, exports.PARALLEL_BLOCK), (3, 4), (2, 7)):
        settings.AUDIT_EXPORT_WORKERS = workers
        exports.PARALLEL_BLOCK, saved = block, exports.PARALLEL_BLOCK
        try:
            for args in ((), ("--action", "request.viewed")):
                path = tmp_path / f"export-{workers}-{len(args)}.zip"
                call_command("audit_export", str(path), *args)
                report, manifest = verify_export(path, trusted_keys=[verifier])
                assert report.ok, report.errors
                with zipfile.ZipFile(path) as zf:
                    lines = zf.read("events.jsonl").splitlines()
                # Each export adds its own events: compare the lines the first one covered.
                written.setdefault(args, lines)
                assert lines[: len(written[args])] == written[args]
                assert manifest["events"] == len(lines)
                assert manifest["redacted"] == sum(b'"body_hash"' in line for line in lines)
        finally:
            exports.PARALLEL_BLOCK = saved
    assert parallel == [3, 3, 2, 2]  # the worker counts of the parallel exports
