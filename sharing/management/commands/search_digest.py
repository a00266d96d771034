"""The digest the audit log keeps of a search of the requests list (sharing.screening)."""

from django.core.management.base import BaseCommand

from sharing.screening import search_for_audit


class Command(BaseCommand):
    help = (
        "Print what the audit log records of a search of the requests list for these words "
        "(its `q` in request.listed events): look for it to know whether someone searched them."
    )

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="+")

    def handle(self, *args, **options):
        self.stdout.write(search_for_audit(" ".join(options["words"])))
