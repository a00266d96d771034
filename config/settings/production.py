"""Production: every secret from the environment, no defaults, secure transport only."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import (
    AXES_ENABLED,
    RELAIS_DEMO_SKIP_MFA,
    RELAIS_MFA_ENFORCED,
    RELAIS_MFA_REQUIRED_ROLES,
    RELAIS_STEP_UP_SECONDS,
    access_problems,
    behind_pooler,
    database,
    env,
    replica_database,
)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set in production.")

DEBUG = False
# No signing key, no start: the audit log is never written unsigned (audit.apps, audit.E001).
AUDIT_REQUIRE_SIGNING_KEY = True
DATABASES = {"default": database(env.db("DATABASE_URL"))}
CELERY_BROKER_URL = env("REDIS_URL")
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Operations: connections, static files, logs --------------------------------------------
# Persistent connections, checked before each request reuses them: a database restart costs
# a reconnection, not an error (and a request caught by it answers 503 with Retry-After, see
# ops.views.server_error). Behind a transaction-mode pooler (pgbouncer), DATABASE_POOLER=1:
# no persistent connections to the pooler and no server-side cursors, which do not survive
# from one transaction to the next there.
DATABASE_POOLER = env.bool("DATABASE_POOLER", default=False)
if DATABASE_POOLER:
    behind_pooler(DATABASES["default"])
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", 600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if replica_database():
    DATABASES["replica"] = {
        **replica_database(),
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": DATABASES["default"]["CONN_HEALTH_CHECKS"],
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="json")  # noqa: F405
LOGGING["loggers"]["relais.requests"]["level"] = env("REQUEST_LOG_LEVEL", default="INFO")  # noqa: F405
LOGGING["root"]["level"] = env("LOG_LEVEL", default="INFO")  # noqa: F405
# Celery's processes log through the same configuration (JSON lines) instead of their own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# The manifest storage rewrites the DSFR stylesheets' url() references to the hashed file
# names, so their bytes no longer match the checksums django-dsfr puts in `integrity`, and a
# browser would refuse them. They are served from this origin, by this application.
DSFR_USE_INTEGRITY_CHECKSUMS = False
# No production without the second factor, step-up and lockout.
_access_problems = access_problems(
    mfa_enforced=RELAIS_MFA_ENFORCED,
    demo_skip_mfa=RELAIS_DEMO_SKIP_MFA,
    required_roles=RELAIS_MFA_REQUIRED_ROLES,
    step_up_seconds=RELAIS_STEP_UP_SECONDS,
    lockout_enabled=AXES_ENABLED,
)
if _access_problems:
    raise ImproperlyConfigured(" ".join(_access_problems))
# ProConnect, when configured, needs its secret and an HTTPS provider.
if PROCONNECT_CLIENT_ID:  # noqa: F405
    if not PROCONNECT_CLIENT_SECRET:  # noqa: F405
        raise ImproperlyConfigured("PROCONNECT_CLIENT_SECRET must be set with the client id.")
    if any(not origin.startswith("https://") for origin in PROCONNECT_ORIGINS):  # noqa: F405
        raise ImproperlyConfigured("ProConnect's URLs must use HTTPS in production.")
# Behind the platform's router: the client address is the last hop it added to
# X-Forwarded-For (the audit log's `ip`); the origins it serves the site under.
AUDIT_TRUSTED_PROXY_COUNT = env.int("AUDIT_TRUSTED_PROXY_COUNT", default=1)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The mail relay (EMAIL_BACKEND defaults to SMTP here).
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
