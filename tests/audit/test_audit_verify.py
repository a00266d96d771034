"""audit_verify finds every kind of tampering the issue lists, done directly in SQL."""

import base64
from datetime import timedelta
from unittest import mock

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditCheckpoint, AuditEvent, ChainHead
from audit.sequencer import sequenced
from audit.services import _issue, audit_record, checkpoint_issue
from audit.verification import verify_database
from audit.verifier.notes import SignerKey, parse_checkpoint, sign_checkpoint

from .conftest import rehash_from, sql, sync_head

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(audit_key, users, orgs):
    """Ten events, checkpoints after 4, 8 and 10: returns the seqs of the ten events."""
    seqs = []
    for i in range(10):
        event = audit_record(
            actor=users["liaison26"] if i % 2 else users["mayor"],
            action="request.viewed",
            organization=orgs["montelimar"],
            details={"references": [f"26198-2026-{i:04d}"], "count": 1},
        )
        seqs.append(sequenced(event).seq)
        if i in (3, 7, 9):
            checkpoint_issue()
    assert verify_database().ok
    return seqs


def errors() -> str:
    report = verify_database()
    assert not report.ok
    return "\n".join(report.errors)


def test_an_untouched_log_verifies(chain, capsys):
    call_command("audit_verify")
    assert "OK:" in capsys.readouterr().out


def test_audit_verify_command_fails_on_tampering(chain, tamper):
    with tamper():
        sql("UPDATE audit_auditevent SET ip = '192.0.2.1' WHERE seq = %s", [chain[2]])
    with pytest.raises(CommandError, match="failed verification"):
        call_command("audit_verify")


def test_edited_field_is_detected(chain, tamper):
    with tamper():
        sql("UPDATE audit_auditevent SET actor_username = 'someone' WHERE seq = %s", [chain[2]])
    assert f"seq {chain[2]}: hash does not match" in errors()


def test_edited_details_are_detected(chain, tamper):
    with tamper():
        event = AuditEvent.objects.get(seq=chain[5])
        event.details = {"references": ["62041-2026-0001"], "count": 1}
        AuditEvent.objects.filter(seq=chain[5]).update(details=event.details)
    assert f"seq {chain[5]}: hash does not match" in errors()


def test_edited_field_with_its_hash_recomputed_is_detected(chain, tamper):
    with tamper():
        sql("UPDATE audit_auditevent SET action = 'request.listed' WHERE seq = %s", [chain[2]])
        event = AuditEvent.objects.get(seq=chain[2])
        from audit.verifier.encoding import body_hash, link_hash

        new = link_hash(
            seq=event.seq, prev_hash=event.prev_hash, body_digest=body_hash(event.body())
        )
        sql("UPDATE audit_auditevent SET hash = %s WHERE seq = %s", [new, chain[2]])
    assert f"seq {chain[3]}: prev_hash does not match" in errors()


def test_chain_recomputed_without_the_key_is_detected(chain, tamper):
    with tamper():
        sql("UPDATE audit_auditevent SET outcome = 'denied' WHERE seq = %s", [chain[2]])
        rehash_from(chain[2])
    assert "commits to another hash" in errors()


def test_deleted_record_is_detected(chain, tamper):
    with tamper():
        sql("DELETE FROM audit_auditevent WHERE seq = %s", [chain[4]])
    assert "events missing" in errors()


def test_deleted_record_with_the_rest_renumbered_and_rehashed_is_detected(chain, tamper):
    with tamper():
        sql("DELETE FROM audit_auditevent WHERE seq = %s", [chain[4]])
        for seq in chain[5:]:
            sql("UPDATE audit_auditevent SET seq = seq - 1 WHERE seq = %s", [seq])
        rehash_from(chain[4])
    assert "commits to another hash" in errors()


def test_swapped_records_are_detected(chain, tamper):
    a, b = chain[2], chain[3]
    with tamper():
        sql("UPDATE audit_auditevent SET seq = -1 WHERE seq = %s", [a])
        sql("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [a, b])
        sql("UPDATE audit_auditevent SET seq = %s WHERE seq = -1", [b])
    assert "hash does not match" in errors()


def test_inserted_record_is_detected(chain, tamper):
    with tamper():
        for seq in reversed(chain[5:]):
            sql("UPDATE audit_auditevent SET seq = seq + 1 WHERE seq = %s", [seq])
        original = AuditEvent.objects.get(seq=chain[4])
        original.pk, original.seq = None, chain[5]
        original.details = {"references": ["26198-2026-0999"], "count": 1}
        original.hash = "e" * 64
        original.save(force_insert=True)
        rehash_from(chain[5])
    assert "commits to another hash" in errors()


def test_duplicated_record_is_detected(chain, tamper):
    copy = AuditEvent.objects.get(seq=chain[4])
    copy.pk, copy.seq = None, chain[-1] + 1
    copy.hash = "f" * 64
    copy.save(force_insert=True)
    sync_head()
    assert f"seq {copy.seq}: prev_hash does not match" in errors()


def test_truncated_tail_behind_the_latest_checkpoint_is_detected(chain, tamper):
    with tamper():
        sql("DELETE FROM audit_auditevent WHERE seq >= %s", [chain[8]])
    sync_head()
    assert "truncated tail" in errors()


def test_tail_truncated_but_head_left_alone_is_detected(chain, tamper):
    with tamper():
        sql("DELETE FROM audit_auditevent WHERE seq >= %s", [chain[8]])
    assert "the chain head says" in errors()


def latest_checkpoint() -> AuditCheckpoint:
    return AuditCheckpoint.objects.order_by("-number").first()


def replace_note(index: int, note: str) -> None:
    sql("UPDATE audit_auditcheckpoint SET note = %s WHERE number = %s", [note, index])


def test_altered_checkpoint_is_detected(chain, tamper):
    cp = latest_checkpoint()
    altered = cp.note.replace(f"\n{cp.size}\n", f"\n{cp.size + 5}\n", 1)
    with tamper():
        replace_note(cp.number, altered)
    assert "no valid signature" in errors()


def test_checkpoint_signed_with_another_key_is_detected(chain, tamper, audit_key):
    cp = latest_checkpoint()
    intruder = SignerKey(name=audit_key.name, private_key=Ed25519PrivateKey.generate())
    forged = sign_checkpoint(parse_checkpoint(cp.note).note.text, [intruder])
    with tamper():
        replace_note(cp.number, forged)
    assert f"checkpoint {cp.number}" in errors()


def test_forged_checkpoint_is_detected(chain, audit_key):
    """A new latest checkpoint made up by someone without the key."""
    intruder = SignerKey(name=audit_key.name, private_key=Ed25519PrivateKey.generate())
    ChainHead.objects.filter(pk=1).update(signer="")  # so that the service signs for them
    forged = _issue(head=ChainHead.objects.get(), signers=[intruder], reason="periodic")
    assert forged.number == latest_checkpoint().number
    assert f"checkpoint {forged.number} is signed by" in errors()


def test_older_checkpoint_replayed_in_place_of_the_newer_one_is_detected(chain, tamper):
    older, newer = AuditCheckpoint.objects.order_by("-number")[1], latest_checkpoint()
    with tamper():
        sql(
            "UPDATE audit_auditcheckpoint SET note = %s, size = %s, head_hash = %s, prev = %s "
            "WHERE number = %s",
            [older.note, older.size, older.head_hash, older.prev, newer.number],
        )
    report = "\n".join(verify_database().errors)
    assert "replayed" in report or "does not link" in report


def test_deleted_checkpoint_is_detected_as_missing(chain, tamper):
    middle = AuditCheckpoint.objects.order_by("-number")[1]
    with tamper():
        sql("DELETE FROM audit_auditcheckpoint WHERE number = %s", [middle.number])
    assert "not contiguous" in errors()


def test_missing_periodic_checkpoint_is_detected(chain, settings):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 600
    later = timezone.now() + timedelta(hours=1)
    with mock.patch("django.utils.timezone.now", return_value=later):
        checkpoint_issue()
        report = verify_database(now=later)
    assert any("missing periodic checkpoint" in e for e in report.errors)


def test_no_recent_checkpoint_is_detected(chain, settings):
    settings.AUDIT_CHECKPOINT_MAX_GAP_SECONDS = 600
    report = verify_database(now=timezone.now() + timedelta(hours=2))
    assert any("missing periodic checkpoint: the latest" in e for e in report.errors)


def test_checkpoint_columns_that_disagree_with_the_note_are_detected(chain, tamper):
    cp = latest_checkpoint()
    with tamper():
        sql("UPDATE audit_auditcheckpoint SET size = 1 WHERE number = %s", [cp.number])
    assert "columns disagree" in errors()


def test_range_verification_is_anchored_on_checkpoints(chain, tamper):
    assert verify_database(from_seq=chain[5], to_seq=chain[6]).ok
    with tamper():
        sql("UPDATE audit_auditevent SET ip = '192.0.2.1' WHERE seq = %s", [chain[4]])
    # seq chain[4] lies inside the checkpoint interval that holds chain[5].
    assert not verify_database(from_seq=chain[5], to_seq=chain[6]).ok
    assert verify_database(from_seq=chain[8], to_seq=chain[9]).ok


def test_untrusted_key_is_reported(chain):
    stranger = SignerKey(name="relais.test/audit", private_key=Ed25519PrivateKey.generate())
    report = verify_database(trusted_keys=[stranger.verifier])
    assert "no checkpoint is signed by a trusted key (check --pubkey)" in report.errors


def test_pem_and_raw_keys_are_both_accepted(settings, tmp_path):
    from cryptography.hazmat.primitives import serialization

    from audit.keys import signing_key

    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    settings.AUDIT_SIGNING_KEY = base64.b64encode(seed).decode()
    from_env = signing_key().verifier
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "key.pem")
    (tmp_path / "key.pem").write_bytes(pem)
    assert signing_key().verifier == from_env


def test_scope_column_widened_on_one_of_many_alike_events_is_detected(chain, tamper):
    # The verifier checks each distinct (scope, département, roles) once: a tampered scope on
    # one event among identical ones must still be its own case.
    with tamper():
        sql("UPDATE audit_auditevent SET scope = ',07,26,62,' WHERE seq = %s", [chain[6]])
    assert f"seq {chain[6]}: scope column does not match the event" in errors()
    assert f"seq {chain[4]}: scope" not in errors()


def test_a_role_whose_departement_is_not_a_string_is_reported_not_crashed(chain, tamper):
    with tamper():
        sql(
            "UPDATE audit_auditevent SET actor_roles = %s WHERE seq = %s",
            ['[{"dep": ["26"], "kind": "commune", "org": "26198", "role": "mayor"}]', chain[0]],
        )
    report = errors()
    assert f"seq {chain[0]}: hash does not match" in report
    assert f"seq {chain[0]}: scope column does not match the event" in report


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0123456789abcdef" * 4, True),
        ("0123456789ABCDEF" * 4, False),
        ("0" * 63, False),
        ("0" * 65, False),
        ("0" * 31 + "g" + "0" * 32, False),
        ("0" * 31 + "\u0660" + "0" * 32, False),
        (None, False),
        (b"0" * 64, False),
    ],
)
def test_hashes_are_exactly_64_lowercase_hex_digits(value, expected):
    from audit.verifier.encoding import is_hex64

    assert is_hex64(value) is expected


def test_incremental_verification_starts_after_the_last_verified_checkpoint(
    chain, tamper, tmp_path, capsys, users
):
    state = tmp_path / "verified.txt"
    call_command("audit_verify", "--incremental", str(state))
    assert "OK: 10 events" in capsys.readouterr().out
    assert state.read_text(encoding="utf-8") == latest_checkpoint().note
    # Nothing new: nothing to hash, the checkpoints and the head still checked.
    call_command("audit_verify", "--incremental", str(state))
    assert "OK: 0 events" in capsys.readouterr().out
    verified = latest_checkpoint().note
    new = [
        sequenced(audit_record(actor=users["mayor"], action="request.viewed")).seq for _ in range(3)
    ]
    checkpoint_issue()
    # An event after the recorded checkpoint is edited: found, and the state is not moved.
    with tamper():
        sql("UPDATE audit_auditevent SET ip = '192.0.2.1' WHERE seq = %s", [new[1]])
    with pytest.raises(CommandError, match="failed verification"):
        call_command("audit_verify", "--incremental", str(state))
    assert f"seq {new[1]}: hash does not match" in capsys.readouterr().out
    assert state.read_text(encoding="utf-8") == verified
    with tamper():
        sql("UPDATE audit_auditevent SET ip = '' WHERE seq = %s", [new[1]])
    call_command("audit_verify", "--incremental", str(state))
    assert f"OK: 3 events (seq {new[0]}..{new[2]}" in capsys.readouterr().out
    assert state.read_text(encoding="utf-8") == latest_checkpoint().note


def test_incremental_verification_refuses_a_log_that_lost_the_verified_checkpoint(
    chain, tamper, tmp_path
):
    state = tmp_path / "verified.txt"
    call_command("audit_verify", "--incremental", str(state))
    verified = latest_checkpoint()
    with tamper():
        sql("DELETE FROM audit_auditcheckpoint WHERE number = %s", [verified.number])
        sql(
            "UPDATE audit_chainhead SET checkpoint_number = %s, checkpoint_hash = %s",
            [verified.number - 1, parse_checkpoint(verified.note).prev],
        )
    # The log is otherwise intact up to the previous checkpoint: only the kept one tells.
    report = verify_database(since_checkpoint=verified.note)
    assert not report.ok
    assert any("truncated tail" in e or "known checkpoint" in e for e in report.errors), (
        report.errors
    )


@pytest.mark.parametrize(
    "username",
    ["liaison-26", 'Ñoño "quoted" back\\slash', "tab\tnewline\ncontrol\x01\x1f del\x7f", "€𝄞"],
)
def test_the_stored_body_digest_is_the_canonical_body_hash(users, orgs, username):
    """audit_verify hashes stored bodies field by field: the same bytes as the format's
    canonical JSON, whatever the characters."""
    from audit.verification import stored_body_digest
    from audit.verifier.encoding import body_hash, canonical_json, format_timestamp

    event = audit_record(
        actor=users["liaison26"],
        action="request.viewed",
        organization=orgs["montelimar"],
        details={"references": ["26198-2026-0001"], "count": 2, "nested": {"b": None, "a": True}},
    )
    event.actor_username, event.user_agent = username, username[::-1]
    body = event.body()
    row = (
        event.seq, event.prev_hash, event.hash, body["action"], body["actor_id"],
        body["actor_is_staff"], None, body["actor_username"], body["departement_code"], None,
        body["ip"], format_timestamp(event.occurred_at), body["org_code"], body["outcome"],
        body["request_id"], body["target_ref"], body["target_type"], body["user_agent"],
        body["v"], event.scope,
    )  # fmt: skip
    roles = canonical_json(body["actor_roles"]).decode()
    details = canonical_json(body["details"]).decode()
    assert stored_body_digest(row, roles, details) == body_hash(body)
    anonymous = (*row[:4], None, False, *row[6:])
    body.update(actor_id=None, actor_is_staff=False)
    assert stored_body_digest(anonymous, roles, details) == body_hash(body)
