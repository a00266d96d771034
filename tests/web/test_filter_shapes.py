"""Filters that name a thing by its identifier take that identifier's shape, or name one that
exists; anything else is bad input, refused before the list (and its query) is recorded. An
outside red team got a surname, a phone number written with slashes, a plate in lower case and
a watchlist number into the audit log and into saved views through these filters: the screen
reads prose, and these values are not prose."""

from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import reverse

from audit.models import AuditCheckpoint, AuditEvent, AuditExport
from sharing.models import SavedView, Status
from tests.factories import request_in
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

PLANTED = ["haddad", "06/12/34/56/78", "ab-123-cd", "12 bd gambetta", "fiche-s-0456789", "Y.Benali"]


def _kept_anywhere(value: str) -> bool:
    """Whether the value is in an audit event, a saved view or an export's filters."""
    rows = [
        *AuditEvent.objects.values_list("details", flat=True),
        *SavedView.objects.values_list("query", flat=True),
        *AuditExport.objects.values_list("filters", flat=True),
    ]
    return any(value in str(row) for row in rows)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference", "haddad"),
        ("reference", "06/12/34/56/78"),
        ("reference", "ab-123-cd"),
        ("reference", "03041998"),  # a date of birth, no reference's beginning
        ("commune", "12 bd gambetta"),
        ("commune", "haddad"),
        ("category", "fiche-s-0456789"),
        ("assigned_to", "Y.Benali"),
    ],
)
def test_an_api_list_filter_out_of_its_shape_is_a_field_error_and_kept_nowhere(
    api, people, field, value
):
    response = api(people.liaison).get("/api/v1/requests/", {field: value})
    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert value not in response.content.decode()
    assert not _kept_anywhere(value)


def test_api_list_filters_in_their_shape_still_filter(api, orgs, people):
    request = request_in(Status.SUBMITTED, orgs.montelimar)
    client = api(people.liaison)
    for query in (
        {"reference": request.reference[:10]},
        {"commune": orgs.montelimar.code},
        {"category": request.category.code},
        {"assigned_to": people.liaison.username},
    ):
        response = client.get("/api/v1/requests/", query)
        assert response.status_code == 200, query
    found = client.get("/api/v1/requests/", {"reference": request.reference[:10]}).json()
    assert [row["reference"] for row in found["results"]] == [request.reference]


@pytest.mark.parametrize("value", ["BENALI", "06/12/34/56/78", "ab-123-cd", "19980403"])
def test_a_web_reference_filter_out_of_its_shape_is_a_field_error(web, people, value):
    response = web(people.legal_officer).get(reverse("requests"), {"reference": value})
    assert response.status_code == 200
    assert "reference" in response.context["form"].errors
    assert value not in str(response.context["form"].errors)
    assert not _kept_anywhere(value)


def test_a_saved_view_keeps_only_a_work_list_that_exists(web, people):
    client = web(people.liaison)
    query = urlencode({"worklist": "Karim HADDAD 0612345678", "status": "open"})
    client.post(reverse("saved-views"), {"name": "Suivi", "query": query})
    assert not _kept_anywhere("HADDAD")
    query = urlencode({"worklist": "en-retard"})
    assert (
        client.post(reverse("saved-views"), {"name": "Retards", "query": query}).status_code == 302
    )
    assert SavedView.objects.get(name="Retards").query == "worklist=en-retard"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("user", "haddad karim"),
        ("organization", "benali"),
        ("reference", "06/12/34/56/78"),
        ("reference", "0456789"),  # a file number
        ("reference", "3-4-98"),
        ("action", "haddad_karim_03041998"),  # an action's shape, no action the log records
        ("action", "karim.haddad"),
    ],
)
def test_auditors_filters_out_of_their_shape_are_field_errors_and_kept_nowhere(
    api, web, people, field, value
):
    client = api(people.auditor_national)
    response = client.get("/api/v1/audit/events/", {field: value})
    assert response.status_code == 400
    assert field in response.json()
    exports = AuditExport.objects.count()
    assert client.post("/api/v1/audit/exports/", {field: value}, format="json").status_code == 400
    assert AuditExport.objects.count() == exports
    page = web(people.auditor_national).get(reverse("audit-log"), {field: value})
    assert field in page.context["form"].errors
    assert value not in str(page.context["form"].errors)  # the field named, not the value
    assert not _kept_anywhere(value)
    assert not AuditCheckpoint.objects.filter(note__contains=value).exists()


def test_auditors_filters_naming_what_exists_still_filter(api, people, orgs):
    client = api(people.auditor_national)
    for query in (
        {"user": people.liaison.username},
        {"organization": orgs.montelimar.code},
        {"reference": "26198-2026"},
        {"reference": "2A004-2026-00"},
        {"action": "request.viewed"},
        {"action": "request.*"},
    ):
        assert client.get("/api/v1/audit/events/", query).status_code == 200, query


def test_a_search_in_words_is_recorded_as_a_digest_an_auditor_can_compute(web, people):
    """The screen lets a surname alone in lower case pass: the list still searches it, and
    the audit log keeps its keyed digest, which `search_digest` gives for the same words."""
    client = web(people.liaison)
    assert client.get(reverse("requests"), {"q": "Bouzid  "}).status_code == 200
    recorded = last_event("request.listed").details["query"]["q"]
    assert recorded.startswith("digest:")
    assert not _kept_anywhere("bouzid")
    printed = StringIO()
    call_command("search_digest", "bouzid", stdout=printed)
    assert printed.getvalue().strip() == recorded
    client.get(reverse("requests"), {"q": "26198-2026"})
    assert last_event("request.listed").details["query"]["q"] == "26198-2026"
