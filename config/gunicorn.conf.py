"""gunicorn's configuration, from the environment (the platforms set PORT; the rest has
defaults fit for a 2-core container). `gunicorn -c config/gunicorn.conf.py config.wsgi`."""

import os
import shutil
import tempfile

bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = int(os.environ.get("GUNICORN_KEEPALIVE", "5"))
# The application, and the privacy screen's French language model, loaded once in the master
# before the workers fork (`when_ready`): each worker starts with them, sharing their memory
# until it writes to it, where each would otherwise load the model on its first screened text
# (about 6 s of CPU and 150 MB, and again in each replacement worker below). GUNICORN_PRELOAD=0
# turns it off (each worker then imports the application itself, and a code reload by HUP
# works again).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") != "0"
# A worker is replaced after this many requests (and a random extra), so a slow leak never
# takes a node down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = int(os.environ.get("GUNICORN_MAX_REQUESTS_JITTER", "200"))
# The proxy in front terminates TLS; only its forwarded headers are believed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# The application writes one JSON line per request (ops.middleware); gunicorn's own access log
# would repeat it with the raw path and query string.
accesslog = None
# One node per container (or several on one host): no shared control socket in $HOME.
control_socket_disable = True
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ops.logging.JsonFormatter"}},
    "handlers": {
        "error_console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        },
    },
    "root": {"level": "INFO", "handlers": ["error_console"]},
    "loggers": {
        "gunicorn.error": {
            "level": loglevel.upper(),
            "handlers": ["error_console"],
            "propagate": False,
        },
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": False},
    },
}

# Prometheus counters are kept per worker process; they are summed at scrape time from a
# directory every worker writes to (emptied when the server starts).
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"relais-metrics-{os.getpid()}")
)


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def when_ready(server):
    """In the master, once the application is loaded and before any worker forks: the language
    model and the URLs' views, then no database connection left open for the workers to
    inherit, and what the master holds frozen out of the garbage collector's passes
    (ops/heap.py)."""
    if not preload_app:
        return
    from django.db import connections
    from django.urls import get_resolver

    from ops import heap
    from sharing.privacy import model

    model.pipeline()("Chargé avant les workers.")  # a first call, as a worker's would be
    get_resolver().url_patterns  # noqa: B018 - imports every view module, as a first request would
    connections.close_all()
    heap.freeze()
    server.log.info("privacy screen's language model loaded before the workers fork")


def post_worker_init(worker):
    """Without preloading, each worker loaded the application itself: frozen there."""
    if not preload_app:
        from ops import heap

        heap.freeze()


def post_request(worker, req, environ, resp):
    """What a worker holds after its first requests is frozen once (ops/heap.py). (Imported
    here, as in the other hooks: the project is importable once the application is loaded.)"""
    from ops import heap

    heap.request_served()
