"""Liveness and readiness: open to load balancers without a login, 503 when not ready."""

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from ops import health
from tests.audit.conftest import raw_key


@pytest.fixture
def signing_key_set(settings):
    settings.AUDIT_SIGNING_KEY = raw_key()
    settings.AUDIT_SIGNING_KEY_FILE = ""


def test_liveness_answers_without_login_and_without_a_query(client):
    # No django_db mark: a query would fail the test.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_readiness_answers_200_when_database_migrations_and_key_are_ready(client, signing_key_set):
    response = client.get("/readyz", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert set(response.json().values()) == {"OK"}
    assert any(name.startswith("Migrations") for name in response.json())


@pytest.mark.django_db
def test_readiness_answers_503_without_the_audit_signing_key(client, settings):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    response = client.get("/readyz", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "signing key" in response.json()["SigningKey()"]


@pytest.mark.django_db
def test_readiness_answers_503_when_the_broker_does_not_answer(
    client, signing_key_set, monkeypatch
):
    # Nothing listens on port 1: the check's own connection is refused.
    monkeypatch.setattr(health, "broker_url", lambda: "redis://127.0.0.1:1/0")
    response = client.get("/readyz", HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert "broker unreachable" in response.json()["Broker()"]


@pytest.mark.django_db(transaction=True)
def test_readiness_answers_503_while_a_migration_is_not_applied(client, signing_key_set):
    recorder = MigrationRecorder(connection)
    [(app, latest)] = [
        node for node in MigrationLoader(connection).graph.leaf_nodes() if node[0] == "sharing"
    ]
    health._migrated.clear()
    recorder.record_unapplied(app, latest)
    try:
        response = client.get("/readyz", HTTP_ACCEPT="application/json")
    finally:
        recorder.record_applied(app, latest)
        health._migrated.clear()
    assert response.status_code == 503
    assert response.json()["Migrations(alias='default')"].endswith("1 migration(s) not applied")
