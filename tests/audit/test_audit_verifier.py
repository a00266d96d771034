"""The standalone verifier, on exports of a clean log, of a log tampered with in SQL, and on
exports altered after the fact; every case is also checked with audit_verify."""

import json
import subprocess
import sys
import zipfile
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.sequencer import sequenced
from audit.services import _issue, audit_record, checkpoint_issue
from audit.verification import verify_database
from audit.verifier.encoding import body_hash, canonical_json, link_hash
from audit.verifier.export import verify_export
from audit.verifier.notes import (
    SignerKey,
    join_notes,
    parse_checkpoint,
    sign_checkpoint,
    split_notes,
)

from .conftest import rehash_from, sql, sync_head

pytestmark = pytest.mark.django_db


@pytest.fixture
def exports(settings, tmp_path):
    settings.AUDIT_EXPORT_DIR = tmp_path / "exports"
    return tmp_path


@pytest.fixture
def chain(audit_key, users, orgs, exports):
    """Twelve events in two départements, checkpoints after 4, 8 and 12."""
    seqs = []
    for i in range(12):
        drome = i % 3 != 2
        event = audit_record(
            actor=users["liaison26"] if drome else users["liaison62"],
            action="request.viewed" if i % 2 else "request.updated",
            organization=orgs["montelimar"] if drome else orgs["arras"],
            details={"reference": f"{'26198' if drome else '62041'}-2026-{i:04d}"},
        )
        seqs.append(sequenced(event).seq)
        if i in (3, 7, 11):
            checkpoint_issue()
    return seqs


@pytest.fixture
def pubkey(audit_key, tmp_path) -> Path:
    path = tmp_path / "pubkey.txt"
    path.write_text(audit_key.verifier.encode() + "\n")
    return path


def export(tmp_path, *args) -> Path:
    output = tmp_path / f"export-{len(list(tmp_path.glob('export-*.zip')))}.zip"
    call_command("audit_export", str(output), *args)
    return output


def verify(path, audit_key, **kwargs):
    report, _manifest = verify_export(path, trusted_keys=[audit_key.verifier], **kwargs)
    return report


def rewrite(path: Path, **members) -> Path:
    """A copy of the export with some members replaced (bytes, or a function of the bytes)."""
    source = zipfile.ZipFile(path)
    target = path.with_name(path.stem + "-altered.zip")
    with zipfile.ZipFile(target, "w") as out:
        for name in source.namelist():
            data = source.read(name)
            change = members.get(name.replace(".", "_"))
            out.writestr(name, change(data) if callable(change) else change or data)
    return target


def lines_of(data: bytes) -> list[dict]:
    return [json.loads(line) for line in data.splitlines()]


def jsonl(lines: list[dict]) -> bytes:
    return b"".join(canonical_json(line) + b"\n" for line in lines)


# -- a clean log -------------------------------------------------------------------------------


def test_full_export_verifies_with_the_standalone_verifier_without_django(chain, exports, pubkey):
    path = export(exports)
    program = (
        "import sys; sys.modules['django'] = None\n"
        "from audit.verifier.__main__ import main\n"
        f"sys.exit(main([{str(path)!r}, '--pubkey', {str(pubkey)!r}]))\n"
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", program],
        capture_output=True,
        text=True,
        cwd=django_settings.BASE_DIR,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "OK:" in result.stdout


def test_filtered_export_redacts_other_events_and_still_verifies(chain, exports, audit_key):
    path = export(exports, "--departement", "62")
    report = verify(path, audit_key)
    assert report.ok, report.errors
    archive = zipfile.ZipFile(path)
    lines = lines_of(archive.read("events.jsonl"))
    shown = [line["body"]["org_code"] for line in lines if "body" in line]
    assert shown
    assert set(shown) == {"62041"}
    assert report.redacted == len(lines) - len(shown)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["scope"] == ["62"]
    assert manifest["matching"] == len(shown)


def test_every_export_line_is_the_canonical_json_of_what_the_database_holds(
    chain, exports, audit_key, users, orgs
):
    audit_record(
        actor=users["liaison62"],
        action="request.viewed",
        organization=orgs["arras"],
        details={"reference": 'Ñoño "q" \\ €𝄞', "nested": {"b": 1, "a": [True, None]}},
    )
    checkpoint_issue()
    path = export(exports, "--departement", "62")
    data = zipfile.ZipFile(path).read("events.jsonl")
    assert data.endswith(b"\n")
    by_seq = {event.seq: event for event in AuditEvent.objects.all()}
    for raw in data.splitlines():
        line = json.loads(raw)
        assert raw == canonical_json(line)
        event = by_seq[line["seq"]]
        assert (line["hash"], line["prev_hash"]) == (event.hash, event.prev_hash)
        if "body" in line:
            assert line["body"] == event.body()
        else:
            assert line["body_hash"] == body_hash(event.body())
    assert {"body" in json.loads(raw) for raw in data.splitlines()} == {True, False}


def test_export_of_a_late_range_starts_at_an_anchor_checkpoint(chain, exports, audit_key):
    late = AuditEvent.objects.get(seq=chain[9]).occurred_at.isoformat()
    path = export(exports, "--from", late)
    report = verify(path, audit_key)
    assert report.ok, report.errors
    anchor = AuditCheckpoint.objects.filter(size__lt=chain[9]).order_by("-number").first()
    assert report.first_seq == anchor.size + 1


def test_export_with_no_matching_event_verifies(chain, exports, audit_key):
    report = verify(export(exports, "--user", "nobody-at-all"), audit_key)
    assert report.ok, report.errors
    assert report.events == 0


def test_export_verifies_across_a_key_rotation_with_either_key(
    chain, exports, audit_key, settings, tmp_path
):
    from audit.services import signing_key_rotate
    from audit.verifier.notes import private_key_pem

    new = Ed25519PrivateKey.generate()
    signing_key_rotate(new_key=SignerKey(name=audit_key.name, private_key=new))
    (tmp_path / "new.pem").write_bytes(private_key_pem(new))
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "new.pem")
    audit_record(actor=None, action="reminder.sent")
    checkpoint_issue()
    path = export(exports)
    assert verify(path, audit_key).ok
    new_verifier = SignerKey(name=audit_key.name, private_key=new).verifier
    report, _ = verify_export(path, trusted_keys=[new_verifier])
    assert report.ok, report.errors
    # A range after the rotation still carries the key history.
    after = AuditEvent.objects.order_by("-seq").first().occurred_at.isoformat()
    assert verify(export(exports, "--from", after), audit_key).ok


# -- the log tampered with in SQL, then exported -----------------------------------------------


def edit_field(chain, key):
    sql("UPDATE audit_auditevent SET actor_username = 'x' WHERE seq = %s", [chain[2]])


def edit_and_rehash(chain, key):
    sql("UPDATE audit_auditevent SET action = 'request.closed' WHERE seq = %s", [chain[2]])
    event = AuditEvent.objects.get(seq=chain[2])
    digest = body_hash(event.body())
    new = link_hash(seq=event.seq, prev_hash=event.prev_hash, body_digest=digest)
    sql("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", [new, chain[2]])


def recompute_chain(chain, key):
    sql("UPDATE audit_auditevent SET outcome = 'denied' WHERE seq = %s", [chain[2]])
    rehash_from(chain[2])


def delete_record(chain, key):
    sql("DELETE FROM audit_auditevent WHERE seq = %s", [chain[5]])


def swap_records(chain, key):
    sql("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [chain[5]])
    sql("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [chain[5], chain[6]])
    sql("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [chain[6]])


def insert_record(chain, key):
    for seq in reversed(chain[6:]):
        sql("UPDATE audit_auditevent SET seq = seq + 1 WHERE seq = %s", [seq])
    fake = AuditEvent.objects.get(seq=chain[5])
    fake.pk, fake.seq, fake.hash, fake.actor_username = None, chain[6], "e" * 64, "ghost"
    fake.save(force_insert=True)
    rehash_from(chain[6])


def duplicate_record(chain, key):
    copy = AuditEvent.objects.get(seq=chain[5])
    copy.pk, copy.seq, copy.hash = None, chain[-1] + 1, "d" * 64
    copy.save(force_insert=True)
    sync_head()


def truncate_tail(chain, key):
    sql("DELETE FROM audit_auditevent WHERE seq >= %s", [chain[9]])
    sync_head()


def alter_checkpoint(chain, key):
    cp = AuditCheckpoint.objects.order_by("-number")[1]
    note = cp.note.replace("reason periodic", "reason manual")
    sql("UPDATE audit_auditcheckpoint SET note = %s WHERE number = %s", [note, cp.number])


def resign_checkpoint_with_another_key(chain, key):
    cp = AuditCheckpoint.objects.order_by("-number")[1]
    other = SignerKey(name=key.name, private_key=Ed25519PrivateKey.generate())
    note = sign_checkpoint(parse_checkpoint(cp.note).note.text, [other])
    sql("UPDATE audit_auditcheckpoint SET note = %s WHERE number = %s", [note, cp.number])


def forge_checkpoint(chain, key):
    ChainHead.objects.filter(pk=1).update(signer="")
    other = SignerKey(name=key.name, private_key=Ed25519PrivateKey.generate())
    _issue(head=ChainHead.objects.get(), signers=[other], reason="periodic")
    # The real key would refuse to sign after the forged one; let it, as the attacker would.
    ChainHead.objects.filter(pk=1).update(signer=key.verifier.encode())


def replay_older_checkpoint(chain, key):
    older = AuditCheckpoint.objects.order_by("-number")[1]
    newer = AuditCheckpoint.objects.order_by("-number").first()
    sql(
        "UPDATE audit_auditcheckpoint SET note = %s, size = %s, head_hash = %s, prev = %s "
        "WHERE number = %s",
        [older.note, older.size, older.head_hash, older.prev, newer.number],
    )


def delete_checkpoint(chain, key):
    middle = AuditCheckpoint.objects.order_by("-number")[1]
    sql("DELETE FROM audit_auditcheckpoint WHERE number = %s", [middle.number])


SQL_TAMPERING = [
    edit_field,
    edit_and_rehash,
    recompute_chain,
    delete_record,
    swap_records,
    insert_record,
    duplicate_record,
    truncate_tail,
    alter_checkpoint,
    resign_checkpoint_with_another_key,
    forge_checkpoint,
    replay_older_checkpoint,
    delete_checkpoint,
]


@pytest.mark.parametrize("tampering", SQL_TAMPERING, ids=lambda f: f.__name__)
def test_sql_tampering_is_reported_by_audit_verify_and_by_the_standalone_verifier(
    chain, exports, audit_key, tamper, tampering
):
    with tamper():
        tampering(chain, audit_key)
    db_report = verify_database()
    assert not db_report.ok
    if tampering is truncate_tail:
        # The log refuses to sign a tree smaller than the one it already holds.
        with pytest.raises(CommandError, match="Merkle tree ends at"):
            export(exports)
        return
    report = verify(export(exports), audit_key)
    assert not report.ok, report.lines()


def test_missing_periodic_checkpoint_is_reported_by_both(chain, exports, audit_key, settings):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 600
    later = timezone.now() + timedelta(hours=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        audit_record(actor=None, action="reminder.sent")
        assert any("missing periodic" in e for e in verify_database(now=later).errors)
        path = export(exports)
    assert any("missing periodic checkpoint" in e for e in verify(path, audit_key).errors)


# -- exports altered after the fact ------------------------------------------------------------


def test_altered_exports_are_reported(chain, exports, audit_key):
    path = export(exports)
    assert verify(path, audit_key).ok

    def edit(data):
        lines = lines_of(data)
        lines[3]["body"]["ip"] = "192.0.2.66"
        return jsonl(lines)

    def drop(data):
        lines = lines_of(data)
        return jsonl(lines[:4] + lines[5:])

    def swap(data):
        lines = lines_of(data)
        lines[4], lines[5] = lines[5], lines[4]
        return jsonl(lines)

    def duplicate(data):
        lines = lines_of(data)
        return jsonl([*lines[:5], lines[4], *lines[5:]])

    def truncate(data):
        return jsonl(lines_of(data)[:-3])

    def drop_middle_checkpoint(data):
        notes = split_notes(data.decode())
        return join_notes(notes[:1] + notes[2:]).encode()

    def replay_older_final(data):
        notes = split_notes(data.decode())
        return join_notes([*notes[:-1], notes[-2]]).encode()

    def alter_checkpoint(data):
        notes = split_notes(data.decode())
        notes[1] = notes[1].replace("reason periodic", "reason manual")
        return join_notes(notes).encode()

    def float_in_event(data):
        return data.replace(b'"v":1', b'"v":1.0', 1)

    expected = {
        "edit": (dict(events_jsonl=edit), "hash does not match"),
        "drop": (dict(events_jsonl=drop), "events missing"),
        "swap": (dict(events_jsonl=swap), "out of order"),
        "duplicate": (dict(events_jsonl=duplicate), "duplicated"),
        "truncate": (dict(events_jsonl=truncate), "truncated tail"),
        "drop checkpoint": (dict(checkpoints_txt=drop_middle_checkpoint), "not contiguous"),
        "replay": (dict(checkpoints_txt=replay_older_final), "checkpoint"),
        "alter checkpoint": (dict(checkpoints_txt=alter_checkpoint), "no valid signature"),
        "float": (dict(events_jsonl=float_in_event), "not an integer"),
    }
    for name, (change, message) in expected.items():
        report = verify(rewrite(path, **change), audit_key)
        assert not report.ok, name
        assert any(message in error for error in report.errors), (name, report.errors)


def test_export_whose_start_does_not_match_its_anchor_is_reported(chain, exports, audit_key):
    late = AuditEvent.objects.get(seq=chain[9]).occurred_at.isoformat()
    path = export(exports, "--from", late)

    def restart(data):
        """Rewrite the start of the export as if it followed another history."""
        lines = lines_of(data)
        prev = "a" * 64
        for line in lines:
            digest = line.get("body_hash") or body_hash(line["body"])
            line["prev_hash"] = prev
            line["hash"] = prev = link_hash(seq=line["seq"], prev_hash=prev, body_digest=digest)
        return jsonl(lines)

    report = verify(rewrite(path, events_jsonl=restart), audit_key)
    assert any("starting anchor mismatch" in error for error in report.errors)


def test_wrong_public_key_is_reported(chain, exports):
    stranger = SignerKey(name="relais.test/audit", private_key=Ed25519PrivateKey.generate())
    report, _ = verify_export(export(exports), trusted_keys=[stranger.verifier])
    assert "no checkpoint is signed by a trusted key (check --pubkey)" in report.errors


def test_older_export_replayed_after_a_newer_checkpoint_is_reported(
    chain, exports, audit_key, pubkey, tmp_path
):
    older = export(exports)
    audit_record(actor=None, action="reminder.sent")
    newer = export(exports)
    known = split_notes(zipfile.ZipFile(newer).read("checkpoints.txt").decode())[-1]
    report = verify(older, audit_key, known_checkpoints=[known])
    assert any("rolled back or truncated" in error for error in report.errors)
    assert verify(newer, audit_key, known_checkpoints=[known]).ok
    # The command line takes the known checkpoint from a file.
    (tmp_path / "known.txt").write_text(known)
    from audit.verifier.__main__ import main

    assert (
        main(
            [str(older), "--pubkey", str(pubkey), "--known-checkpoint", str(tmp_path / "known.txt")]
        )
        == 1
    )
    assert (
        main(
            [str(newer), "--pubkey", str(pubkey), "--known-checkpoint", str(tmp_path / "known.txt")]
        )
        == 0
    )


def test_known_checkpoint_from_a_rewritten_history_is_reported(chain, exports, audit_key, tamper):
    known = AuditCheckpoint.objects.order_by("-number").first().note
    with tamper():
        recompute_chain(chain, audit_key)
        sql("DELETE FROM audit_auditcheckpoint")
    ChainHead.objects.filter(pk=1).update(checkpoint_number=0, checkpoint_hash="0" * 64, signer="")
    checkpoint_issue()
    report = verify(export(exports), audit_key, known_checkpoints=[known])
    assert not report.ok
    assert any("differs from the known checkpoint" in e or "rewritten" in e for e in report.errors)


def test_unreadable_zip_is_reported(tmp_path, audit_key):
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"not a zip")
    assert not verify(bogus, audit_key).ok
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("events.jsonl", b"")
    assert "the export lacks" in verify(empty, audit_key).errors[0]


def test_manifest_digests_are_cross_checked(chain, exports, audit_key):
    path = export(exports)
    manifest = json.loads(zipfile.ZipFile(path).read("manifest.json"))
    manifest["files"]["events.jsonl"]["sha256"] = "0" * 64
    report = verify(rewrite(path, manifest_json=json.dumps(manifest).encode()), audit_key)
    assert any("digest of events.jsonl" in w for w in report.warnings)
