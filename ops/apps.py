from django.apps import AppConfig


class OpsConfig(AppConfig):
    """What a hosting team runs the service with: health, metrics, request logs, failures."""

    name = "ops"
    verbose_name = "Operations"
