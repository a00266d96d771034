"""One JSON line per request: ids, codes and numbers, never the path's values or its query."""

import json
import logging

import pytest

from ops.logging import JsonFormatter
from sharing.models import Status
from tests.factories import request_in


@pytest.mark.django_db
def test_a_request_writes_one_json_line_with_route_pattern_status_and_user(
    api, orgs, liaison, caplog
):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    caplog.set_level(logging.INFO, logger="relais.requests")
    response = api(liaison).get(
        f"/api/v1/requests/{info_request.reference}/?q=Jean+DUPONT",
        HTTP_X_REQUEST_ID="req-0123456789abcdef",
    )
    assert response.status_code == 200
    records = [r for r in caplog.records if r.name == "relais.requests"]
    assert len(records) == 1
    line = json.loads(JsonFormatter().format(records[0]))
    assert line["message"] == "request"
    assert line["request_id"] == response["X-Request-ID"]
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert line["user_id"] == liaison.pk
    assert line["duration_ms"] > 0
    assert "requests/" in line["route"]
    text = json.dumps(line)
    assert info_request.reference not in text
    assert "DUPONT" not in text


@pytest.mark.django_db
def test_an_anonymous_request_logs_no_user_and_probes_are_not_logged(client, caplog):
    caplog.set_level(logging.INFO, logger="relais.requests")
    client.get("/connexion/")
    client.get("/healthz")
    records = [r for r in caplog.records if r.name == "relais.requests"]
    assert [(r.route, r.status, r.user_id) for r in records] == [("connexion/", 200, None)]


def test_json_lines_leave_out_objects_such_as_the_request():
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", ("/x/",), None
    )
    record.request = object()
    record.status_code = 404
    line = json.loads(JsonFormatter().format(record))
    assert line == {
        "time": line["time"],
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /x/",
        "status_code": 404,
    }
