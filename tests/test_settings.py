"""The database settings every environment shares (production included)."""

from config.settings.base import PREPARE_WHEN_ASKED, behind_pooler, database


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
