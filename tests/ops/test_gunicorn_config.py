"""gunicorn's configuration (config/gunicorn.conf.py): the application and the privacy screen's
language model are loaded in the master, before the workers fork, and what a process holds
for good is frozen out of the garbage collector's passes (ops/heap.py): in the master, and in
each worker after its first requests. The stack test (tests/stack/) checks the same on a
running gunicorn: the master holds the model and its workers screen with it."""

import gc
import importlib.util
import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from ops import heap
from sharing.privacy import model

CONFIG = Path(__file__).resolve().parents[2] / "config" / "gunicorn.conf.py"


@pytest.fixture(autouse=True)
def _metrics_directory(monkeypatch, tmp_path):
    """The configuration sets PROMETHEUS_MULTIPROC_DIR when unset: set here, and unset again
    after the test, so that no later process of this run inherits it."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))


@pytest.fixture(autouse=True)
def _nothing_left_frozen(monkeypatch):
    """A test that runs a hook freezing this process's heap starts with nothing frozen, and
    leaves the heap frozen again if it was (tests/conftest.py freezes it after collection)."""
    monkeypatch.setattr(heap, "_served", 0)
    frozen_before = gc.get_freeze_count()
    gc.unfreeze()
    yield
    gc.unfreeze()
    if frozen_before:
        gc.freeze()


def _seen_by_the_collector(kept) -> bool:
    return any(tracked is kept for tracked in gc.get_objects())


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
    # Everything the master holds is out of the collector's passes, the model among it.
    assert gc.get_freeze_count() > 100_000
    assert not _seen_by_the_collector(model._nlp)


def test_without_preloading_the_master_loads_nothing(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    monkeypatch.setattr(model, "_nlp", None)
    load_config().when_ready(SimpleNamespace(log=logging.getLogger("gunicorn.error")))
    assert model._nlp is None


def test_without_preloading_each_worker_freezes_what_it_loaded(monkeypatch):
    monkeypatch.setenv("GUNICORN_PRELOAD", "0")
    load_config().post_worker_init(SimpleNamespace())
    assert gc.get_freeze_count() > 0


def test_with_preloading_a_worker_starts_with_the_masters_frozen_heap(monkeypatch):
    monkeypatch.delenv("GUNICORN_PRELOAD", raising=False)
    load_config().post_worker_init(SimpleNamespace())
    assert gc.get_freeze_count() == 0  # nothing more to do in the worker at its start


def test_a_worker_freezes_what_it_holds_once_after_its_first_requests(monkeypatch):
    monkeypatch.setattr(heap, "WARM_REQUESTS", 3)
    config = load_config()
    config.post_request(SimpleNamespace(), None, {}, None)
    config.post_request(SimpleNamespace(), None, {}, None)
    assert gc.get_freeze_count() == 0
    kept = {"template": ["what the first requests built and the worker keeps"]}
    assert _seen_by_the_collector(kept)
    config.post_request(SimpleNamespace(), None, {}, None)
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert not _seen_by_the_collector(kept)
    later = {"built": ["after the freeze"]}
    config.post_request(SimpleNamespace(), None, {}, None)
    assert gc.get_freeze_count() == frozen  # once, not at every request
    assert _seen_by_the_collector(later)
