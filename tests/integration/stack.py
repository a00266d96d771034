"""Real workers, a real Redis, PostgreSQL: the pieces the integration tests drive, and the
reason they are skipped when one is missing.

The tests start their own Redis (`redis-server` on port 6390 by default, RELAIS_IT_REDIS_PORT,
plus the number of the pytest-xdist process)
so that stopping it never disturbs the shared one at REDIS_URL, and nobody else's worker
consumes their tasks. Workers are `celery worker` subprocesses on the pytest run's test
database (committed data: transactional tests), sending e-mail through a JSON-lines file
that every process appends to, so that e-mails can be counted across processes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from kombu import pools

from config.celery import app as celery_app
from sharing.mail_backends import read_messages
from sharing.models import Reminder, ReminderStatus

ROOT = Path(__file__).resolve().parents[2]
# One private Redis per parallel test process (pytest-xdist's gw0, gw1, … add 0, 1, …).
REDIS_PORT = int(os.environ.get("RELAIS_IT_REDIS_PORT", "6390")) + int(
    os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
)
# The workers' claim lease, which the tests that kill a worker in the middle of a send wait
# out: the shortest whose send time limits (sharing.tasks: 3 s, soft 2 s, claims stop after
# 1.5 s) still leave a loaded machine ample time for a send (a tenth of a second; half a
# second for a pool process's first, the URL conf being loaded before the fork: config/celery).
LEASE_SECONDS = 5


def _missing() -> str:
    if not os.environ.get("REDIS_URL"):
        return "integration tests need REDIS_URL (a Redis for CI; they start their own on 6390)"
    if connection.vendor != "postgresql":
        return (
            "integration tests need PostgreSQL (DATABASE_URL=postgres://…): worker processes "
            "share the test database, and SQLite serialises every writer"
        )
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        return "integration tests start a private Redis: redis-server and redis-cli needed"
    return ""


MISSING = _missing()
requires_stack = pytest.mark.skipif(bool(MISSING), reason=MISSING or "ready")


def wait_for(condition, *, timeout: float, interval: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class RedisServer:
    """A throwaway redis-server the tests may stop and start."""

    def __init__(self, port: int, workdir: Path) -> None:
        self.port = port
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{port}/0"

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run(  # noqa: S603 - fixed arguments
            ["redis-cli", "-p", str(self.port), *args],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=check,
        )

    def alive(self) -> bool:
        return self.cli("ping").stdout.strip() == "PONG"

    def start(self) -> None:
        subprocess.run(  # noqa: S603
            [  # noqa: S607
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                str(self.workdir),
                "--pidfile",
                str(self.workdir / "redis.pid"),
                "--logfile",
                str(self.workdir / "redis.log"),
            ],
            check=True,
            timeout=10,
        )
        wait_for(self.alive, timeout=10, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        self.cli("shutdown", "nosave")
        wait_for(lambda: not self.alive(), timeout=10, what="redis-server to stop")

    def queued(self) -> int:
        return int(self.cli("llen", "celery").stdout.strip() or 0)


def reset_producer_pool() -> None:
    """Forgets the pooled broker connections, as Celery does after a fork, so that the next
    publish uses the broker_url configured now (kombu keeps one pool per URL, for the whole
    process) on a connection that a broker restarted since has not cut."""
    pools.reset()
    celery_app._pool = None
    if "amqp" in celery_app.__dict__:
        celery_app.amqp._producer_pool = None


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{db['NAME']}"


class Mailbox:
    """The e-mails every process wrote to the shared JSON-lines file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def messages(self) -> list[dict]:
        return read_messages(self.path)

    def ids(self) -> Counter:
        return Counter(message["message_id"] for message in self.messages())


class Worker:
    def __init__(self, process: subprocess.Popen, log: Path, name: str) -> None:
        self.process = process
        self.log = log
        self.name = name
        self.hostname = f"{name}@{socket.gethostname()}"  # what `--hostname={name}@%h` gives

    def ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker {self.name} exited:\n{self.log.read_text()[-3000:]}")
        return " ready." in self.log.read_text(errors="replace")

    def wait_ready(self, timeout: float = 90) -> Worker:
        wait_for(self.ready, timeout=timeout, interval=0.05, what=f"worker {self.name} to start")
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signals the worker's whole process group (the main process and its pool)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            self.process.wait(timeout=30)


def all_sent(*, timeout: float, sweep_every: float | None = None) -> None:
    """Waits until no ledger row is owed any more, running the sweep meanwhile if asked (the
    beat of these tests)."""
    from sharing.reminders import ledger

    def done() -> bool:
        if sweep_every is not None:
            ledger.sweep()
        return not Reminder.objects.filter(
            status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
        ).exists()

    wait_for(done, timeout=timeout, interval=sweep_every or 0.2, what="every reminder to be sent")


def idle(workers: list[Worker]) -> bool:
    """Whether each worker answers that it holds no task: none running, none taken from the
    queue and waiting for a process of its pool, none waiting for its countdown."""
    names = [worker.hostname for worker in workers]
    inspect = celery_app.control.inspect(destination=names, timeout=2.0)
    for held in (inspect.active(), inspect.reserved(), inspect.scheduled()):
        if not held or set(held) != set(names) or any(held.values()):
            return False
    return True


def settle(redis_server, workers: list[Worker]) -> None:
    """Waits until the live workers have handled every duplicate message still queued after
    the last send: the queue empty, then each worker holding nothing, then the queue still
    empty (a task that ended meanwhile may have published a message), twice in a row. A killed
    worker's messages stay unacknowledged in Redis and are never handled: not waited for."""
    reset_producer_pool()  # the broker may have restarted since its connections were made
    rounds = []

    def quiet() -> bool:
        rounds.append(redis_server.queued() == 0 and idle(workers) and redis_server.queued() == 0)
        return rounds[-2:] == [True, True]

    wait_for(quiet, timeout=30, what="the workers to handle every queued message")
