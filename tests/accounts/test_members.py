"""The prefecture administrator and the mayor manage their own organisation's members."""

import re

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.exceptions import MemberNotManaged
from accounts.models import Membership, Role, User
from accounts.services import member_deactivate, member_invite, member_role_change
from audit.models import AuditEvent
from tests.factories import member

SHARED_PEOPLE = True  # see tests/conftest.py


@pytest.fixture
def web():
    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    return client_for


def invite(client, organization, **data):
    fields = {
        "first_name": "Camille",
        "last_name": "Roux",
        "email": "camille.roux@montelimar.fr",
        "role": Role.LEGAL_OFFICER,
        **data,
    }
    return client.post(reverse("member-invite", args=[organization.pk]), fields)


def test_mayor_invites_a_legal_officer_who_sets_a_password_from_the_link(
    web, orgs, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(web(people.mayor), orgs.montelimar)

    assert response.status_code == 302
    invited = User.objects.get(email="camille.roux@montelimar.fr")
    assert invited.username == "camille.roux"
    assert invited.is_active
    assert not invited.has_usable_password()
    assert invited.display_name == "Camille Roux"
    assert Membership.objects.filter(
        user=invited, organization=orgs.montelimar, role=Role.LEGAL_OFFICER
    ).exists()
    event = AuditEvent.objects.get(action="member.invited")
    assert event.actor_id == people.mayor.pk
    assert event.details["role"] == Role.LEGAL_OFFICER
    assert "camille.roux@" not in str(event.details)
    (message,) = mail.outbox
    assert message.to == ["camille.roux@montelimar.fr"]
    link = re.search(r"https?://\S+/compte/mot-de-passe/nouveau/\S+/", message.body).group(0)
    path = link.split("://", 1)[1].split("/", 1)[1]
    anonymous = Client()
    form = anonymous.get("/" + path, follow=True)
    assert form.status_code == 200
    assert b"set-password-form" in form.content
    done = anonymous.post(
        form.redirect_chain[-1][0],
        {"new_password1": "un-mot-de-passe-long-42", "new_password2": "un-mot-de-passe-long-42"},
    )
    assert done.status_code == 302
    invited.refresh_from_db()
    assert invited.check_password("un-mot-de-passe-long-42")
    assert AuditEvent.objects.filter(
        action="user.password_changed", actor_id=invited.pk, details__via="reset"
    ).exists()


def test_prefecture_admin_invites_a_liaison(web, orgs, people):
    response = invite(
        web(people.prefecture_admin),
        orgs.pref26,
        email="l.petit@drome.gouv.fr",
        first_name="Léa",
        last_name="Petit",
        role=Role.LIAISON,
    )

    assert response.status_code == 302
    assert Membership.objects.filter(
        user__email="l.petit@drome.gouv.fr", organization=orgs.pref26, role=Role.LIAISON
    ).exists()


def test_invite_refuses_a_role_of_another_kind_of_organisation(web, orgs, people):
    response = invite(web(people.mayor), orgs.montelimar, role=Role.LIAISON)

    assert response.status_code == 400
    assert not User.objects.filter(email="camille.roux@montelimar.fr").exists()


def test_invite_refuses_an_address_already_in_use_whatever_its_case(web, orgs, people):
    response = invite(web(people.mayor), orgs.montelimar, email=people.liaison.email.upper())

    assert response.status_code == 400
    assert "existe déjà" in response.content.decode()


def test_invite_refuses_an_address_longer_than_an_account_keeps(web, orgs, people):
    """A valid address of 300 characters: a field error, as any refused address (the column
    holds 254; it answered 500)."""
    address = "a" * 300 + "@montelimar.fr"
    response = invite(web(people.mayor), orgs.montelimar, email=address)

    assert response.status_code == 400
    assert 'id="id_email-desc-error"' in response.content.decode()
    with pytest.raises(ValidationError) as refused:
        member_invite(
            actor=people.mayor,
            organization=orgs.montelimar,
            email=address,
            first_name="Camille",
            last_name="Roux",
            role=Role.LEGAL_OFFICER,
        )
    assert list(refused.value.message_dict) == ["email"]
    assert not User.objects.filter(email=address).exists()


@pytest.mark.parametrize(
    "last_name",
    ["HADDAD (fiché S, né le 03/04/1998)", "Roux 06 12 34 56 78", "Roux, voir BR-2026-1"],
)
def test_invite_refuses_a_name_that_is_no_name_and_keeps_nothing(web, orgs, people, last_name):
    """A name is letters: what else was typed would go into the username made from it, the
    audit log's events and the invitation e-mail."""
    response = invite(web(people.mayor), orgs.montelimar, last_name=last_name)

    assert response.status_code == 400
    assert "Un nom : des lettres" in response.content.decode()
    assert not User.objects.filter(email="camille.roux@montelimar.fr").exists()
    assert not AuditEvent.objects.filter(action="member.invited").exists()
    recorded = str(list(AuditEvent.objects.values()))
    assert not any(part in recorded for part in ("HADDAD", "34 56", "BR-2026-1"))
    assert not mail.outbox
    with pytest.raises(ValidationError) as refused:
        member_invite(
            actor=people.mayor,
            organization=orgs.montelimar,
            email="camille.roux@montelimar.fr",
            first_name="Camille",
            last_name=last_name,
            role=Role.LEGAL_OFFICER,
        )
    assert list(refused.value.message_dict) == ["last_name"]


def test_invite_takes_names_as_people_write_them(web, orgs, people):
    response = invite(
        web(people.mayor), orgs.montelimar, first_name="Jean-Pierre", last_name="N'Diaye de La Tour"
    )

    assert response.status_code == 302
    assert User.objects.get(email="camille.roux@montelimar.fr").last_name == "N'Diaye de La Tour"


@pytest.mark.parametrize("who", ["legal_officer", "liaison", "mayor_valence", "auditor26"])
def test_members_page_of_another_organisation_is_not_found(web, orgs, people, who):
    client = web(getattr(people, who))

    assert client.get(reverse("members", args=[orgs.montelimar.pk])).status_code == 404
    assert invite(client, orgs.montelimar).status_code == 404
    assert not User.objects.filter(email="camille.roux@montelimar.fr").exists()
    assert AuditEvent.objects.filter(action="member.not_found", outcome="denied").exists()


def test_mayor_cannot_touch_a_member_of_another_commune(web, orgs, people):
    client = web(people.mayor)
    other = people.legal_officer_valence

    role = client.post(
        reverse("member-role", args=[orgs.montelimar.pk, other.pk]), {"role": Role.MAYOR}
    )
    deactivate = client.post(reverse("member-deactivate", args=[orgs.montelimar.pk, other.pk]))

    assert role.status_code == deactivate.status_code == 404
    other.refresh_from_db()
    assert other.is_active


def test_mayor_changes_a_legal_officers_role(web, orgs, people):
    officer = people.legal_officer

    response = web(people.mayor).post(
        reverse("member-role", args=[orgs.montelimar.pk, officer.pk]), {"role": Role.MAYOR}
    )

    assert response.status_code == 302
    assert list(
        Membership.objects.filter(user=officer, organization=orgs.montelimar).values_list(
            "role", flat=True
        )
    ) == [Role.MAYOR]
    assert officer.groups.filter(name=f"commune:{orgs.montelimar.code}:mayor").exists()
    assert not officer.groups.filter(name=f"commune:{orgs.montelimar.code}:legal_officer").exists()
    event = AuditEvent.objects.get(action="member.role_changed")
    assert event.details["from"] == [Role.LEGAL_OFFICER]
    assert event.details["to"] == Role.MAYOR


def test_role_change_refuses_a_role_the_organisation_cannot_hold(orgs, people):
    with pytest.raises(ValidationError):
        member_role_change(
            actor=people.prefecture_admin,
            organization=orgs.pref26,
            user=people.liaison,
            role=Role.MAYOR,
        )


def test_nobody_changes_their_own_role_nor_deactivates_themselves(orgs, people):
    with pytest.raises(MemberNotManaged):
        member_role_change(
            actor=people.mayor, organization=orgs.montelimar, user=people.mayor, role=Role.MAYOR
        )
    with pytest.raises(MemberNotManaged):
        member_deactivate(actor=people.mayor, organization=orgs.montelimar, user=people.mayor)


def test_prefecture_admin_deactivates_a_liaison_whose_session_then_ends(web, orgs, people):
    liaison = people.liaison
    liaison_client = web(liaison)

    response = web(people.prefecture_admin).post(
        reverse("member-deactivate", args=[orgs.pref26.pk, liaison.pk])
    )

    assert response.status_code == 302
    liaison.refresh_from_db()
    assert not liaison.is_active
    assert AuditEvent.objects.get(action="member.deactivated").actor_id == (
        people.prefecture_admin.pk
    )
    assert liaison_client.get(reverse("requests")).status_code == 302  # back to sign-in


def test_member_of_another_organisation_too_is_left_to_platform_staff(orgs, people):
    both = member(orgs.pref26, Role.LIAISON, username="both")
    Membership.objects.create(user=both, organization=orgs.pref62, role=Role.LIAISON)

    with pytest.raises(MemberNotManaged):
        member_deactivate(actor=people.prefecture_admin, organization=orgs.pref26, user=both)


def test_invite_by_someone_who_does_not_manage_the_organisation_is_refused(orgs, people):
    with pytest.raises(MemberNotManaged):
        member_invite(
            actor=people.liaison,
            organization=orgs.pref26,
            email="x.y@drome.gouv.fr",
            first_name="X",
            last_name="Y",
            role=Role.LIAISON,
        )


def test_members_page_lists_people_by_name(web, orgs, people):
    officer = people.legal_officer
    officer.first_name, officer.last_name = "Inès", "Carpentier"
    officer.save()

    page = web(people.mayor).get(reverse("members-home"), follow=True)

    assert page.status_code == 200
    assert "Inès Carpentier" in page.content.decode()
    assert reverse("members-home") in page.content.decode()  # the menu's entry
