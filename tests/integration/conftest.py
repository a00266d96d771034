"""Fixtures of the integration tests: a private Redis, this process publishing to it, the
shared mailbox file, and worker subprocesses (see stack.py)."""

import os
import subprocess
import sys

import pytest

from config.celery import app as celery_app
from sharing.legal_frame import seed_legal_frame
from sharing.models import Category, LegalBasis

from .stack import (
    LEASE_SECONDS,
    MISSING,
    REDIS_PORT,
    ROOT,
    Mailbox,
    RedisServer,
    Worker,
    database_url,
    reset_producer_pool,
)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    if MISSING:
        pytest.skip(MISSING)
    server = RedisServer(REDIS_PORT, tmp_path_factory.mktemp("redis"))
    if server.alive():
        pytest.skip(f"port {REDIS_PORT} is taken by another Redis; set RELAIS_IT_REDIS_PORT")
    server.start()
    yield server
    if server.alive():
        server.stop()


@pytest.fixture
def broker(redis_server, settings):
    """This process publishes to the private Redis for real (not eagerly), with the same
    ledger timings as the workers."""
    if not redis_server.alive():
        redis_server.start()
    redis_server.cli("flushall", check=True)
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    reset_producer_pool()
    settings.REMINDER_WORKING_HOURS = None
    settings.REMINDER_CLAIM_LEASE_SECONDS = LEASE_SECONDS
    settings.REMINDER_REQUEUE_SECONDS = 600
    yield redis_server
    celery_app.conf.update(saved)
    reset_producer_pool()
    if not redis_server.alive():
        redis_server.start()


@pytest.fixture
def world(transactional_db):
    """Transactional tests start from a flushed database: seed the legal frame again."""
    seed_legal_frame(category_model=Category, legal_basis_model=LegalBasis)


@pytest.fixture
def mailbox(tmp_path, settings):
    path = tmp_path / "mail.jsonl"
    settings.EMAIL_BACKEND = "sharing.mail_backends.JsonLinesEmailBackend"
    settings.EMAIL_JSONL_PATH = str(path)
    return Mailbox(path)


@pytest.fixture
def workers(broker, mailbox, tmp_path):
    """`start(*names, concurrency=2, wait=True, **env)` → running workers (started together,
    then awaited); all are SIGKILLed at teardown."""
    started: list[Worker] = []

    def launch(name: str, concurrency: int, extra_env: dict[str, str]) -> Worker:
        log = tmp_path / f"worker-{name}.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "RELAIS_IT_DATABASE_URL": database_url(),
            "RELAIS_IT_BROKER_URL": broker.url,
            "EMAIL_BACKEND": "sharing.mail_backends.JsonLinesEmailBackend",
            "EMAIL_JSONL_PATH": str(mailbox.path),
            "REMINDER_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
            # Celery's Django fixup runs the system checks at every worker start (a third of
            # it); CI runs them once (`manage.py check`, and --deploy on production's settings).
            "CELERY_SKIP_CHECKS": "1",
            "PYTHONPATH": str(ROOT),
            **extra_env,
        }
        with log.open("w") as output:
            process = subprocess.Popen(  # noqa: S603 - fixed arguments
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=prefork",
                    f"--concurrency={concurrency}",
                    "--without-mingle",
                    "--without-gossip",
                    "--without-heartbeat",
                    "--loglevel=INFO",
                    f"--hostname={name}@%h",
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        worker = Worker(process, log, name)
        started.append(worker)
        return worker

    def start(*names: str, concurrency: int = 2, wait: bool = True, **extra_env: str):
        launched = [launch(name, concurrency, extra_env) for name in names]
        if wait:
            for worker in launched:
                worker.wait_ready()
        return launched

    yield start
    for worker in started:
        worker.kill()
