from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

from .exceptions import AuditError, SigningKeyUnavailable
from .keys import signing_key


def signing_key_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """audit.E001: where a signing key is required (production), it must load."""
    if not getattr(settings, "AUDIT_REQUIRE_SIGNING_KEY", False):
        return []
    try:
        signing_key()
    except SigningKeyUnavailable as exc:
        return [
            checks.Error(
                f"the audit log cannot sign checkpoints: {exc}",
                hint="Set AUDIT_SIGNING_KEY_FILE (or AUDIT_SIGNING_KEY); "
                "`manage.py audit_keygen` creates a key file.",
                id="audit.E001",
            )
        ]
    return []


def first_checkpoint(sender, using="default", **kwargs) -> None:
    """After migrate: a log that has a key but no checkpoint gets its first one at once."""
    # Models and services need the app registry, ready only after this module is loaded.
    from .models import AuditCheckpoint
    from .services import checkpoint_issue

    if (
        using != "default"
        or "audit_auditcheckpoint" not in connections[using].introspection.table_names()
    ):
        return
    try:
        if not AuditCheckpoint.objects.exists():
            checkpoint_issue(reason="start")
    except AuditError:
        return  # no key configured: audit.E001 stops production; elsewhere nothing to sign


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Journal d'audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Signals and tasks need the models; the tasks are registered in every process, since
        # audit.exports publishes `audit.run_export` by its name.
        from . import signals, tasks  # noqa: F401

        signals.connect()
        checks.register(signing_key_check, checks.Tags.security)
        post_migrate.connect(first_checkpoint, sender=self, dispatch_uid="audit.first_checkpoint")
        if getattr(settings, "AUDIT_REQUIRE_SIGNING_KEY", False):
            errors = signing_key_check()
            if errors:
                raise ImproperlyConfigured(errors[0].msg)
