"""dev.py's set-up: the installed packages are byte-compiled when uv.lock changes, not on every
run (uv does not compile them by default, and `--compile-bytecode` costs seconds even with
nothing to compile)."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def dev(tmp_path, monkeypatch):
    """dev.py as a module, with a .venv in tmp_path whose python and uv exist, and its commands
    recorded instead of run."""
    spec = importlib.util.spec_from_file_location("relais_dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    for name in ("python", "uv"):
        (venv / "bin" / name).touch()
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "BIN", venv / "bin")
    monkeypatch.setattr(module, "COMPILED_FOR", venv / "relais-bytecode.lock-sha256")
    module.commands = []
    monkeypatch.setattr(module, "run", lambda *args, env=None: module.commands.append(args))
    return module


def syncs(dev) -> list[tuple[str, ...]]:
    return [tuple(map(str, args[1:])) for args in dev.commands if str(args[0]).endswith("uv")]


def test_packages_are_compiled_at_the_first_set_up_and_not_again(dev):
    dev.setup()
    dev.setup()
    assert syncs(dev) == [
        ("sync", "--frozen", "--quiet", "--compile-bytecode"),
        ("sync", "--frozen", "--quiet"),
    ]


def test_packages_are_compiled_again_when_the_lock_changes(dev):
    dev.setup()
    dev.COMPILED_FOR.write_text("the sha-256 of an older uv.lock")
    dev.setup()
    assert syncs(dev)[-1] == ("sync", "--frozen", "--quiet", "--compile-bytecode")
    assert dev.COMPILED_FOR.read_text() != "the sha-256 of an older uv.lock"
