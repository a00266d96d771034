"""The embedded default: SQLite and a server-less Celery transport, for a first run on a laptop."""

from .base import *  # noqa: F403
from .base import BASE_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-development-only-not-a-secret")

# Without REDIS_URL, the worker and beat talk through files under var/: no server needed.
if not env("REDIS_URL", default=""):
    _broker_dir = BASE_DIR / "var" / "celery-broker"
    # kombu's filesystem transport expects its folders to exist.
    for _folder in (_broker_dir, BASE_DIR / "var" / "celery-processed"):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(BASE_DIR / "var" / "celery-processed"),
        "store_processed": False,
    }

# Every local run signs, with SQLite or with PostgreSQL and Redis: a key file under var/,
# created on first use (DEBUG) or by `manage.py audit_keygen`.
AUDIT_SIGNING_KEY_FILE = env(
    "AUDIT_SIGNING_KEY_FILE", default=str(BASE_DIR / "var" / "audit-signing-key.pem")
)
