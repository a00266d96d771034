"""A log written before the Merkle tree (format-1 checkpoints) keeps verifying, and the first
format-2 checkpoint builds the tree over every existing event."""

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditCheckpoint, ChainHead
from audit.sequencer import audit_sequence, sequenced
from audit.services import audit_record, checkpoint_issue
from audit.verification import verify_database
from audit.verifier import merkle
from audit.verifier.export import verify_export
from audit.verifier.notes import checkpoint_text, parse_checkpoint, sign_checkpoint, text_hash

pytestmark = pytest.mark.django_db


def format_1_checkpoint(key) -> AuditCheckpoint:
    """What checkpoint_issue wrote before version 2: the chain head on the third line."""
    head = ChainHead.objects.get()
    number = head.checkpoint_number + 1
    now = timezone.now()
    text = checkpoint_text(
        origin=settings.AUDIT_LOG_ORIGIN,
        size=head.seq,
        head_hash=head.hash,
        number=number,
        time=now,
        prev=head.checkpoint_hash,
        reason="periodic",
    )
    checkpoint = AuditCheckpoint.objects.create(
        number=number,
        size=head.seq,
        head_hash=head.hash,
        issued_at=now,
        prev=head.checkpoint_hash,
        reason="periodic",
        signer=key.verifier.encode(),
        note=sign_checkpoint(text, [key]),
    )
    ChainHead.objects.filter(pk=1).update(
        checkpoint_number=number, checkpoint_hash=text_hash(text), signer=key.verifier.encode()
    )
    return checkpoint


def test_format_1_checkpoints_and_the_first_tree_verify_together(
    audit_key, users, tmp_path, settings
):
    settings.AUDIT_EXPORT_DIR = tmp_path / "exports"
    events = [audit_record(actor=users["mayor"], action="request.viewed") for _ in range(6)]
    audit_sequence()
    old = format_1_checkpoint(audit_key)
    assert parse_checkpoint(old.note).root_hash is None
    events += [audit_record(actor=users["mayor"], action="request.viewed") for _ in range(3)]
    new = checkpoint_issue()
    leaves = [merkle.event_leaf(sequenced(event).hash) for event in events]
    assert parse_checkpoint(new.note).root_hash == merkle.root_of(leaves).hex()
    report = verify_database()
    assert report.ok, report.lines()
    path = tmp_path / "export.zip"
    call_command("audit_export", str(path))
    exported, _ = verify_export(path, trusted_keys=[audit_key.verifier])
    assert exported.ok, exported.lines()
