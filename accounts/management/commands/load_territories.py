"""`manage.py load_territories [--only-departements 26,62,07]`: the INSEE extract, idempotently."""

import time

from django.core.management.base import BaseCommand, CommandError

from accounts.territories import TerritoryDataError, territories_load


class Command(BaseCommand):
    help = (
        "Loads the départements (one prefecture each) and the communes of the INSEE extract "
        "in accounts/data/ into organisations. Idempotent: a second run changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--only-departements",
            metavar="CODES",
            default="",
            help="Comma-separated département codes to load (e.g. 26,62,07); all by default.",
        )

    def handle(self, *args, only_departements: str = "", **options):
        codes = [code for code in only_departements.split(",") if code.strip()] or None
        started = time.monotonic()
        try:
            result = territories_load(departements=codes)
        except TerritoryDataError as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"Prefectures: {result.prefectures_created} created, "
            f"{result.prefectures_updated} updated, {result.prefectures_total} in the extract.\n"
            f"Communes: {result.communes_created} created, "
            f"{result.communes_updated} updated, {result.communes_total} in the extract.\n"
            f"Done in {elapsed:.1f} s."
        )
