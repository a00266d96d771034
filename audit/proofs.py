"""Proofs for auditors: "this event was recorded, at this position, in the log the witnesses
cosigned" (docs/audit-format.md, section 4.6)."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from django.db import transaction

from .models import AuditCheckpoint, AuditCosignature, AuditEvent
from .redaction import redacted_line, redactions_in
from .selectors import EventFilters, audit_events_visible_to
from .services import audit_record
from .tree import ProofUnavailable, inclusion_proof
from .verifier.merkle import event_leaf
from .verifier.notes import with_cosignatures


@dataclass(frozen=True)
class EventNotVisible(Exception):
    seq: int


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def cosigned_note(checkpoint: AuditCheckpoint) -> str:
    lines = AuditCosignature.objects.filter(checkpoint_number=checkpoint.number).values_list(
        "line", flat=True
    )
    return with_cosignatures(checkpoint.note, list(lines))


@transaction.atomic
def event_proof(*, user, seq: int, checkpoint_number: int | None = None) -> dict:
    """The event (as the export would give it), its leaf and its inclusion proof in a signed,
    cosigned checkpoint; the read is recorded in the same transaction.

    Raises EventNotVisible (outside the asker's scope or missing: the same answer) and
    ProofUnavailable (no checkpoint covers it yet, or the checkpoint asked does not)."""
    event = audit_events_visible_to(user=user, filters=EventFilters()).filter(seq=seq).first()
    if event is None:
        audit_record(
            actor=user,
            action="permission.denied",
            outcome="not_found",
            details={"resource": "audit.proof", "seq": seq},
        )
        raise EventNotVisible(seq)
    checkpoints = AuditCheckpoint.objects.exclude(root_hash="").filter(size__gte=seq)
    if checkpoint_number is None:
        checkpoint = checkpoints.order_by("-number").first()
    else:
        checkpoint = checkpoints.filter(number=checkpoint_number).first()
    if checkpoint is None:
        raise ProofUnavailable(
            "no Merkle checkpoint covers this event yet"
            if checkpoint_number is None
            else f"checkpoint {checkpoint_number} does not cover this event"
        )
    proof = inclusion_proof(seq=seq, size=checkpoint.size)
    audit_record(
        actor=user,
        action="audit.proof_viewed",
        details={"seq": seq, "checkpoint": checkpoint.number},
    )
    return {
        "seq": seq,
        "leaf_index": seq - 1,
        "tree_size": checkpoint.size,
        "event": event_line(event),
        "leaf_hash": _b64(event_leaf(event.hash)),
        "inclusion_proof": [_b64(node) for node in proof],
        "checkpoint_number": checkpoint.number,
        "checkpoint": cosigned_note(checkpoint),
    }


def event_line(event: AuditEvent) -> dict:
    """The export line of one stored event (redacted: its kept body hash, no body)."""
    digest = redactions_in(event.seq, event.seq).get(event.seq)
    return event.line() if digest is None else redacted_line(event, digest)
