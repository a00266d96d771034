"""Issue a signed checkpoint now and print it."""

from django.core.management.base import BaseCommand, CommandError

from audit.exceptions import AuditError
from audit.services import checkpoint_issue


class Command(BaseCommand):
    help = "Sign the current head of the audit chain (as Celery beat does periodically)."

    def handle(self, *args, **options):
        try:
            checkpoint = checkpoint_issue(reason="manual")
        except AuditError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(checkpoint.note, ending="")
