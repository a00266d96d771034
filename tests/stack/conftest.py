"""The production stack as a platform starts it, for `.ci/stack`: the Procfile's release step,
then its web (gunicorn), worker and beat processes under the production settings, behind a
TLS-terminating proxy. Skipped unless RELAIS_STACK=1 (the script sets it, with a PostgreSQL
DATABASE_URL and a REDIS_URL of its own)."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import signal
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .proxy import TLSProxy

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
PASSWORD = "stack-" + secrets.token_urlsafe(12)
METRICS_TOKEN = secrets.token_urlsafe(24)


def pytest_collection_modifyitems(config, items):
    if os.environ.get("RELAIS_STACK") == "1":
        return
    for item in items:
        if "tests/stack" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.skip(reason="the production stack runs with .ci/stack"))


def procfile() -> dict[str, str]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class Stack:
    url: str
    web_url: str
    env: dict[str, str]
    mail: Path
    logs: Path
    started_at: float
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def get(self, path: str, *, base: str | None = None, **kwargs) -> Answer:
        return self.call("GET", path, base=base, **kwargs)

    def call(
        self,
        method: str,
        path: str,
        *,
        base: str | None = None,
        body: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - our own https URL
            (base or self.url) + path, data=data, method=method, headers=headers or {}
        )
        if data is not None:
            request.add_header("Content-Type", "application/json")
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the proxy's certificate is made for the test

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context), NoRedirect
        )
        try:
            with opener.open(request, timeout=30) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return Answer(error.code, dict(error.headers), error.read())

    def token(self, username: str) -> dict[str, str]:
        answer = self.call(
            "POST", "/api/v1/auth/token/", body={"username": username, "password": PASSWORD}
        )
        assert answer.status == 200, answer.body
        return {"Authorization": f"Token {answer.json()['token']}"}

    def log_tail(self, name: str, lines: int = 30) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text().splitlines()[-lines:]) if path.exists() else ""


def wait_for(condition, *, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except OSError:
            value = None
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def run_step(command: str, env: dict[str, str], log: Path) -> None:
    with log.open("a") as output:
        subprocess.run(  # noqa: S603 - the Procfile's own command
            ["bash", "-c", command],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
            timeout=300,
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    from audit.keys import write_new_key

    base_port = int(os.environ.get("RELAIS_STACK_PORT", "18870"))
    directory = tmp_path_factory.mktemp("stack")
    logs = directory / "logs"
    logs.mkdir()
    write_new_key(directory / "audit-signing-key.pem")
    proxy = TLSProxy(port=base_port + 1, upstream_port=base_port, directory=directory)
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))},
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "AUDIT_SIGNING_KEY_FILE": str(directory / "audit-signing-key.pem"),
        "AUDIT_LOG_ORIGIN": "relais.ci/audit",
        "AUDIT_CHECKPOINT_SECONDS": "5",
        "DEADLINE_SWEEP_SECONDS": "5",
        "EMAIL_BACKEND": "sharing.mail_backends.JsonLinesEmailBackend",
        "EMAIL_JSONL_PATH": str(directory / "mail.jsonl"),
        "SITE_URL": proxy.url,
        "METRICS_TOKEN": METRICS_TOKEN,
        "PORT": str(base_port),
        "WEB_CONCURRENCY": "2",
        "CELERY_CONCURRENCY": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(directory / "metrics"),
        "CELERY_BEAT_SCHEDULE_FILE": str(directory / "celerybeat-schedule"),
    }
    entries = procfile()
    run_step(entries["release"], env, logs / "release.log")
    stack = Stack(
        url=proxy.url,
        web_url=f"http://127.0.0.1:{base_port}",
        env=env,
        mail=directory / "mail.jsonl",
        logs=logs,
        started_at=time.time(),
    )
    proxy.start()
    for name in ("web", "worker", "beat"):
        output = (logs / f"{name}.log").open("w")
        stack.processes[name] = subprocess.Popen(  # noqa: S603 - the Procfile's own command
            ["bash", "-c", f"exec {entries[name]}"],  # noqa: S607
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Should this run be killed before its teardown, .ci/stack ends these groups.
        with (directory.parent / "process-groups").open("a") as groups:
            groups.write(f"{stack.processes[name].pid}\n")
    try:
        # The data is loaded while the processes boot (the two take as long as each other, and
        # a platform's processes run while a hosting team loads data): only the release step
        # must come first.
        run_step(
            f"python manage.py demo --allow-production --territories 26 "
            f"--password {shlex.quote(PASSWORD)}",
            env,
            logs / "demo.log",
        )
        wait_for(
            lambda: stack.get("/healthz").status == 200, timeout=240, what="gunicorn to answer"
        )
        yield stack
    finally:
        for process in stack.processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in stack.processes.values():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        proxy.stop()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright (as tests/browser does)."""
    from playwright.sync_api import sync_playwright

    chromium = os.environ.get("RELAIS_CHROMIUM", "/usr/bin/chromium")
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(
        executable_path=chromium,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )
    yield browser
    browser.close()
    playwright.stop()
