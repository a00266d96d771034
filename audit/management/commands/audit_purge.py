"""Delete audit events older than the retention period, behind a signed purge checkpoint."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils import timezone

from audit.exceptions import AuditError
from audit.services import audit_purge, purge_cut


class Command(BaseCommand):
    help = (
        "Purge events older than AUDIT_RETENTION_DAYS (default 365) up to the last checkpoint "
        "before that date; on PostgreSQL, months entirely behind it are dropped as partitions. "
        "Needs the audit tables' owner (run with the owner's DATABASE_URL)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="retention in days (default: the setting)")
        parser.add_argument(
            "--yes", action="store_true", help="really delete (otherwise only say what would go)"
        )

    def handle(self, *args, **options):
        days = options["days"] or getattr(settings, "AUDIT_RETENTION_DAYS", 365)
        before = timezone.now() - timedelta(days=days)
        if not options["yes"]:
            self.stdout.write(f"would purge events up to seq {purge_cut(before=before)}; add --yes")
            return
        try:
            result = audit_purge(before=before)
        except (AuditError, DatabaseError) as exc:
            raise CommandError(f"purge refused: {exc}") from exc
        dropped = len(result.dropped_partitions)
        self.stdout.write(
            f"purged {result.deleted} events ({dropped} monthly partitions dropped); "
            f"the log now starts at seq {result.purged_to + 1}"
        )
