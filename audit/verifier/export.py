"""Verification of an export zip (docs/audit-format.md, sections 5 and 6)."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import timedelta

from .chain import ChainVerifier, Report
from .notes import NoteError, VerifierKey, split_notes

MEMBERS = ("events.jsonl", "checkpoints.txt", "pubkey.txt", "manifest.json")
DEFAULT_MAX_GAP = 900


class _Refused(ValueError):
    pass


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    if len(keys) != len(set(keys)):
        raise _Refused("duplicate key")
    return dict(pairs)


def _no_float(text):
    raise _Refused(f"number {text} is not an integer")


def parse_line(raw: bytes) -> object:
    return json.loads(
        raw.decode("utf-8"),
        object_pairs_hook=_no_duplicates,
        parse_float=_no_float,
        parse_constant=_no_float,
    )


def _digest(zf: zipfile.ZipFile, name: str) -> dict:
    sha, size = hashlib.sha256(), 0
    with zf.open(name) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
            size += len(block)
    return {"bytes": size, "sha256": sha.hexdigest()}


def verify_export(
    path,
    *,
    trusted_keys: list[VerifierKey],
    known_checkpoints: list[str] = (),
    max_gap_seconds: int | None = None,
) -> tuple[Report, dict]:
    """Verify an export zip; returns the report and the (unsigned, informative) manifest."""
    report = Report()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.error(f"cannot open the export: {exc}")
        return report, {}
    with zf:
        names = set(zf.namelist())
        missing = [name for name in MEMBERS if name not in names]
        if missing:
            report.error(f"the export lacks {', '.join(missing)}")
            return report, {}
        try:
            manifest = json.loads(zf.read("manifest.json").decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            report.error(f"manifest.json is not JSON: {exc}")
            manifest = {}
        if not isinstance(manifest, dict):
            manifest = {}
        if max_gap_seconds is None:
            max_gap_seconds = manifest.get("checkpoint_max_gap_seconds", DEFAULT_MAX_GAP)
            if not isinstance(max_gap_seconds, int):
                max_gap_seconds = DEFAULT_MAX_GAP
        candidates = []
        for line in zf.read("pubkey.txt").decode("utf-8", errors="replace").splitlines():
            if line.strip():
                try:
                    candidates.append(VerifierKey.parse(line))
                except NoteError as exc:
                    report.warnings.append(f"pubkey.txt: unreadable key ignored ({exc})")
        verifier = ChainVerifier(
            trusted_keys=trusted_keys,
            candidate_keys=candidates,
            max_gap=timedelta(seconds=max_gap_seconds) if max_gap_seconds else None,
            require_complete_tail=True,
        )
        verifier.report = report
        try:
            notes = split_notes(zf.read("checkpoints.txt").decode("utf-8"))
        except (UnicodeDecodeError, NoteError) as exc:
            report.error(f"checkpoints.txt is unreadable: {exc}")
            notes = []
        verifier.load_checkpoints(notes)
        for known in known_checkpoints:
            verifier.check_known(known)
        with zf.open("events.jsonl") as handle:
            for number, raw in enumerate(io.BufferedReader(handle, 1 << 20), start=1):
                try:
                    event = parse_line(raw)
                except (UnicodeDecodeError, ValueError) as exc:
                    report.error(f"events.jsonl line {number} is unreadable: {exc}")
                    continue
                verifier.feed(event)
        verifier.finish()
        files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
        for name in ("events.jsonl", "checkpoints.txt", "pubkey.txt"):
            if name in files and files[name] != _digest(zf, name):
                report.warnings.append(f"manifest.json's digest of {name} does not match")
        for key, value in (("first_seq", report.first_seq), ("last_seq", report.last_seq)):
            if report.events and key in manifest and manifest[key] != value:
                report.warnings.append(f"manifest.json says {key} {manifest[key]}, found {value}")
    return report, manifest
