"""The API list is narrowed to the reader's own organisations before visibility is tested, so
that its count and pages cost the reader's scope: the same rows as the visibility filter."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from guardian.core import ObjectPermissionChecker

from sharing.models import InfoRequest, InfoRequestUserObjectPermission, Resolution, Status
from sharing.permissions import WORK, get_request_for, perms_on, perms_on_each
from sharing.selectors import (
    info_request_list,
    info_request_list_in_scope,
    overdue_q,
    running_due_before_q,
)
from tests.factories import UserFactory, request_in, today

SHARED_PEOPLE = True  # see tests/conftest.py

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


@pytest.fixture(scope="module")
def _requests_everywhere(shared_orgs, django_db_blocker) -> list[int]:
    """Three requests in each commune, built once for the module."""
    with django_db_blocker.unblock():
        return [
            request_in(status, commune).pk
            for commune in (shared_orgs.montelimar, shared_orgs.valence, shared_orgs.arras)
            for status in (Status.DRAFT, Status.SUBMITTED, Status.DECIDED)
        ]


@pytest.fixture
def requests_everywhere(_requests_everywhere, db):
    found = InfoRequest.objects.select_related("prefecture").in_bulk(_requests_everywhere)
    return [found[pk] for pk in _requests_everywhere]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_scoped_list_holds_exactly_the_visible_requests(people, requests_everywhere, role):
    user = getattr(people, role)
    scoped = set(info_request_list_in_scope(user=user).values_list("reference", flat=True))
    visible = set(info_request_list(user=user).values_list("reference", flat=True))
    assert scoped == visible


def _fetched(user, reference: str, perm: str = "view_inforequest") -> bool:
    try:
        get_request_for(user=user, reference=reference, perm=perm)
    except Http404:
        return False
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_one_request_is_fetched_exactly_when_the_visibility_filter_lists_it(
    people, requests_everywhere, role
):
    """`get_request_for` reads one request and the reader's permissions on it, not the
    list's condition: both must agree on every request, and a permission the role lacks is
    the same 404."""
    user = getattr(people, role)
    visible = set(info_request_list(user=user).values_list("reference", flat=True))
    fetched = {row.reference for row in requests_everywhere if _fetched(user, row.reference)}
    assert fetched == visible
    workable = {row.reference for row in requests_everywhere if _fetched(user, row.reference, WORK)}
    assert workable == (
        visible if role in {"liaison", "prefecture_admin", "liaison62"} else set()
    ) - {row.reference for row in requests_everywhere if row.status == Status.DRAFT}


@pytest.mark.django_db
def test_a_superuser_without_a_role_fetches_no_request_and_an_inactive_user_none(
    people, requests_everywhere
):
    root = UserFactory(is_superuser=True, is_staff=True)
    assert not any(_fetched(root, row.reference) for row in requests_everywhere)
    people.liaison.is_active = False
    assert not any(_fetched(people.liaison, row.reference) for row in requests_everywhere)
    assert not _fetched(people.legal_officer, "26198-2026-9999")


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


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_pages_permissions_read_at_once_are_guardians_own(people, requests_everywhere, role):
    user = getattr(people, role)
    answered = perms_on_each(user=user, info_requests=requests_everywhere)
    checker = ObjectPermissionChecker(user)
    assert answered == {row.pk: frozenset(checker.get_perms(row)) for row in requests_everywhere}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_one_requests_permissions_read_by_the_compiled_statement_are_guardians_own(
    people, requests_everywhere, role
):
    user = getattr(people, role)
    InfoRequestUserObjectPermission.objects.create(  # a personal grant, beside the groups'
        user=user,
        content_object=requests_everywhere[-1],
        permission=Permission.objects.get(codename="view_inforequest"),
    )
    checker = ObjectPermissionChecker(user)
    for row in requests_everywhere:
        assert perms_on(user, row) == frozenset(checker.get_perms(row)), row.reference


@pytest.mark.django_db
def test_a_pages_permissions_include_personal_ones_and_none_for_an_inactive_user(
    people, requests_everywhere
):
    elsewhere = requests_everywhere[-1]  # Arras: outside the liaison's prefecture
    InfoRequestUserObjectPermission.objects.create(
        user=people.liaison,
        content_object=elsewhere,
        permission=Permission.objects.get(codename="view_inforequest"),
    )
    assert perms_on_each(user=people.liaison, info_requests=[elsewhere]) == {
        elsewhere.pk: frozenset({"view_inforequest"})
    }
    people.liaison.is_active = False
    assert perms_on_each(user=people.liaison, info_requests=requests_everywhere) == {
        row.pk: frozenset() for row in requests_everywhere
    }


@pytest.mark.django_db
def test_a_superuser_holds_every_permission_on_each_request(requests_everywhere):
    root = UserFactory(is_superuser=True)
    answered = perms_on_each(user=root, info_requests=requests_everywhere[:1])
    assert answered[requests_everywhere[0].pk] == frozenset(
        ObjectPermissionChecker(root).get_perms(requests_everywhere[0])
    )
    assert "view_inforequest" in answered[requests_everywhere[0].pk]


@pytest.mark.django_db
def test_the_running_due_form_of_overdue_holds_the_same_requests(orgs):
    made = [
        request_in(status, orgs.montelimar, resolution=resolution)
        for status, resolution in [
            (Status.SUBMITTED, Resolution.GRANTED),
            (Status.ACKNOWLEDGED, Resolution.GRANTED),
            (Status.CLARIFICATION_REQUESTED, Resolution.GRANTED),
            (Status.DECIDED, Resolution.GRANTED),
            (Status.DECIDED, Resolution.REFUSED),
            (Status.CLOSED, Resolution.REFUSED),
        ]
    ]
    # Every due date in the past: each request whose running step has a deadline is late.
    InfoRequest.objects.filter(pk__in=[row.pk for row in made]).update(
        acknowledgement_due=today() - timedelta(days=3),
        decision_due=today() - timedelta(days=2),
        delivery_due=today() - timedelta(days=1),
    )
    rows = InfoRequest.objects.filter(pk__in=[row.pk for row in made])
    late = set(rows.filter(overdue_q(today=today())).values_list("pk", flat=True))
    same = set(rows.filter(running_due_before_q(today=today())).values_list("pk", flat=True))
    assert same == late
    assert len(late) == 3  # submitted, acknowledged, granted and to deliver
    assert not rows.filter(running_due_before_q(today=today() - timedelta(days=5)))
