"""Platform staff editing users in the admin: privilege changes are recorded, role groups
follow memberships only."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from accounts.models import User
from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="plateforme-admin", is_staff=True, is_superuser=True)


def change_form(user: User, **overrides) -> dict:
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "language": "fr",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def events_since(seq: int, action: str):
    audit_sequence()
    return list(AuditEvent.objects.filter(seq__gt=seq, action=action))


def test_making_a_user_staff_in_the_admin_is_recorded(client, superuser):
    user = UserFactory(username="futur-agent")
    client.force_login(superuser)
    seq = sequenced_size()
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), change_form(user, is_staff="on")
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_staff
    [event] = events_since(seq, "user.privileges_changed")
    assert event.details == {"username": "futur-agent", "is_staff": True}
    assert event.actor_username == "plateforme-admin"


def test_saving_a_user_without_privilege_change_records_no_privilege_event(client, superuser):
    user = UserFactory(username="agent-inchange")
    client.force_login(superuser)
    seq = sequenced_size()
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]), change_form(user, language="en")
    )
    assert response.status_code == 302
    assert events_since(seq, "user.privileges_changed") == []


def test_role_groups_cannot_be_granted_by_hand_in_the_admin(client, superuser):
    user = UserFactory(username="sans-role")
    group = Group.objects.create(name="commune:26198:mayor")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        change_form(user, groups=str(group.pk)),
    )
    assert response.status_code == 302
    assert not user.groups.exists()


def test_creating_a_user_in_the_admin_is_recorded(client, superuser):
    client.force_login(superuser)
    seq = sequenced_size()
    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "nouvel-agent",
            "password1": "un-mot-de-passe-solide-42",
            "password2": "un-mot-de-passe-solide-42",
            "usable_password": "true",
            **{
                key: value
                for key, value in change_form(UserFactory.build()).items()
                if key.startswith("memberships-")
            },
        },
    )
    assert response.status_code == 302
    [event] = events_since(seq, "user.created")
    assert event.details == {"username": "nouvel-agent"}
    [flags] = events_since(seq, "user.privileges_changed")
    assert flags.details == {
        "username": "nouvel-agent",
        "is_active": True,
        "is_staff": False,
        "is_superuser": False,
    }


def test_a_name_is_letters_in_the_admin_too(client, superuser):
    """As on the invitation and the profile: a date of birth or a NIR in a name field is a form
    error, and nothing is saved."""
    user = UserFactory(username="agent-nomme", first_name="Léa", last_name="Petit")
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        change_form(user, first_name="né le 03/04/1998", last_name="HADDAD 1 98 04 75 123 456 02"),
    )
    assert response.status_code == 200
    assert "Un nom : des lettres" in response.content.decode()
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Léa", "Petit")
    seq = sequenced_size()
    response = client.post(
        reverse("admin:accounts_user_change", args=[user.pk]),
        change_form(user, first_name="Anne-Laure", last_name="d'Estienne", email=user.email),
    )
    assert response.status_code == 302
    [event] = events_since(seq, "user.profile_changed")
    assert event.details == {"username": "agent-nomme", "fields": ["first_name", "last_name"]}
    assert event.actor_username == "plateforme-admin"
    assert "Estienne" not in str(event.details)


@pytest.mark.parametrize(
    "path",
    [
        "/admin/sharing/inforequest/abc/change/",
        "/admin/sharing/inforequest/%00/change/",
        "/admin/autocomplete/?app_label=accounts&model_name=membership"
        "&field_name=organization&term=%00",
        "/admin/accounts/user/?q=%00",
    ],
)
def test_the_admin_answers_an_id_that_is_no_number_or_a_nul_without_a_500(client, superuser, path):
    client.force_login(superuser)
    client.raise_request_exception = False
    assert client.get(path).status_code in {302, 400, 404}
