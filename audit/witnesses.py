"""Submitting checkpoints to witnesses (C2SP tlog-witness) and keeping their cosignatures.

Runs outside the append and checkpoint transactions (a Celery task after the checkpoint is
committed): a witness that is down never stops the application; the next submission catches up
with a consistency proof from the last size the witness cosigned."""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .exceptions import AuditError
from .models import AuditCheckpoint, AuditCosignature
from .tree import consistency_proof
from .verifier.notes import NoteError, VerifierKey, parse_note

logger = logging.getLogger("relais.audit")


class WitnessUnavailable(AuditError):
    """At least one witness could not be reached (to be retried)."""


@dataclass(frozen=True)
class WitnessConfig:
    url: str
    key: VerifierKey


@dataclass(frozen=True)
class Submission:
    witness: str
    outcome: str  # cosigned, already, refused, unreachable
    detail: str = ""


def configured_witnesses() -> list[WitnessConfig]:
    return [
        WitnessConfig(
            url=entry["url"].rstrip("/"), key=VerifierKey.parse(entry["key"], cosigner=True)
        )
        for entry in getattr(settings, "AUDIT_WITNESSES", [])
    ]


def witness_keys() -> list[VerifierKey]:
    return [witness.key for witness in configured_witnesses()]


def _last_cosigned_size(key: VerifierKey) -> int:
    numbers = AuditCosignature.objects.filter(witness=key.encode()).values("checkpoint_number")
    size = (
        AuditCheckpoint.objects.filter(number__in=numbers)
        .order_by("-size")
        .values_list("size", flat=True)
        .first()
    )
    return size or 0


def _post(url: str, body: bytes) -> tuple[int, str]:
    request = urllib.request.Request(  # noqa: S310 (the operator configures http(s) URLs)
        f"{url}/add-checkpoint", data=body, method="POST", headers={"Content-Type": "text/plain"}
    )
    timeout = getattr(settings, "AUDIT_WITNESS_TIMEOUT_SECONDS", 5)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, response.read(65536).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(65536).decode("utf-8", "replace")


def _request_body(old: int, checkpoint: AuditCheckpoint) -> bytes:
    proof = consistency_proof(old_size=old, new_size=checkpoint.size)
    lines = [f"old {old}"] + [base64.b64encode(node).decode("ascii") for node in proof]
    return ("\n".join(lines) + "\n\n" + checkpoint.note).encode("utf-8")


def _store(checkpoint: AuditCheckpoint, witness: WitnessConfig, answer: str) -> bool:
    """Keep the witness's valid cosignature lines; ignore any other line."""
    try:
        note = parse_note(checkpoint.note + answer)
    except NoteError:
        return False
    text = parse_note(checkpoint.note).text
    for signature in note.signatures:
        if not signature.line or signature.line not in answer:
            continue
        single = parse_note(text + "\n" + signature.line)
        timestamp = single.cosigned_by(witness.key)
        if timestamp is None:
            continue
        try:
            with transaction.atomic():
                AuditCosignature.objects.create(
                    checkpoint_number=checkpoint.number,
                    witness=witness.key.encode(),
                    timestamp=timestamp,
                    line=signature.line,
                    received_at=timezone.now(),
                )
        except IntegrityError:
            pass  # already stored (a retried submission)
        return True
    return False


def _rotations_unseen_by(witness: WitnessConfig, checkpoint: AuditCheckpoint):
    """The key rotations between what the witness last cosigned and `checkpoint`, oldest first:
    a witness trusts a new log key only once it has cosigned the rotation that announces it."""
    return (
        AuditCheckpoint.objects.filter(
            reason="rotation",
            number__lt=checkpoint.number,
            size__gte=_last_cosigned_size(witness.key),
        )
        .exclude(
            number__in=AuditCosignature.objects.filter(witness=witness.key.encode()).values(
                "checkpoint_number"
            )
        )
        .order_by("number")
    )


def submit_to_witness(checkpoint: AuditCheckpoint, witness: WitnessConfig) -> Submission:
    for rotation in _rotations_unseen_by(witness, checkpoint):
        handed_over = _submit_one(rotation, witness)
        if handed_over.outcome not in ("cosigned", "already"):
            return handed_over
    return _submit_one(checkpoint, witness)


def _submit_one(checkpoint: AuditCheckpoint, witness: WitnessConfig) -> Submission:
    name = witness.key.name
    if AuditCosignature.objects.filter(
        checkpoint_number=checkpoint.number, witness=witness.key.encode()
    ).exists():
        return Submission(name, "already")
    if not checkpoint.root_hash:
        return Submission(name, "refused", "a format-1 checkpoint has no Merkle root")
    old = min(_last_cosigned_size(witness.key), checkpoint.size)
    try:
        status, answer = _post(witness.url, _request_body(old, checkpoint))
        if status == 409 and answer.strip().isdigit():
            # The witness has seen another size: retry once from the size it holds.
            witness_size = int(answer.strip())
            if witness_size <= checkpoint.size:
                status, answer = _post(witness.url, _request_body(witness_size, checkpoint))
    except (OSError, urllib.error.URLError) as exc:
        logger.warning("witness %s unreachable: %s", name, type(exc).__name__)
        return Submission(name, "unreachable", type(exc).__name__)
    if status == 200 and _store(checkpoint, witness, answer):
        return Submission(name, "cosigned")
    logger.error("witness %s refused checkpoint %s: HTTP %s", name, checkpoint.number, status)
    return Submission(name, "refused", f"HTTP {status}: {answer.strip()[:200]}")


def checkpoint_submit(checkpoint: AuditCheckpoint | None = None) -> list[Submission]:
    """Submit a checkpoint (default: the latest) to every configured witness."""
    if checkpoint is None:
        checkpoint = AuditCheckpoint.objects.order_by("-number").first()
    if checkpoint is None:
        return []
    return [submit_to_witness(checkpoint, witness) for witness in configured_witnesses()]


def witnesses_ahead(checkpoint: AuditCheckpoint) -> tuple[list[str], list[str]]:
    """Asks every configured witness whether it holds more than `checkpoint`, the log's latest:
    submitted again with `old` at its own size, it is cosigned again by a witness that holds
    it, and refused with the witness's size by any other (tlog-witness's 409). A size above the
    checkpoint's, or another checkpoint of the same size, proves that checkpoints were removed
    from the database after the witness cosigned them: the owner's fork, caught before the next
    checkpoint is refused. Returns (errors, warnings): a witness behind, or unreachable, is a
    warning (it catches up at the next submission)."""
    errors, warnings = [], []
    body = ("\n".join([f"old {checkpoint.size}"]) + "\n\n" + checkpoint.note).encode("utf-8")
    for witness in configured_witnesses():
        name = witness.key.name
        try:
            status, answer = _post(witness.url, body)
        except (OSError, urllib.error.URLError) as exc:
            warnings.append(f"witness {name} could not be asked ({type(exc).__name__})")
            continue
        held = answer.strip()
        if status == 200:
            continue
        if status == 409 and held.isdigit() and int(held) > checkpoint.size:
            errors.append(
                f"witness {name} has cosigned a log of {int(held)} events, more than the latest "
                f"checkpoint here ({checkpoint.number}, {checkpoint.size} events): checkpoints "
                "were removed after it cosigned them (rolled back)"
            )
        elif status == 409 and held.isdigit() and int(held) == checkpoint.size:
            errors.append(
                f"witness {name} holds another checkpoint of {checkpoint.size} events than "
                f"checkpoint {checkpoint.number} here: the log was forked"
            )
        elif status == 409 and held.isdigit():
            warnings.append(f"witness {name} is behind ({int(held)} events): it catches up")
        else:
            warnings.append(f"witness {name} answered HTTP {status} about the latest checkpoint")
    return errors, warnings
