"""Write an export zip from the command line (every event in scope, as the system)."""

import shutil
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from audit.exports import export_path, export_run
from audit.models import AuditExport, ExportStatus
from audit.selectors import EventFilters
from audit.services import audit_record


class Command(BaseCommand):
    help = "Export the audit log (or a filtered view of it) to a verifiable zip."

    def add_arguments(self, parser):
        parser.add_argument("output", help="where to write the zip")
        parser.add_argument("--from", dest="date_from", help="ISO datetime, inclusive")
        parser.add_argument("--to", dest="date_to", help="ISO datetime, exclusive")
        parser.add_argument("--user", default="")
        parser.add_argument("--organization", default="")
        parser.add_argument("--action", default="")
        parser.add_argument("--reference", default="")
        parser.add_argument("--departement", action="append", help="limit to a département scope")

    def handle(self, *args, **options):
        moments = {}
        for name in ("date_from", "date_to"):
            if options[name]:
                moments[name] = parse_datetime(options[name])
                if moments[name] is None or moments[name].tzinfo is None:
                    raise CommandError(f"--{name[5:]} takes an ISO datetime with a time zone")
        filters = EventFilters(
            user=options["user"],
            organization=options["organization"],
            action=options["action"],
            reference=options["reference"],
            **moments,
        )
        with transaction.atomic():
            export = AuditExport.objects.create(
                owner=None, scope=options["departement"], filters=filters.as_dict()
            )
            audit_record(
                actor=None,
                action="audit.export_requested",
                target=export,
                details={"filters": filters.as_dict(), "command": True},
            )
        export = export_run(export_id=export.pk)
        if export.status != ExportStatus.DONE:
            raise CommandError(f"export failed: {export.error}")
        shutil.copyfile(export_path(export), Path(options["output"]))
        self.stdout.write(
            f"{options['output']}: events {export.first_seq}..{export.last_seq}, "
            f"{export.matching} matching, checkpoint {export.checkpoint_number}"
        )
