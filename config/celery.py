"""Celery application; the schedule is static and only one beat runs."""

import os

from celery import Celery
from celery.signals import worker_init
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("relais")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def load_url_conf(**kwargs) -> None:
    """The e-mails' links are reversed, which loads the URL conf and imports every view: done
    here, before the pool's processes fork from this one, each has it from the start instead
    of loading it on its first task (the system checks load it too, unless CELERY_SKIP_CHECKS)."""
    get_resolver().url_patterns  # noqa: B018 - loads it
