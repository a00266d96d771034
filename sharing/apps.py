from django.apps import AppConfig
from django.db.backends.signals import connection_created

from .formats import register_collation


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Demandes d'information"

    def ready(self) -> None:
        # The outbox and the ledger publish `sharing.send_reminders` by its registered name
        # (sharing.reminders.broker): every process that may publish it registers the tasks,
        # not only a worker that autodiscovers them. They need the models: here, not above.
        from . import tasks  # noqa: F401

        connection_created.connect(register_collation, dispatch_uid="sharing.collation")
