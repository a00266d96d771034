#!/usr/bin/env python3
"""One entry point for a fresh clone with only Python 3.11+.

    python3 dev.py demo [--password P] [--port 8000]   set up, migrate, load demo data, serve
    python3 dev.py test [pytest arguments]              set up and run the test suite
                                                        (in parallel, with line coverage)

Setting up means: a virtual environment in .venv with uv in it, then `uv sync --frozen`, which
installs exactly what uv.lock pins. Only the standard library is used before that.
"""

import argparse
import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
# The uv.lock (its SHA-256) whose packages were last byte-compiled in .venv.
COMPILED_FOR = VENV / "relais-bytecode.lock-sha256"
UV_VERSION = "0.13.9"
# The embedded default's files (broker, beat's schedule, e-mails); config/settings/local.py agrees.
VAR = Path(os.environ.get("RELAIS_VAR_DIR", ROOT / "var"))
# Byte-compiled modules are kept (__pycache__, ignored by git) even where the environment says
# otherwise: each process the demo and the tests start (pytest-xdist workers, Celery, gunicorn,
# the tests' own subprocesses) would else compile Django and the project again, about a
# second of CPU each.
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)


def run(*args: str | Path, env: dict[str, str] | None = None) -> None:
    subprocess.run([str(a) for a in args], cwd=ROOT, check=True, env=env)  # noqa: S603


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def setup() -> None:
    """Creates .venv with uv, then installs the locked dependencies (fast when already done)."""
    if sys.version_info < (3, 11):  # noqa: UP036 - the one check a too-old Python must reach
        sys.exit("Relais needs Python 3.11 or newer.")
    if not (BIN / "python").exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if not (BIN / "uv").exists():
        run(BIN / "python", "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")
    # The installed packages are byte-compiled once, when uv.lock changes: uv does not compile
    # them by default, and the first run of the tests then compiled Django, DRF, Hypothesis,
    # spaCy… in each of its processes at once (7 to 8 s of CPU each), while `--compile-bytecode`
    # on every sync would cost 6 s each time even with nothing to do.
    lock = hashlib.sha256((ROOT / "uv.lock").read_bytes()).hexdigest()
    if _read(COMPILED_FOR) == lock:
        run(BIN / "uv", "sync", "--frozen", "--quiet")
    else:
        run(BIN / "uv", "sync", "--frozen", "--quiet", "--compile-bytecode")
        COMPILED_FOR.write_text(lock)
    # spaCy's French tokenizer pattern, compiled once for every later process (3 to 6 s each).
    run(BIN / "python", "-c", "from sharing.privacy import compiled_pattern as c; c.prepare()")


def manage(*args: str) -> None:
    run(BIN / "python", "manage.py", *args)


def demo(password: str | None, port: int) -> int:
    setup()
    VAR.mkdir(parents=True, exist_ok=True)
    manage("migrate", "--noinput")
    manage("createcachetable")
    print("Loading the territories and the demo data ...", flush=True)
    loaded = subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", "demo", *(["--password", password] if password else [])],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if loaded.returncode != 0:
        sys.stderr.write(loaded.stdout + loaded.stderr)
        return loaded.returncode
    summary, _, logins = loaded.stdout.partition("Demo logins")
    print(summary.strip(), flush=True)
    # The logins come last, once the servers have said what they had to say.
    return serve(port=port, after_start="Demo logins" + logins if logins else "")


class Stop(Exception):
    """SIGTERM or SIGHUP: stop as Ctrl-C does."""


def _stop(signum, frame) -> None:
    raise Stop


def _serve_commands(port: int) -> list[list[str]]:
    return [
        # --quiet: no banner, so that the logins stay the last lines printed.
        [
            str(BIN / "celery"),
            "--quiet",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=error",
        ],
        [
            str(BIN / "celery"),
            "--quiet",
            "-A",
            "config",
            "beat",
            "--loglevel=error",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ],
        # Not DEBUG (see serve). The static files are whitenoise's, from the apps' folders
        # (config/settings/local.py), as production serves them: runserver's own handler
        # answered a `..` in their path with a plain-text 500.
        [
            str(BIN / "python"),
            "manage.py",
            "runserver",
            "--noreload",
            "--nostatic",
            f"127.0.0.1:{port}",
        ],
    ]


def _port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _stop_all(processes: list[subprocess.Popen]) -> None:
    """Each child leads its own process group: the whole group is stopped (a worker's pool,
    a server's children), politely first, then for good."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def serve(*, port: int, after_start: str = "") -> int:
    """Runs the web app, a worker and beat until Ctrl-C, SIGTERM or SIGHUP, or until one of
    them stops; then stops everything it started. The e-mails the app sends carry links to this
    port, and the pages run with DEBUG off: a request the user may not see shows the app's own
    404 page, not Django's debug page listing every URL."""
    env = {
        **os.environ,
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DJANGO_DEBUG": os.environ.get("DJANGO_DEBUG", "False"),
    }
    mail = Path(os.environ.get("EMAIL_JSONL_PATH", VAR / "mail.jsonl"))
    if _port_open(port):
        print(f"Port {port} is already in use; choose another with --port.", file=sys.stderr)
        return 1
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    processes: list[subprocess.Popen] = []
    try:
        for command in _serve_commands(port):
            # A session of its own: the terminal's Ctrl-C reaches only this script, which
            # stops every group it started, each exactly once.
            processes.append(
                subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)  # noqa: S603
            )
        while not _port_open(port):
            if any(p.poll() is not None for p in processes):
                print("A process stopped during start-up; stopping the others.", flush=True)
                return 1
            time.sleep(0.2)
        print(
            f"\nRelais runs at http://127.0.0.1:{port}/ (Ctrl-C stops everything).\n"
            f"E-mails are written to {mail} (one JSON object a line).\n",
            flush=True,
        )
        if after_start:
            print(after_start.rstrip() + "\n", flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
        print("A process stopped; stopping the others.", flush=True)
        return 1
    except (KeyboardInterrupt, Stop):
        return 0
    finally:
        # A second Ctrl-C or SIGTERM must not cut the stopping short.
        for sig in (signal.SIGINT, *previous):
            signal.signal(sig, signal.SIG_IGN)
        _stop_all(processes)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# One pytest process per core (pytest-xdist; each has its own test database), each taking the
# next test as it finishes one, in pytest-django's order (the tests that commit, and empty the
# database after them, last; tests/conftest.py hands each process one test ahead, no more, of
# the module it is in where it can).
# Arguments given after `test` come later and win: `-n 0` runs in one process.
PYTEST_DEFAULTS = ["-n", "auto", "--dist", "load", "--durations=5"]
# Line coverage of the project's code, summed up at the end ([tool.slipcover] in
# pyproject.toml): SlipCover instruments the byte code and takes each probe out once its line
# has run, where coverage.py's tracer on Python 3.11 made the suite cost 1.6 times its CPU.
# `--no-cov` runs pytest alone.
NO_COVERAGE = "--no-cov"


def test(pytest_args: list[str]) -> int:
    setup()
    if NO_COVERAGE in pytest_args:
        runner = [str(BIN / "pytest")]
        pytest_args = [arg for arg in pytest_args if arg != NO_COVERAGE]
    else:
        runner = [str(BIN / "python"), "-m", "slipcover", "-m", "pytest"]
    return subprocess.call([*runner, *PYTEST_DEFAULTS, *pytest_args], cwd=ROOT)  # noqa: S603


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
        return demo(args.password, args.port)
    return test(rest)


if __name__ == "__main__":
    sys.exit(main())
