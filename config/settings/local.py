"""The embedded default: SQLite and a server-less Celery transport, for a first run on a laptop."""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")

# Where the embedded default keeps its files (broker, signing key, checkpoints, exports,
# e-mails).
VAR_DIR = Path(env("RELAIS_VAR_DIR", default=str(BASE_DIR / "var")))

# Without REDIS_URL, the worker and beat talk through files under var/: no server needed.
if not env("REDIS_URL", default=""):
    _broker_dir = VAR_DIR / "celery-broker"
    # kombu's filesystem transport expects its folders to exist. Its control folder (the
    # exchanges' bindings) is `control/` in the working directory unless set: under var/ too.
    for _folder in (_broker_dir, VAR_DIR / "celery-processed", VAR_DIR / "celery-control"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery-processed"),
        "control_folder": str(VAR_DIR / "celery-control"),
        "store_processed": False,
    }

# Every local run signs, with SQLite or with PostgreSQL and Redis: a key file under var/,
# created on first use (DEBUG) or by `manage.py audit_keygen`.
AUDIT_SIGNING_KEY_FILE = env(
    "AUDIT_SIGNING_KEY_FILE", default=str(VAR_DIR / "audit-signing-key.pem")
)

# The static files served by whitenoise, as in production, but from the apps' folders: no
# `collectstatic` before a first run (the demo's runserver serves none itself: dev.py).
WHITENOISE_USE_FINDERS = True

# The checkpoints' copy outside the database and the exports' files: under var/ too.
AUDIT_CHECKPOINT_FILE = env("AUDIT_CHECKPOINT_FILE", default=str(VAR_DIR / "audit-checkpoints.txt"))
AUDIT_EXPORT_DIR = env("AUDIT_EXPORT_DIR", default=str(VAR_DIR / "exports"))

# E-mails go to a file, one JSON object a line, that the web app, the worker and beat share
# (and that can tell which messages it already holds, so a retried send is not written twice).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="sharing.mail_backends.JsonLinesEmailBackend")
EMAIL_JSONL_PATH = env("EMAIL_JSONL_PATH", default=str(VAR_DIR / "mail.jsonl"))
