"""Settings of the worker processes (and `manage.py` subprocesses) the integration tests start:
the pytest run's test database, the tests' private Redis, a mail backend that appends to a
file every process shares, and no quiet hours (a test cannot choose the hour it runs at)."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

SECRET_KEY = "integration-worker-only-not-a-secret"
DATABASES = {"default": env.db("RELAIS_IT_DATABASE_URL")}
CELERY_BROKER_URL = env("RELAIS_IT_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = env("EMAIL_BACKEND", default="sharing.mail_backends.JsonLinesEmailBackend")
EMAIL_JSONL_PATH = env("EMAIL_JSONL_PATH")
REMINDER_WORKING_HOURS = None
REMINDER_CLAIM_LEASE_SECONDS = env.int("REMINDER_CLAIM_LEASE_SECONDS", default=5)
REMINDER_REQUEUE_SECONDS = env.int("REMINDER_REQUEUE_SECONDS", default=2)
AUDIT_SIGNING_KEY = ""
AUDIT_SIGNING_KEY_FILE = ""
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
