"""The verifier keeps its word: nothing unsigned loosens a check, and what an export or the
database could say two ways is refused."""

import json
import warnings
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from audit.models import AuditCheckpoint
from audit.services import audit_record, checkpoint_issue
from audit.verification import verify_database
from audit.verifier.notes import join_notes, split_notes

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
