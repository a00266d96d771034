"""Announce a new signing key in a checkpoint signed by the current key and the new one."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from audit.exceptions import AuditError
from audit.keys import load_key_file
from audit.services import signing_key_rotate
from audit.tasks import submit_to_witnesses


class Command(BaseCommand):
    help = (
        "Rotate the audit signing key. Afterwards configure the new key: the old one can no "
        "longer sign checkpoints."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-key-file", required=True)

    def handle(self, *args, **options):
        try:
            new_key = load_key_file(Path(options["new_key_file"]))
            checkpoint = signing_key_rotate(new_key=new_key)
        except AuditError as exc:
            raise CommandError(str(exc)) from exc
        # The witnesses learn the new key from this checkpoint, signed by both keys (a later
        # submission hands it to any witness that missed it).
        submit_to_witnesses.delay(checkpoint.number)
        self.stdout.write(checkpoint.note, ending="")
        self.stderr.write(
            "Now point AUDIT_SIGNING_KEY_FILE (or AUDIT_SIGNING_KEY) at the new key and restart "
            "the workers; give auditors the new verifier key: " + new_key.verifier.encode()
        )
