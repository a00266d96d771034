"""Filters and searches are screened before anything about them is recorded: a refused value
is a field error, never stored; the refusal is recorded with the kinds found only."""

import json

import pytest
from django.test import Client

from audit.models import AuditEvent, AuditExport
from audit.sequencer import audit_sequence, sequenced_size
from sharing.models import Status
from sharing.screening import refusals_in
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

NAME = "Jean-Baptiste DURANDEAU"
NIR = "1 85 03 75 123 456 78"
EMAIL = "kevin.durandeau@example.fr"


def since(seq: int) -> list[AuditEvent]:
    """What was recorded after `seq`, sign-ins aside."""
    audit_sequence()
    return list(AuditEvent.objects.filter(seq__gt=seq).exclude(action="auth.login").order_by("seq"))


def stored(events: list[AuditEvent]) -> str:
    return json.dumps([event.body() for event in events], ensure_ascii=False, default=str)


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_refusals_name_each_refused_field_once_with_its_kinds():
    refusals = refusals_in(
        {"reference": NAME, "commune": "26198", "user": EMAIL}, fields={"reference", "user"}
    )
    assert [(r.field, r.kinds) for r in refusals] == [
        ("reference", ["person_name"]),
        ("user", ["email"]),
    ]


@pytest.mark.parametrize(
    ("field", "value", "kind"),
    [
        ("reference", NAME, "person_name"),
        ("commune", NIR, "nir"),
        ("assigned_to", EMAIL, "email"),
        ("category", "06 12 34 56 78", "phone"),
        ("ordering", NAME, "person_name"),
        ("page", NIR, "nir"),
    ],
)
def test_api_list_refuses_a_filter_carrying_personal_data_with_a_field_error(
    api, people, field, value, kind
):
    seq = sequenced_size()
    response = api(people.liaison).get("/api/v1/requests/", {field: value, "status": "submitted"})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert value not in response.content.decode()
    [event] = since(seq)
    assert (event.action, event.outcome) == ("request.listed", "refused")
    assert event.details == {"via": "api", "refused": {field: [kind]}}


def test_api_list_records_a_clean_query_as_before(api, people, orgs):
    info_request = request_in(Status.SUBMITTED, orgs.montelimar)
    seq = sequenced_size()
    response = api(people.liaison).get(
        "/api/v1/requests/",
        {
            "reference": info_request.reference[:10],
            "ordering": "-created_at,jean.dupont",
            "page": "1",
        },
    )
    assert response.status_code == 200
    [event] = since(seq)
    assert event.outcome == "ok"
    # Ordering as applied (an unknown term is dropped, not kept), the rest as typed.
    assert event.details["query"] == {
        "ordering": "-created_at",
        "page": "1",
        "reference": info_request.reference[:10],
    }


def test_web_list_shows_the_error_and_records_the_kinds_never_the_value(people, orgs):
    request_in(Status.SUBMITTED, orgs.montelimar)
    seq = sequenced_size()
    response = web(people.liaison).get("/demandes/", {"reference": NAME, "overdue": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "le nom d&#x27;une personne" in page
    assert 'value="Jean-Baptiste DURANDEAU"' not in page  # the refused text is cleared
    [event] = since(seq)
    assert event.action == "request.listed"
    assert event.details["refused"] == {"reference": ["person_name"]}
    assert event.details["query"] == {"overdue": "true"}  # the other filters still apply
    assert "DURANDEAU" not in stored([event])


@pytest.mark.parametrize("field", ["user", "organization", "action", "reference"])
def test_audit_api_list_refuses_personal_data_in_its_filters(api, people, field):
    seq = sequenced_size()
    response = api(people.auditor_national).get("/api/v1/audit/events/", {field: NAME})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert "DURANDEAU" not in response.content.decode()
    [event] = since(seq)
    assert (event.action, event.outcome) == ("audit.listed", "refused")
    assert event.details == {"via": "api", "refused": {field: ["person_name"]}}


@pytest.mark.parametrize(
    ("field", "value"), [("date_from", "1998-04-03"), ("date_to", "2011-05-01T00:00:00Z")]
)
def test_audit_filters_refuse_an_old_full_date_as_a_date_of_birth(api, people, field, value):
    seq = sequenced_size()
    client = api(people.auditor_national)
    assert client.get("/api/v1/audit/events/", {field: value}).status_code == 400
    response = client.post("/api/v1/audit/exports/", {field: value}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert not AuditExport.objects.exists()
    events = since(seq)
    assert [(e.action, e.outcome) for e in events] == [
        ("audit.listed", "refused"),
        ("audit.export_requested", "refused"),
    ]
    assert all(e.details["refused"] == {field: ["date_of_birth"]} for e in events)
    assert value[:10] not in stored(events)
    assert client.get("/api/v1/audit/events/", {field: "2026-11-03"}).status_code == 200


def test_audit_journal_refuses_an_old_full_date_next_to_the_field(people):
    seq = sequenced_size()
    response = web(people.auditor_national).get("/audit/journal/", {"date_from": "1998-04-03"})
    assert response.status_code == 200
    assert "une date de naissance" in response.content.decode()
    [event] = since(seq)
    assert event.details["refused"] == {"date_from": ["date_of_birth"]}
    assert "1998" not in stored([event])


def test_audit_filter_on_an_existing_username_is_not_screened(api, people):
    response = api(people.auditor_national).get(
        "/api/v1/audit/events/", {"user": people.mayor.username}
    )
    assert response.status_code == 200


def test_audit_export_is_not_made_when_its_filters_carry_personal_data(api, people):
    seq = sequenced_size()
    response = api(people.auditor_national).post(
        "/api/v1/audit/exports/", {"reference": EMAIL}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["reference"]
    assert not AuditExport.objects.exists()
    [event] = since(seq)
    assert (event.action, event.outcome) == ("audit.export_requested", "refused")
    assert "durandeau" not in stored([event]).lower()


def test_audit_web_log_and_export_show_the_error_and_record_nothing_of_the_value(people):
    client = web(people.auditor_national)
    seq = sequenced_size()
    response = client.get("/audit/journal/", {"organization": NIR})
    assert response.status_code == 200
    assert "123 456" not in response.content.decode()
    response = client.post("/audit/exports/", {"reference": NAME})
    assert response.status_code == 400
    assert "DURANDEAU" not in response.content.decode()
    assert not AuditExport.objects.exists()
    events = since(seq)
    assert [(e.action, e.outcome) for e in events] == [
        ("audit.listed", "ok"),
        ("audit.export_requested", "refused"),
        ("audit.exports_listed", "ok"),
    ]
    assert events[0].details["refused"] == {"organization": ["nir"]}
    assert events[1].details == {"via": "web", "refused": {"reference": ["person_name"]}}
    assert "DURANDEAU" not in stored(events)
    assert "123 456" not in stored(events)
