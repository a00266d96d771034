"""The database settings every environment shares (production included)."""

from config.settings.base import database


def test_postgresql_connections_run_without_jit_and_keep_their_own_options():
    config = database(
        {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c work_mem=8MB"}}
    )
    assert config["OPTIONS"]["options"] == "-c work_mem=8MB -c jit=off"
    assert database({"ENGINE": "django.db.backends.postgresql"})["OPTIONS"] == {
        "options": "-c jit=off"
    }


def test_sqlite_shares_its_file_in_wal_mode_and_waits_for_the_write_lock():
    options = database({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"})["OPTIONS"]
    assert "PRAGMA journal_mode=WAL" in options["init_command"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 5
