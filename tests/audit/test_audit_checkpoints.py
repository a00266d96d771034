"""Signed checkpoints: the periodic task, the commands, key rotation and retention purge."""

import base64
import stat
from datetime import timedelta

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.exceptions import SigningKeyMismatch
from audit.keys import signing_key
from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.services import _issue, audit_purge, audit_record, checkpoint_issue, signing_key_rotate
from audit.tasks import issue_checkpoint
from audit.verification import verify_database
from audit.verifier import merkle
from audit.verifier.notes import SignerKey, parse_checkpoint, private_key_pem

from .conftest import sql

pytestmark = pytest.mark.django_db


def test_periodic_task_signs_the_head_even_when_nothing_happened(audit_key, users):
    audit_record(actor=users["mayor"], action="request.viewed")
    first = AuditCheckpoint.objects.get(number=issue_checkpoint.delay().get())
    second = AuditCheckpoint.objects.get(number=issue_checkpoint.delay().get())
    assert second.number == first.number + 1
    assert (second.size, second.head_hash) == (first.size, first.head_hash)
    note = parse_checkpoint(second.note)
    assert note.reason == "periodic"
    assert note.prev == parse_checkpoint(first.note).text_hash
    assert note.note.signed_by(audit_key.verifier)
    head = ChainHead.objects.get()
    assert (note.size, note.head_hash) == (head.seq, head.hash)


def test_checkpoint_text_follows_the_signed_note_format(audit_key, users):
    audit_record(actor=users["mayor"], action="request.viewed")
    note = checkpoint_issue().note
    lines = note.split("\n")
    assert lines[0] == "relais.test/audit"
    assert lines[1] == str(ChainHead.objects.get().seq)
    head = ChainHead.objects.get()
    root = merkle.CompactRange.decode(head.tree_size, head.tree_range).root()
    assert lines[2] == base64.b64encode(root).decode()
    assert [line.split(" ")[0] for line in lines[3:8]] == [
        "chain",
        "number",
        "time",
        "prev",
        "reason",
    ]
    assert lines[8] == ""
    assert lines[9].startswith("\u2014 relais.test/audit ")
    assert note.endswith("\n")


def test_checkpoint_without_a_configured_key_fails_loudly(settings, db):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    with pytest.raises(CommandError, match="AUDIT_SIGNING_KEY"):
        call_command("audit_checkpoint")


def test_checkpoint_command_prints_the_note(audit_key, capsys):
    call_command("audit_checkpoint")
    assert "reason manual" in capsys.readouterr().out


def test_keygen_creates_a_private_key_file_once(settings, tmp_path, capsys):
    path = tmp_path / "var" / "audit-signing-key.pem"
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(path)
    call_command("audit_keygen")
    vkey = capsys.readouterr().out.strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    content = path.read_bytes()
    call_command("audit_keygen")
    assert capsys.readouterr().out.strip() == vkey
    assert path.read_bytes() == content
    assert signing_key().verifier.encode() == vkey


def test_missing_key_file_is_created_on_first_use_in_debug_only(settings, tmp_path):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    settings.DEBUG = False
    from audit.exceptions import SigningKeyUnavailable

    with pytest.raises(SigningKeyUnavailable):
        signing_key()
    assert not (tmp_path / "key.pem").exists()
    settings.DEBUG = True
    first = signing_key().verifier
    assert (tmp_path / "key.pem").exists()
    assert signing_key().verifier == first  # created once, then read back


@pytest.fixture
def new_key_file(tmp_path):
    path = tmp_path / "next.pem"
    path.write_bytes(private_key_pem(Ed25519PrivateKey.generate()))
    return path


def test_rotation_is_announced_under_the_old_key_and_verifies_with_either(
    audit_key, users, settings, new_key_file, capsys
):
    old = audit_key.verifier
    audit_record(actor=users["mayor"], action="request.viewed")
    checkpoint_issue()
    call_command("audit_rotate_key", "--new-key-file", str(new_key_file))
    rotation = parse_checkpoint(AuditCheckpoint.objects.order_by("-number").first().note)
    new = rotation.rotate_to
    assert rotation.reason == "rotation"
    assert rotation.note.signed_by(old)
    assert rotation.note.signed_by(new)
    # The old key can no longer sign; the new one, once configured, can.
    with pytest.raises(SigningKeyMismatch):
        checkpoint_issue()
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(new_key_file)
    audit_record(actor=users["mayor"], action="request.viewed")
    checkpoint_issue()
    assert verify_database(trusted_keys=[old]).ok
    assert verify_database(trusted_keys=[new]).ok
    assert AuditEvent.objects.filter(action="audit.key_rotated").exists()


def test_checkpoint_signed_by_the_retired_key_is_detected(audit_key, users, settings, new_key_file):
    old_signer = audit_key
    checkpoint_issue()
    signing_key_rotate(
        new_key=SignerKey.from_material(name=old_signer.name, material=new_key_file.read_bytes())
    )
    ChainHead.objects.filter(pk=1).update(signer="")
    _issue(head=ChainHead.objects.get(), signers=[old_signer], reason="periodic")
    report = verify_database(trusted_keys=[old_signer.verifier])
    assert any("retired or unannounced key" in error for error in report.errors)


def record_at(moment, users, count):
    with time_machine.travel(moment, tick=False):
        for _ in range(count):
            audit_record(actor=users["mayor"], action="request.viewed")
        checkpoint_issue()


def test_purge_keeps_the_log_verifiable_from_its_anchor(audit_key, users, settings, tamper):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 0
    settings.AUDIT_RETENTION_DAYS = 365
    now = timezone.now()
    record_at(now - timedelta(days=500), users, 3)
    record_at(now - timedelta(days=400), users, 3)
    anchor = AuditCheckpoint.objects.order_by("-number").first()
    record_at(now - timedelta(days=10), users, 3)
    result = audit_purge()
    assert result.purged_to == anchor.size
    assert not AuditEvent.objects.filter(seq__lte=anchor.size).exists()
    assert AuditEvent.objects.filter(action="audit.purged").exists()
    checkpoint_issue()
    report = verify_database()
    assert report.ok, report.errors
    assert report.first_seq == anchor.size + 1
    # Purging again deletes nothing: what remains is younger than the retention period.
    assert audit_purge().deleted == 0
    # Deleting more from the start, even up to a checkpoint, is not a purge.
    next_checkpoint = AuditCheckpoint.objects.filter(size__gt=anchor.size).order_by("size").first()
    with tamper("audit_auditevent"):
        sql("DELETE FROM audit_auditevent WHERE seq <= %s", [next_checkpoint.size])
    assert any("deleted from the start" in e for e in verify_database().errors)


def test_incremental_verification_after_a_purge_beyond_its_checkpoint_verifies_the_rest(
    audit_key, users, settings
):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 0
    now = timezone.now()
    record_at(now - timedelta(days=500), users, 3)
    verified = verify_database().verified_checkpoint
    assert verified == AuditCheckpoint.objects.order_by("-number").first().note
    record_at(now - timedelta(days=400), users, 3)
    anchor = AuditCheckpoint.objects.order_by("-number").first()
    record_at(now - timedelta(days=10), users, 3)
    assert audit_purge().purged_to == anchor.size
    checkpoint_issue()
    report = verify_database(since_checkpoint=verified)
    assert report.ok, report.errors
    assert report.first_seq == anchor.size + 1


def test_purge_command_dry_run_then_purge(audit_key, users, settings, capsys):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 0
    record_at(timezone.now() - timedelta(days=400), users, 2)
    anchor = AuditCheckpoint.objects.order_by("-number").first()
    record_at(timezone.now(), users, 1)
    call_command("audit_purge", "--days", "365")
    assert f"up to seq {anchor.size}" in capsys.readouterr().out
    assert AuditEvent.objects.filter(seq__lte=anchor.size).exists()
    call_command("audit_purge", "--days", "365", "--yes")
    assert not AuditEvent.objects.filter(seq__lte=anchor.size).exists()
    checkpoint_issue()
    assert verify_database().ok
