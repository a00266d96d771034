"""A database connection that dies under the application (a PostgreSQL restart, a failover, a
pooler recycling its servers) costs a reconnection with connection health checks, and at worst
a 503 with Retry-After, never a 500.

The requests go through Django's WSGI handler as gunicorn calls it (the test client leaves out
the connection housekeeping a real request does at its start), and the connection is ended for
real by PostgreSQL (`pg_terminate_backend`) from a second connection."""

import io
import json
import select
from unittest import mock
from wsgiref.util import setup_testing_defaults

import psycopg
import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.db.backends.postgresql import base as postgresql_base
from django.test import Client

from accounts.security_services import token_issue
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="ends a PostgreSQL backend for real"
    ),
    pytest.mark.django_db(transaction=True),
]


def call(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    environ["SERVER_NAME"] = "localhost"
    environ.update(headers)
    answer: dict = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    body = b"".join(WSGIHandler()(environ, start_response))
    return answer["status"], answer["headers"], body


def _params() -> dict:
    """This process's connection parameters, for a psycopg connection of its own."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return params


def wait_readable(fileno: int) -> None:
    readable, _, _ = select.select([fileno], [], [], 5)
    assert readable


def terminate_application_connection() -> int:
    """Ends this process's database session from another session, as a restart would."""
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**_params(), autocommit=True) as other:
        # Waits (up to 5 s) until the session has ended, as it has when the next request
        # comes after a restart.
        ended = other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()
    assert ended == (True,)
    return pid


@pytest.fixture
def persistent(monkeypatch):
    """Production's persistent connections; `persistent(health_checks=False)` without checks."""

    def configure(*, health_checks: bool) -> None:
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
        monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", health_checks)
        connection.close()

    yield configure
    connection.close()


@pytest.fixture
def token_header():
    user = UserFactory()
    issued = token_issue(user=user, name="probe", second_factor=False, actor=user)
    return {"HTTP_AUTHORIZATION": f"Token {issued.secret}"}


def test_a_dead_persistent_connection_is_replaced_before_the_request_uses_it(
    persistent, token_header
):
    persistent(health_checks=True)
    assert call("/api/v1/me/", **token_header)[0] == 200
    dead = terminate_application_connection()
    status, _, _ = call("/api/v1/me/", **token_header)
    assert status == 200
    assert connection.connection.info.backend_pid != dead


def test_a_live_idle_connection_is_found_usable_without_asking_the_server(persistent):
    persistent(health_checks=True)
    connection.ensure_connection()
    with mock.patch.object(
        postgresql_base.DatabaseWrapper, "is_usable", side_effect=AssertionError("asked")
    ):
        assert connection.is_usable()


def test_a_connection_with_something_to_read_is_asked_as_django_asks_it(persistent):
    """A notification waiting on the socket is not an ended session: `SELECT 1` says so."""
    persistent(health_checks=True)
    connection.ensure_connection()
    connection.connection.execute("LISTEN relais_probe")
    with psycopg.connect(**_params(), autocommit=True) as other:
        other.execute("NOTIFY relais_probe")
    wait_readable(connection.connection.fileno())
    with mock.patch.object(
        postgresql_base.DatabaseWrapper, "is_usable", autospec=True, return_value=True
    ) as asked:
        assert connection.is_usable()
    assert asked.call_count == 1


def test_an_ended_session_is_found_unusable(persistent):
    persistent(health_checks=True)
    connection.ensure_connection()
    terminate_application_connection()
    assert not connection.is_usable()


def test_an_api_request_caught_by_a_dead_connection_answers_503_json_with_retry_after(
    persistent, token_header
):
    persistent(health_checks=False)
    assert call("/api/v1/me/", **token_header)[0] == 200
    terminate_application_connection()
    status, headers, body = call("/api/v1/me/", **token_header)
    assert status == 503
    assert headers["Retry-After"].isdigit()
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "unavailable"
    # The broken connection was closed at the end of that request: the next one reconnects.
    assert call("/api/v1/me/", **token_header)[0] == 200


def test_a_web_page_caught_by_a_dead_connection_answers_a_503_page(persistent):
    user = UserFactory()
    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    persistent(health_checks=False)
    assert call("/notifications/", HTTP_COOKIE=cookie)[0] == 200
    terminate_application_connection()
    status, headers, body = call("/notifications/", HTTP_COOKIE=cookie)
    assert status == 503
    assert headers["Retry-After"].isdigit()
    assert headers["Content-Type"].startswith("text/html")
    assert "Service momentanément indisponible" in body.decode()
    assert "fr-alert" in body.decode()


def test_any_other_failure_on_the_api_answers_500_in_json(settings, token_header, monkeypatch):
    from accounts import api as accounts_api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(accounts_api.MeView, "get", broken)
    status, headers, body = call("/api/v1/me/", **token_header)
    assert status == 500
    assert headers["Content-Type"] == "application/json"
    assert json.loads(body)["code"] == "server_error"
