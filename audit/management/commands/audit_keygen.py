"""Create the local audit signing key file if it is missing, and print its public key."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.keys import key_name, load_key_file, signing_key, write_new_key


class Command(BaseCommand):
    help = "Create the Ed25519 audit signing key file if missing; print the verifier key."

    def add_arguments(self, parser):
        parser.add_argument(
            "--output",
            help="write a new key to this path instead of AUDIT_SIGNING_KEY_FILE "
            "(for a rotation: audit_rotate_key --new-key-file PATH)",
        )

    def handle(self, *args, **options):
        if options["output"]:
            path = Path(options["output"])
            if path.exists():
                raise CommandError(f"{path.name} exists; refusing to overwrite a key")
            write_new_key(path)
            self.stdout.write(load_key_file(path, name=key_name()).verifier.encode())
            return
        if settings.AUDIT_SIGNING_KEY:
            self.stdout.write(signing_key().verifier.encode())
            return
        if not settings.AUDIT_SIGNING_KEY_FILE:
            raise CommandError("set AUDIT_SIGNING_KEY_FILE (or AUDIT_SIGNING_KEY)")
        path = Path(settings.AUDIT_SIGNING_KEY_FILE)
        if not path.exists():
            write_new_key(path)
            self.stderr.write("created a new audit signing key file")
        self.stdout.write(load_key_file(path).verifier.encode())
