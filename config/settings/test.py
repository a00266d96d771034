"""Tests: PostgreSQL and Redis when DATABASE_URL/REDIS_URL are set (CI), SQLite otherwise."""

from .base import *  # noqa: F403
from .base import POSTGRESQL_ENGINE, env

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
AUDIT_SIGNING_KEY = env("AUDIT_SIGNING_KEY", default="")
AUDIT_SIGNING_KEY_FILE = ""
AUDIT_CHECKPOINT_FILE = ""
AUDIT_WITNESSES = []
AUDIT_WITNESS_QUORUM = 0
# whitenoise walks STATIC_ROOT each time its middleware is built, which every test's client
# does: once `collectstatic` has filled it (the production stack's step in CI, a hosting
# team's build), its 7,000 files cost about 0.3 s a test and doubled the suite on PostgreSQL
# (9 min 02 s against 4 min 19 s). The tests serve no collected file: looked up when asked.
WHITENOISE_AUTOREFRESH = True
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"auth": "1000/min"}}  # noqa: F405
# Most tests sign in with force_login/force_authenticate and act at once; the tests of the
# second factor and of step-up (tests/accounts/test_mfa*.py, test_step_up.py) turn both on.
RELAIS_MFA_ENFORCED = env.bool("RELAIS_MFA_ENFORCED", default=False)
RELAIS_STEP_UP_SECONDS = 0

# A test's commits need not survive a crash of the machine: on PostgreSQL they do not wait for
# the write-ahead log to reach the disk (about 3.7 ms a commit on a machine of CI's kind,
# 0.02 ms without), which the live server of the browser tests, the transactional tests and
# the real-worker tests pay at every commit. Nothing else changes: a commit is still atomic and
# seen by every other connection at once. The benchmarks that borrow these settings keep
# production's durable commits (RELAIS_DURABLE_COMMITS=1), or their rates would not be its own.
_default = DATABASES["default"]  # noqa: F405
if (
    _default["ENGINE"] == POSTGRESQL_ENGINE
    and "options" in _default.get("OPTIONS", {})
    and not env.bool("RELAIS_DURABLE_COMMITS", default=False)
):
    _default["OPTIONS"]["options"] += " -c synchronous_commit=off"

# …and a flush after a test that commits deletes rows instead of truncating tables
# (tests/postgresql_backend: 0.015 s a flush instead of 0.55).
if _default["ENGINE"] == POSTGRESQL_ENGINE:
    _default["ENGINE"] = "tests.postgresql_backend"
