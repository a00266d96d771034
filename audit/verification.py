"""Verification of the log as stored in the database (`manage.py audit_verify`): the same
checks as the standalone verifier, plus the database's own bookkeeping (columns, head row)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import multiprocessing
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, connections
from django.db.models import Max, Min
from django.utils import timezone

from .exceptions import AuditError
from .keys import signing_key
from .models import HEAD_PK, AuditCheckpoint, AuditCosignature, AuditEvent, ChainHead
from .redaction import redactions_in
from .services import scope_of
from .stored import (
    FIELDS,
    NOT_ESCAPED,
    PLAIN_BODY,
    canonical_timestamp,
    escaped_body,
    line_chunks,
    raw_row,
)
from .tree import ProofUnavailable, compact_range_at
from .verifier.chain import ChainVerifier, Report
from .verifier.encoding import BODY_FIELDS, FORMAT_VERSION, format_timestamp
from .verifier.merkle import CompactRange
from .verifier.notes import (
    NoteError,
    VerifierKey,
    parse_checkpoint,
    split_notes,
    text_hash,
    with_cosignatures,
)
from .witnesses import witness_keys as configured_witness_keys

CHUNK = 5000
# The chain columns, the body fields in their canonical order, then the stored scope.
EVENT_COLUMNS = ("seq", "prev_hash", "hash", *BODY_FIELDS, "scope")


def default_max_gap() -> timedelta | None:
    seconds = getattr(settings, "AUDIT_CHECKPOINT_MAX_GAP_SECONDS", 900)
    return timedelta(seconds=seconds) if seconds else None


def _effective_gap(max_gap: timedelta | None) -> timedelta | None:
    """None: the setting; zero: no periodicity check."""
    if max_gap is None:
        return default_max_gap()
    return max_gap if max_gap > timedelta(0) else None


def line_from_row(row: tuple) -> tuple[dict, str]:
    """(export line, stored scope) from a values_list row in EVENT_COLUMNS order."""
    seq, prev_hash, hash_ = row[:3]
    body = dict(zip(BODY_FIELDS, row[3:-1], strict=True))
    body["occurred_at"] = format_timestamp(body["occurred_at"])
    return {"seq": seq, "prev_hash": prev_hash, "hash": hash_, "body": body}, row[-1]


def _scope_matches(scope: str, departement_code: object, roles: object) -> bool:
    if not isinstance(roles, list):
        return True  # reported by the chain verifier as a body problem
    try:
        expected = scope_of(
            departement_code=departement_code,
            roles=[r for r in roles if isinstance(r, dict) and "dep" in r],
        )
    except TypeError:  # a tampered role whose "dep" is not a string
        return False
    return scope == expected


def iter_lines(*, start: int | None, end: int | None) -> Iterator[tuple[dict, bool]]:
    """(export line, whether the stored scope column matches the event) for the events in
    [start, end], streamed in seq order; a redacted event as a redacted line with its kept
    body hash."""
    redacted = redactions_in(start or 0, end if end is not None else 2**62)
    for line, matches in _iter_stored(start=start, end=end):
        digest = redacted.get(line["seq"])
        if digest is None:
            yield line, matches
        else:
            yield (
                {
                    "seq": line["seq"],
                    "prev_hash": line["prev_hash"],
                    "hash": line["hash"],
                    "body_hash": digest,
                },
                True,
            )


def _iter_stored(*, start: int | None, end: int | None) -> Iterator[tuple[dict, bool]]:
    """Through the ORM (SQLite; PostgreSQL reads lines, see _feed_stored)."""
    events = AuditEvent.objects.order_by("seq")
    if start is not None:
        events = events.filter(seq__gte=start)
    if end is not None:
        events = events.filter(seq__lte=end)
    for row in events.values_list(*EVENT_COLUMNS).iterator(chunk_size=CHUNK):
        line = _line(row, row[6], row[9], format_timestamp(row[11]))
        yield line, _scope_matches(row[19], row[8], row[6])


def _line(row: tuple, roles, details, occurred_at: str) -> dict:
    body = {
        "action": row[3],
        "actor_id": row[4],
        "actor_is_staff": row[5],
        "actor_roles": roles,
        "actor_username": row[7],
        "departement_code": row[8],
        "details": details,
        "ip": row[10],
        "occurred_at": occurred_at,
        "org_code": row[12],
        "outcome": row[13],
        "request_id": row[14],
        "target_ref": row[15],
        "target_type": row[16],
        "user_agent": row[17],
        "v": row[18],
    }
    return {"seq": row[0], "prev_hash": row[1], "hash": row[2], "body": body}


# The canonical encoder's own string escaping (docs/audit-format.md, section 2).
_json_string = json.encoder.encode_basestring
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
).encode
_CACHED_VALUES = 10_000


# The canonical body, keys sorted, as one template (a single formatting operation per event);
# roles and details are filled in already canonical.
_BODY_TEMPLATE = (
    '{"action":%s,"actor_id":%s,"actor_is_staff":%s,"actor_roles":%s,"actor_username":%s,'
    '"departement_code":%s,"details":%s,"ip":%s,"occurred_at":%s,"org_code":%s,"outcome":%s,'
    '"request_id":%s,"target_ref":%s,"target_type":%s,"user_agent":%s,"v":%d}'
)


def stored_body_text(row: tuple, roles: str, details: str) -> str:
    """The canonical body of a row of RAW_SELECT (audit.stored) whose roles and details are given as
    canonical JSON, written out field by field (keys sorted): the same text as
    canonical_json(body) for the column types of the events table."""
    s = _json_string
    return _BODY_TEMPLATE % (
        s(row[3]),
        "null" if row[4] is None else int(row[4]),
        "true" if row[5] else "false",
        roles,
        s(row[7]),
        s(row[8]),
        details,
        s(row[10]),
        s(row[11]),
        s(row[12]),
        s(row[13]),
        s(row[14]),
        s(row[15]),
        s(row[16]),
        s(row[17]),
        int(row[18]),
    )


def stored_body_digest(row: tuple, roles: str, details: str) -> str:
    """body_hash of a row of RAW_SELECT (see stored_body_text)."""
    return hashlib.sha256(stored_body_text(row, roles, details).encode("utf-8")).hexdigest()


def _feed_stored(verifier: ChainVerifier, *, first: int, last: int) -> None:
    """PostgreSQL: each event's line (audit.stored) to its body hash without decoding it or
    building any value but the few distinct roles and details (parsed and encoded once), the
    links checked a chunk at a time (ChainVerifier.feed_links). An event whose line cannot be
    trusted as it is, with anything to report, or redacted, is read again alone and checked as
    before, in its place."""
    feed_links = verifier.feed_links
    sha256 = hashlib.sha256
    plain_body, version, not_escaped = PLAIN_BODY, str(FORMAT_VERSION).encode(), NOT_ESCAPED
    redacted = redactions_in(first, last)
    # JSON text as stored: (value, canonical bytes, how many of its bytes are escapes).
    canonical: dict[bytes, tuple[object, bytes, int]] = {}
    scope_checked: dict[tuple, bool] = {}

    def canonical_of(text: bytes) -> tuple[object, bytes, int]:
        entry = canonical.get(text)
        if entry is None:
            value = json.loads(text)
            entry = (value, _CANONICAL(value).encode(), len(text.translate(None, not_escaped)))
            if len(canonical) < _CACHED_VALUES:
                canonical[text] = entry
        return entry

    for rows in line_chunks(first, last):
        links = []
        for (line,) in rows:
            parts = line.split(b"\t")
            if len(parts) == FIELDS:
                (seq, prev, stored, v, actor_id, is_staff, scope, occurred, action, username,
                 dep, ip, org, outcome, request_id, target_ref, target_type, user_agent,
                 roles_text, details_text) = parts  # fmt: skip
                seq = int(seq)
                roles = canonical.get(roles_text) or canonical_of(roles_text)
                key = (scope, dep, roles_text)
                matches = scope_checked.get(key)
                if matches is None:
                    matches = scope_checked[key] = _scope_matches(
                        scope.decode(), dep.decode(), roles[0]
                    )
                if matches and v == version and seq not in redacted:
                    details = canonical.get(details_text) or canonical_of(details_text)
                    if len(occurred) == 29 and occurred[26:] == b"+00" and occurred[10] == 32:
                        date, time = occurred[:10], occurred[11:26]  # the usual timestamp
                    else:
                        timestamp = canonical_timestamp(occurred)
                        if timestamp is None:
                            feed_links(links)
                            links = []
                            _feed_raw(verifier, raw_row(seq), scope_checked, redacted)
                            continue
                        date, time = timestamp[:10], timestamp[11:-1]
                    if len(line.translate(None, not_escaped)) == roles[2] + details[2]:
                        body = plain_body % (
                            action, actor_id, is_staff, roles[1], username, dep, details[1], ip,
                            date, time, org, outcome, request_id, target_ref, target_type,
                            user_agent, v,
                        )  # fmt: skip
                    else:
                        body = escaped_body(parts, roles[1], details[1], date + b"T" + time + b"Z")
                    links.append((seq, prev.decode(), stored.decode(), sha256(body).hexdigest()))
                    continue
            else:
                seq = int(line.partition(b"\t")[0])
            # Anything to report, redacted, or a line that cannot be trusted: in order, after
            # the links before it, from the event's columns read alone.
            feed_links(links)
            links = []
            _feed_raw(verifier, raw_row(seq), scope_checked, redacted)
        feed_links(links)


def _feed_raw(
    verifier: ChainVerifier, row: tuple | None, scope_checked: dict, redacted: dict
) -> None:
    """One event from its RAW_SELECT row (audit.stored) as the offline verifier takes an
    export's line, every check reported, NULLs included."""
    if row is None:  # gone since its line was read
        return
    report = verifier.report
    seq = row[0]
    roles, details = (json.loads(text) if text is not None else None for text in (row[6], row[9]))
    key = (row[19], row[8], row[6])
    matches = scope_checked.get(key)
    if matches is None:
        matches = scope_checked[key] = _scope_matches(row[19], row[8], roles)
    digest = redacted.get(seq)
    if digest is not None:
        report.redacted += 1
        verifier.feed_link(seq, row[1], row[2], digest)
        return  # its body is gone; the scope was checked before the redaction
    verifier.feed(_line(row, roles, details, row[11]))
    if not matches:
        report.error(f"seq {seq}: scope column does not match the event")


def _feed(verifier: ChainVerifier, *, start: int | None, end: int | None) -> None:
    if connection.vendor == "postgresql":
        _feed_stored(verifier, first=start or 0, last=end if end is not None else 2**62)
        return
    report = verifier.report
    feed = verifier.feed
    for line, scope_matches in iter_lines(start=start, end=end):
        feed(line)
        if not scope_matches:
            report.error(f"seq {line['seq']}: scope column does not match the event")


def _segments(*, start: int | None, end: int | None) -> list[tuple[int, int]]:
    """Seq ranges to verify side by side: several only on PostgreSQL, for long chains."""
    workers = getattr(settings, "AUDIT_VERIFY_WORKERS", os.cpu_count() or 1)
    threshold = getattr(settings, "AUDIT_VERIFY_PARALLEL_THRESHOLD", 200_000)
    # Workers are other sessions: they cannot see what this transaction has not committed.
    if connection.vendor != "postgresql" or workers < 2 or connection.in_atomic_block:
        return [(start or 0, end if end is not None else 2**62)]
    events = AuditEvent.objects.all()
    if start is not None:
        events = events.filter(seq__gte=start)
    if end is not None:
        events = events.filter(seq__lte=end)
    bounds = events.aggregate(low=Min("seq"), high=Max("seq"))
    low, high = bounds["low"], bounds["high"]
    if low is None or high - low + 1 < threshold:
        return [(start or 0, end if end is not None else 2**62)]
    step = (high - low) // workers + 1
    return [(first, min(first + step - 1, high)) for first in range(low, high + 1, step)]


def _verify_segment(task: tuple[int, int, dict]) -> dict:
    """In a worker process: the links and hashes inside one seq range."""
    first, last, by_size = task
    verifier = ChainVerifier(trusted_keys=[], segment=True)
    verifier.by_size = by_size
    verifier._checkpoints_loaded = True
    # The stored tree's compact range at the slice's start lets the slice check the Merkle roots
    # inside it; it is only a hint, compared at the seam with the tree computed before it.
    start_tree = None
    # Not yet integrated: the slice returns its leaves instead.
    with contextlib.suppress(ProofUnavailable):
        start_tree = compact_range_at(first - 1) if first > 1 else CompactRange()
    if start_tree is not None:
        verifier.start_tree(start_tree.copy())
    _feed(verifier, start=first, end=last)
    connection.close()
    report = verifier.report
    tree = verifier.tree
    return {
        "tree_start": start_tree if tree is not None else None,
        "tree_end": tree,
        "roots_checked": verifier.merkle_roots_checked,
        "root_errors": verifier.root_errors,
        "errors": report.errors,
        "suppressed": report.suppressed,
        "events": report.events,
        "first_seq": report.first_seq,
        "first_prev_hash": verifier.first_prev_hash,
        "last_seq": report.last_seq,
        "last_hash": verifier._prev_stored,
        "leaves": b"" if start_tree is not None else b"".join(verifier.leaves),
    }


def _verify_in_parallel(verifier: ChainVerifier, segments: list[tuple[int, int]]) -> None:
    """Hashing is per event, so slices verify in parallel; the seams are checked here."""
    connections.close_all()  # the forked workers open their own connections
    tasks = [(first, last, verifier.by_size) for first, last in segments]
    with multiprocessing.get_context("fork").Pool(len(segments)) as pool:
        results = pool.map(_verify_segment, tasks)
    report = verifier.report
    for result in results:
        for error in result["errors"]:
            report.error(error)
        report.suppressed += result["suppressed"]
        if result["events"]:
            verifier.join_segment(
                first_seq=result["first_seq"],
                first_prev_hash=result["first_prev_hash"],
                last_seq=result["last_seq"],
                last_hash=result["last_hash"],
                events=result["events"],
                leaves=result["leaves"],
                tree_start=result["tree_start"],
                tree_end=result["tree_end"],
                roots_checked=result["roots_checked"],
                root_errors=result["root_errors"],
            )


def _checkpoint_rows() -> list[AuditCheckpoint]:
    return list(AuditCheckpoint.objects.order_by("number"))


def _cross_check(report: Report, rows: list[AuditCheckpoint]) -> None:
    for row in rows:
        try:
            cp = parse_checkpoint(row.note)
        except NoteError:
            continue  # reported by the chain verifier
        columns = (
            row.number,
            row.size,
            row.head_hash,
            row.root_hash or None,
            row.prev,
            row.reason,
            row.issued_at,
        )
        signed = (cp.number, cp.size, cp.head_hash, cp.root_hash, cp.prev, cp.reason, cp.time)
        if columns != signed:
            report.error(f"checkpoint row {row.number}: columns disagree with its signed note")
        try:
            signer = VerifierKey.parse(row.signer)
        except NoteError:
            signer = None
        if signer is None or not cp.note.signed_by(signer):
            report.error(f"checkpoint row {row.number}: its signer column did not sign its note")


def verify_database(
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    trusted_keys: list[VerifierKey] | None = None,
    max_gap: timedelta | None = None,
    now=None,
    known_checkpoints: list[str] = (),
    witness_keys: list[VerifierKey] | None = None,
    witness_quorum: int | None = None,
    since_checkpoint: str | None = None,
) -> Report:
    """Check the chain (or a range widened to the nearest checkpoints) against the signed
    checkpoints, the checkpoint chain, its periodicity and the head row.

    since_checkpoint: the note of the latest checkpoint a previous run verified (incremental
    verification): it must still be in the log, unchanged, and only the events after it are
    checked, from its signed Merkle root on; the checkpoints, their periodicity and the head
    row are checked in full. `report.verified_checkpoint` names the checkpoint to start from
    next time."""
    known_checkpoints = list(known_checkpoints)
    if since_checkpoint is not None:
        try:
            from_seq = parse_checkpoint(since_checkpoint).size + 1
        except NoteError as exc:
            raise AuditError(f"the last verified checkpoint is unreadable: {exc}") from exc
        known_checkpoints.append(since_checkpoint)
        first_kept = AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first()
        if first_kept is not None and first_kept > from_seq:
            from_seq = None  # purged beyond it since: verify everything that is left
    trusted = list(trusted_keys or [])
    if not trusted:
        trusted = [signing_key().verifier]
    rows = _checkpoint_rows()
    candidates = []
    for signer in {row.signer for row in rows}:
        try:
            candidates.append(VerifierKey.parse(signer))
        except NoteError:
            continue
    start = None
    if from_seq is not None:
        anchor = (
            AuditCheckpoint.objects.filter(size__lt=from_seq)
            .order_by("-size")
            .values_list("size", flat=True)
            .first()
        )
        start = (anchor or 0) + 1
    end = None
    if to_seq is not None:
        closing = (
            AuditCheckpoint.objects.filter(size__gte=to_seq)
            .order_by("size")
            .values_list("size", flat=True)
            .first()
        )
        end = closing if closing is not None else to_seq
    partial = end is not None or (start is not None and since_checkpoint is None)
    verifier = ChainVerifier(
        trusted_keys=trusted,
        candidate_keys=candidates,
        origin=settings.AUDIT_LOG_ORIGIN,
        max_gap=_effective_gap(max_gap),
        now=None if partial else (now or timezone.now()),
        require_from_number_one=True,
        require_purge_anchor=start is None,
        end_seq=end,
        witness_keys=witness_keys if witness_keys is not None else configured_witness_keys(),
        witness_quorum=(
            witness_quorum
            if witness_quorum is not None
            else getattr(settings, "AUDIT_WITNESS_QUORUM", 0)
        ),
        start_seq=start,
    )
    cosignatures: dict[int, list[str]] = {}
    for number, line in AuditCosignature.objects.values_list("checkpoint_number", "line"):
        cosignatures.setdefault(number, []).append(line)
    verifier.load_checkpoints(
        [with_cosignatures(row.note, cosignatures.get(row.number, [])) for row in rows]
    )
    for known in known_checkpoints:
        verifier.check_known(known)
    report = verifier.report
    _cross_check(report, rows)
    _check_checkpoint_file(report, rows)
    first = (
        start
        if start is not None
        else (AuditEvent.objects.order_by("seq").values_list("seq", flat=True).first())
    )
    if first is not None and first > 1:
        # Without the stored nodes, finish() reports the roots it could not check.
        with contextlib.suppress(ProofUnavailable):
            verifier.start_tree(compact_range_at(first - 1))
    segments = _segments(start=start, end=end)
    if len(segments) > 1:
        _verify_in_parallel(verifier, segments)
    else:
        _feed(verifier, start=start, end=end)
    verifier.finish()
    if not partial:
        _check_head(report, rows)
    if report.ok and end is None:
        covered = report.last_seq if report.events else (start or 1) - 1
        latest = [row for row in rows if row.size <= covered]
        report.verified_checkpoint = latest[-1].note if latest else None
    return report


def _check_checkpoint_file(report: Report, rows: list[AuditCheckpoint]) -> None:
    """The copy outside the database (AUDIT_CHECKPOINT_FILE) and the table agree: a checkpoint
    in the file but not in the table was deleted; one that differs was replaced."""
    path = getattr(settings, "AUDIT_CHECKPOINT_FILE", "")
    if not path:
        return
    if not Path(path).exists():
        if rows:
            report.warnings.append(
                "the checkpoint file (AUDIT_CHECKPOINT_FILE) does not exist: nothing outside the "
                "database to compare the checkpoints with (deleted, or set since the last one)"
            )
        return
    try:
        notes = split_notes(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, NoteError) as exc:
        report.error(f"the checkpoint file is unreadable: {exc}")
        return
    by_number = {row.number: row for row in rows}
    file_numbers = set()
    for note in notes:
        try:
            cp = parse_checkpoint(note)
        except NoteError:
            report.error("the checkpoint file holds a malformed checkpoint")
            continue
        if cp.origin != settings.AUDIT_LOG_ORIGIN:
            continue
        file_numbers.add(cp.number)
        row = by_number.get(cp.number)
        if row is None:
            report.error(
                f"checkpoint {cp.number} is in the checkpoint file but not in the database "
                "(deleted checkpoint)"
            )
        elif parse_checkpoint(row.note).note.text != cp.note.text:
            report.error(
                f"checkpoint {cp.number} differs between the database and the checkpoint file "
                "(replaced checkpoint, fork)"
            )
    if file_numbers:
        missing = [row.number for row in rows if row.number > min(file_numbers)]
        missing = [n for n in missing if n not in file_numbers]
        if missing:
            report.warnings.append(
                f"{len(missing)} checkpoints are not in the checkpoint file (first {missing[0]})"
            )


def _check_head(report: Report, rows: list[AuditCheckpoint]) -> None:
    head = ChainHead.objects.filter(pk=HEAD_PK).first()
    if head is None:
        report.error("the chain head row is missing")
        return
    last = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    if last is not None and (head.seq, head.hash) != last:
        report.error(
            f"the chain head says seq {head.seq}, the last event is seq {last[0]} "
            "(events removed or added behind the head's back)"
        )
    if rows:
        latest = rows[-1]
        if head.checkpoint_number != latest.number:
            report.error(
                f"the chain head says checkpoint {head.checkpoint_number}, the latest stored is "
                f"{latest.number} (checkpoints removed or added)"
            )
        else:
            try:
                if head.checkpoint_hash != text_hash(parse_checkpoint(latest.note).note.text):
                    report.error("the chain head's checkpoint hash does not match the latest one")
            except NoteError:
                pass
    elif head.checkpoint_number:
        report.error("the chain head counts checkpoints but none is stored")
