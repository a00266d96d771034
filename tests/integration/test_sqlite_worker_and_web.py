"""The embedded default under load: a real worker process sends the e-mails of web writes made
at the same time in another process, on one SQLite file, and neither meets `database is
locked` (WAL, transactions that take the write lock when they begin, a busy timeout: see
config.settings.base.sqlite_options); every e-mail goes out once."""

import os
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.db import connection

from sharing.mail_backends import read_messages

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,  # scheduled first (tests/conftest.py)
    pytest.mark.skipif(
        connection.vendor != "sqlite", reason="the embedded default's test; runs in the SQLite pass"
    ),
]


def owed(database: Path) -> int:
    with sqlite3.connect(database, timeout=30) as db:
        return db.execute(
            "SELECT count(*) FROM sharing_reminder WHERE status IN ('pending', 'sending')"
        ).fetchone()[0]


def test_worker_and_web_writes_share_sqlite_without_locking_each_other(tmp_path):
    database = tmp_path / "db.sqlite3"
    mail = tmp_path / "mail.jsonl"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.local",
        DJANGO_DEBUG="False",
        DATABASE_URL=f"sqlite:///{database}",
        RELAIS_VAR_DIR=str(tmp_path / "var"),
        EMAIL_JSONL_PATH=str(mail),
        PYTHONPATH=str(ROOT),
    )
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    worker_log = tmp_path / "worker.log"
    with worker_log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker"),
                *("--pool=prefork", "--concurrency=2", "--loglevel=INFO"),
                *("--without-mingle", "--without-gossip", "--without-heartbeat"),
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while " ready." not in worker_log.read_text(errors="replace"):
            assert worker.poll() is None, worker_log.read_text()
            assert time.monotonic() < deadline, "worker did not start"
            time.sleep(0.2)
        writes = subprocess.run(
            [sys.executable, "-m", "tests.integration.sqlite_web_writes", "5"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert writes.returncode == 0, writes.stdout + writes.stderr
        deadline = time.monotonic() + 120
        while owed(database):
            assert worker.poll() is None, worker_log.read_text()
            assert time.monotonic() < deadline, "e-mails still owed"
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    log = worker_log.read_text(errors="replace")
    assert "database is locked" not in log + writes.stderr
    assert "Traceback" not in log, log[-3000:]
    with sqlite3.connect(database) as db:
        sent = db.execute("SELECT count(*) FROM sharing_reminder WHERE status = 'sent'")
        sent = sent.fetchone()[0]
    messages = read_messages(mail)
    assert sent > 30
    assert len(messages) == sent
    assert max(Counter(m["message_id"] for m in messages).values()) == 1
    # Every file of the embedded broker under RELAIS_VAR_DIR, its exchanges' bindings too
    # (kombu's default would be `control/` in the working directory, here the repository).
    assert (tmp_path / "var" / "celery-control" / "celery.exchange").exists()
