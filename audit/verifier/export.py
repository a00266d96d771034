"""Verification of an export zip (docs/audit-format.md, sections 5 and 6)."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
import zlib
from datetime import timedelta

from .chain import ChainVerifier, Report
from .merkle import CompactRange
from .notes import NoteError, VerifierKey, split_notes

MEMBERS = ("events.jsonl", "checkpoints.txt", "pubkey.txt", "manifest.json")
OPTIONAL_MEMBERS = ("tree.txt",)
DEFAULT_MAX_GAP = 900
# What a member read whole may hold, uncompressed, and an event's line (docs/audit-format.md,
# section 5): far above what the application writes, so that a small crafted zip (a member
# of zeros deflated a thousandfold) cannot make the verifier hold gigabytes.
MEMBER_MAX_BYTES = {
    "manifest.json": 1 << 20,
    "pubkey.txt": 64 << 10,
    "tree.txt": 64 << 10,
    "checkpoints.txt": 64 << 20,
}
LINE_MAX_BYTES = 1 << 20
# What reading a damaged or hostile zip raises: a bad CRC or header (BadZipFile), an unknown
# compression (NotImplementedError), an encrypted member (RuntimeError), a truncated stream.
ZIP_ERRORS = (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, zlib.error)


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


def parse_tree(data: bytes) -> CompactRange:
    """tree.txt: a decimal size, then the compact range's hashes in base64, one a line."""
    text = data.decode("ascii")
    if not text.endswith("\n") or "\r" in text:
        raise ValueError("lines end with LF")
    lines = text[:-1].split("\n")
    if not lines[0].isdigit() or (lines[0] != "0" and lines[0].startswith("0")):
        raise ValueError("the first line is the size in decimal")
    hashes = [base64.b64decode(line, validate=True) for line in lines[1:]]
    if any(len(h) != 32 for h in hashes):
        raise ValueError("hashes are 32 bytes")
    return CompactRange(int(lines[0]), hashes)


def _text_lines(data: bytes, name: str) -> list[str]:
    """The lines of a text member: UTF-8, each ending with a single LF (docs/audit-format.md,
    conventions); blank lines are skipped."""
    text = data.decode("utf-8", errors="strict") if data else ""
    if "\r" in text or (text and not text.endswith("\n")):
        raise ValueError(f"{name}: lines end with a single LF (a CR, or the last LF missing)")
    return [line for line in text.split("\n") if line.strip()]


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    """A member read whole, refused (ValueError) above MEMBER_MAX_BYTES: the zip's declared
    size bounds what zipfile reads."""
    if zf.getinfo(name).file_size > MEMBER_MAX_BYTES[name]:
        raise ValueError(f"{name} is larger than {MEMBER_MAX_BYTES[name]} bytes")
    return zf.read(name)


def _event_lines(handle):
    """(number, line) of events.jsonl, each line read up to LINE_MAX_BYTES and its LF; a
    longer one ends the reading with ValueError."""
    number = 0
    while raw := handle.readline(LINE_MAX_BYTES + 1):
        number += 1
        if len(raw) > LINE_MAX_BYTES:
            raise ValueError(f"events.jsonl line {number} is longer than {LINE_MAX_BYTES} bytes")
        yield number, raw


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
    witness_keys: list[VerifierKey] = (),
    witness_quorum: int = 0,
) -> tuple[Report, dict]:
    """Verify an export zip; returns the report and the (unsigned, informative) manifest.

    Nothing in the zip loosens a check: the gap allowed between checkpoints is the caller's
    (default 900 s), never the manifest's."""
    report = Report()
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        report.error(f"cannot open the export: {exc}")
        return report, {}
    with zf:
        try:
            return _verify_zip(
                zf,
                report,
                trusted_keys=trusted_keys,
                known_checkpoints=known_checkpoints,
                max_gap_seconds=max_gap_seconds,
                witness_keys=witness_keys,
                witness_quorum=witness_quorum,
            )
        except ZIP_ERRORS as exc:
            report.error(f"the export's zip cannot be read: {type(exc).__name__}: {exc}")
            return report, {}


def _verify_zip(
    zf: zipfile.ZipFile,
    report: Report,
    *,
    trusted_keys: list[VerifierKey],
    known_checkpoints: list[str],
    max_gap_seconds: int | None,
    witness_keys: list[VerifierKey],
    witness_quorum: int,
) -> tuple[Report, dict]:
    listed = zf.namelist()
    names = set(listed)
    if len(listed) != len(names):
        report.error("the export holds a member name twice (refused: which one is read?)")
        return report, {}
    missing = [name for name in MEMBERS if name not in names]
    if missing:
        report.error(f"the export lacks {', '.join(missing)}")
        return report, {}
    unknown = sorted(names - set(MEMBERS) - set(OPTIONAL_MEMBERS))
    if unknown:
        report.error(f"the export holds unexpected members: {', '.join(unknown)}")
        return report, {}
    try:
        manifest = json.loads(_member(zf, "manifest.json").decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        report.error(f"manifest.json is not JSON: {exc}")
        manifest = {}
    if not isinstance(manifest, dict):
        report.error("manifest.json is not a JSON object")
        manifest = {}
    if max_gap_seconds is None:
        max_gap_seconds = DEFAULT_MAX_GAP
    candidates = []
    try:
        lines = _text_lines(_member(zf, "pubkey.txt"), "pubkey.txt")
    except ValueError as exc:
        report.error(str(exc))
        lines = []
    for line in lines:
        try:
            candidates.append(VerifierKey.parse(line))
        except NoteError as exc:
            report.error(f"pubkey.txt: {line[:40]!r} is not a verifier key ({exc})")
    verifier = ChainVerifier(
        trusted_keys=trusted_keys,
        candidate_keys=candidates,
        max_gap=timedelta(seconds=max_gap_seconds) if max_gap_seconds else None,
        require_complete_tail=True,
        require_run_from_anchor=True,
        witness_keys=witness_keys,
        witness_quorum=witness_quorum,
    )
    verifier.report = report
    try:
        notes = split_notes(_member(zf, "checkpoints.txt").decode("utf-8"))
    except (ValueError, NoteError) as exc:
        report.error(f"checkpoints.txt is unreadable: {exc}")
        notes = []
    verifier.load_checkpoints(notes)
    for known in known_checkpoints:
        verifier.check_known(known)
    if "tree.txt" in names:
        try:
            verifier.start_tree(parse_tree(_member(zf, "tree.txt")))
        except ValueError as exc:
            report.error(f"tree.txt is unreadable: {exc}")
    with zf.open("events.jsonl") as handle:
        try:
            for number, raw in _event_lines(io.BufferedReader(handle, 1 << 20)):
                if not raw.endswith(b"\n") or b"\r" in raw:
                    report.error(
                        f"events.jsonl line {number} does not end with a single LF "
                        "(a CR, or the last line's LF missing)"
                    )
                try:
                    event = parse_line(raw)
                except (ValueError, RecursionError) as exc:
                    report.error(f"events.jsonl line {number} is unreadable: {exc}")
                    continue
                verifier.feed(event)
        except ValueError as exc:  # a line too long: the rest is not read
            report.error(str(exc))
    verifier.finish()
    files = manifest.get("files") if isinstance(manifest.get("files"), dict) else {}
    for name in ("events.jsonl", "checkpoints.txt", "pubkey.txt", "tree.txt"):
        if name in files and name not in names:
            report.warnings.append(f"manifest.json lists {name}, which the export lacks")
        elif name in files and files[name] != _digest(zf, name):
            report.warnings.append(f"manifest.json's digest of {name} does not match")
    if not witness_keys:
        report.warnings.append("no witness key given: check 10, the witness quorum, not made")
    for key, value in (("first_seq", report.first_seq), ("last_seq", report.last_seq)):
        if report.events and key in manifest and manifest[key] != value:
            report.warnings.append(f"manifest.json says {key} {manifest[key]}, found {value}")
    return report, manifest
