"""Lists count and page at most COUNT_MAX rows of the reader's scope (sharing.pagination): exact
below, "more than" above, with the same rows and permissions as before."""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sharing import pagination
from sharing.models import InfoRequest, Status
from tests.factories import request_in

SHARED_PEOPLE = True  # see tests/conftest.py

pytestmark = pytest.mark.django_db
API_LIST = "/api/v1/requests/"
WEB_LIST = reverse("requests")


@pytest.fixture
def cap(monkeypatch):
    monkeypatch.setattr(pagination, "COUNT_MAX", 3)
    return 3


@pytest.fixture
def four_submitted_and_one_elsewhere(orgs):
    mine = [request_in(Status.SUBMITTED, orgs.montelimar) for _ in range(4)]
    elsewhere = request_in(Status.SUBMITTED, orgs.arras)  # another prefecture's
    return mine, elsewhere


def test_bounded_count_is_exact_up_to_the_limit_and_says_when_there_are_more(orgs):
    for _ in range(3):
        request_in(Status.SUBMITTED, orgs.montelimar)
    rows = InfoRequest.objects.all()
    assert pagination.bounded_count(rows, 3) == (3, False)
    assert pagination.bounded_count(rows, 2) == (2, True)
    conditions = {"submitted": Q(status=Status.SUBMITTED), "draft": Q(status=Status.DRAFT)}
    sql, params = pagination.bounded_counts_sql(rows, conditions, 2)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        counted = pagination.bounded_counts_read(list(conditions), cursor.fetchone(), 2)
    assert counted == {"submitted": (2, True), "draft": (0, False)}


def test_bounded_count_reads_at_most_limit_plus_one_rows(orgs):
    request_in(Status.SUBMITTED, orgs.montelimar)
    with CaptureQueriesContext(connection) as captured:
        pagination.bounded_count(InfoRequest.objects.all(), 7)
    (query,) = captured.captured_queries
    assert "LIMIT 8" in query["sql"].upper()
    assert "ORDER BY" not in query["sql"].upper()


def test_the_api_list_caps_its_count_and_says_so(
    api, people, cap, four_submitted_and_one_elsewhere
):
    mine, elsewhere = four_submitted_and_one_elsewhere
    client = api(people.liaison)
    body = client.get(API_LIST).json()
    assert (body["count"], body["count_capped"]) == (3, True)
    assert len(body["results"]) == 3
    listed = {row["reference"] for row in body["results"]}
    assert listed < {r.reference for r in mine}
    assert elsewhere.reference not in listed
    narrowed = client.get(API_LIST, {"reference": mine[0].reference}).json()
    assert (narrowed["count"], narrowed["count_capped"]) == (1, False)
    assert [row["reference"] for row in narrowed["results"]] == [mine[0].reference]
    # Another prefecture's liaison counts its own scope only.
    other = api(people.liaison62).get(API_LIST).json()
    assert (other["count"], other["count_capped"]) == (1, False)
    assert [row["reference"] for row in other["results"]] == [elsewhere.reference]


def test_the_api_pages_stop_at_the_cap(
    api, people, cap, four_submitted_and_one_elsewhere, monkeypatch
):
    monkeypatch.setattr(pagination.BoundedPageNumberPagination, "page_size", 2)
    client = api(people.liaison)
    first = client.get(API_LIST).json()
    assert len(first["results"]) == 2
    assert first["next"]
    last = client.get(API_LIST, {"page": "last"}).json()
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert client.get(API_LIST, {"page": 3}).status_code == 404


def test_the_api_schema_documents_the_capped_count():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    page = schema["components"]["schemas"]["PaginatedInfoRequestList"]
    assert page["properties"]["count_capped"]["type"] == "boolean"
    assert set(page["required"]) >= {"count", "count_capped", "results"}


def test_a_requests_own_lists_document_no_filter_they_would_ignore():
    """Notes, remarks, messages and the timeline answer a request's whole list: the request
    list's filters and ordering are neither read nor documented there (they were documented,
    inherited from the view set, and ignored: an outside fuzzer's cases all came back the
    same). Every GET under a request's reference takes no query parameter."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    nested = {
        path: [p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"]
        for path, ops in schema["paths"].items()
        if path.startswith("/api/v1/requests/{reference}/") and "get" in ops
    }
    assert {
        "/api/v1/requests/{reference}/notes/",
        "/api/v1/requests/{reference}/remarks/",
        "/api/v1/requests/{reference}/messages/",
        "/api/v1/requests/{reference}/events/",
    } <= nested.keys()
    assert {path: names for path, names in nested.items() if names} == {}
