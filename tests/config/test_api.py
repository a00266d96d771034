"""Bad input on the API answers 400 (or 404, 413) with a JSON body: never a 500, never HTML."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

from sharing.models import Status
from tests.factories import request_in

SHARED_PEOPLE = True  # see tests/conftest.py

DEEP = "[" * 100_000 + "]" * 100_000


def assert_json_error(response, status_code):
    assert response.status_code == status_code, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize("body", [DEEP, '{"a":' * 30 + "1" + "}" * 30])
def test_deeply_nested_json_is_refused_on_the_unauthenticated_token_endpoint(db, body):
    response = Client().post("/api/v1/auth/token/", body, content_type="application/json")
    assert_json_error(response, 400)


def test_deeply_nested_json_is_refused_on_an_action(api, people, orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    response = api(people.liaison).post(
        f"/api/v1/requests/{info_request.reference}/notes/", DEEP, content_type="application/json"
    )
    assert_json_error(response, 400)


@pytest.mark.parametrize(
    "body",
    [
        '{"text": "Point\\u0000 de situation"}',
        '{"text\\u0000": "x"}',
        '{"text": NaN}',
        '{"text": 1e999}',
        # A number where the schema says text: DRF would keep "123", or "inf" for 1e999.
        '{"text": 123}',
        '{"text": 12.5}',
    ],
)
def test_nul_characters_and_numbers_where_text_is_expected_are_refused(api, people, orgs, body):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    response = api(people.liaison).post(
        f"/api/v1/requests/{info_request.reference}/notes/", body, content_type="application/json"
    )
    assert_json_error(response, 400)
    assert not info_request.notes.exists()


def test_a_reasonably_nested_body_is_still_accepted(api, people, orgs):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    response = api(people.liaison).post(
        f"/api/v1/requests/{info_request.reference}/notes/",
        json.dumps({"text": "Point de situation demandé au service."}),
        content_type="application/json",
    )
    assert response.status_code == 201


@pytest.mark.parametrize(
    "query",
    [
        "date_to=9999-12-31",
        "date_from=9999-12-31T23:59:59-12:00",
        "date_from=0001-01-01T00:00:00%2B14:00",
    ],
)
def test_dates_out_of_range_on_audit_events_answer_400(api, people, query):
    response = api(people.auditor_national).get(f"/api/v1/audit/events/?{query}")
    assert_json_error(response, 400)
    assert "date_to" in response.json() or "date_from" in response.json()


def test_dates_out_of_range_on_audit_exports_answer_400(api, people):
    response = api(people.auditor_national).post(
        "/api/v1/audit/exports/", {"date_to": "9999-12-31"}, format="json"
    )
    assert_json_error(response, 400)


def test_dates_out_of_range_in_the_auditors_journal_are_a_form_error(people):
    client = Client()
    client.force_login(people.auditor_national)
    response = client.get("/audit/journal/?date_to=9999-12-31")
    assert response.status_code == 200


@pytest.mark.parametrize("before", ["\u00b2", "9" * 5000, "99999999999999999999"])
def test_a_cursor_that_is_no_seq_in_the_auditors_journal_starts_from_the_newest(people, before):
    """A digit that is not ASCII ("²" is a digit to str.isdigit), or too many digits for int(),
    was a server error."""
    client = Client()
    client.force_login(people.auditor_national)
    assert client.get("/audit/journal/", {"before": before}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/requests/?commune=26%00198",
        "/api/v1/requests/?reference=%01",
        "/api/v1/requests/?%00=1",
        "/api/v1/requests/26198-2026-0001/reminders/1%00/cancel/",
        "/api/v1/requests/26198%00-2026/reminders/1/cancel/",
    ],
)
def test_control_characters_in_path_or_query_answer_400(api, people, url):
    response = api(people.liaison).get(url)
    assert_json_error(response, 400)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/requests/?page=99999999999999999999999",
        "/api/v1/audit/exports/99999999999999999999999/",
        "/api/v1/notifications/99999999999999999999/read/",
        "/api/v1/notifications/%C2%B2/read/",
        "/api/v1/requests/26198-2026-0001/reminders/99999999999999999999/cancel/",
    ],
)
def test_huge_numbers_answer_404(api, people, url):
    user = people.auditor_national if "/audit/" in url else people.liaison
    client = api(user)
    response = client.post(url, {}, format="json") if "read" in url or "cancel" in url else None
    response = response or client.get(url)
    assert response.status_code in {400, 404}, response.content[:300]
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("days", ["1e300", "10001", "2.5"])
def test_requests_filter_with_days_out_of_range_or_not_whole_answers_400(api, people, days):
    response = api(people.liaison).get(f"/api/v1/requests/?min_days_overdue={days}")
    assert_json_error(response, 400)
    assert len(response.json()["min_days_overdue"]) == 1  # one reason, not two maximums


def test_unknown_api_url_answers_json_404(api, people):
    assert_json_error(api(people.liaison).get("/api/v1/no-such-thing/"), 404)
    assert_json_error(Client().get("/api/v9/"), 404)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/legal-bases/NO-SUCH-TEXT/",
        "/api/v1/categories/no-such-category/",
        "/api/v1/requests/26198-2026-9999/",
        "/api/v1/requests/26198-2026-9999/events/",
    ],
)
def test_every_not_found_answers_the_same_body_naming_nothing(api, people, url):
    """A reference lookup and a request out of reach answer alike (DESIGN.md), and no 404
    names the model it looked in (Django's "No LegalBasis matches the given query.")."""
    response = api(people.liaison).get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


def test_unknown_web_url_still_answers_an_html_page(db):
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_wrong_method_answers_json_405(api, people):
    assert_json_error(api(people.liaison).delete("/api/v1/requests/"), 405)


def test_a_body_too_large_answers_json_413(api, people, orgs, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    response = api(people.liaison).post(
        f"/api/v1/requests/{info_request.reference}/notes/",
        json.dumps({"text": "x" * 5000}),
        content_type="application/json",
    )
    assert_json_error(response, 413)


def test_a_server_error_on_the_api_answers_json(people, settings, monkeypatch):
    from accounts import api as accounts_api

    def broken(self, request):
        raise RuntimeError("boom")

    monkeypatch.setattr(accounts_api.MeView, "get", broken)
    client = Client(raise_request_exception=False)
    client.force_login(people.liaison)
    assert_json_error(client.get("/api/v1/me/"), 500)


def test_a_not_found_reference_with_non_printable_characters_is_audited_without_them(api, people):
    from audit.models import AuditEvent

    response = api(people.liaison).post(
        "/api/v1/requests/26198-2026-0099%C2%85%E2%80%8B/reminders/1/cancel/", {}, format="json"
    )
    assert_json_error(response, 404)
    event = AuditEvent.objects.filter(action="request.not_found").order_by("-id").first()
    assert event.details["reference"] == "26198-2026-0099"


def test_schema_documents_plain_lists_generic_errors_and_blank_enums(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    paths = schema["paths"]
    for action in ("notes", "messages", "remarks", "events"):
        get = paths[f"/api/v1/requests/{{reference}}/{action}/"]["get"]
        body = get["responses"]["200"]["content"]["application/json"]["schema"]
        assert body["type"] == "array", action  # not a page: what the endpoint answers
        assert not any(p["name"] == "page" for p in get.get("parameters", []))
    listing = paths["/api/v1/requests/"]["get"]["responses"]
    assert {"200", "400", "401", "404"} <= set(listing)
    token = paths["/api/v1/auth/token/"]["post"]["responses"]
    assert {"200", "400", "413"} <= set(token)
    request = schema["components"]["schemas"]["InfoRequest"]["properties"]
    assert {"$ref": "#/components/schemas/BlankEnum"} in request["resolution"]["oneOf"]
    assert request["assigned_to"]["nullable"] is True


@pytest.mark.parametrize("who", ["auditor_national", "liaison", None])
def test_no_api_answer_is_html_whatever_the_client_accepts(api, people, who):
    """A browser asks for text/html: DRF's browsable API answered it HTML, and a 500 to
    auditors on the events list (its filter form read a queryset the view does not have)."""
    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    client = api(getattr(people, who) if who else None)
    for path, operations in paths.items():
        if "get" not in operations or "{" in path:
            continue
        for headers, query in (({"HTTP_ACCEPT": "text/html"}, {}), ({}, {"format": "api"})):
            response = client.get(path, query, **headers)
            assert response.status_code < 500, (path, response.status_code)
            assert "html" not in response.get("Content-Type", ""), path


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("urgency", "Karim HADDAD né le 03/04/1998"),
        ("urgency", "\\ud800x"),  # a lone surrogate: its echo could not be encoded (500)
        ("category", "karim-haddad-0456789"),
    ],
)
def test_a_choice_or_lookup_refused_on_the_api_never_repeats_the_value(api, people, field, value):
    body = {"purpose": "Point de situation.", "category": "general-threat-briefing"}
    raw = json.dumps({**body, field: "VALUE"}).replace('"VALUE"', f'"{value}"')
    response = api(people.legal_officer).post(
        "/api/v1/requests/", raw, content_type="application/json"
    )
    assert_json_error(response, 400)
    assert field in response.json()
    assert "HADDAD" not in response.content.decode().upper()
    assert "ud800" not in response.content.decode()


def test_a_url_the_api_does_not_have_answers_not_found_in_the_readers_language(api, people):
    response = api(people.liaison).get("/api/v1/tokens/-1/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json() == {"detail": "Non trouvé."}


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_the_schema_and_its_page_answer_anything_but_a_get_in_json(db, path):
    """OPTIONS on the documentation page answered 500, its other errors HTML, the schema's
    YAML. They serve GET (and HEAD) alone; every error of theirs is JSON."""
    client = Client(raise_request_exception=False)
    for method in ("options", "post", "put", "patch", "delete", "trace"):
        assert_json_error(getattr(client, method)(path), 405)
    assert_json_error(client.get(path, {"format": "xml"}), 404)
    assert client.get(path).status_code == 200
    assert client.head(path).status_code == 200


def test_the_documentation_page_refuses_in_json_a_client_that_takes_no_html(db):
    assert_json_error(Client().get("/api/docs/", HTTP_ACCEPT="application/json"), 406)


SCHEMA_AT_ONCE = """
import threading
import django
django.setup()
from django.test import Client
barrier = threading.Barrier(6)
codes = []
def fetch():
    client = Client(HTTP_HOST="127.0.0.1")
    barrier.wait()
    codes.append(client.get("/api/schema/").status_code)
threads = [threading.Thread(target=fetch) for _ in range(6)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(sorted(codes))
"""


def test_a_new_process_serves_its_first_schemas_to_simultaneous_requests(db):
    """drf-spectacular loads its extensions on the first generation, without a lock: six
    threads of a new process asking at once got server errors. A process of its own, since
    this one has generated the schema already."""
    environment = {
        key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"
    }
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    run = subprocess.run(  # noqa: S603 - this interpreter and the script above
        [sys.executable, "-c", SCHEMA_AT_ONCE],
        cwd=Path(__file__).resolve().parents[2],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.stdout.strip() == str([200] * 6), run.stderr[-2000:]
