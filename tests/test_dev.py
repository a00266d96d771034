"""dev.py's serving: everything it starts stops with it, on SIGTERM as on Ctrl-C, and nothing is
left holding the port. Real processes (runserver, a worker and beat on the embedded default)."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # scheduled first in its group (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def port_is_free(port: int) -> bool:
    """Whether a server could listen on it (as servers do, past closed connections' TIME_WAIT)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(not Path("/proc").exists(), reason="reads the process table from /proc")
@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_serve_stops_everything_it_started_and_frees_the_port(tmp_path, sig):
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "REDIS_URL", "DATABASE_URL"}
    }
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        RELAIS_VAR_DIR=str(tmp_path / "var"),
        PYTHONUNBUFFERED="1",
    )
    log = tmp_path / "dev.log"
    with log.open("w") as output:
        dev = subprocess.Popen(  # noqa: S603 - fixed arguments
            [sys.executable, "-c", f"import dev, sys; sys.exit(dev.serve(port={port}))"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for(lambda: "Relais runs at" in log.read_text(), 90, "the server to answer")
        started = children_of(dev.pid)
        assert len(started) == 3, log.read_text()
        descendants = started + [pid for child in started for pid in children_of(child)]
        assert not port_is_free(port)
        # Links in e-mails follow the port served, in every process that sends them.
        for pid in started:
            environ = (Path("/proc") / str(pid) / "environ").read_bytes().split(b"\0")
            assert f"SITE_URL=http://127.0.0.1:{port}".encode() in environ
        # Not DEBUG: the app's own 404 page, never Django's list of URLs; static files served.
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/demandes/nope/nope/", timeout=30)
        page = missing.value.read().decode()
        assert missing.value.code == 404
        assert "Page non trouvée" in page
        assert "URLconf" not in page
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page).group(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{stylesheet}", timeout=30) as css:
            assert css.status == 200
        # A way out of the static folders is refused, never a server error.
        for path in ("/static/../manage.py", "/static/..%2f..%2fmanage.py"):
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30)
            assert refused.value.code in {400, 404}, path

        dev.send_signal(sig)  # to dev.py alone, as a service manager or a terminal does
        assert dev.wait(timeout=30) == 0, log.read_text()

        wait_for(lambda: not any(alive(pid) for pid in descendants), 15, "the children to end")
        assert port_is_free(port)
        assert f"http://127.0.0.1:{port}/" in log.read_text()
    finally:
        if dev.poll() is None:
            os.killpg(dev.pid, signal.SIGKILL)
