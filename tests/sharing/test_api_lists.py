"""The request API's list as a prefecture liaison reads it: filters, the overdue flag,
ordering. The requests are built once for the module (see `_assorted`) and every test reads
them in a savepoint rolled back after it."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api import StableOrderingFilter
from sharing.api import InfoRequestViewSet
from sharing.models import InfoRequest, Status
from sharing.pagination import BoundedPageNumberPagination
from tests.factories import draft, request_in, today

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LIST = "/api/v1/requests/"


def references(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["reference"] for row in response.json()["results"]]


@pytest.fixture(scope="module")
def _assorted(shared_orgs, django_db_blocker) -> dict[str, int]:
    """Requests of Drôme in several statuses, categories, communes and ages (the draft is the
    commune's only: the prefecture never lists it), built once for the module."""
    orgs = shared_orgs
    with django_db_blocker.unblock():
        with time_machine.travel(datetime.now(UTC) - timedelta(days=40), tick=False):
            old = request_in(Status.SUBMITTED, orgs.montelimar)  # acknowledgement long overdue
        made = {
            "old_submitted": old,
            "draft": draft(orgs.montelimar),
            "submitted": request_in(Status.SUBMITTED, orgs.valence),
            "acknowledged": request_in(
                Status.ACKNOWLEDGED, orgs.montelimar, category_code="fsprt-presence"
            ),
            "refused": request_in(Status.CLOSED, orgs.valence, resolution="refused"),
            "granted": request_in(Status.DECIDED, orgs.montelimar, resolution="granted"),
            "arras": request_in(Status.SUBMITTED, orgs.arras),
        }
    return {name: info_request.pk for name, info_request in made.items()}


@pytest.fixture
def assorted(_assorted, db):
    found = InfoRequest.objects.in_bulk(_assorted.values())
    return {name: found[pk] for name, pk in _assorted.items()}


def refs(*keys, assorted):
    return sorted(assorted[key].reference for key in keys)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["old_submitted", "submitted", "acknowledged", "refused", "granted"]),
        ("status=submitted", ["old_submitted", "submitted"]),
        ("status=submitted&status=closed", ["old_submitted", "submitted", "refused"]),
        ("resolution=refused", ["refused"]),
        ("resolution=granted", ["granted"]),
        ("commune=26362", ["submitted", "refused"]),
        ("commune=62041", []),
        ("category=fsprt-presence", ["acknowledged"]),
        ("overdue=true", ["old_submitted"]),
        ("overdue=false", ["submitted", "acknowledged", "refused", "granted"]),
    ],
)
def test_list_filters(api, people, assorted, query, expected):
    response = api(people.liaison).get(f"{LIST}?{query}")
    assert sorted(references(response)) == refs(*expected, assorted=assorted)


def test_list_filters_by_creation_date(api, people, assorted):
    cutoff = (today() - timedelta(days=10)).isoformat()
    client = api(people.liaison)
    assert references(client.get(f"{LIST}?created_before={cutoff}")) == [
        assorted["old_submitted"].reference
    ]
    after = references(client.get(f"{LIST}?created_after={cutoff}"))
    assert assorted["old_submitted"].reference not in after
    assert len(after) == 4


def test_overdue_flag_is_rendered(api, people, assorted):
    rows = api(people.liaison).get(f"{LIST}?status=submitted").json()["results"]
    flags = {row["reference"]: row["is_overdue"] for row in rows}
    assert flags == {
        assorted["old_submitted"].reference: True,
        assorted["submitted"].reference: False,
    }


@pytest.mark.parametrize("ordering", ["reference", "-reference"])
def test_list_ordering_by_reference(api, people, assorted, ordering):
    got = references(api(people.liaison).get(f"{LIST}?ordering={ordering}"))
    assert got == sorted(got, reverse=ordering.startswith("-"))
    assert len(got) == 5


def test_list_is_newest_first_by_default(api, people, assorted):
    got = references(api(people.liaison).get(LIST))
    assert got[-1] == assorted["old_submitted"].reference


def test_an_order_with_ties_is_completed_newest_first_and_pages_never_repeat_a_request(
    api, people, assorted, monkeypatch
):
    """Requests with the same due date (or none) come newest first, then by id: page by
    page, every request of the list once."""
    monkeypatch.setattr(BoundedPageNumberPagination, "page_size", 2)
    client = api(people.liaison)
    paged = []
    for page in (1, 2, 3):
        paged += client.get(f"{LIST}?ordering=urgency&page={page}").json()["results"]
    listed = ["old_submitted", "submitted", "acknowledged", "refused", "granted"]
    assert sorted(row["reference"] for row in paged) == refs(*listed, assorted=assorted)
    created = {row.reference: (row.created_at, row.pk) for row in assorted.values()}
    for first, second in itertools.pairwise(paged):
        if first["urgency"] == second["urgency"]:
            assert created[first["reference"]] > created[second["reference"]]


@pytest.mark.parametrize(
    ("asked", "applied"),
    [
        ("urgency", ["urgency", "-created_at", "-id"]),
        ("-decision_due,reference", ["-decision_due", "reference", "-created_at", "-id"]),
        ("created_at", ["created_at", "-id"]),
        ("not_a_field", ["-created_at", "-id"]),
    ],
)
def test_the_order_asked_is_completed_by_the_lists_default_order(asked, applied):
    view = InfoRequestViewSet()
    request = Request(APIRequestFactory().get(LIST, {"ordering": asked}))
    assert StableOrderingFilter().get_ordering(request, InfoRequest.objects.none(), view) == applied
