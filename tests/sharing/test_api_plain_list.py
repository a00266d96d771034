"""The API list narrowed by statuses alone, or not at all, is read from compiled statements
(`sharing.selectors.api_list`): every reader gets the same answer, page by page, as through
the filter backends, and every other query still goes through them."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import group_ids_of
from audit.models import AuditEvent
from sharing.api import InfoRequestViewSet
from sharing.models import InfoRequestUserObjectPermission, Status
from sharing.pagination import BoundedPageNumberPagination
from sharing.selectors import api_list, holds_personal_permissions, own_organisations
from tests.factories import request_in
from tests.sharing.test_list_scope import ROLES

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LIST = "/api/v1/requests/"
# The roles tests/sharing/test_list_scope.py walks, the national auditor and staff aside.
READERS = [role for role in ROLES if role not in {"auditor_national", "staff"}]
QUERIES = [
    "",
    "status=submitted",
    "status=submitted&status=acknowledged&ordering=decision_due,reference",
    "status=acknowledged&status=submitted&status=submitted",
    "status=draft",
    "ordering=reference",
    "ordering=-reference,created_at",
    "ordering=not_a_field",
    "ordering=urgency,-reference&page=2",
    "page=last",
    "page=3",
]


@pytest.fixture(scope="module")
def _requests_everywhere(shared_orgs, django_db_blocker) -> None:
    """Requests of each status that has its own deadline in three communes of two
    prefectures, built once for the module."""
    statuses = (Status.DRAFT, Status.SUBMITTED, Status.ACKNOWLEDGED, Status.DECIDED)
    with django_db_blocker.unblock():
        for commune in (shared_orgs.montelimar, shared_orgs.valence, shared_orgs.arras):
            for status in statuses:
                request_in(status, commune)
                request_in(status, commune)


@pytest.fixture
def small_pages(monkeypatch):
    """Pages of three, so that a few requests make several pages."""
    monkeypatch.setattr(BoundedPageNumberPagination, "page_size", 3)


def _through_the_filter_backends(monkeypatch) -> None:
    monkeypatch.setattr(InfoRequestViewSet, "_plain_list", lambda self, request: None)


@pytest.mark.usefixtures("_requests_everywhere")
@pytest.mark.parametrize("reader", READERS)
def test_every_reader_gets_the_answer_the_filter_backends_give(
    api, people, small_pages, monkeypatch, reader
):
    client = api(getattr(people, reader))
    compiled = {query: client.get(f"{LIST}?{query}") for query in QUERIES}
    _through_the_filter_backends(monkeypatch)
    for query, response in compiled.items():
        expected = client.get(f"{LIST}?{query}")
        assert (response.status_code, query) == (expected.status_code, query)
        assert (response.json(), query) == (expected.json(), query)


@pytest.mark.usefixtures("_requests_everywhere")
def test_the_answers_compared_hold_requests_and_several_pages(api, people, small_pages):
    """What the comparison above compares is not empty: the liaison's inbox spans pages."""
    client = api(people.liaison)
    inbox = client.get(f"{LIST}?status=submitted&status=acknowledged&ordering=decision_due")
    body = inbox.json()
    assert body["count"] == 8
    assert len(body["results"]) == 3
    assert body["next"] is not None
    assert {row["status"] for row in body["results"]} <= {"submitted", "acknowledged"}
    dues = [row["decision_due"] for row in body["results"]]
    assert dues == sorted(dues)
    assert client.get(f"{LIST}?page=9").status_code == 404


@pytest.mark.usefixtures("_requests_everywhere")
def test_the_list_read_from_compiled_statements_is_recorded_as_before(api, people, small_pages):
    client = api(people.liaison)
    body = client.get(f"{LIST}?status=submitted&page=2").json()
    event = AuditEvent.objects.filter(action="request.listed").latest("pk")
    assert event.details["references"] == [row["reference"] for row in body["results"]]
    assert event.details["count"] == body["count"] == 4
    assert event.details["query"] == {"page": "2", "status": "submitted"}


@pytest.mark.usefixtures("_requests_everywhere")
def test_a_plain_list_is_read_from_its_compiled_statements(api, people, monkeypatch):
    """Once compiled, a plain list's count and page are run without building a queryset of
    requests: the view's filter backends are not called."""
    client = api(people.liaison)
    query = f"{LIST}?status=submitted&status=acknowledged&ordering=decision_due"
    client.get(query)  # compiles

    def refused(*args, **kwargs):
        raise AssertionError("the filter backends were used")

    monkeypatch.setattr(InfoRequestViewSet, "filter_queryset", refused)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(query)
    assert response.status_code == 200
    assert len(response.json()["results"]) == 8
    counts = [q["sql"] for q in captured if "COUNT(*)" in q["sql"]]
    assert len(counts) == 1


@pytest.mark.parametrize(
    ("query", "answered"),
    [
        ("status=not_a_status", 400),
        ("status=", 400),
        ("commune=26198", 200),
        ("reference=2", 200),
        ("status=submitted&overdue=true", 200),
        ("page_size=3", 200),
    ],
)
def test_any_other_query_goes_through_the_filter_backends(
    api, people, monkeypatch, query, answered
):
    used = []
    backends = InfoRequestViewSet.filter_queryset

    def counted(self, queryset):
        used.append(True)
        return backends(self, queryset)

    monkeypatch.setattr(InfoRequestViewSet, "filter_queryset", counted)
    response = api(people.liaison).get(f"{LIST}?{query}")
    assert used == [True]
    assert response.status_code == answered


def test_a_reader_holding_a_personal_permission_keeps_the_filter_backends(people, orgs, api):
    """A permission granted to a user personally (never done by the services) reaches beyond
    their organisations: their list is read with the plain visibility filter."""
    elsewhere = request_in(Status.SUBMITTED, orgs.arras)
    InfoRequestUserObjectPermission.objects.create(
        user=people.liaison,
        content_object=elsewhere,
        permission=Permission.objects.get(codename="view_inforequest"),
    )
    assert api_list._reader_of(people.liaison)[1] is True
    assert api_list.plain_list(user=people.liaison, statuses=[], ordering=[]) is None
    listed = api(people.liaison).get(f"{LIST}?status=submitted").json()["results"]
    assert elsewhere.reference in {row["reference"] for row in listed}


@pytest.mark.parametrize("reader", ROLES)
def test_the_readers_values_are_read_in_one_query_as_the_three_reads_give_them(people, reader):
    user = getattr(people, reader)
    with CaptureQueriesContext(connection) as captured:
        values, personal = api_list._reader_of(user)
    assert len(captured) == 1
    communes, prefectures = own_organisations(user=user)
    assert values.groups == tuple(sorted(group_ids_of(user=user)))
    assert (list(values.communes), list(values.prefectures)) == (communes, prefectures)
    assert personal is holds_personal_permissions(user=user) is False


def test_a_reader_with_no_group_or_organisation_keeps_the_filter_backends(people):
    assert api_list.plain_list(user=people.auditor26, statuses=[], ordering=[]) is None
    found = api_list.plain_list(user=people.liaison, statuses=[], ordering=["-created_at"])
    assert found is not None
