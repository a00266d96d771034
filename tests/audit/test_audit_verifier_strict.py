"""The verifier keeps its word: nothing unsigned loosens a check, and what an export or the
database could say two ways is refused."""

import base64
import json
import warnings
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditCheckpoint
from audit.services import audit_record, checkpoint_issue
from audit.verification import verify_database
from audit.verifier.__main__ import main as verifier_main
from audit.verifier.chain import ChainVerifier
from audit.verifier.encoding import GENESIS_HASH
from audit.verifier.merkle import EMPTY_ROOT
from audit.verifier.notes import (
    ALG_COSIGNATURE_V1,
    NoteError,
    SignerKey,
    checkpoint_text,
    join_notes,
    parse_checkpoint,
    sign_checkpoint,
    split_notes,
)

from .conftest import sql
from .test_audit_verifier import chain, export, exports, rewrite, verify  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("gap", [0, 100_000, "x"])
def test_the_manifest_cannot_switch_the_gap_check_off(chain, exports, audit_key, gap):  # noqa: F811
    later = timezone.now() + timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        audit_record(actor=None, action="request.viewed")
        path = export(exports, "--from", (later - timedelta(seconds=1)).isoformat())
    altered = rewrite(
        path,
        manifest_json=lambda data: json.dumps(
            {**json.loads(data), "checkpoint_max_gap_seconds": gap}
        ).encode(),
    )
    report = verify(altered, audit_key)
    assert any("missing periodic checkpoint" in e for e in report.errors), report.errors
    # The auditor, not the export, may choose another interval.
    assert verify(altered, audit_key, max_gap_seconds=3 * 3600).ok


def test_a_zip_with_a_member_twice_is_refused(chain, exports, audit_key):  # noqa: F811
    path = export(exports)
    source = zipfile.ZipFile(path)
    doubled = path.with_name("doubled.zip")
    with zipfile.ZipFile(doubled, "w") as out, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate name
        for name in source.namelist():
            out.writestr(name, source.read(name))
        out.writestr("events.jsonl", source.read("events.jsonl"))
    report = verify(doubled, audit_key)
    assert any("member name twice" in e for e in report.errors)


def test_an_export_from_seq_1_without_checkpoint_1_is_refused(chain, exports, audit_key):  # noqa: F811
    path = export(exports)
    altered = rewrite(
        path,
        checkpoints_txt=lambda data: join_notes(split_notes(data.decode())[1:]).encode(),
    )
    report = verify(altered, audit_key)
    assert any("not 1 (checkpoints left out)" in e for e in report.errors), report.errors


@pytest.mark.parametrize(
    ("column", "value"),
    [("issued_at", "2020-01-01 00:00:00+00"), ("signer", "relais.test/audit+00000000+AQ==")],
)
def test_checkpoint_columns_that_disagree_with_their_note_are_refused(
    chain,  # noqa: F811
    audit_key,
    tamper,
    column,
    value,
):
    number = AuditCheckpoint.objects.order_by("number").first().number
    with tamper("audit_auditcheckpoint"):
        sql(f"UPDATE audit_auditcheckpoint SET {column} = %s WHERE number = %s", [value, number])  # noqa: S608
    report = verify_database()
    assert any(f"checkpoint row {number}" in e for e in report.errors), report.errors


def test_audit_verify_takes_several_keys_and_a_known_checkpoint(chain, audit_key, tmp_path, capsys):  # noqa: F811
    keys = tmp_path / "keys.txt"
    keys.write_text(audit_key.verifier.encode() + "\n")
    known = tmp_path / "known.txt"
    known.write_text(AuditCheckpoint.objects.order_by("-number").first().note)
    call_command("audit_verify", "--pubkey", str(keys), "--known-checkpoint", str(known))
    # A known checkpoint newer than the log: rolled back.
    audit_record(actor=None, action="request.viewed")
    newer = checkpoint_issue()
    known.write_text(newer.note)
    with mock.patch("audit.verification._checkpoint_rows") as rows:
        rows.return_value = list(AuditCheckpoint.objects.exclude(number=newer.number))
        with pytest.raises(CommandError):
            call_command("audit_verify", "--known-checkpoint", str(known), "--max-gap", "0")
    assert "rolled back or truncated" in capsys.readouterr().out
    # A malformed key in a file is a usage error.
    keys.write_text(audit_key.verifier.encode() + "\nnot-a-key\n")
    with pytest.raises(CommandError, match="key"):
        call_command("audit_verify", "--pubkey", str(keys))


def _with_line(note: str, line: str) -> str:
    """The note with one more signature line at its end."""
    return note + line


def _bad_line(key) -> str:
    """A signature line with the key's name and id and a signature that verifies nothing."""
    payload = key.verifier.key_id + bytes(72 if key.verifier.is_cosigner else 64)
    return f"\u2014 {key.name} {base64.b64encode(payload).decode()}\n"


def test_a_line_of_a_known_key_that_does_not_verify_is_refused(chain, exports, audit_key):  # noqa: F811
    """As in C2SP signed-note: an unknown key's line is ignored, a known key's that fails
    makes the checkpoint invalid, the log's key (check 2) as a witness's (check 10)."""
    path = export(exports)
    witness = SignerKey(
        name="ctrl.test/w1", private_key=Ed25519PrivateKey.generate(), alg=ALG_COSIGNATURE_V1
    )
    stranger = SignerKey(name="stranger.test/log", private_key=Ed25519PrivateKey.generate())

    def last_note_with(line):
        def change(data):
            notes = split_notes(data.decode())
            return join_notes([*notes[:-1], _with_line(notes[-1], line)]).encode()

        return change

    assert verify(rewrite(path, checkpoints_txt=last_note_with(_bad_line(stranger))), audit_key).ok
    report = verify(rewrite(path, checkpoints_txt=last_note_with(_bad_line(audit_key))), audit_key)
    assert any("does not verify (altered)" in e for e in report.errors), report.errors
    altered = rewrite(path, checkpoints_txt=last_note_with(_bad_line(witness)))
    assert verify(altered, audit_key).ok  # a witness key the verifier was not given
    report = verify(altered, audit_key, witness_keys=[witness.verifier], witness_quorum=0)
    assert any("cosignature line of witness" in e for e in report.errors), report.errors


def test_a_format_1_checkpoint_after_a_format_2_one_is_refused(audit_key):
    key, when = audit_key, timezone.now()
    first = parse_checkpoint(
        sign_checkpoint(
            checkpoint_text(
                origin="relais.test/audit", size=0, head_hash=GENESIS_HASH, number=1,
                time=when, prev=GENESIS_HASH, reason="start", root_hash=EMPTY_ROOT.hex(),
            ),
            [key],
        )
    )  # fmt: skip
    second = checkpoint_text(
        origin="relais.test/audit", size=0, head_hash=GENESIS_HASH, number=2, time=when,
        prev=first.text_hash, reason="periodic",
    )  # fmt: skip
    verifier = ChainVerifier(trusted_keys=[key.verifier])
    verifier.load_checkpoints([first.raw, sign_checkpoint(second, [key])])
    assert any("in format 1 after the format-2" in e for e in verifier.report.errors)


def test_a_checkpoint_of_size_0_starts_from_the_genesis_hash(audit_key):
    text = checkpoint_text(
        origin="relais.test/audit", size=0, head_hash="ab" * 32, number=1,
        time=timezone.now(), prev=GENESIS_HASH, reason="start", root_hash=EMPTY_ROOT.hex(),
    )  # fmt: skip
    verifier = ChainVerifier(trusted_keys=[audit_key.verifier])
    verifier.load_checkpoints([sign_checkpoint(text, [audit_key])])
    assert any("size 0 but not the genesis hash" in e for e in verifier.report.errors)


def test_a_purge_to_0_does_not_parse(audit_key):
    text = checkpoint_text(
        origin="relais.test/audit", size=3, head_hash="ab" * 32, number=4, time=timezone.now(),
        prev=GENESIS_HASH, reason="purge", purged_to=0, root_hash="cd" * 32,
    )  # fmt: skip
    with pytest.raises(NoteError, match="at least 1"):
        parse_checkpoint(sign_checkpoint(text, [audit_key]))


def test_a_manifest_that_is_not_an_object_is_refused(chain, exports, audit_key):  # noqa: F811
    path = export(exports)
    assert json.loads(zipfile.ZipFile(path).read("manifest.json"))["version"] == 2
    report = verify(rewrite(path, manifest_json=b"[]"), audit_key)
    assert "manifest.json is not a JSON object" in report.errors


def test_the_offline_verifier_takes_keys_as_files_or_as_they_are(chain, exports, audit_key):  # noqa: F811
    path = export(exports)
    key = audit_key.verifier.encode()
    assert verifier_main([str(path), "--pubkey", key]) == 0
    keys = exports / "keys.txt"
    keys.write_text(f"\n{key}\n\n")
    assert verifier_main([str(path), "--pubkey", str(keys)]) == 0
    assert verifier_main([str(path), "--pubkey", "not-a-key"]) == 2


@pytest.mark.parametrize(
    ("member", "change", "error"),
    [
        ("events_jsonl", lambda b: b.replace(b"\n", b"\r\n"), "does not end with a single LF"),
        ("events_jsonl", lambda b: b[:-1], "does not end with a single LF"),
        ("pubkey_txt", lambda b: b.replace(b"\n", b"\r\n"), "lines end with a single LF"),
        ("pubkey_txt", lambda b: b + b"not a key\n", "is not a verifier key"),
    ],
)
def test_texts_keep_the_conventions(chain, exports, audit_key, member, change, error):  # noqa: F811
    """Found by a verifier written from the document alone: a CR, a last line without its LF
    and a line of pubkey.txt that is no key were accepted (warned at most)."""
    report = verify(rewrite(export(exports), **{member: change}), audit_key)
    assert any(error in e for e in report.errors), report.errors


def test_a_member_the_manifest_lists_but_the_export_lacks_is_a_warning(chain, exports, audit_key):  # noqa: F811
    path = export(exports)
    source = zipfile.ZipFile(path)
    without = path.with_name("without-tree.zip")
    with zipfile.ZipFile(without, "w") as out:
        for name in source.namelist():
            if name != "tree.txt":
                out.writestr(name, source.read(name))
    report = verify(without, audit_key)  # from seq 1: the tree starts empty without tree.txt
    assert report.ok, report.errors
    assert "manifest.json lists tree.txt, which the export lacks" in report.warnings
    assert any("check 10" in w for w in report.warnings)


def test_a_redacted_line_with_a_short_body_hash_says_so(chain, exports, audit_key):  # noqa: F811
    def redact_first(data):
        lines = data.split(b"\n")
        first = json.loads(lines[0])
        lines[0] = json.dumps(
            {"body_hash": "ab", "hash": first["hash"], "prev_hash": first["prev_hash"], "seq": 1}
        ).encode()
        return b"\n".join(lines)

    report = verify(rewrite(export(exports), events_jsonl=redact_first), audit_key)
    assert "seq 1: body_hash is not 64 lowercase hex digits" in report.errors


def test_audit_verify_says_when_the_checkpoint_file_is_missing(chain, settings, tmp_path):  # noqa: F811
    settings.AUDIT_CHECKPOINT_FILE = str(tmp_path / "gone.txt")
    report = verify_database()
    assert any(
        "checkpoint file (AUDIT_CHECKPOINT_FILE) does not exist" in w for w in report.warnings
    )


@pytest.mark.parametrize("to", ["another name", "the same key"])
def test_a_rotation_to_a_key_of_another_name_or_to_the_current_key_is_reported(audit_key, to):
    """Neither is refused (both keys signed it), both are said: the outsider's guess."""
    key, when, origin = audit_key, timezone.now(), audit_key.name
    new = (
        SignerKey(name="elsewhere.test/log", private_key=Ed25519PrivateKey.generate())
        if to == "another name"
        else key
    )
    first = parse_checkpoint(
        sign_checkpoint(
            checkpoint_text(
                origin=origin, size=0, head_hash=GENESIS_HASH, number=1, time=when,
                prev=GENESIS_HASH, reason="start", root_hash=EMPTY_ROOT.hex(),
            ),
            [key],
        )
    )  # fmt: skip
    rotation = checkpoint_text(
        origin=origin, size=0, head_hash=GENESIS_HASH, number=2, time=when,
        prev=first.text_hash, reason="rotation", root_hash=EMPTY_ROOT.hex(),
        rotate_to=new.verifier,
    )  # fmt: skip
    verifier = ChainVerifier(trusted_keys=[key.verifier])
    verifier.load_checkpoints([first.raw, sign_checkpoint(rotation, [key, new])])
    assert verifier.report.errors == []
    expected = "not the log's origin" if to == "another name" else "the key already current"
    assert any(expected in w for w in verifier.report.warnings), verifier.report.warnings


def _deep(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth


def _flagged(path, name: str, *, method: int | None = None, flag: int = 0):
    """A copy of the export whose member `name` claims another compression method or carries
    another general-purpose flag (encryption is bit 0), in both of its headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as source:
        info = source.getinfo(name)
    encoded = name.encode()
    for signature, method_at, flags_at, name_at in (
        (b"PK\x03\x04", 8, 6, 30),
        (b"PK\x01\x02", 10, 8, 46),
    ):
        at = data.find(signature, info.header_offset if signature == b"PK\x03\x04" else 0)
        while data[at + name_at : at + name_at + len(encoded)] != encoded:
            at = data.find(signature, at + 4)
        if method is not None:
            data[at + method_at : at + method_at + 2] = method.to_bytes(2, "little")
        flags = int.from_bytes(data[at + flags_at : at + flags_at + 2], "little") | flag
        data[at + flags_at : at + flags_at + 2] = flags.to_bytes(2, "little")
    target = path.with_name("flagged.zip")
    target.write_bytes(bytes(data))
    return target


def _bad_crc(path):
    """A copy whose stored events.jsonl has one byte of its data flipped."""
    stored = path.with_name("stored.zip")
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(stored, "w") as out:
        for name in source.namelist():
            out.writestr(name, source.read(name), compress_type=zipfile.ZIP_STORED)
    data = bytearray(stored.read_bytes())
    with zipfile.ZipFile(stored) as source:
        info = source.getinfo("events.jsonl")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 5] ^= 0x01
    stored.write_bytes(bytes(data))
    return stored


@pytest.mark.parametrize(
    ("hostile", "error"),
    [
        (lambda p: rewrite(p, events_jsonl=_deep() + b"\n"), "line 1 is unreadable"),
        (lambda p: rewrite(p, manifest_json=_deep()), "manifest.json is not JSON"),
        (lambda p: rewrite(p, manifest_json=b" " * (2 << 20)), "larger than"),
        (lambda p: rewrite(p, checkpoints_txt=b"\n" * (65 << 20)), "larger than"),
        (lambda p: rewrite(p, events_jsonl=b"a" * (2 << 20)), "longer than"),
        (_bad_crc, "cannot be read"),
        (lambda p: _flagged(p, "manifest.json", method=99), "cannot be read"),
        (lambda p: _flagged(p, "manifest.json", flag=0x1), "cannot be read"),
    ],
)
def test_a_hostile_zip_fails_without_a_traceback(chain, exports, audit_key, hostile, error):  # noqa: F811
    report = verify(hostile(export(exports)), audit_key)
    assert not report.ok
    assert any(error in e for e in report.errors), report.errors


def test_the_offline_verifier_counts_a_witness_once(chain, exports, audit_key):  # noqa: F811
    path = export(exports)
    witness = SignerKey(
        name="ctrl.test/w1", private_key=Ed25519PrivateKey.generate(), alg=ALG_COSIGNATURE_V1
    ).verifier.encode()
    common = [str(path), "--pubkey", audit_key.verifier.encode(), "--witness-key", witness]
    assert verifier_main([*common, "--witness-quorum", "0"]) == 2
    assert verifier_main([*common, "--witness-key", witness, "--witness-quorum", "2"]) == 1
