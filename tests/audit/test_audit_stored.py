"""On PostgreSQL, audit_verify and exports read each event as one line of text (audit.stored):
whatever the characters and timestamps, the bodies are the format's canonical JSON, and a line
that cannot be trusted as it is (a tab or a NULL in a column) is read again alone."""

import json
import zipfile
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection

from audit.context import RequestContext, bound
from audit.models import AuditEvent
from audit.sequencer import sequenced
from audit.services import audit_record, checkpoint_issue
from audit.stored import FIELDS, Bodies, canonical_timestamp, line_chunks
from audit.verification import verify_database
from audit.verifier.encoding import body_hash, canonical_json, link_hash
from audit.verifier.export import verify_export

from .conftest import make_user, sql

pytestmark = pytest.mark.django_db

ODD = [
    "liaison-26",
    'Ñoño "quoted" back\\slash',
    "tab\tnewline\ncontrol\x01\x1f del\x7f",
    "€𝄞 ",
    "back\\tslash-t",
    "",
]
# A whole second, trailing zeros PostgreSQL leaves out, all six digits, one microsecond.
MOMENTS = [
    datetime(2026, 3, 1, 11, 0, 0, 0, tzinfo=UTC),
    datetime(2026, 3, 1, 11, 0, 1, 120000, tzinfo=UTC),
    datetime(2026, 3, 1, 11, 0, 2, 123456, tzinfo=UTC),
    datetime(2026, 3, 1, 11, 0, 3, 1, tzinfo=UTC),
]


@pytest.fixture
def odd_log(audit_key, orgs, settings, tmp_path):
    """Events whose strings need every kind of escaping, at every kind of timestamp."""
    if connection.vendor != "postgresql":
        pytest.skip("events are read as lines on PostgreSQL only")
    settings.AUDIT_EXPORT_DIR = tmp_path / "exports"
    seqs = []
    for i, text in enumerate(ODD):
        actor = make_user(f"user{i}{text}"[:150], (orgs["montelimar"], "liaison"))
        where = RequestContext(ip=text[::-1], user_agent=text, request_id="")
        with bound(where), time_machine.travel(MOMENTS[i % len(MOMENTS)], tick=False):
            event = audit_record(
                actor=actor if i % 3 else None,
                action="request.viewed",
                organization=orgs["montelimar"],
                # Details take printable identifiers only.
                details={"text": text if text.isprintable() else "", "n": i, "b": {"a": None}},
            )
        seqs.append(sequenced(event).seq)
    checkpoint_issue()
    return seqs


def canonical_body(seq: int) -> bytes:
    return canonical_json(AuditEvent.objects.get(seq=seq).body())


def test_lines_give_the_canonical_bodies_or_are_read_again(odd_log):
    bodies = Bodies()
    odd_lines = set()
    for rows in line_chunks(odd_log[0], odd_log[-1]):
        for (line,) in rows:
            parts = line.split(b"\t")
            seq = int(line.partition(b"\t")[0])
            built = bodies.body(line, parts) if len(parts) == FIELDS else None
            if built is None:
                odd_lines.add(seq)
                continue
            body, plain = built
            assert body == canonical_body(seq)
            text = ODD[odd_log.index(seq)]
            assert plain == (json.dumps(text, ensure_ascii=False)[1:-1] == text)
    # A tab in a column: the line has more fields and the event is read again alone.
    assert odd_lines == {seq for seq, text in zip(odd_log, ODD, strict=True) if "\t" in text}


def test_a_log_of_odd_values_verifies_and_exports(odd_log, tmp_path, audit_key):
    report = verify_database()
    assert report.ok, report.errors
    assert report.last_seq == odd_log[-1]
    path = tmp_path / "odd.zip"
    call_command("audit_export", str(path))
    report, _ = verify_export(path, trusted_keys=[audit_key.verifier])
    assert report.ok, report.errors
    with zipfile.ZipFile(path) as zf:
        lines = {json.loads(line)["seq"]: line for line in zf.read("events.jsonl").splitlines()}
    for seq in odd_log:
        event = AuditEvent.objects.get(seq=seq)
        expected = {"body": event.body(), "hash": event.hash, "prev_hash": event.prev_hash}
        assert lines[seq] == canonical_json({**expected, "seq": seq})


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("user_agent", 'Mozilla "5.0"'),
        ("user_agent", "tab\there"),
        ("actor_username", "back\\slash"),
        ("ip", "new\nline"),
        ("details", '{"text": "other"}'),
        ("occurred_at", "2026-03-01 11:00:02.12345+00"),
    ],
)
def test_an_edited_odd_value_is_found(odd_log, tamper, column, value):
    seq = odd_log[1]
    with tamper():
        sql(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = %s", [value, seq])  # noqa: S608
    errors = verify_database().errors
    assert f"seq {seq}: hash does not match the event's content (edited event)" in errors


def test_a_null_where_the_schema_forbids_it_is_reported_not_misread(odd_log, tamper):
    """A NULL is written as two tabs: the line has more fields, the event is read again and
    its body holds a null, which no writer produces."""
    seq = odd_log[2]
    with tamper():
        sql("ALTER TABLE audit_auditevent ALTER COLUMN user_agent DROP NOT NULL")
        sql("UPDATE audit_auditevent SET user_agent = NULL WHERE seq = %s", [seq])
    errors = verify_database().errors
    assert errors == [f"seq {seq}: hash does not match the event's content (edited event)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (b"2026-01-02 03:04:05.123456+00", b"2026-01-02T03:04:05.123456Z"),
        (b"2026-01-02 03:04:05.12+00", b"2026-01-02T03:04:05.120000Z"),
        (b"2026-01-02 03:04:05+00", b"2026-01-02T03:04:05.000000Z"),
        (b"0999-01-02 03:04:05.5+00", b"0999-01-02T03:04:05.500000Z"),
        (b"2026-01-02 03:04:05.12+01", None),
        (b"0099-01-02 03:04:05+00 BC", None),
        (b"10000-01-02 03:04:05+00", None),
        (b"infinity", None),
    ],
)
def test_timestamps_as_postgresql_writes_them(text, expected):
    assert canonical_timestamp(text) == expected


def test_the_sequencer_chains_odd_events_as_their_model_body_hashes(odd_log):
    """The sequencer writes the bodies it hashes from the same lines (a tab in a column or an
    odd timestamp read as a model instead): its hashes are those of the events' own bodies."""
    for seq in odd_log:
        stored = AuditEvent.objects.get(seq=seq)
        digest = body_hash(stored.body())
        assert link_hash(seq=seq, prev_hash=stored.prev_hash, body_digest=digest) == stored.hash
