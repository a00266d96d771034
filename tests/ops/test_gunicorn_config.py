"""gunicorn's configuration (config/gunicorn.conf.py): the application and the privacy screen's
language model are loaded in the master, before the workers fork. The stack test
(tests/stack/) checks the same on a running gunicorn: the master holds the model and its workers
screen with it."""

import importlib.util
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from sharing.privacy import model

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"


@pytest.fixture(autouse=True)
def _metrics_directory(monkeypatch, tmp_path):
    """The configuration sets PROMETHEUS_MULTIPROC_DIR when unset: set here, and unset again
    after the test, so that no later process of this run inherits it."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))


def load_config():
    spec = importlib.util.spec_from_file_location("gunicorn_conf_under_test", CONFIG)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_application_is_preloaded_unless_turned_off(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    assert load_config().preload_app is True
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    assert load_config().preload_app is False


def test_the_master_loads_the_model_and_leaves_no_connection_open(
    monkeypatch, caplog, django_db_setup, django_db_blocker
):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    # As in a master that has screened nothing (the model it loads stays, for the next tests).
    model._nlp = None
    server = SimpleNamespace(log=logging.getLogger("gunicorn.error"))
    with django_db_blocker.unblock():
        connection.ensure_connection()  # as an application that read something while loading
        assert connection.connection is not None
        with caplog.at_level(logging.INFO, logger="gunicorn.error"):
            load_config().when_ready(server)
    assert model._nlp is not None
    assert model._nlp is model.pipeline()
    # (Django never closes an in-memory SQLite test database.)
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        assert connection.connection is None
    assert "loaded before the workers fork" in caplog.text


def test_without_preloading_the_master_loads_nothing(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    monkeypatch.setattr(model, "_nlp", None)
    load_config().when_ready(SimpleNamespace(log=logging.getLogger("gunicorn.error")))
    assert model._nlp is None
