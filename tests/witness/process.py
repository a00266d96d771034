"""Real witness processes for tests: `python -m witness` on a free port of the test range,
with its own temporary SQLite file and key."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PORTS = range(
    int(os.environ.get("WITNESS_TEST_PORT_FIRST", "18600")),
    int(os.environ.get("WITNESS_TEST_PORT_LAST", "18699")) + 1,
)


_TAKEN: set[int] = set()


def _own_ports() -> range:
    """Each pytest-xdist process takes every n-th port of the range, so that two processes
    never probe and bind the same one at the same moment."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    index = int(worker[2:]) if worker[2:].isdigit() else 0
    return PORTS[index % count :: count]


def free_port() -> int:
    """A port of the range that nothing listens on, never handed out twice in one run."""
    for port in _own_ports():
        if port in _TAKEN:
            continue
        with contextlib.closing(socket.socket()) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        _TAKEN.add(port)
        return port
    raise RuntimeError("no free port in the witness test range")


class WitnessProcess:
    def __init__(
        self, directory: Path, *, name: str, logs: dict[str, str], options: tuple[str, ...] = ()
    ) -> None:
        self.directory = directory
        self.name = name
        self.logs = logs
        self.options = options
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.key = self._command("--print-key").strip()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _args(self) -> list[str]:
        args = [
            sys.executable,
            "-m",
            "witness",
            "--db",
            str(self.directory / "witness.sqlite"),
            "--key",
            str(self.directory / "witness-key.pem"),
            "--name",
            self.name,
            "--listen",
            f"127.0.0.1:{self.port}",
        ]
        for origin, key in self.logs.items():
            args += ["--log", f"{origin}={key}"]
        return [*args, *self.options]

    def _command(self, *extra: str) -> str:
        return subprocess.run(  # noqa: S603 (our own module, fixed arguments)
            [*self._args(), *extra], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout

    def attempt(self, *extra: str) -> subprocess.CompletedProcess:
        """A start expected to fail: its exit status and messages."""
        return subprocess.run(  # noqa: S603 (our own module, fixed arguments)
            [*self._args(), *extra], cwd=ROOT, capture_output=True, text=True, timeout=20
        )

    def start(self, *, init: bool = False) -> WitnessProcess:
        """`init` for the first start, as an operator creates the witness's store."""
        args = [*self._args(), "--init"] if init else self._args()
        self.process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
            args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = self.process.stdout.readline()
        if "listening" not in line:
            self.stop()
            raise RuntimeError(f"the witness did not start: {line!r}")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.closing(socket.socket()) as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.02)
        raise RuntimeError("the witness does not accept connections")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process.stdout.close()
            self.process = None
