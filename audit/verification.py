"""Verification of the log as stored in the database (`manage.py audit_verify`): the same
checks as the standalone verifier, plus the database's own bookkeeping (columns, head row)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .keys import signing_key
from .models import HEAD_PK, AuditCheckpoint, AuditEvent, ChainHead
from .services import scope_of
from .verifier.chain import ChainVerifier, Report
from .verifier.encoding import format_timestamp
from .verifier.notes import NoteError, VerifierKey, parse_checkpoint, text_hash

CHUNK = 5000
EVENT_COLUMNS = (
    "seq",
    "prev_hash",
    "hash",
    "action",
    "actor_id",
    "actor_is_staff",
    "actor_roles",
    "actor_username",
    "departement_code",
    "details",
    "ip",
    "occurred_at",
    "org_code",
    "outcome",
    "request_id",
    "target_ref",
    "target_type",
    "user_agent",
    "v",
    "scope",
)


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
    (seq, prev_hash, hash_, action, actor_id, is_staff, roles, username, dep, details, ip,
     occurred_at, org_code, outcome, request_id, target_ref, target_type, user_agent, v,
     scope) = row  # fmt: skip
    body = {
        "action": action,
        "actor_id": actor_id,
        "actor_is_staff": is_staff,
        "actor_roles": roles,
        "actor_username": username,
        "departement_code": dep,
        "details": details,
        "ip": ip,
        "occurred_at": format_timestamp(occurred_at),
        "org_code": org_code,
        "outcome": outcome,
        "request_id": request_id,
        "target_ref": target_ref,
        "target_type": target_type,
        "user_agent": user_agent,
        "v": v,
    }
    return {"seq": seq, "prev_hash": prev_hash, "hash": hash_, "body": body}, scope


def _checkpoint_rows() -> list[AuditCheckpoint]:
    return list(AuditCheckpoint.objects.order_by("number"))


def _cross_check(report: Report, rows: list[AuditCheckpoint]) -> None:
    for row in rows:
        try:
            cp = parse_checkpoint(row.note)
        except NoteError:
            continue  # reported by the chain verifier
        columns = (row.number, row.size, row.head_hash, row.prev, row.reason)
        if columns != (cp.number, cp.size, cp.head_hash, cp.prev, cp.reason):
            report.error(f"checkpoint row {row.number}: columns disagree with its signed note")


def verify_database(
    *,
    from_seq: int | None = None,
    to_seq: int | None = None,
    trusted_keys: list[VerifierKey] | None = None,
    max_gap: timedelta | None = None,
    now=None,
) -> Report:
    """Check the chain (or a range widened to the nearest checkpoints) against the signed
    checkpoints, the checkpoint chain, its periodicity and the head row."""
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
    partial = start is not None or end is not None
    verifier = ChainVerifier(
        trusted_keys=trusted,
        candidate_keys=candidates,
        origin=settings.AUDIT_LOG_ORIGIN,
        max_gap=_effective_gap(max_gap),
        now=None if partial else (now or timezone.now()),
        require_from_number_one=True,
        require_purge_anchor=start is None,
        end_seq=end,
    )
    verifier.load_checkpoints([row.note for row in rows])
    report = verifier.report
    _cross_check(report, rows)
    events = AuditEvent.objects.order_by("seq")
    if start is not None:
        events = events.filter(seq__gte=start)
    if end is not None:
        events = events.filter(seq__lte=end)
    for row in events.values_list(*EVENT_COLUMNS).iterator(chunk_size=CHUNK):
        line, scope = line_from_row(row)
        verifier.feed(line)
        body = line["body"]
        if isinstance(body["actor_roles"], list) and scope != scope_of(
            departement_code=body["departement_code"],
            roles=[r for r in body["actor_roles"] if isinstance(r, dict) and "dep" in r],
        ):
            report.error(f"seq {line['seq']}: scope column does not match the event")
    verifier.finish()
    if not partial:
        _check_head(report, rows)
    return report


def _check_head(report: Report, rows: list[AuditCheckpoint]) -> None:
    head = ChainHead.objects.filter(pk=HEAD_PK).first()
    if head is None:
        report.error("the chain head row is missing")
        return
    last = AuditEvent.objects.order_by("-seq").values_list("seq", "hash").first()
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
