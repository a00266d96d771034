"""Every main page runs a bounded number of queries, however many requests exist: the count
with 3 requests and with 30 is the same, and below a fixed ceiling."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sharing.models import Status
from tests.conftest import People
from tests.factories import request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

# Ceilings per page: session, user and memberships; the page's own reads; the audit record
# of the read (roles snapshot, seq, insert, head, inside a savepoint); the header's unread
# count; the session's inactivity refresh. The page's visibility filter first reads the
# user's group ids, so that the database uses the permission table's index: one query, never
# cached, so that a role taken away counts at once; the header's count, over the user's few
# notices, reads them in its own statement (one query less on every page).
CEILING = {
    # + the work lists' counts, one aggregate; the user's saved views, one; the bulk form's
    # prefectures, their administrators and colleagues, three (a prefecture's people only)
    "requests": 24,
    "request-detail": 23,  # + the signature delegation the reader may hold, one
    # + whether the administrator holds a personal permission, one: without, the open
    # requests' counts probe the permission index per request instead of first reading every
    # permission row of the prefecture
    "team": 18,
    "stats": 21,
    "notifications": 17,  # + which communes the reader acts for, and their e-mail choice
    # + sequencing what was committed before the auditor looked (PostgreSQL): the newest
    # pending arrival, the head's lock and row, the batch read and written, the head moved,
    # the tree's ranges; a fixed number per batch of 2,000 events
    "audit-log": 23,
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


PAGES = [
    ("liaison", "requests"),
    ("legal_officer", "requests"),
    ("prefecture_admin", "team"),
    ("liaison", "stats"),
    ("legal_officer", "notifications"),
    ("auditor_national", "audit-log"),
]


@pytest.fixture(scope="module")
def counted(shared_orgs, django_db_blocker) -> tuple[dict, dict]:
    """Each page's query count with 3 requests, then with 30: the requests are made once for
    the module (in its transaction, rolled back at its end)."""
    with django_db_blocker.unblock():
        people = People(shared_orgs).already_made()
        clients = {}
        for who in {who for who, _ in PAGES}:
            clients[who] = Client(HTTP_ACCEPT_LANGUAGE="fr")
            clients[who].force_login(getattr(people, who))
        make(shared_orgs, 3)
        few = {(who, name): queries(clients[who], reverse(name)) for who, name in PAGES}
        make(shared_orgs, 27)
        many = {(who, name): queries(clients[who], reverse(name)) for who, name in PAGES}
    return few, many


@pytest.mark.parametrize(("who", "name"), PAGES)
def test_list_pages_do_not_grow_with_the_number_of_requests(
    counted, web, people, who, name, django_assert_max_num_queries
):
    few, many = counted
    assert many[(who, name)] == few[(who, name)]
    client = web(getattr(people, who))
    cache.clear()
    with django_assert_max_num_queries(CEILING[name]):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("who", ["legal_officer", "liaison"])
def test_the_request_page_is_bounded(web, orgs, people, who, django_assert_max_num_queries):
    info_request = make(orgs, 2)[1]
    client = web(getattr(people, who))
    url = reverse("request-detail", kwargs={"reference": info_request.reference})
    with django_assert_max_num_queries(CEILING["request-detail"]):
        assert client.get(url).status_code == 200
