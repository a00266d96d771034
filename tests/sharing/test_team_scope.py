"""The team page reads the admin's prefecture only: its per-member counts (the prefecture's
`OpenLoad` rows) and its overdue list (the visibility filter narrowed to that prefecture,
whatever plan the database picks)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing.models import InfoRequest, InfoRequestGroupObjectPermission, Status
from sharing.selectors import info_request_list
from sharing.selectors.team import team_page
from tests.factories import request_in, today

SHARED_PEOPLE = True  # see tests/conftest.py

ROLES = [
    "legal_officer",
    "mayor",
    "liaison",
    "prefecture_admin",
    "liaison62",
    "auditor_national",
    "staff",
]


@pytest.fixture(scope="module")
def _requests_everywhere(shared_orgs, django_db_blocker) -> list[int]:
    """Three requests in each commune, built once for the module (the team's counts below
    compare before and after, and hold none of them)."""
    with django_db_blocker.unblock():
        return [
            request_in(status, commune).pk
            for commune in (shared_orgs.montelimar, shared_orgs.valence, shared_orgs.arras)
            for status in (Status.DRAFT, Status.SUBMITTED, Status.DECIDED)
        ]


@pytest.fixture
def requests_everywhere(_requests_everywhere, db) -> list[InfoRequest]:
    found = InfoRequest.objects.in_bulk(_requests_everywhere)
    return [found[pk] for pk in _requests_everywhere]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_the_unprobed_visibility_test_holds_the_same_requests(people, requests_everywhere, role):
    """`probed=False` (the team page's counts) changes the plan, never the rows."""
    user = getattr(people, role)
    plain = set(info_request_list(user=user, personal=False, probed=False).values_list("pk"))
    assert plain == set(info_request_list(user=user, personal=False).values_list("pk"))


@pytest.mark.django_db
def test_the_teams_counts_hold_the_admins_prefecture_and_what_its_groups_may_see(orgs, people):
    """Counted: the open requests of the admin's prefecture, whoever holds them; not another
    prefecture's (even held by one of the team), nor a closed or draft one. The overdue list
    leaves out a request whose view permission the prefecture's groups lost; the counts, kept
    per prefecture, rely on every open request carrying that permission from its signature on
    (`tests/sharing/test_open_load.py` compares them with the visible requests)."""
    liaison = people.liaison
    keys = ("open", "overdue", "urgent")
    before = team_page(user=people.prefecture_admin).unassigned
    held = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    request_in(Status.SUBMITTED, orgs.valence, urgency="urgent")
    hidden = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    elsewhere = request_in(Status.ACKNOWLEDGED, orgs.arras)
    request_in(Status.CLOSED, orgs.montelimar)
    request_in(Status.DRAFT, orgs.montelimar)
    InfoRequest.objects.filter(pk__in=[held.pk, elsewhere.pk]).update(
        assigned_to=liaison, decision_due=today() - timedelta(days=30)
    )
    InfoRequest.objects.filter(pk=hidden.pk).update(decision_due=today() - timedelta(days=31))
    InfoRequestGroupObjectPermission.objects.filter(
        content_object=hidden, permission__codename="view_inforequest"
    ).delete()
    page = team_page(user=people.prefecture_admin)
    load = {row["user"].username: row for row in page.rows}
    assert {key: load[liaison.username][key] for key in keys} == {
        "open": 1,
        "overdue": 1,
        "urgent": 0,
    }
    added = {key: page.unassigned[key] - before[key] for key in keys}
    assert added == {"open": 2, "overdue": 1, "urgent": 1}
    assert [row.reference for row in page.overdue] == [held.reference]
    # The counts: one query, of the admin's prefecture's rows of the load.
    with CaptureQueriesContext(connection) as queries:
        team_page(user=people.prefecture_admin)
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"]]
    assert len(grouped) == 1
    assert '"sharing_openload"' in grouped[0]
    assert f'"prefecture_id" IN ({orgs.pref26.pk})' in grouped[0]
