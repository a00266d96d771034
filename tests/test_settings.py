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


def test_sqlite_is_left_as_it_is():
    assert database({"ENGINE": "django.db.backends.sqlite3", "NAME": "x"}) == {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": "x",
    }
