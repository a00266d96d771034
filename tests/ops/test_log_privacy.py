"""No log line carries text a client sent: Django's own request, server and security records
keep the route the path matched rather than the path, no query string and no offending value,
and a traceback keeps each exception's type, not its message (which may quote a value).

Run in a process of its own configured by the settings' LOGGING, as a server is, since pytest
puts its own handlers on the loggers."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import logging
import django
django.setup()
from django.test import Client
from ops.logging import KeepNoTypedText
client = Client(HTTP_HOST="127.0.0.1")
client.get("/demandes/Karim-HADDAD-ne-le-03-04-1998/?q=benali")
client.get("/api/v1/requests/26198-2026-9999/?reference=Karim+HADDAD")
client.get("/", HTTP_HOST="karim.haddad.example")
served = logging.LogRecord(
    "django.server", logging.INFO, "probe", 1, '"%s" %s %s',
    ("GET /demandes/?q=benali+karim HTTP/1.1", "200", "512"), None,
)
logging.getLogger("django.server").handle(served)
# What runserver's handler logs of a request line it cannot read (send_error's log_error).
unreadable = logging.LogRecord(
    "django.server", logging.ERROR, "probe", 1, "code %d, message %s",
    (400, "Bad request syntax ('GET /demandes/?q=Karim%20HADDAD x HTTP/1.1')"), None,
)
logging.getLogger("django.server").handle(unreadable)
try:
    try:
        {}["key"]
    except KeyError as error:
        raise ValueError("failing row (Karim HADDAD, 06 12 34 56 78)") from error
except ValueError:
    logging.getLogger("relais.probe").exception("failed")
# What the passkey library logs of a ceremony it refuses, and a library's "%s" of an exception.
try:
    raise ValueError('Unexpected client data type "Karim HADDAD 03/04/1998"')
except ValueError as error:
    logging.getLogger("django_otp_webauthn").exception(error)
    logging.getLogger("mozilla_django_oidc").warning("failed: %s", error)
"""


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_no_log_line_carries_a_path_query_header_or_exception_message(log_format):
    environment = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.test", LOG_FORMAT=log_format)
    logged = subprocess.run(  # noqa: S603 - this interpreter and the probe above
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert logged.returncode == 0, logged.stderr[-3000:]
    logged = logged.stderr
    if log_format == "json":  # what each line says, not the time it was said
        lines = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
        assert {line["logger"] for line in lines} >= {"django.request", "relais.probe"}
        logged = "\n".join(f"{line['message']}\n{line.get('exc', '')}" for line in lines)
    for typed in ("HADDAD", "haddad", "benali", "1998", "06 12", "9999"):
        assert typed not in logged
    assert "Not Found: (no route)" in logged
    assert "Unauthorized: /api/v1/requests/(?P<reference>" in logged
    assert "DisallowedHost" in logged
    assert "GET /demandes/" in logged
    assert "code 400" in logged
    assert "Arguments" not in logged  # no record failed to format
    assert "builtins.KeyError (message not kept)" in logged
    assert "builtins.ValueError (message not kept)" in logged
    assert "failed: builtins.ValueError (message not kept)" in logged
