"""Absence cover: an absent liaison's open assigned requests appear in the covering
colleague's "En remplacement" work list for the period, and the colleague acts on them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEvent
from sharing import rules
from sharing.cover import absence_cover_create, absence_cover_end, covered_for
from sharing.deadlines import years_after
from sharing.exceptions import ActionNotAllowed, InvalidInput
from sharing.models import AbsenceCover, Status
from sharing.services.clarification import info_request_request_clarification
from sharing.services.handling import info_request_assign
from tests.factories import member, request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def client_for(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(user)
    return client


@pytest.fixture
def colleague(orgs, people):
    return member(orgs.pref26, Role.LIAISON, username="liaison-26-bis")


def assigned_to_liaison(orgs, people, status=Status.ACKNOWLEDGED):
    info_request = request_in(status, orgs.montelimar)
    return info_request_assign(
        info_request=info_request, actor=people.prefecture_admin, liaison=people.liaison
    )


def cover(people, orgs, colleague, *, actor=None, lasts=5):
    today = timezone.localdate()
    return absence_cover_create(
        actor=actor or people.liaison,
        prefecture=orgs.pref26,
        absent=people.liaison,
        colleague=colleague,
        starts_on=today,
        ends_on=today + timedelta(days=lasts),
    )


def cover_list_page(user) -> str:
    response = client_for(user).get(reverse("requests"), {"worklist": "en-remplacement"})
    assert response.status_code == 200
    return response.content.decode()


def test_covered_requests_appear_in_the_colleagues_list_and_the_colleague_acts(
    orgs, people, colleague
):
    info_request = assigned_to_liaison(orgs, people)
    before = cover_list_page(colleague)
    assert "En remplacement" not in before

    cover(people, orgs, colleague)

    page = cover_list_page(colleague)
    assert "En remplacement" in page
    assert info_request.reference in page
    assert "decide" in rules.allowed_actions(colleague, info_request)
    info_request_request_clarification(
        info_request=info_request, actor=colleague, message="Précisez le périmètre."
    )
    assert AuditEvent.objects.filter(action="cover.created").exists()


def test_closed_or_unassigned_requests_are_not_in_the_cover_list(orgs, people, colleague):
    closed = request_in(Status.CLOSED, orgs.montelimar)
    unassigned = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    cover(people, orgs, colleague)
    page = cover_list_page(colleague)
    assert closed.reference not in page
    assert unassigned.reference not in page


def test_cover_ends_by_itself(orgs, people, colleague, travel):
    info_request = assigned_to_liaison(orgs, people)
    cover(people, orgs, colleague, lasts=2)
    travel(days=2)
    assert info_request.reference in cover_list_page(colleague)  # its last day
    travel(days=3)
    assert "En remplacement" not in cover_list_page(colleague)
    assert not covered_for(user=colleague).exists()


def test_cover_ended_early_by_the_absent_liaison_is_audited(orgs, people, colleague):
    row = cover(people, orgs, colleague)
    absence_cover_end(actor=people.liaison, cover=row)
    assert "En remplacement" not in cover_list_page(colleague)
    assert AuditEvent.objects.filter(action="cover.ended", details__cover=row.pk).exists()
    with pytest.raises(ActionNotAllowed):
        absence_cover_end(actor=colleague, cover=row)


def test_admin_arranges_a_liaisons_cover_but_a_liaison_only_their_own(orgs, people, colleague):
    assert cover(people, orgs, colleague, actor=people.prefecture_admin).created_by == (
        people.prefecture_admin
    )
    with pytest.raises(ActionNotAllowed):
        absence_cover_create(
            actor=colleague,
            prefecture=orgs.pref26,
            absent=people.liaison,
            colleague=colleague,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate(),
        )


def test_colleague_from_another_prefecture_is_refused(orgs, people):
    with pytest.raises(InvalidInput) as refused:
        cover(people, orgs, people.liaison62)
    assert refused.value.errors["colleague"].code == "not_a_colleague"
    with pytest.raises(InvalidInput):
        cover(people, orgs, people.liaison)  # oneself
    assert not AbsenceCover.objects.exists()


def test_period_ending_before_it_starts_is_refused(orgs, people, colleague):
    with pytest.raises(InvalidInput) as refused:
        cover(people, orgs, colleague, lasts=-1)
    assert refused.value.errors["ends_on"].code == "cover_period"


def test_a_cover_ends_at_the_latest_a_year_from_today(orgs, people, colleague):
    today = timezone.localdate()
    last_day = (years_after(today, 1) - today).days
    assert cover(people, orgs, colleague, lasts=last_day).ends_on == years_after(today, 1)
    with pytest.raises(InvalidInput) as refused:
        cover(people, orgs, colleague, lasts=last_day + 1)
    assert refused.value.errors["ends_on"].code == "cover_too_far"
    response = client_for(people.liaison).post(
        reverse("covers"),
        {
            "absent": str(people.liaison.pk),
            "colleague": str(colleague.pk),
            "starts_on": today.isoformat(),
            "ends_on": "9999-12-31",
        },
    )
    assert response.status_code == 400
    assert "au plus tard un an" in response.content.decode()
    assert AbsenceCover.objects.count() == 1


def test_a_second_cover_of_the_same_pair_over_the_same_days_is_refused(orgs, people, colleague):
    first = cover(people, orgs, colleague, lasts=10)
    with pytest.raises(InvalidInput) as refused:
        cover(people, orgs, colleague, lasts=3)
    assert refused.value.errors["starts_on"].code == "cover_overlaps"
    absence_cover_end(actor=people.liaison, cover=first)
    assert cover(people, orgs, colleague, lasts=3).pk != first.pk  # once the first has ended


def test_cover_page_arranges_and_ends_a_cover(orgs, people, colleague):
    client = client_for(people.liaison)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("covers"),
        {
            "absent": str(people.liaison.pk),
            "colleague": str(colleague.pk),
            "starts_on": today,
            "ends_on": today,
        },
    )
    assert response.status_code == 302
    row = AbsenceCover.objects.get()
    assert colleague.display_name in client.get(reverse("covers")).content.decode()
    assert client.post(reverse("cover-end", args=[row.pk])).status_code == 302
    row.refresh_from_db()
    assert row.ended_at is not None


def test_cover_page_is_not_found_outside_a_prefecture(orgs, people, colleague):
    row = cover(people, orgs, colleague)
    assert client_for(people.mayor).get(reverse("covers")).status_code == 404
    assert client_for(people.liaison62).post(reverse("cover-end", args=[row.pk])).status_code == (
        404
    )
    row.refresh_from_db()
    assert row.ended_at is None
