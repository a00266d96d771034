"""The database settings every environment shares (production included)."""

import os
import subprocess
import sys
from pathlib import Path

from config.settings.base import PREPARE_WHEN_ASKED, behind_pooler, database

ROOT = Path(__file__).resolve().parents[1]


def test_postgresql_connections_run_without_jit_and_keep_their_own_options():
    config = database(
        {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c work_mem=8MB"}}
    )
    assert config["OPTIONS"]["options"] == "-c work_mem=8MB -c jit=off"
    assert database({"ENGINE": "django.db.backends.postgresql"})["OPTIONS"] == {
        "options": "-c jit=off",
        "prepare_threshold": PREPARE_WHEN_ASKED,
    }


def test_postgresql_statements_are_prepared_only_where_the_code_asks():
    """psycopg prepares a statement after `prepare_threshold` executions, and never (not even
    when asked) with Django's None: where the code asks, and only there."""
    threshold = database({"ENGINE": "django.db.backends.postgresql"})["OPTIONS"][
        "prepare_threshold"
    ]
    assert threshold == PREPARE_WHEN_ASKED >= 2**62
    own = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"prepare_threshold": 5}}
    assert database(own)["OPTIONS"]["prepare_threshold"] == 5  # an operator's choice stands


def test_postgresql_connections_use_the_projects_backend():
    from django.db.backends.postgresql.base import DatabaseWrapper as Djangos

    from config.postgresql.base import DatabaseWrapper

    assert database({"ENGINE": "django.db.backends.postgresql"})["ENGINE"] == "config.postgresql"
    assert issubclass(DatabaseWrapper, Djangos)


def test_sqlite_shares_its_file_in_wal_mode_and_waits_for_the_write_lock():
    options = database({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"})["OPTIONS"]
    assert "PRAGMA journal_mode=WAL" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5


def test_behind_a_transaction_pooler_no_persistent_connection_no_server_cursor_no_options():
    config = behind_pooler(
        database(
            {
                "ENGINE": "django.db.backends.postgresql",
                "CONN_MAX_AGE": 600,
                "CONN_HEALTH_CHECKS": True,
                "OPTIONS": {"sslmode": "require"},
            }
        )
    )
    assert config["CONN_MAX_AGE"] == 0
    assert config["CONN_HEALTH_CHECKS"] is False
    assert config["DISABLE_SERVER_SIDE_CURSORS"] is True
    # pgbouncer refuses `options`, and a statement prepared in one server session is unknown
    # to the next transaction's (no `prepare_threshold`: psycopg prepares nothing).
    assert config["OPTIONS"] == {"sslmode": "require"}


def test_the_embedded_defaults_files_all_follow_relais_var_dir(tmp_path):
    """Every file a local run writes goes under RELAIS_VAR_DIR: the checkpoints' copy and the
    exports went to the working copy's var/ whatever it said."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AUDIT_", "EMAIL_", "DJANGO_SETTINGS", "REDIS_URL"))
    }
    environment["RELAIS_VAR_DIR"] = str(tmp_path)
    printed = subprocess.run(
        [
            sys.executable,
            "-c",
            "import config.settings.local as s; print(s.AUDIT_SIGNING_KEY_FILE);"
            " print(s.AUDIT_CHECKPOINT_FILE); print(s.AUDIT_EXPORT_DIR); print(s.EMAIL_JSONL_PATH)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert len(printed) == 4
    assert all(
        Path(path).parent == tmp_path or Path(path) == tmp_path / "exports" for path in printed
    )
