"""Every main page runs a bounded number of queries, however many requests exist: the count
with 3 requests and with 30 is the same, and below a fixed ceiling."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sharing.models import Status
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

# Ceilings per page: session, user and memberships; the page's own reads; the audit record
# of the read (roles snapshot, seq, insert, head, inside a savepoint); the header's unread
# count; the session's inactivity refresh. Each visibility filter (the page's, the header's
# count) first reads the user's group ids, so that the database uses the permission table's
# index: one query each, never cached, so that a role taken away counts at once.
CEILING = {
    # + the work lists' counts, one aggregate; the user's saved views, one; the bulk form's
    # prefectures, their administrators and colleagues, three (a prefecture's people only)
    "requests": 25,
    "request-detail": 24,  # + the signature delegation the reader may hold, one
    "team": 18,
    "stats": 22,
    "notifications": 18,  # + which communes the reader acts for, and their e-mail choice
    "audit-log": 18,
}


def make(orgs, count: int) -> list:
    statuses = [Status.SUBMITTED, Status.ACKNOWLEDGED, Status.CLARIFICATION_REQUESTED]
    return [
        request_in(statuses[i % 3], orgs.montelimar if i % 2 else orgs.valence)
        for i in range(count)
    ]


def queries(client, url) -> int:
    cache.clear()  # the statistics page's aggregates are cached: count them being computed
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("liaison", "requests"),
        ("legal_officer", "requests"),
        ("prefecture_admin", "team"),
        ("liaison", "stats"),
        ("legal_officer", "notifications"),
        ("auditor_national", "audit-log"),
    ],
)
def test_list_pages_do_not_grow_with_the_number_of_requests(
    web, orgs, people, who, name, django_assert_max_num_queries
):
    client = web(getattr(people, who))
    make(orgs, 3)
    few = queries(client, reverse(name))
    make(orgs, 27)
    many = queries(client, reverse(name))
    assert many == few
    cache.clear()
    with django_assert_max_num_queries(CEILING[name]):
        client.get(reverse(name))


@pytest.mark.parametrize("who", ["legal_officer", "liaison"])
def test_the_request_page_is_bounded(web, orgs, people, who, django_assert_max_num_queries):
    info_request = make(orgs, 2)[1]
    client = web(getattr(people, who))
    url = reverse("request-detail", kwargs={"reference": info_request.reference})
    with django_assert_max_num_queries(CEILING["request-detail"]):
        assert client.get(url).status_code == 200
