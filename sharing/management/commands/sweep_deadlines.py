"""`manage.py sweep_deadlines`: the sweep Celery beat runs, by hand."""

from django.core.management.base import BaseCommand

from sharing.reminders import ledger


class Command(BaseCommand):
    help = (
        "Applies the expiry policy, writes the reminders that fell due and enqueues the ones "
        "owed now: the same sweep as the periodic task sharing.sweep_deadlines. Safe to run "
        "beside beat; a worker sends what it enqueues."
    )

    def handle(self, *args, **options):
        report = ledger.sweep()
        self.stdout.write(
            "expired {expired}, reminders written {reminders}, digests written {digests}, "
            "enqueued {enqueued}".format(**report)
        )
