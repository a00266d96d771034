"""Redaction authorised by an auditor's request: the body goes, its hash stays, the redaction
is itself an event, and the chain, the tree, the checkpoints and exports still verify. The
append-only guard allows exactly this change and nothing else."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, transaction

from audit.models import AuditEvent, AuditRedaction
from audit.proofs import event_line
from audit.redaction import RedactionRefused, audit_redact
from audit.sequencer import sequenced
from audit.services import audit_record, checkpoint_issue
from audit.verification import verify_database
from audit.verifier.export import verify_export

from .conftest import sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged(audit_key, users, orgs):
    """An event that carries what it should not, between others, checkpointed."""
    audit_record(actor=users["liaison26"], action="request.viewed", organization=orgs["montelimar"])
    leaked = audit_record(
        actor=users["liaison26"],
        action="request.listed",
        organization=orgs["montelimar"],
        details={"query": "benali karim"},
    )
    audit_record(actor=users["liaison26"], action="request.viewed", organization=orgs["montelimar"])
    checkpoint_issue()
    return sequenced(leaked)


def test_redaction_keeps_the_hash_and_everything_still_verifies(
    logged, users, audit_key, tmp_path, settings
):
    settings.AUDIT_EXPORT_DIR = tmp_path / "exports"
    before = AuditEvent.objects.get(seq=logged.seq)
    call_command(
        "audit_redact",
        "--seq",
        str(logged.seq),
        "--authorisation",
        "CTRL-26/2026-014",
        "--auditor",
        users["auditor26"].username,
    )
    after = AuditEvent.objects.get(seq=logged.seq)
    assert (after.details, after.user_agent, after.ip, after.actor_username) == ({}, "", "", "")
    assert (after.hash, after.prev_hash, after.action) == (
        before.hash,
        before.prev_hash,
        "request.listed",
    )
    redaction = AuditRedaction.objects.get(seq=logged.seq)
    assert redaction.auditor_username == users["auditor26"].username
    recorded = AuditEvent.objects.get(action="audit.event_redacted")
    assert recorded.details["seq"] == logged.seq
    assert recorded.details["authorisation"] == "CTRL-26/2026-014"
    assert recorded.actor_username == users["auditor26"].username
    assert "benali" not in str(AuditEvent.objects.get(seq=logged.seq).line())
    assert event_line(after) == {
        "seq": after.seq,
        "prev_hash": after.prev_hash,
        "hash": after.hash,
        "body_hash": redaction.body_hash,
    }
    checkpoint_issue()
    report = verify_database()
    assert report.ok, report.lines()
    assert report.redacted == 1
    path = tmp_path / "export.zip"
    call_command("audit_export", str(path))
    exported, _ = verify_export(path, trusted_keys=[audit_key.verifier])
    assert exported.ok, exported.lines()
    assert b"benali" not in path.read_bytes()


def test_only_an_auditor_within_scope_with_a_reference_may_authorise(logged, users):
    for auditor, reference in [
        (users["mayor"], "REQ-1"),
        (users["staff"], "REQ-1"),
        (users["auditor26"], "has spaces"),
        (users["auditor26"], ""),
    ]:
        with pytest.raises(RedactionRefused):
            audit_redact(seq=logged.seq, authorisation=reference, auditor=auditor)
    audit_redact(seq=logged.seq, authorisation="REQ-1", auditor=users["auditor_national"])
    with pytest.raises(RedactionRefused, match="already"):
        audit_redact(seq=logged.seq, authorisation="REQ-2", auditor=users["auditor_national"])
    with pytest.raises(CommandError):
        call_command("audit_redact", "--seq", "999999", "--authorisation", "R", "--auditor", "x")


def test_a_tampered_event_is_not_redacted(logged, users, tamper):
    with tamper("audit_auditevent"):
        sql("UPDATE audit_auditevent SET outcome = 'failed' WHERE seq = %s", [logged.seq])
    with pytest.raises(RedactionRefused, match="does not match its hash"):
        audit_redact(seq=logged.seq, authorisation="REQ-1", auditor=users["auditor26"])


@pytest.mark.parametrize(
    "statement",
    [
        # Without a redaction row, even the redaction's own change is refused.
        "UPDATE audit_auditevent SET details = '{}', user_agent = '' WHERE seq = %s",
        # With one, any other change is refused.
        "UPDATE audit_auditevent SET outcome = 'failed' WHERE seq = %s",
        "UPDATE audit_auditevent SET details = '{\"x\": 1}' WHERE seq = %s",
        "UPDATE audit_auditevent SET hash = prev_hash WHERE seq = %s",
        "DELETE FROM audit_auditevent WHERE seq = %s",
        "DELETE FROM audit_redaction WHERE seq = %s",
        "UPDATE audit_redaction SET body_hash = '00' WHERE seq = %s",
    ],
)
def test_the_triggers_allow_exactly_the_redaction(logged, users, statement):
    if (
        "redaction" in statement
        or "outcome" in statement
        or '"x"' in statement
        or "hash =" in statement
        or "DELETE" in statement
    ):
        audit_redact(seq=logged.seq, authorisation="REQ-1", auditor=users["auditor26"])
    with pytest.raises(DatabaseError), transaction.atomic():
        sql(statement, [logged.seq])
