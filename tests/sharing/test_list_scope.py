"""The API list is narrowed to the reader's own organisations before visibility is tested, so
that its count and pages cost the reader's scope: the same rows as the visibility filter."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing.models import InfoRequestUserObjectPermission, Status
from sharing.selectors import info_request_list, info_request_list_in_scope
from tests.factories import UserFactory, request_in

ROLES = [
    "legal_officer",
    "mayor",
    "legal_officer_valence",
    "liaison",
    "prefecture_admin",
    "liaison62",
    "mayor_arras",
    "auditor_national",
    "auditor26",
    "staff",
]


@pytest.fixture
def requests_everywhere(orgs):
    return [
        request_in(status, commune)
        for commune in (orgs.montelimar, orgs.valence, orgs.arras)
        for status in (Status.DRAFT, Status.SUBMITTED, Status.DECIDED)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_scoped_list_holds_exactly_the_visible_requests(people, requests_everywhere, role):
    user = getattr(people, role)
    scoped = set(info_request_list_in_scope(user=user).values_list("reference", flat=True))
    visible = set(info_request_list(user=user).values_list("reference", flat=True))
    assert scoped == visible


@pytest.mark.django_db
def test_the_scoped_list_is_narrowed_to_the_readers_communes_and_prefectures(people):
    sql = str(info_request_list_in_scope(user=people.liaison).query)
    assert f'prefecture_id" IN ({people.liaison.memberships.get().organization_id})' in sql


@pytest.mark.django_db
def test_a_personal_permission_outside_the_readers_organisations_is_still_listed(people, orgs, api):
    elsewhere = request_in(Status.SUBMITTED, orgs.arras)
    InfoRequestUserObjectPermission.objects.create(
        user=people.liaison,
        content_object=elsewhere,
        permission=Permission.objects.get(codename="view_inforequest"),
    )
    listed = api(people.liaison).get("/api/v1/requests/").json()
    assert elsewhere.reference in {row["reference"] for row in listed["results"]}


@pytest.mark.django_db
def test_a_user_without_any_organisation_lists_nothing(requests_everywhere, api):
    body = api(UserFactory()).get("/api/v1/requests/").json()
    assert (body["count"], body["results"]) == (0, [])


@pytest.mark.django_db
def test_the_inbox_filter_on_several_statuses_counts_and_pages_without_distinct(
    people, requests_everywhere, api
):
    """The status filter reads a column of the request: no DISTINCT, whose sort over every
    row of the reader's scope would make the count grow with it, and the same rows."""
    url = "/api/v1/requests/?status=submitted&status=decided&ordering=decision_due"
    client = api(people.liaison)
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url).json()
    reads = [q["sql"] for q in captured.captured_queries if "sharing_inforequest" in q["sql"]]
    assert reads
    assert not any("DISTINCT" in sql.upper() for sql in reads)
    expected = {
        r.reference
        for r in requests_everywhere
        if r.prefecture == people.liaison.memberships.get().organization
        and r.status in {Status.SUBMITTED, Status.DECIDED}
    }
    assert body["count"] == len(expected)
    assert {row["reference"] for row in body["results"]} == expected
