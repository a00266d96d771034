"""The audit log: an append-only hash chain of events, signed checkpoints, the chain head.

AuditEvent, AuditCheckpoint and ChainHead are `managed = False` once created (see migration
0001): Django's `flush` (run by transactional tests and by hand) must never try to empty the
audit log, whose triggers refuse it. A schema change to them is therefore a hand-written
migration.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .verifier.encoding import FORMAT_VERSION, format_timestamp

HEAD_PK = 1


class AuditEvent(models.Model):
    """One recorded action; `hash` chains it to the previous event (docs/audit-format.md).

    `id` is the order of arrival. `seq`, `prev_hash` and `hash` are None from the moment the
    event is recorded (audit_record, in the caller's transaction) until the sequencer gives
    them (audit.sequencer.audit_sequence: every few seconds, and before every checkpoint,
    verification and export); on SQLite audit_record sequences at once."""

    id = models.BigAutoField(primary_key=True)
    seq = models.BigIntegerField(null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    hash = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    v = models.PositiveSmallIntegerField(default=FORMAT_VERSION)
    occurred_at = models.DateTimeField()
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_is_staff = models.BooleanField(default=False)
    actor_roles = models.JSONField(default=list)
    action = models.CharField(max_length=64)
    outcome = models.CharField(max_length=32, default="ok")
    target_type = models.CharField(max_length=100, blank=True)
    target_ref = models.CharField(max_length=100, blank=True)
    org_code = models.CharField(max_length=40, blank=True)
    departement_code = models.CharField(max_length=3, blank=True)
    # Derived from departement_code and actor_roles, for auditors' scope: ",26,07,".
    scope = models.CharField(max_length=200, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=256, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict)

    class Meta:
        managed = False
        db_table = "audit_auditevent"
        # Not yet sequenced (seq None) last, in their order of arrival.
        ordering = ["seq", "id"]
        verbose_name = _("événement d'audit")
        verbose_name_plural = _("événements d'audit")

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.target_ref}".strip()

    def body(self) -> dict:
        """The hashed content, exactly as docs/audit-format.md section 2 lists it."""
        return {
            "action": self.action,
            "actor_id": self.actor_id,
            "actor_is_staff": self.actor_is_staff,
            "actor_roles": self.actor_roles,
            "actor_username": self.actor_username,
            "departement_code": self.departement_code,
            "details": self.details,
            "ip": self.ip,
            "occurred_at": format_timestamp(self.occurred_at),
            "org_code": self.org_code,
            "outcome": self.outcome,
            "request_id": self.request_id,
            "target_ref": self.target_ref,
            "target_type": self.target_type,
            "user_agent": self.user_agent,
            "v": self.v,
        }

    def line(self) -> dict:
        return {
            "seq": self.seq,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
            "body": self.body(),
        }


class AuditCheckpoint(models.Model):
    """A signed statement "the log had `size` events ending in `head_hash` at `issued_at`"."""

    number = models.BigIntegerField(primary_key=True)
    size = models.BigIntegerField(db_index=True)
    head_hash = models.CharField(max_length=64)
    issued_at = models.DateTimeField(db_index=True)
    prev = models.CharField(max_length=64)
    reason = models.CharField(max_length=16)
    signer = models.CharField(max_length=200)
    note = models.TextField()
    # Hex Merkle root (checkpoint format 2); "" for format-1 checkpoints, issued before it.
    root_hash = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        managed = False
        db_table = "audit_auditcheckpoint"
        ordering = ["number"]
        verbose_name = _("point de contrôle signé")
        verbose_name_plural = _("points de contrôle signés")

    def __str__(self) -> str:
        return f"checkpoint {self.number} (size {self.size})"


class ChainHead(models.Model):
    """The single row locked by the sequencer and by checkpoints (never by audit_record): last
    sequenced seq and hash, the tree's compact range, last checkpoint, current key."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=HEAD_PK)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    # Unused since the sequencer (migration 0008); was scratch space for the locked append.
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    checkpoint_number = models.BigIntegerField(default=0)
    checkpoint_hash = models.CharField(max_length=64)
    signer = models.CharField(max_length=200, blank=True)
    # The Merkle tree: how many events it holds and its compact range (hex hashes, comma
    # separated, largest subtree first), advanced by the sequencer with the chain.
    tree_size = models.BigIntegerField(default=0)
    tree_range = models.TextField(blank=True, default="")

    class Meta:
        managed = False
        db_table = "audit_chainhead"

    def __str__(self) -> str:
        return f"head {self.seq}"


class AuditCosignature(models.Model):
    """A witness's tlog-cosignature/v1 line over one checkpoint (append-only)."""

    checkpoint_number = models.BigIntegerField()
    witness = models.CharField(max_length=300)  # the witness's verifier key
    timestamp = models.BigIntegerField()
    line = models.TextField()
    received_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "audit_cosignature"
        ordering = ["checkpoint_number", "witness"]

    def __str__(self) -> str:
        return f"cosignature of checkpoint {self.checkpoint_number}"


class AuditRedaction(models.Model):
    """An event whose personal fields were removed on an auditor's authorisation; its body
    hash is kept here, so that its link, leaf and checkpoints still verify (append-only)."""

    seq = models.BigIntegerField(primary_key=True)
    body_hash = models.CharField(max_length=64)
    authorisation = models.CharField(max_length=100)
    auditor_id = models.BigIntegerField(null=True, blank=True)
    auditor_username = models.CharField(max_length=150)
    redacted_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "audit_redaction"
        ordering = ["seq"]

    def __str__(self) -> str:
        return f"redaction of #{self.seq}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("En attente")
    RUNNING = "running", _("En cours")
    DONE = "done", _("Terminé")
    FAILED = "failed", _("Échec")


class AuditExport(models.Model):
    """An auditor's export: filters and scope frozen at request time, progress, the zip file."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_exports",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default="pending")
    # None: every event; otherwise the départements the owner may see.
    scope = models.JSONField(null=True, blank=True)
    filters = models.JSONField(default=dict)
    total = models.BigIntegerField(default=0)
    processed = models.BigIntegerField(default=0)
    matching = models.BigIntegerField(default=0)
    first_seq = models.BigIntegerField(null=True, blank=True)
    last_seq = models.BigIntegerField(null=True, blank=True)
    checkpoint_number = models.BigIntegerField(null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    file_size = models.BigIntegerField(default=0)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export d'audit")
        verbose_name_plural = _("exports d'audit")

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"

    @property
    def progress(self) -> int:
        """Percentage of the exported range written so far."""
        if self.status == ExportStatus.DONE:
            return 100
        return min(99, self.processed * 100 // self.total) if self.total else 0
