"""The auditors' API: scope, filters, 404 for everyone else, exports with progress."""

import io
import json
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from audit.models import AuditEvent, AuditExport
from audit.pagination import SeqCursorPagination
from audit.sequencer import audit_sequence
from audit.services import audit_record

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.audit.urls")]

EVENTS = "/api/v1/audit/events/"
EXPORTS = "/api/v1/audit/exports/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def activity(users, orgs):
    """A view in Drôme, a view in Pas-de-Calais, a login by a Drôme user (no organisation)."""
    audit_record(
        actor=users["liaison26"],
        action="request.viewed",
        target=None,
        organization=orgs["montelimar"],
        details={"reference": "26198-2026-0001"},
    )
    audit_record(actor=users["liaison62"], action="request.viewed", organization=orgs["arras"])
    audit_record(actor=users["mayor"], action="auth.login")
    audit_record(
        actor=users["liaison26"],
        action="request.listed",
        organization=orgs["pref26"],
        details={"references": ["26198-2026-0001", "26198-2026-0002"], "count": 2},
    )
    audit_sequence()  # the auditors' list shows sequenced events


def actions_seen(viewer, **params) -> list[tuple[str, str]]:
    response = client_for(viewer).get(EVENTS, params)
    assert response.status_code == 200, response.content
    return [(e["action"], e["actor_username"]) for e in response.json()["results"]]


def test_national_auditor_sees_every_event(activity, users):
    seen = actions_seen(users["auditor_national"])
    assert ("request.viewed", "liaison-62") in seen
    assert ("request.viewed", "liaison-26") in seen


def test_departmental_auditor_sees_only_their_departement(activity, users):
    seen = actions_seen(users["auditor26"])
    assert ("request.viewed", "liaison-26") in seen
    assert ("auth.login", "mayor-26198") in seen  # the actor belongs to Drôme
    assert ("request.viewed", "liaison-62") not in seen


def test_staff_see_every_event(activity, users):
    assert ("request.viewed", "liaison-62") in actions_seen(users["staff"])


@pytest.mark.parametrize("who", ["mayor", "liaison26", "nobody"])
def test_everyone_else_gets_404_and_the_denial_is_recorded(activity, users, who):
    assert client_for(users[who]).get(EVENTS).status_code == 404
    assert client_for(users[who]).post(EXPORTS, {}, format="json").status_code == 404
    denial = AuditEvent.objects.order_by("-seq").first()
    assert (denial.action, denial.outcome, denial.actor_username) == (
        "permission.denied",
        "denied",
        users[who].username,
    )


def test_events_name_their_actor_beside_the_recorded_username(activity, users):
    liaison = users["liaison26"]
    liaison.first_name, liaison.last_name = "Claire", "Moreau"
    liaison.save(update_fields=["first_name", "last_name"])
    rows = client_for(users["auditor_national"]).get(EVENTS).json()["results"]
    named = {(row["actor_username"], row["actor_name"]) for row in rows}
    assert ("liaison-26", "Claire Moreau") in named
    assert ("liaison-62", "liaison-62") in named  # no name: the username stands in
    audit_record(actor=None, action="auth.session_expired")  # no one acted: no name
    audit_sequence()  # the auditors' list shows sequenced events
    newest = client_for(users["auditor_national"]).get(EVENTS, {"action": "auth.*"}).json()
    first = newest["results"][0]
    assert (first["action"], first["actor_username"], first["actor_name"]) == (
        "auth.session_expired",
        "",
        "",
    )


def test_anonymous_requests_are_refused(activity):
    assert APIClient().get(EVENTS).status_code in (401, 403)


def test_filters_by_user_action_organisation_and_reference(activity, users):
    auditor = users["auditor_national"]
    assert {a for a, _ in actions_seen(auditor, user="liaison-62")} == {"request.viewed"}
    assert {u for _, u in actions_seen(auditor, action="auth.login")} == {"mayor-26198"}
    assert {a for a, _ in actions_seen(auditor, action="request.*")} == {
        "request.viewed",
        "request.listed",
    }
    assert {u for _, u in actions_seen(auditor, organization="62041")} == {"liaison-62"}
    assert set(actions_seen(auditor, reference="26198-2026-0002")) == {
        ("request.listed", "liaison-26")
    }


def test_date_filters(activity, users):
    auditor = users["auditor_national"]
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert actions_seen(auditor, date_from=tomorrow) == []
    today = timezone.localdate().isoformat()
    assert ("request.viewed", "liaison-62") in actions_seen(auditor, date_from=today, date_to=today)


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "yesterday"},
        {"action": "DROP TABLE"},
        {"date_from": "2026-02-02", "date_to": "2026-02-01"},
    ],
)
def test_bad_filters_answer_400(activity, users, params):
    response = client_for(users["auditor_national"]).get(EVENTS, params)
    assert response.status_code == 400


def test_listing_is_itself_recorded(activity, users):
    client_for(users["auditor26"]).get(EVENTS, {"action": "request.viewed"})
    listed = AuditEvent.objects.order_by("-seq").first()
    assert listed.action == "audit.listed"
    assert listed.actor_username == "auditor-26"
    assert listed.details["filters"] == {"action": "request.viewed"}
    assert listed.details["count"] == len(listed.details["seqs"]) == 1


@pytest.fixture
def export_dir(settings, tmp_path):
    settings.AUDIT_EXPORT_DIR = tmp_path / "exports"
    return settings.AUDIT_EXPORT_DIR


def test_export_runs_reports_progress_and_downloads(
    activity, users, audit_key, export_dir, django_capture_on_commit_callbacks
):
    client = client_for(users["auditor26"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(EXPORTS, {"action": "request.*"}, format="json")
    assert response.status_code == 202
    export_id = response.json()["id"]
    detail = client.get(f"{EXPORTS}{export_id}/").json()
    assert detail["status"] == "done"
    assert detail["progress"] == 100
    assert detail["scope"] == ["26"]
    assert detail["download_url"].endswith(f"/exports/{export_id}/download/")
    download = client.get(f"{EXPORTS}{export_id}/download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert sorted(archive.namelist()) == [
        "checkpoints.txt",
        "events.jsonl",
        "manifest.json",
        "pubkey.txt",
        "tree.txt",
    ]
    lines = [json.loads(line) for line in archive.read("events.jsonl").splitlines()]
    full = [line["body"] for line in lines if "body" in line]
    assert {(b["action"], b["actor_username"]) for b in full} == {
        ("request.viewed", "liaison-26"),
        ("request.listed", "liaison-26"),
    }
    assert all("body_hash" in line for line in lines if "body" not in line)
    recorded = list(
        AuditEvent.objects.filter(action__startswith="audit.export").values_list(
            "action", flat=True
        )
    )
    assert recorded == [
        "audit.export_requested",
        "audit.export_viewed",  # polling the export is a read, recorded too
        "audit.export_downloaded",
    ]


def test_exports_of_others_are_404(activity, users, audit_key, export_dir):
    with mock.patch("audit.tasks.run_export.delay"):
        response = client_for(users["auditor26"]).post(EXPORTS, {}, format="json")
    export_id = response.json()["id"]
    other = client_for(users["auditor_national"])
    assert other.get(f"{EXPORTS}{export_id}/").status_code == 404
    assert other.get(f"{EXPORTS}{export_id}/download/").status_code == 404
    assert other.get(f"{EXPORTS}00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client_for(users["staff"]).get(f"{EXPORTS}{export_id}/").status_code == 200


@pytest.mark.parametrize("field", ["user", "organization", "reference"])
def test_an_export_filter_that_is_not_printable_is_refused_with_400(
    activity, users, audit_key, export_dir, field
):
    """Found by Schemathesis's stateful phase: such a filter reached the export's audit record,
    which refused it, and the API answered 500."""
    before = AuditExport.objects.count()
    response = client_for(users["auditor26"]).post(EXPORTS, {field: "26\u200b"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert AuditExport.objects.count() == before


def test_download_before_the_export_is_done_answers_409(activity, users, audit_key, export_dir):
    client = client_for(users["auditor26"])
    with mock.patch("audit.tasks.run_export.delay"):
        export_id = client.post(EXPORTS, {}, format="json").json()["id"]
    assert AuditExport.objects.get(pk=export_id).status == "pending"
    assert client.get(f"{EXPORTS}{export_id}/download/").status_code == 409


def test_export_without_a_signing_key_fails_visibly(activity, users, settings, export_dir):
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = ""
    from audit.exports import export_request, export_run
    from audit.selectors import EventFilters

    with mock.patch("audit.tasks.run_export.delay"):
        export = export_request(owner=users["auditor26"], scope=["26"], filters=EventFilters())
    export = export_run(export_id=export.pk)
    assert export.status == "failed"
    assert "AUDIT_SIGNING_KEY" in export.error


@pytest.fixture
def small_pages():
    """Pages of 2 events, so that a handful of events spans several pages."""
    with mock.patch.object(SeqCursorPagination, "page_size", 2):
        yield


def test_pages_follow_next_through_every_event_of_the_scope_once(activity, users, small_pages):
    auditor = users["auditor26"]
    for n in range(5):
        audit_record(actor=users["liaison26"], action="request.viewed", details={"n": n})
        audit_record(actor=users["liaison62"], action="request.viewed", details={"n": n})
    audit_sequence()
    in_scope = set(
        AuditEvent.objects.filter(
            Q(departement_code="26") | Q(scope__contains=",26,"), action="request.viewed"
        ).values_list("seq", flat=True)
    )
    seen: list[int] = []
    url: str | None = f"{EVENTS}?action=request.viewed"
    while url:
        body = client_for(auditor).get(url).json()
        assert set(body) == {"next", "results"}  # nothing counted, no page numbers
        assert len(body["results"]) <= 2
        seen.extend(event["seq"] for event in body["results"])
        url = body["next"]
        if url:
            assert "action=request.viewed" in url  # the filters are kept
    assert seen == sorted(in_scope, reverse=True)  # newest first, each once, none outside


def test_a_page_is_read_without_counting_the_scope(activity, users, small_pages):
    with CaptureQueriesContext(connection) as queries:
        response = client_for(users["auditor_national"]).get(EVENTS, {"before": 3})
    assert response.status_code == 200
    assert [event["seq"] for event in response.json()["results"]] == [2, 1]
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]


def test_old_clients_first_page_number_is_the_first_page(activity, users, small_pages):
    newest = list(
        AuditEvent.objects.filter(seq__isnull=False).order_by("-seq").values_list("seq", flat=True)
    )
    response = client_for(users["auditor_national"]).get(EVENTS, {"page": 1})
    assert response.status_code == 200
    body = response.json()
    assert [event["seq"] for event in body["results"]] == newest[:2]
    assert "page=" not in body["next"]
    assert f"before={newest[1]}" in body["next"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 2}, "page"),
        ({"page": "last"}, "page"),
        ({"before": 0}, "before"),
        ({"before": "abc"}, "before"),
        ({"before": 2**63}, "before"),
    ],
)
def test_page_numbers_and_bad_cursors_answer_400_naming_the_field(activity, users, params, field):
    response = client_for(users["auditor_national"]).get(EVENTS, params)
    assert response.status_code == 400
    assert field in response.json()
