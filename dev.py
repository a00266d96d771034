#!/usr/bin/env python3
"""One entry point for a fresh clone with only Python 3.11+.

    python3 dev.py demo [--password P] [--port 8000]   set up, migrate, load demo data, serve
    python3 dev.py test [pytest arguments]              set up and run the test suite
                                                        (in parallel, with line coverage)

Setting up means: a virtual environment in .venv with uv in it, then `uv sync --frozen`, which
installs exactly what uv.lock pins. Only the standard library is used before that.
"""

import argparse
import os
import signal
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
UV_VERSION = "0.13.9"


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)  # noqa: S603


def setup() -> None:
    """Creates .venv with uv, then installs the locked dependencies (fast when already done)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - the one check a too-old Python must reach
        sys.exit("Relais needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not (BIN / "uv").exists():
        run(BIN / "python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    run(BIN / "uv", "sync", "--frozen", "--quiet")


def manage(*args: str) -> None:
    run(BIN / "python", "manage.py", *args)


def demo(password: str | None, port: int) -> None:
    setup()
    (ROOT / "var").mkdir(exist_ok=True)
    manage("migrate", "--noinput")
    manage("demo", *(["--password", password] if password else []))
    processes = [
        subprocess.Popen(  # noqa: S603
            [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "--loglevel=warning"],
            cwd=ROOT,
        ),
        subprocess.Popen(  # noqa: S603
            [
                str(BIN / "celery"),
                "-A",
                "config",
                "beat",
                "--loglevel=warning",
                "--schedule",
                str(ROOT / "var" / "celerybeat-schedule"),
            ],
            cwd=ROOT,
        ),
        subprocess.Popen(  # noqa: S603
            [str(BIN / "python"), "manage.py", "runserver", f"127.0.0.1:{port}"], cwd=ROOT
        ),
    ]
    print(f"\nRelais runs at http://127.0.0.1:{port}/ (Ctrl-C stops everything).\n", flush=True)
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# One pytest process per core (pytest-xdist; each has its own test database), the browser and
# the real-worker tests each kept on one process (`xdist_group`, tests/conftest.py), line
# coverage of the project's code summed up at the end. Arguments given after `test` come later
# and win: `-n 0` runs in one process, `--no-cov` skips coverage.
PYTEST_DEFAULTS = [
    "-n",
    "auto",
    "--dist",
    "loadgroup",
    "--cov",
    "--cov-report=term-missing:skip-covered",
    "--durations=5",
]


def test(pytest_args: list[str]) -> int:
    setup()
    return subprocess.call([str(BIN / "pytest"), *PYTEST_DEFAULTS, *pytest_args], cwd=ROOT)  # noqa: S603


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser("demo", help="set up, load demo data and serve")
    demo_parser.add_argument("--password", help="password of every demo user")
    demo_parser.add_argument("--port", type=int, default=8000)
    commands.add_parser("test", help="set up and run the tests; extra arguments go to pytest")
    args, rest = parser.parse_known_args()
    if args.command == "demo":
        demo(args.password, args.port)
        return 0
    return test(rest)


if __name__ == "__main__":
    sys.exit(main())
