"""Auditor exports: a zip that verifies offline (docs/audit-format.md, section 5).

A filtered export holds the contiguous range of the chain between two signed checkpoints that
encloses every matching event: matching events in full, the others redacted to their body hash,
so the auditor can recompute every link without seeing events outside the filter or scope.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import json
import logging
import multiprocessing
import os
from collections.abc import Iterator
from functools import partial
from json.encoder import encode_basestring as _json_string
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

from celery import current_app
from django.conf import settings
from django.db import connection, connections, transaction
from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.utils import timezone

from .exceptions import AuditError
from .models import AuditCheckpoint, AuditCosignature, AuditEvent, AuditExport, ExportStatus
from .redaction import redactions_in
from .selectors import EventFilters, audit_events_q
from .services import audit_record, checkpoint_issue
from .stored import FIELDS, Bodies, line_chunks, raw_row
from .tree import compact_range_at
from .verification import EVENT_COLUMNS, default_max_gap, line_from_row, stored_body_text
from .verifier.encoding import canonical_json
from .verifier.merkle import CompactRange
from .verifier.notes import NoteError, join_notes, parse_checkpoint, with_cosignatures
from .witnesses import checkpoint_submit

logger = logging.getLogger("relais.audit")

CHUNK = 2000
PROGRESS_EVERY = 50 * CHUNK
PARALLEL_BLOCK = 10_000  # events per block written by an export worker
F_SETPIPE_SZ = 1031  # Linux fcntl: a pipe's capacity
PIPE_SIZE = 1 << 20
EXPORT_FORMAT = "relais-audit-export"


def export_dir() -> Path:
    return Path(settings.AUDIT_EXPORT_DIR)


def export_path(export: AuditExport) -> Path:
    return export_dir() / export.file_name


@transaction.atomic
def export_request(*, owner, scope: list[str] | None, filters: EventFilters) -> AuditExport:
    """Record the request and queue the export; the scope is frozen now."""
    export = AuditExport.objects.create(owner=owner, scope=scope, filters=filters.as_dict())
    audit_record(
        actor=owner,
        action="audit.export_requested",
        target=export,
        details={"filters": filters.as_dict(), "scope": scope if scope is not None else "all"},
    )
    # audit.tasks.run_export, by its registered name: the task module calls this one.
    run_export = current_app.tasks["audit.run_export"]
    transaction.on_commit(partial(run_export.delay, str(export.pk)))
    return export


@transaction.atomic
def export_downloaded(*, export: AuditExport, actor) -> None:
    """Record the download before the file is served."""
    audit_record(
        actor=actor,
        action="audit.export_downloaded",
        target=export,
        details={"sha256": export.file_sha256, "checkpoint": export.checkpoint_number},
    )


class _HashingWriter:
    """Writes to a zip member while hashing and counting the bytes."""

    def __init__(self, handle) -> None:
        self.handle = handle
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.sha256.update(data)
        self.size += len(data)

    def summary(self) -> dict:
        return {"bytes": self.size, "sha256": self.sha256.hexdigest()}


def _member(zf: ZipFile, name: str, data: bytes) -> dict:
    with zf.open(name, "w") as handle:
        writer = _HashingWriter(handle)
        writer.write(data)
    return writer.summary()


def tree_text(compact: CompactRange) -> bytes:
    """tree.txt: the size, then the compact range's hashes in base64, one a line."""
    lines = [str(compact.size)] + [base64.b64encode(h).decode("ascii") for h in compact.hashes]
    return "".join(line + "\n" for line in lines).encode("ascii")


def _range(match: Q, final: AuditCheckpoint):
    """(anchor, end checkpoint) enclosing every matching event up to the final checkpoint."""
    matching = AuditEvent.objects.filter(match, seq__lte=final.size).values_list("seq", flat=True)
    first, last = matching.order_by("seq").first(), matching.order_by("-seq").first()
    if first is None:
        return final, final
    anchor = AuditCheckpoint.objects.filter(size__lt=first).order_by("-number").first()
    end = AuditCheckpoint.objects.filter(size__gte=last).order_by("number").first()
    return anchor, end


def _write_checkpoints(zf: ZipFile, checkpoints) -> tuple[dict, dict]:
    """checkpoints.txt and pubkey.txt: the notes with their witnesses' cosignatures, and every
    key that signed or was announced."""
    keys: list[str] = []
    cosignatures: dict[int, list[str]] = {}
    numbers = list(checkpoints.values_list("number", flat=True))
    for number, line in AuditCosignature.objects.filter(checkpoint_number__in=numbers).values_list(
        "checkpoint_number", "line"
    ):
        cosignatures.setdefault(number, []).append(line)
    with zf.open("checkpoints.txt", "w") as handle:
        writer = _HashingWriter(handle)
        for checkpoint in checkpoints.iterator(chunk_size=CHUNK):
            note = with_cosignatures(checkpoint.note, cosignatures.get(checkpoint.number, []))
            writer.write(join_notes([note]).encode("utf-8"))
            announced = []
            if checkpoint.reason == "rotation":
                try:
                    rotate_to = parse_checkpoint(checkpoint.note).rotate_to
                except NoteError:
                    rotate_to = None
                if rotate_to is not None:
                    announced.append(rotate_to.encode())
            for key in [checkpoint.signer, *announced]:
                if key not in keys:
                    keys.append(key)
    pubkeys = _member(zf, "pubkey.txt", "".join(key + "\n" for key in keys).encode("utf-8"))
    return writer.summary(), pubkeys


def _event_bodies(match: Q, first: int, last: int) -> Iterator[tuple[int, str, str, str, bool]]:
    """(seq, prev_hash, hash, canonical body text, whether the event matches the export's
    filters and scope) for seq first..last, through the ORM (SQLite, or a filter PostgreSQL
    cannot take as one condition)."""
    flag = ExpressionWrapper(match, output_field=BooleanField()) if match else Value(True)
    events = (
        AuditEvent.objects.filter(seq__gte=first, seq__lte=last)
        .annotate(matches=flag)
        .order_by("seq")
        .values_list(*EVENT_COLUMNS, "matches")
    )
    for row in events.iterator(chunk_size=CHUNK):
        line = line_from_row(row[:-1])[0]
        body = canonical_json(line["body"], checked=False).decode("utf-8")
        yield line["seq"], line["prev_hash"], line["hash"], body, bool(row[-1])


def _sql_flag(match: Q) -> tuple[str, list] | None:
    """The export's filter as one SQL condition on the events table (PostgreSQL), or None."""
    if connection.vendor != "postgresql":
        return None
    if not match:
        return "TRUE", []
    query = AuditEvent.objects.filter(match).query
    if len(query.alias_map) > 1:
        return None
    where, params = query.get_compiler(connection=connection).compile(query.where)
    return where, list(params)


# A block of events.jsonl: its bytes, then how many events, matching and redacted it holds.
Block = tuple[bytes, int, int, int]


def _lines(
    bodies: Iterator[tuple[int, str, str, str, bool]], redacted: dict[int, str]
) -> Iterator[Block]:
    """events.jsonl, a block of CHUNK lines at a time: each line's canonical JSON written out
    (keys sorted: body or body_hash, hash, prev_hash, seq) around the body's canonical text;
    an event outside the filter, or redacted, with its body hash only."""
    s, sha256 = _json_string, hashlib.sha256
    lines: list[str] = []
    matching = hidden = 0
    for seq, prev_hash, event_hash, body, matches in bodies:
        kept = redacted.get(seq)  # a redacted event never has its body
        matching += matches
        if not matches or kept is not None:
            digest = kept or sha256(body.encode("utf-8")).hexdigest()
            lines.append(
                f'{{"body_hash":{s(digest)},"hash":{s(event_hash)},'
                f'"prev_hash":{s(prev_hash)},"seq":{int(seq)}}}\n'
            )
            hidden += 1
        else:
            lines.append(
                f'{{"body":{body},"hash":{s(event_hash)},"prev_hash":{s(prev_hash)},'
                f'"seq":{int(seq)}}}\n'
            )
        if len(lines) == CHUNK:
            yield "".join(lines).encode("utf-8"), len(lines), matching, hidden
            lines.clear()
            matching = hidden = 0
    if lines:
        yield "".join(lines).encode("utf-8"), len(lines), matching, hidden


def _stored_blocks(
    first: int, last: int, flag: tuple[str, list], redacted: dict[int, str]
) -> Iterator[Block]:
    """PostgreSQL: events.jsonl for seq first..last, a block per CHUNK events, each line's
    canonical JSON written out (keys sorted) around the body built from the event's stored line
    (audit.stored) without decoding it; an event outside the filter, or redacted, with its body
    hash only. An event whose line cannot be used as it is is read again alone."""
    sha256 = hashlib.sha256
    bodies = Bodies()
    body_of = bodies.body
    extra, params = f", ({flag[0]})", flag[1]
    for rows in line_chunks(first, last, extra=extra, params=params, chunk=CHUNK):
        lines = []
        matching = hidden = 0
        for line, matches in rows:
            parts = line.split(b"\t")
            built = body_of(line, parts) if len(parts) == FIELDS else None
            if built is None:
                seq, prev_hash, event_hash, body, matches = _raw_body(
                    int(line.partition(b"\t")[0]), extra, params
                )
            else:
                body, plain = built
                seq, prev_hash, event_hash = parts[0], parts[1], parts[2]
                if not plain:
                    prev_hash, event_hash = (
                        _escaped(prev_hash.decode()),
                        _escaped(event_hash.decode()),
                    )
            kept = redacted.get(int(seq))  # a redacted event never has its body
            matching += matches
            if not matches or kept is not None:
                digest = kept.encode() if kept else sha256(body).hexdigest().encode()
                lines.append(
                    b'{"body_hash":"%s","hash":"%s","prev_hash":"%s","seq":%s}\n'
                    % (digest, event_hash, prev_hash, seq)
                )
                hidden += 1
            else:
                lines.append(
                    b'{"body":%s,"hash":"%s","prev_hash":"%s","seq":%s}\n'
                    % (body, event_hash, prev_hash, seq)
                )
        yield b"".join(lines), len(rows), matching, hidden


def _raw_body(seq: int, extra: str, params: list) -> tuple[bytes, bytes, bytes, bytes, bool]:
    """(seq, prev_hash, hash as JSON string contents, canonical body, matches) of one event
    read through RAW_SELECT, as exports wrote it before lines."""
    row = raw_row(seq, extra=extra, params=params)
    if row is None:
        raise AuditError(f"event {seq} disappeared during the export")
    roles = canonical_json(json.loads(row[6]), checked=False).decode()
    details = canonical_json(json.loads(row[9]), checked=False).decode()
    body = stored_body_text(row, roles, details).encode()
    return str(int(row[0])).encode(), _escaped(row[1]), _escaped(row[2]), body, bool(row[20])


def _escaped(value: str) -> bytes:
    """A string's JSON text between its quotes."""
    return _json_string(value)[1:-1].encode()


def _stored_block(first: int, last: int, flag: tuple[str, list], redacted: dict) -> Block:
    """PostgreSQL: the lines of seq first..last as one block."""
    blocks = list(_stored_blocks(first, last, flag, redacted))
    return (
        b"".join(block[0] for block in blocks),
        sum(block[1] for block in blocks),
        sum(block[2] for block in blocks),
        sum(block[3] for block in blocks),
    )


def _block_worker(pipe, ranges: list[tuple[int, int]], flag, redacted: dict) -> None:
    """In a forked process: the blocks of its ranges, in order, down its pipe (the counts,
    then the bytes as they are: no pickling of the lines; the pipe bounds how far ahead it
    runs)."""
    try:
        for first, last in ranges:
            block, *counts = _stored_block(first, last, flag, redacted)
            pipe.send(counts)
            pipe.send_bytes(block)
    except Exception as exc:  # the writer fails the export with it
        pipe.send(f"export worker: {exc!r}"[:200])
    finally:
        connection.close()
        pipe.close()


def _parallel_blocks(first: int, last: int, flag: tuple[str, list], redacted: dict, workers: int):
    """The blocks of seq first..last written by `workers` processes side by side (block k by
    process k mod workers), yielded in order."""
    ranges = [
        (low, min(low + PARALLEL_BLOCK - 1, last)) for low in range(first, last + 1, PARALLEL_BLOCK)
    ]
    connections.close_all()  # the forked processes open their own connections
    context = multiprocessing.get_context("fork")
    pipes, processes = [], []
    for k in range(workers):
        reader, writer = context.Pipe(duplex=False)
        with contextlib.suppress(OSError):  # fewer system calls per block where allowed
            fcntl.fcntl(writer.fileno(), F_SETPIPE_SZ, PIPE_SIZE)
        process = context.Process(
            target=_block_worker, args=(writer, ranges[k::workers], flag, redacted), daemon=True
        )
        process.start()
        writer.close()
        pipes.append(reader)
        processes.append(process)
    try:
        for index in range(len(ranges)):
            pipe = pipes[index % workers]
            try:
                counts = pipe.recv()
                if isinstance(counts, str):
                    raise AuditError(counts)
                yield (pipe.recv_bytes(), *counts)
            except EOFError:
                raise AuditError("an export worker stopped before its last block") from None
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
            process.join()
        for pipe in pipes:
            pipe.close()


def _blocks(match: Q, first: int, last: int, redacted: dict[int, str]) -> Iterator[Block]:
    """events.jsonl for seq first..last, block by block. On PostgreSQL, streamed queries in
    which the database writes the JSON and timestamp text and evaluates the filter, without
    the ORM's per-row converters, by several processes for a long range."""
    flag = _sql_flag(match)
    if flag is None:
        yield from _lines(_event_bodies(match, first, last), redacted)
        return
    workers = getattr(settings, "AUDIT_EXPORT_WORKERS", os.cpu_count() or 1)
    threshold = getattr(settings, "AUDIT_EXPORT_PARALLEL_THRESHOLD", 200_000)
    # The workers are other sessions: they cannot see what this transaction has not committed.
    if workers < 2 or last - first + 1 < threshold or connection.in_atomic_block:
        yield from _stored_blocks(first, last, flag, redacted)
        return
    yield from _parallel_blocks(first, last, flag, redacted, workers)


def _write(export: AuditExport, final: AuditCheckpoint, target: Path) -> None:
    filters = EventFilters.from_dict(export.filters)
    match = audit_events_q(scope=export.scope, filters=filters)
    anchor, end = _range(match, final)
    start_seq = anchor.size + 1 if anchor else 1
    first_number = anchor.number if anchor else 1
    checkpoints = AuditCheckpoint.objects.filter(
        Q(number__gte=first_number, number__lte=end.number)
        | Q(number__lt=first_number, reason="rotation")
    ).order_by("number")
    AuditExport.objects.filter(pk=export.pk).update(
        total=max(end.size - start_seq + 1, 0), first_seq=start_seq, last_seq=end.size
    )
    counts = {"events": 0, "matching": 0, "redacted": 0}
    redacted = redactions_in(start_seq, end.size)
    # Level 1: a third of level 6's time on JSON lines, for a slightly larger file.
    with ZipFile(target, "w", compression=ZIP_DEFLATED, compresslevel=1, allowZip64=True) as zf:
        with zf.open("events.jsonl", "w", force_zip64=True) as handle:
            writer = _HashingWriter(handle)
            reported = 0
            for block, events, matching, hidden in _blocks(match, start_seq, end.size, redacted):
                writer.write(block)
                counts["events"] += events
                counts["matching"] += matching
                counts["redacted"] += hidden
                if counts["events"] - reported >= PROGRESS_EVERY:
                    reported = counts["events"]
                    AuditExport.objects.filter(pk=export.pk).update(processed=reported)
        files = {"events.jsonl": writer.summary()}
        files["checkpoints.txt"], files["pubkey.txt"] = _write_checkpoints(zf, checkpoints)
        files["tree.txt"] = _member(zf, "tree.txt", tree_text(compact_range_at(start_seq - 1)))
        max_gap = default_max_gap()
        manifest = {
            "format": EXPORT_FORMAT,
            "version": 2,  # with tree.txt (docs/audit-format.md, section 5)
            "origin": settings.AUDIT_LOG_ORIGIN,
            "export_id": str(export.pk),
            "created_at": timezone.now().isoformat(),
            "requested_by": export.owner.get_username() if export.owner else "",
            "scope": export.scope if export.scope is not None else "all",
            "filters": export.filters,
            "first_seq": start_seq,
            "last_seq": end.size,
            **counts,
            "anchor_checkpoint": anchor.number if anchor else None,
            "final_checkpoint": end.number,
            "export_checkpoint": final.number,
            "checkpoint_max_gap_seconds": int(max_gap.total_seconds()) if max_gap else 0,
            "files": files,
        }
        _member(
            zf, "manifest.json", json.dumps(manifest, indent=2, sort_keys=True).encode() + b"\n"
        )
    AuditExport.objects.filter(pk=export.pk).update(
        processed=counts["events"], matching=counts["matching"], checkpoint_number=end.number
    )


def export_run(*, export_id) -> AuditExport:
    """Write the export's zip; safe to run twice (a finished export is left alone)."""
    export = AuditExport.objects.select_related("owner").get(pk=export_id)
    if export.status == ExportStatus.DONE:
        return export
    export.status, export.started_at = ExportStatus.RUNNING, timezone.now()
    export.file_name = f"audit-export-{export.pk}.zip"
    export.save(update_fields=["status", "started_at", "file_name"])
    directory = export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    partial_path = directory / f".{export.file_name}.partial"
    try:
        final = checkpoint_issue(reason="export")
        checkpoint_submit(final)  # the zip carries the witnesses' cosignatures
        _write(export, final, partial_path)
        os.replace(partial_path, export_path(export))
    except (AuditError, OSError) as exc:
        logger.exception("audit export %s failed", export.pk)
        partial_path.unlink(missing_ok=True)
        AuditExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:200], finished_at=timezone.now()
        )
        export.refresh_from_db()
        return export
    digest = hashlib.sha256()
    with export_path(export).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    AuditExport.objects.filter(pk=export.pk).update(
        status=ExportStatus.DONE,
        finished_at=timezone.now(),
        file_sha256=digest.hexdigest(),
        file_size=export_path(export).stat().st_size,
    )
    export.refresh_from_db()
    return export
