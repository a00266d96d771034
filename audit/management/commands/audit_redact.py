"""Redact one event's personal fields on an auditor's authorisation."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.exceptions import AuditError
from audit.redaction import audit_redact


class Command(BaseCommand):
    help = (
        "Remove an audit event's personal fields (details, user agent, IP, request id, "
        "username, roles), keeping its body hash: the chain, the tree, the checkpoints and "
        "exports still verify. Authorised by an auditor's request."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seq", type=int, required=True, help="the event to redact")
        parser.add_argument(
            "--authorisation",
            required=True,
            help="reference of the auditor's request that authorises it (kept in the log)",
        )
        parser.add_argument(
            "--auditor", required=True, help="username of the auditor who made the request"
        )

    def handle(self, *args, seq, authorisation, auditor, **options):
        user = get_user_model().objects.filter(username=auditor).first()
        if user is None:
            raise CommandError("no such auditor account")
        try:
            redaction = audit_redact(seq=seq, authorisation=authorisation, auditor=user)
        except AuditError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"event {redaction.seq} redacted; body hash {redaction.body_hash} kept")
