"""Settings shared by every environment; the environment overrides through django-environ."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit as _urlsplit

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "widget_tweaks",
    "dsfr",
    "csp",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_otp_webauthn",
    "accounts",
    "audit",
    "sharing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.api.InputGuardMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "audit.middleware.RequestContextMiddleware",
    # After the audit context (its events carry the client's address), before the views.
    "accounts.middleware.NoStoreMiddleware",
    "accounts.middleware.SessionLifetimeMiddleware",
    "accounts.middleware.SecondFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "sharing.context_processors.navigation",
            ],
        },
    },
]


POSTGRESQL_ENGINE = "config.postgresql"
# psycopg's threshold of executions after which it prepares a statement: never of its own accord,
# only where the code asks (the audit log's appends, audit/cursors.py). Django's default, None,
# prepares nothing even then; a transaction-mode pooler needs it (`behind_pooler`).
PREPARE_WHEN_ASKED = 2**62


def database(config: dict) -> dict:
    """The database settings every environment shares. On PostgreSQL, JIT compilation is
    turned off for the application's connections: the planner's cost estimates for the
    visibility-filtered lists over 100,000 requests cross the JIT thresholds, and compiling
    costs more than running them (a prefecture's list of all requests: 540 ms with JIT, 115 ms
    without; bench/pages_bench.py). Statements are prepared where the code asks
    (`PREPARE_WHEN_ASKED`)."""
    if config.get("ENGINE", "").startswith("django.db.backends.postgresql"):
        # Django's backend, with a health check that asks the server only when the
        # connection's socket says it was ended (config/postgresql).
        config["ENGINE"] = POSTGRESQL_ENGINE
    if config.get("ENGINE") == POSTGRESQL_ENGINE:
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
        options.setdefault("prepare_threshold", PREPARE_WHEN_ASKED)
    if config.get("ENGINE", "") == "django.db.backends.sqlite3":
        config.setdefault("OPTIONS", {}).update(sqlite_options())
    return config


def behind_pooler(config: dict) -> dict:
    """A PostgreSQL connection through a transaction-mode pooler (pgbouncer), as
    DATABASE_POOLER=true asks: no persistent connection to the pooler and no health checks of
    it, no server-side cursors and no prepared statements (they do not survive from one
    transaction to the next there), and no `options` startup parameter, which pgbouncer
    refuses (JIT is turned off for the role on the server instead: `ALTER ROLE … SET jit = off`,
    docs/deployment.md)."""
    config["CONN_MAX_AGE"] = 0
    config["CONN_HEALTH_CHECKS"] = False
    config["DISABLE_SERVER_SIDE_CURSORS"] = True
    config["OPTIONS"] = {
        k: v
        for k, v in config.get("OPTIONS", {}).items()
        if k not in {"options", "prepare_threshold"}
    }
    return config


def sqlite_options() -> dict:
    """The embedded default shared by the web app, the worker and beat: WAL lets readers and
    the one writer go on together; every transaction takes the write lock when it begins
    (IMMEDIATE), so that two transactions that read and then write wait for each other within
    the busy timeout instead of failing with `database is locked` (a deferred transaction
    that upgrades its read lock cannot wait: SQLite refuses it at once)."""
    return {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": env.float("SQLITE_BUSY_TIMEOUT", default=20.0),
    }


DATABASES = {
    "default": database(env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses an attempt while the account or the client address is locked out.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
    # Answers only the ProConnect callback (accounts/views_proconnect.py).
    "accounts.oidc.ProConnectBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row, nobody anonymous gets anything

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.PersonalTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "config.api.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "config.parsers.JSONParser",
        "config.parsers.FormParser",
        "config.parsers.MultiPartParser",
    ],
    # JSON only: DRF's browsable API answered HTML to a browser's Accept header, and its
    # filter form read a queryset some views do not have (a 500 for auditors). The schema and
    # the docs pages set their own renderers.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Relais API",
    "DESCRIPTION": "Inter-agency information-sharing requests: status, never substance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.document_generic_responses",
        "sharing.openapi.link_request_lifecycle",
    ],
    "ENUM_NAME_OVERRIDES": {
        "DeliveryChannelEnum": "sharing.models.DeliveryChannel",
        "AgreementStatusEnum": "sharing.models.AgreementStatus",
        "ResolutionEnum": "sharing.models.Resolution",
        "InfoStatusEnum": "sharing.models.Status",
    },
}

# Celery: Redis in production and CI; the local settings swap in a server-less transport.
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
# A Redis that stops answering must not hang a web request or a worker: every socket has a
# deadline (kombu's Redis transport reads these options, not broker_connection_timeout), and
# publishing is tried once (sharing.reminders.enqueue); the rows wait in the database. A
# worker that lost its broker reconnects with backoff for as long as the outage lasts.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=4.0)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=10.0),
    "socket_keepalive": True,
}
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="relais@localhost")
# Seconds per SMTP socket operation: a dead mail server fails the send (retried with backoff)
# well within the send task's time limit, instead of holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
# Who runs this installation, for the legal notice and the personal-data page (footer links):
# the publishing administration, the host, and an address for accessibility and data requests.
RELAIS_PUBLISHER = env("RELAIS_PUBLISHER", default="")
RELAIS_HOST = env("RELAIS_HOST", default="")
RELAIS_CONTACT_EMAIL = env("RELAIS_CONTACT_EMAIL", default="")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

# A strict policy: no inline script or style; the DSFR's scripts carry the request's nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Sessions: an idle timeout (the cookie's age, renewed by every request) and an absolute
# lifetime counted from the sign-in (accounts.middleware.SessionLifetimeMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=env.int("SESSION_COOKIE_AGE", 30 * 60))
SESSION_SAVE_EVERY_REQUEST = True
# Django's database sessions, the renewal of every request in one UPDATE (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
SESSION_ABSOLUTE_LIFETIME = env.int("SESSION_ABSOLUTE_LIFETIME", default=10 * 60 * 60)

# How many reverse proxies in front of the app append to X-Forwarded-For: the audit log, the
# lockout and the throttles all read the client's address through audit.context.client_ip.
AUDIT_TRUSTED_PROXY_COUNT = env.int("AUDIT_TRUSTED_PROXY_COUNT", default=0)
# Whether the proxy in front sets X-Request-ID itself, replacing any a client sent (nginx:
# `proxy_set_header X-Request-ID $request_id;`): its id is then kept in the audit log and
# echoed; otherwise each request gets one of the application's (audit.context.request_id_from).
AUDIT_REQUEST_ID_FROM_PROXY = env.bool("AUDIT_REQUEST_ID_FROM_PROXY", default=False)

# Audit log signing key (Ed25519, PEM or raw base64). Never stored in the database.
AUDIT_SIGNING_KEY_FILE = env("AUDIT_SIGNING_KEY_FILE", default="")
AUDIT_SIGNING_KEY = env("AUDIT_SIGNING_KEY", default="")
AUDIT_LOG_ORIGIN = env("AUDIT_LOG_ORIGIN", default="relais.example/audit")
# Every committed checkpoint is also appended to this file, outside the database ("" = off).
AUDIT_CHECKPOINT_FILE = env(
    "AUDIT_CHECKPOINT_FILE", default=str(BASE_DIR / "var" / "audit-checkpoints.txt")
)
# Where audit exports' zip files are written, until their owner downloads them.
AUDIT_EXPORT_DIR = env("AUDIT_EXPORT_DIR", default=str(BASE_DIR / "var" / "exports"))
# Witnesses (C2SP tlog-witness) that cosign every checkpoint: "URL VERIFIER-KEY" entries
# separated by ";". audit_verify requires AUDIT_WITNESS_QUORUM of them (default: all).
AUDIT_WITNESSES = [
    {"url": entry.split()[0], "key": entry.split()[1]}
    for entry in env("AUDIT_WITNESSES", default="").split(";")
    if len(entry.split()) == 2
]
AUDIT_WITNESS_QUORUM = env.int("AUDIT_WITNESS_QUORUM", default=len(AUDIT_WITNESSES))
AUDIT_WITNESS_TIMEOUT_SECONDS = env.int("AUDIT_WITNESS_TIMEOUT_SECONDS", default=5)
# PostgreSQL: the events table has one partition per month (audit/partitions.py); the beat
# task keeps the current month's and this many more ready.
AUDIT_PARTITION_MONTHS_AHEAD = env.int("AUDIT_PARTITION_MONTHS_AHEAD", default=3)
# What `manage.py audit_purge` keeps.
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"relais": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# One beat only; a static schedule. Deadlines live in the database and the sweep finds them.
CELERY_BEAT_SCHEDULE = {
    # Recorded events are chained and added to the tree by the sequencer (audit/sequencer.py);
    # every checkpoint also sequences first, so this only keeps the batches small.
    "audit-sequence": {
        "task": "audit.sequence",
        "schedule": env.int("AUDIT_SEQUENCER_SECONDS", default=2),
    },
    "audit-checkpoint": {
        "task": "audit.issue_checkpoint",
        "schedule": env.int("AUDIT_CHECKPOINT_SECONDS", default=300),
    },
    # Creates the coming months' partitions of the audit table (PostgreSQL; nothing on SQLite)
    # and reports events that fell in the default partition. Hourly: a run that could not
    # take its lock is retried long before a month is missing.
    "audit-partitions": {
        "task": "audit.ensure_partitions",
        "schedule": env.int("AUDIT_PARTITION_SECONDS", default=3600),
    },
    "sweep-deadlines": {
        "task": "sharing.sweep_deadlines",
        # Every 30 s: a message the broker lost is sent again at the next sweep after it
        # returns (sharing.reminders.recover_lost_messages), within a minute.
        "schedule": env.int("DEADLINE_SWEEP_SECONDS", default=30),
    },
}

REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"auth": env("AUTH_THROTTLE_RATE", default="20/min")}

# ProConnect (OpenID Connect, through mozilla-django-oidc; accounts/oidc.py). Off unless a
# client id and the provider (discovery URL or issuer) are set; the sign-in page then shows
# the ProConnect button. Endpoints come from discovery; any PROCONNECT_*_ENDPOINT set here
# overrides it.
PROCONNECT_CLIENT_ID = env("PROCONNECT_CLIENT_ID", default="")
PROCONNECT_CLIENT_SECRET = env("PROCONNECT_CLIENT_SECRET", default="")
PROCONNECT_ISSUER = env("PROCONNECT_ISSUER", default="")
PROCONNECT_DISCOVERY_URL = env("PROCONNECT_DISCOVERY_URL", default="")
PROCONNECT_ENDPOINTS = {
    name: env(f"PROCONNECT_{name.upper()}", default="")
    for name in (
        "authorization_endpoint",
        "token_endpoint",
        "userinfo_endpoint",
        "jwks_uri",
        "end_session_endpoint",
    )
}
# The acr values asked for (space-separated); ProConnect's basic level is eidas1.
PROCONNECT_ACR_VALUES = env("PROCONNECT_ACR_VALUES", default="eidas1")
PROCONNECT_DISCOVERY_CACHE_SECONDS = env.int("PROCONNECT_DISCOVERY_CACHE_SECONDS", default=3600)

# mozilla-django-oidc's own settings, derived from the above.
OIDC_RP_CLIENT_ID = PROCONNECT_CLIENT_ID
OIDC_RP_CLIENT_SECRET = PROCONNECT_CLIENT_SECRET
# The algorithm registered with ProConnect for the id_token and the userinfo JWT: RS256 or ES256.
OIDC_RP_SIGN_ALGO = env("PROCONNECT_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = "openid given_name usual_name email uid siret idp_id"
OIDC_USE_NONCE = True
OIDC_STATE_SIZE = 48  # ProConnect requires at least 32 characters for state and nonce
OIDC_NONCE_SIZE = 48
OIDC_STORE_ID_TOKEN = True  # the id_token_hint of the RP-initiated logout
OIDC_CREATE_USER = False  # no self-sign-up: only accounts an administrator created
OIDC_TIMEOUT = env.int("PROCONNECT_TIMEOUT", default=10)
OIDC_AUTHENTICATION_CALLBACK_URL = "proconnect-callback"


def _origin(url: str) -> str:
    parts = _urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# The sign-in and sign-out forms redirect to ProConnect: browsers hold such redirects to the
# form-action directive.
PROCONNECT_ORIGINS = sorted(
    {
        origin
        for origin in (
            _origin(PROCONNECT_ISSUER),
            _origin(PROCONNECT_DISCOVERY_URL),
            *(_origin(url) for url in PROCONNECT_ENDPOINTS.values()),
        )
        if origin
    }
)
CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"] = [SELF, *PROCONNECT_ORIGINS]
# --- Operations: static files, health, metrics, request logs --------------------------------
# Static files are served by the application itself (whitenoise), compressed and with cache
# headers, so that every platform shows the pages as the demo does without a web server of
# its own. Health (`/healthz`, `/readyz`) and metrics (`/metrics`) live in `ops/`.
INSTALLED_APPS += ["health_check", "ops"]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "whitenoise.middleware.WhiteNoiseMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1,
    "ops.middleware.RequestLogMiddleware",
)
# /metrics answers a scrape showing this bearer token, or coming from these addresses or
# networks (the connection's own address); with neither set, it answers 404.
METRICS_TOKEN = env("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
# Logs: one JSON object per line with LOG_FORMAT=json (production's default); the request log
# (`relais.requests`, one line per request) at REQUEST_LOG_LEVEL (INFO writes it).
LOGGING["formatters"] = {
    "json": {"()": "ops.logging.JsonFormatter"},
    "text": {"()": "ops.logging.TextFormatter", "fmt": "%(levelname)s %(name)s %(message)s"},
}
LOGGING["filters"] = {"no_typed_text": {"()": "ops.logging.KeepNoTypedText"}}
LOGGING["handlers"]["console"]["formatter"] = env("LOG_FORMAT", default="text")
LOGGING["handlers"]["console"]["filters"] = ["no_typed_text"]
# runserver's request lines (the demo's) through the same handler, without their query.
LOGGING["loggers"]["django.server"] = {"handlers": ["console"], "level": "INFO", "propagate": False}
LOGGING["loggers"]["relais.requests"] = {
    "handlers": ["console"],
    "level": env("REQUEST_LOG_LEVEL", default="WARNING"),
    "propagate": False,
}
# A cache every worker sees, for the throttles: Redis when REDIS_URL is set, else a database
# table (created by `manage.py createcachetable`, which dev.py and the test runner call). The
# default cache stays per process: it only holds what may be recomputed.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "shared": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "relais-shared",
        }
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "relais_shared_cache",
        }
    ),
}

# Brute force (django-axes, database handler: every worker reads the same attempts table).
# An account is locked after AXES_FAILURE_LIMIT failures whatever the address, and an address
# after as many failures whatever the account; both lift after AXES_COOLOFF_MINUTES, or sooner
# when an administrator unlocks (`manage.py unlock_sign_in`, or the admin's access attempts).
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_HANDLER = "accounts.lockout.ScreenedDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# A success clears the account's own failures, never the address's (accounts.lockout).
AXES_RESET_ON_SUCCESS = True
# Attempts while locked out do not push the end of the lock further.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_USERNAME_CALLABLE = "accounts.lockout.attempted_account"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.locked_out_response"
AXES_DISABLE_ACCESS_LOG = True  # the audit log records every sign-in already
AXES_SENSITIVE_PARAMETERS = ["username", "password", "otp", "token", "code"]
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # accounts.admin shows the attempts; deleting one is audited

# Personal access tokens (accounts.models.PersonalAccessToken).
PERSONAL_TOKEN_DEFAULT_DAYS = env.int("PERSONAL_TOKEN_DEFAULT_DAYS", default=30)
PERSONAL_TOKEN_MAX_DAYS = env.int("PERSONAL_TOKEN_MAX_DAYS", default=90)

# Second factor (django-otp: TOTP and recovery codes). Required for the listed roles ("staff"
# stands for platform staff); offered to everyone else. Production refuses to start with
# RELAIS_MFA_ENFORCED off or RELAIS_DEMO_SKIP_MFA on.
RELAIS_MFA_ENFORCED = env.bool("RELAIS_MFA_ENFORCED", default=True)
RELAIS_MFA_REQUIRED_ROLES = env.list(
    "RELAIS_MFA_REQUIRED_ROLES", default=["liaison", "prefecture_admin", "auditor", "staff"]
)
RELAIS_DEMO_SKIP_MFA = env.bool("RELAIS_DEMO_SKIP_MFA", default=False)
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", default="Relais")


# Passkeys (django-otp-webauthn): a second factor like the authenticator app, never a sign-in
# alone. Browsers bind a passkey to the relying party id, a domain name: by default SITE_URL's
# host name, and SITE_URL's origin is the only one whose answers count. Browsers take no IP
# address there, so a loopback SITE_URL (the demo's) stands for http://localhost:<port>.
# Changing the id later makes every registered passkey useless.
def _webauthn_site(url: str) -> tuple[str, str]:
    parts = _urlsplit(url)
    host = parts.hostname or "localhost"
    if host in {"127.0.0.1", "::1"}:
        host = "localhost"
    port = f":{parts.port}" if parts.port else ""
    return host, f"{parts.scheme or 'https'}://{host}{port}"


OTP_WEBAUTHN_RP_NAME = env("WEBAUTHN_RP_NAME", default="Relais")
OTP_WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID", default=_webauthn_site(SITE_URL)[0])
OTP_WEBAUTHN_ALLOWED_ORIGINS = env.list(
    "WEBAUTHN_ALLOWED_ORIGINS", default=[_webauthn_site(SITE_URL)[1]]
)
OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False
OTP_WEBAUTHN_HELPER_CLASS = "accounts.passkeys.PasskeyHelper"
# Step-up: signing, deciding and asking for an audit export need an authentication at most
# this many seconds old (0 turns the check off; production refuses 0).
RELAIS_STEP_UP_SECONDS = env.int("RELAIS_STEP_UP_SECONDS", default=5 * 60)
# Business days the commune has, by default, to answer a request for clarification.
RELAIS_CLARIFICATION_DAYS = env.int("RELAIS_CLARIFICATION_DAYS", default=10)

# What production insists on (config/settings/production.py refuses to start otherwise).
MFA_MANDATORY_ROLES = ("liaison", "prefecture_admin", "auditor", "staff")


def access_problems(
    *,
    mfa_enforced: bool,
    demo_skip_mfa: bool,
    required_roles: list[str],
    step_up_seconds: int,
    lockout_enabled: bool,
) -> list[str]:
    """Why these access settings are not fit for production (empty when they are)."""
    problems = []
    if not mfa_enforced:
        problems.append("RELAIS_MFA_ENFORCED must be on in production.")
    if demo_skip_mfa:
        problems.append("RELAIS_DEMO_SKIP_MFA is for the demo only.")
    missing = [role for role in MFA_MANDATORY_ROLES if role not in required_roles]
    if missing:
        problems.append(f"RELAIS_MFA_REQUIRED_ROLES must include {', '.join(missing)}.")
    if not 0 < step_up_seconds <= 300:
        problems.append("RELAIS_STEP_UP_SECONDS must be between 1 and 300.")
    if not lockout_enabled:
        problems.append("AXES_ENABLED must be on in production.")
    return problems


# --- Operations: a read replica for read-only heavy work ------------------------------------
# With DATABASE_REPLICA_URL (a PostgreSQL streaming replica), the code that asks for it
# (`config.db_router.reading_from_replica`: the statistics) reads there; writes, audit records
# and every other read stay on the primary.
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]


def replica_database() -> dict | None:
    url = env("DATABASE_REPLICA_URL", default="")
    if not url:
        return None
    return {**database(env.db_url_config(url)), "TEST": {"MIRROR": "default"}}


if replica_database():
    DATABASES["replica"] = replica_database()
