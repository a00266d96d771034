"""Relais and real witness processes: cosignatures on every checkpoint, the fork of issue
"An audit log an outsider can trust" refused, a witness restarted, a witness down."""

import pytest

from audit.models import AuditCheckpoint, AuditCosignature, AuditEvent, ChainHead
from audit.services import audit_record, checkpoint_issue, signing_key_rotate
from audit.tasks import issue_checkpoint
from audit.verification import verify_database
from audit.verifier.notes import SignerKey, VerifierKey, parse_checkpoint, text_hash
from audit.witnesses import checkpoint_submit

from ..witness.process import WitnessProcess
from .conftest import raw_key, rehash_from, sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def witnesses(tmp_path, settings, audit_key):
    processes = [
        WitnessProcess(
            tmp_path / f"w{i}",
            name=f"ctrl.test/w{i}",
            logs={settings.AUDIT_LOG_ORIGIN: audit_key.verifier.encode()},
        )
        for i in (1, 2)
    ]
    for process in processes:
        process.directory.mkdir(exist_ok=True)
    try:
        for process in processes:
            process.start(init=True)
    except RuntimeError:
        for process in processes:
            process.stop()
        raise
    settings.AUDIT_WITNESSES = [{"url": p.url, "key": p.key} for p in processes]
    settings.AUDIT_WITNESS_QUORUM = 2
    settings.AUDIT_WITNESS_TIMEOUT_SECONDS = 5
    yield processes
    for process in processes:
        process.stop()


def activity(users, count=5):
    for _ in range(count):
        audit_record(actor=users["mayor"], action="request.viewed")


def test_every_checkpoint_is_cosigned_and_verifies_with_the_quorum(witnesses, users):
    activity(users)
    issue_checkpoint.delay()
    activity(users)
    number = issue_checkpoint.delay().get()
    assert AuditCosignature.objects.filter(checkpoint_number=number).count() == 2
    report = verify_database()
    assert report.ok, report.lines()
    # A verifier that trusts a witness key that never cosigned refuses.
    stranger = VerifierKey.parse(witnesses[0].key, cosigner=True)
    stranger = VerifierKey(name="ctrl.test/other", public_bytes=stranger.public_bytes, alg=4)
    assert not verify_database(witness_keys=[stranger], witness_quorum=1).ok
    # One witness's key given twice is one witness: short of a quorum of two.
    key = VerifierKey.parse(witnesses[0].key, cosigner=True)
    twice = verify_database(witness_keys=[key, key], witness_quorum=2)
    assert any("only 1 witnesses' keys" in error for error in twice.errors), twice.lines()


def fork(users, audit_key, tamper, *, rebuild_tree=True):
    """The owner of the database deletes the latest checkpoint (and its cosignatures), edits an
    event only it covered, recomputes the chain (and the tree), and fixes the head row."""
    latest = AuditCheckpoint.objects.order_by("-number").first()
    previous = AuditCheckpoint.objects.get(number=latest.number - 1)
    victim = previous.size + 1
    assert victim <= latest.size
    with tamper("audit_auditevent", "audit_auditcheckpoint", "audit_cosignature"):
        sql("DELETE FROM audit_cosignature WHERE checkpoint_number = %s", [latest.number])
        sql("DELETE FROM audit_auditcheckpoint WHERE number = %s", [latest.number])
        sql("UPDATE audit_auditevent SET outcome = 'denied' WHERE seq = %s", [victim])
        rehash_from(victim)
    ChainHead.objects.filter(pk=1).update(
        checkpoint_number=previous.number,
        checkpoint_hash=text_hash(parse_checkpoint(previous.note).note.text),
    )
    if rebuild_tree:
        sql("DELETE FROM audit_merklenode")
        ChainHead.objects.filter(pk=1).update(tree_size=0, tree_range="")


def test_the_fork_is_refused_by_the_witnesses_and_fails_verification(
    witnesses, users, audit_key, tamper
):
    activity(users)
    issue_checkpoint.delay()
    activity(users)
    issue_checkpoint.delay()
    assert verify_database().ok
    fork(users, audit_key, tamper)
    forged = checkpoint_issue()  # the next scheduled checkpoint signs the forged state...
    results = checkpoint_submit(forged)
    assert {r.outcome for r in results} == {"refused"}  # ...but no witness cosigns it
    assert not AuditCosignature.objects.filter(checkpoint_number=forged.number).exists()
    report = verify_database()
    assert not report.ok
    assert any("not cosigned" in error for error in report.errors), report.errors


def test_audit_verify_asks_the_witnesses_and_shows_the_fork_before_any_new_checkpoint(
    witnesses, users, audit_key, tamper, capsys
):
    from django.core.management import CommandError, call_command

    activity(users)
    issue_checkpoint.delay()
    activity(users)
    issue_checkpoint.delay()
    call_command("audit_verify", "--max-gap", "0")
    fork(users, audit_key, tamper)
    # What is left in the database verifies: only the witnesses know of the removed checkpoint.
    assert verify_database().ok
    with pytest.raises(CommandError):
        call_command("audit_verify", "--max-gap", "0")
    printed = capsys.readouterr().out
    assert printed.count("checkpoints were removed after it cosigned them") == 2, printed
    call_command("audit_verify", "--max-gap", "0", "--offline")  # not asked: as before


def test_without_rebuilding_the_tree_the_fork_fails_verification_too(
    witnesses, users, audit_key, tamper
):
    activity(users)
    issue_checkpoint.delay()
    activity(users)
    issue_checkpoint.delay()
    fork(users, audit_key, tamper, rebuild_tree=False)
    # With the old tree kept, the witnesses cosign the next checkpoint: its root is the tree
    # of the events as they were, which no longer matches the events.
    forged = checkpoint_issue()
    assert {r.outcome for r in checkpoint_submit(forged)} == {"cosigned"}
    report = verify_database()
    assert not report.ok
    assert any("Merkle root does not match" in error for error in report.errors), report.errors


def test_the_checkpoint_file_outside_the_database_shows_the_deleted_checkpoint_at_once(
    witnesses, users, audit_key, tamper, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "checkpoints.txt")
    activity(users)
    with django_capture_on_commit_callbacks(execute=True):
        issue_checkpoint.delay()
    activity(users)
    with django_capture_on_commit_callbacks(execute=True):
        issue_checkpoint.delay()
    assert verify_database().ok
    assert (tmp_path / "checkpoints.txt").read_text().count("\u2014 relais.test/audit ") == 2
    fork(users, audit_key, tamper)
    report = verify_database()
    assert any("deleted checkpoint" in error for error in report.errors), report.lines()


def test_a_witness_down_the_application_keeps_working_the_gap_is_reported_then_caught_up(
    witnesses, users
):
    activity(users)
    issue_checkpoint.delay()
    witnesses[1].stop()
    activity(users)
    during = issue_checkpoint.delay().get()  # no error: the application keeps working
    assert AuditCosignature.objects.filter(checkpoint_number=during).count() == 1
    report = verify_database()
    assert not report.ok
    assert any("not cosigned by 2 witness" in error for error in report.errors)
    witnesses[1].start()
    activity(users)
    after = issue_checkpoint.delay().get()
    assert AuditCosignature.objects.filter(checkpoint_number=after).count() == 2
    report = verify_database()
    assert report.ok, report.lines()
    assert any("without a witness quorum" in warning for warning in report.warnings)
    assert AuditEvent.objects.count() > 10


def test_an_export_carries_the_cosignatures_and_the_offline_verifier_requires_the_quorum(
    witnesses, users, audit_key, tmp_path
):
    from django.core.management import call_command

    from audit.verifier.__main__ import main as offline_verifier

    activity(users)
    issue_checkpoint.delay()
    activity(users)
    path = tmp_path / "export.zip"
    call_command("audit_export", str(path))
    (tmp_path / "log.pub").write_text(audit_key.verifier.encode() + "\n")
    (tmp_path / "witnesses.pub").write_text("".join(w.key + "\n" for w in witnesses))
    common = [str(path), "--pubkey", str(tmp_path / "log.pub")]
    assert offline_verifier([*common, "--witness-key", str(tmp_path / "witnesses.pub")]) == 0
    other = WitnessProcess(tmp_path / "w3", name="ctrl.test/w3", logs={})
    (tmp_path / "other.pub").write_text(other.key + "\n")
    assert offline_verifier([*common, "--witness-key", str(tmp_path / "other.pub")]) == 1


def test_the_witnesses_follow_a_key_rotation_even_one_they_were_not_sent(
    witnesses, users, settings, audit_key
):
    activity(users)
    issue_checkpoint.delay()
    seed = raw_key()
    new_key = SignerKey.from_material(name=audit_key.name, material=seed.encode())
    rotation = signing_key_rotate(new_key=new_key)  # as if its submission had been lost
    settings.AUDIT_SIGNING_KEY = seed
    activity(users)
    number = issue_checkpoint.delay().get()
    # Each witness was handed the rotation first, then cosigned what the new key alone signed.
    for checkpoint_number in (rotation.number, number):
        assert AuditCosignature.objects.filter(checkpoint_number=checkpoint_number).count() == 2
    report = verify_database()
    assert report.ok, report.lines()
