"""Verify the audit chain in the database against its signed checkpoints."""

from datetime import timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from audit.exceptions import AuditError
from audit.models import AuditCheckpoint, AuditEvent
from audit.sequencer import audit_sequence
from audit.verification import verify_database
from audit.verifier.notes import NoteError, parse_checkpoint, read_keys, read_known
from audit.witnesses import witnesses_ahead


def seq_bound(value: str | None, *, upper: bool) -> int | None:
    """A seq number, or an ISO date/datetime turned into the first (last) seq at/before it."""
    if value is None:
        return None
    if value.isascii() and value.isdigit():
        return int(value)
    moment = parse_datetime(value if "T" in value or " " in value else f"{value}T00:00:00Z")
    if moment is None:
        raise CommandError(f"--from/--to take a seq number or an ISO date: {value!r}")
    events = AuditEvent.objects.order_by("seq")
    if upper:
        seq = events.filter(occurred_at__lte=moment).values_list("seq", flat=True).last()
        return seq or 0
    seq = events.filter(occurred_at__gte=moment).values_list("seq", flat=True).first()
    return seq if seq is not None else events.values_list("seq", flat=True).last() or 1


class Command(BaseCommand):
    help = "Verify the audit hash chain, its signed checkpoints and their periodicity."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from_", help="seq number or ISO date")
        parser.add_argument("--to", help="seq number or ISO date")
        parser.add_argument(
            "--pubkey",
            action="append",
            default=[],
            help="trusted log key: a file (one key a line) or the key itself; repeatable "
            "(default: the configured signing key's)",
        )
        parser.add_argument(
            "--known-checkpoint",
            action="append",
            default=[],
            help="a checkpoint kept from before (file of notes); repeatable",
        )
        parser.add_argument(
            "--witness-key",
            action="append",
            default=[],
            help="trusted witness key (file or key, repeatable; default: AUDIT_WITNESSES)",
        )
        parser.add_argument(
            "--witness-quorum",
            type=int,
            help="cosignatures required on the latest checkpoint (default AUDIT_WITNESS_QUORUM)",
        )
        parser.add_argument(
            "--incremental",
            metavar="STATE_FILE",
            help="verify only the events after the checkpoint that the previous successful run "
            "recorded in this file (everything when the file does not exist yet), then record "
            "the latest checkpoint verified; checkpoints and head are always checked in full",
        )
        parser.add_argument(
            "--offline",
            action="store_true",
            help="do not ask the configured witnesses (AUDIT_WITNESSES) whether they hold more "
            "than the latest checkpoint here, which shows checkpoints removed from the database",
        )
        parser.add_argument(
            "--max-gap",
            type=int,
            help="seconds allowed between checkpoints, 0 to skip the check "
            "(default AUDIT_CHECKPOINT_MAX_GAP_SECONDS)",
        )

    def handle(self, *args, **options):
        try:
            # Events recorded but not yet sequenced are chained first, so that they are checked.
            audit_sequence()
        except AuditError as exc:
            self.stderr.write(f"the sequencer could not run: {exc}")
        try:
            keys = read_keys(options["pubkey"])
            witness_keys = read_keys(options["witness_key"], cosigner=True)
            known = read_known(options["known_checkpoint"])
        except (OSError, UnicodeDecodeError, NoteError) as exc:
            raise CommandError(f"a key or checkpoint option: {exc}") from exc
        if witness_keys and options["witness_quorum"] is not None and options["witness_quorum"] < 1:
            raise CommandError("--witness-quorum is at least 1 with --witness-key")
        state = Path(options["incremental"]) if options["incremental"] else None
        since = None
        if state is not None and state.exists():
            if options["from_"] or options["to"]:
                raise CommandError("--incremental starts where the last run ended: no --from/--to")
            try:
                since = state.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise CommandError(f"--incremental: {exc}") from exc
        try:
            report = verify_database(
                since_checkpoint=since,
                known_checkpoints=known,
                witness_keys=witness_keys or None,
                witness_quorum=options["witness_quorum"],
                from_seq=seq_bound(options["from_"], upper=False),
                to_seq=seq_bound(options["to"], upper=True),
                trusted_keys=keys,
                max_gap=None
                if options["max_gap"] is None
                else timedelta(seconds=options["max_gap"]),
            )
        except AuditError as exc:
            raise CommandError(str(exc)) from exc
        latest = AuditCheckpoint.objects.order_by("-number").first()
        if latest is not None and not options["offline"]:
            errors, warnings = witnesses_ahead(latest)
            for error in errors:
                report.error(error)
            report.warnings.extend(warnings)
        for line in report.lines():
            self.stdout.write(line)
        if not report.ok:
            raise CommandError("the audit log failed verification")
        if state is not None and report.verified_checkpoint:
            partial = state.with_name(state.name + ".partial")
            partial.write_text(report.verified_checkpoint, encoding="utf-8")
            partial.replace(state)
            verified = parse_checkpoint(report.verified_checkpoint)
            self.stdout.write(
                f"verified through checkpoint {verified.number} (size {verified.size}): the "
                "next --incremental run starts after it"
            )
