"""Defaults that sign: every way the README runs Relais has a key and a first checkpoint at
start; production without a key does not start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from audit.apps import first_checkpoint, signing_key_check
from audit.models import AuditCheckpoint
from audit.verifier.notes import parse_checkpoint

ROOT = Path(__file__).resolve().parents[2]


def django_process(settings_module: str, code: str, **env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUDIT_", "DJANGO_", "DATABASE_URL", "REDIS_URL"))
    }
    environment.update(DJANGO_SETTINGS_MODULE=settings_module, **env)
    script = f"import django; django.setup(); {code}"
    return subprocess.run(  # noqa: S603 (the interpreter running the tests, fixed code)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DJANGO_SECRET_KEY": "test-only-not-a-secret",
    "DATABASE_URL": "sqlite:///:memory:",
    "REDIS_URL": "redis://127.0.0.1:6379/6",
    "DJANGO_ALLOWED_HOSTS": "relais.test",
}


def test_production_without_a_signing_key_does_not_start():
    result = django_process("config.settings.production", "print('started')", **PRODUCTION)
    assert result.returncode != 0
    assert "audit log cannot sign checkpoints" in result.stderr
    assert "started" not in result.stdout


def test_production_with_a_signing_key_starts(tmp_path):
    key = tmp_path / "key.pem"
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "witness", "--db", str(tmp_path / "w.sqlite"), "--key", str(key),
         "--name", "unused", "--print-key"],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    result = django_process(
        "config.settings.production",
        "print('started')",
        AUDIT_SIGNING_KEY_FILE=str(key),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize("redis", ["", "redis://127.0.0.1:6379/6"])
def test_local_runs_have_a_key_file_with_or_without_redis(redis):
    code = "from django.conf import settings; print(settings.AUDIT_SIGNING_KEY_FILE)"
    result = django_process("config.settings.local", code, REDIS_URL=redis)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("var/audit-signing-key.pem")


def test_the_system_check_reports_a_missing_key_where_one_is_required(settings):
    settings.AUDIT_REQUIRE_SIGNING_KEY = True
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    assert [error.id for error in signing_key_check()] == ["audit.E001"]
    settings.AUDIT_REQUIRE_SIGNING_KEY = False
    assert signing_key_check() == []


@pytest.mark.django_db
def test_migrate_signs_a_first_checkpoint_when_a_key_is_configured(audit_key):
    assert not AuditCheckpoint.objects.exists()
    first_checkpoint(sender=None)
    checkpoint = AuditCheckpoint.objects.get()
    assert parse_checkpoint(checkpoint.note).reason == "start"
    first_checkpoint(sender=None)  # once only
    assert AuditCheckpoint.objects.count() == 1


@pytest.mark.django_db
def test_migrate_without_a_key_signs_nothing_and_does_not_fail(settings):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    first_checkpoint(sender=None)
    assert not AuditCheckpoint.objects.exists()
