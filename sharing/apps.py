from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "sharing"
    verbose_name = "Demandes d'information"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .formats import register_collation

        connection_created.connect(register_collation, dispatch_uid="sharing.collation")
