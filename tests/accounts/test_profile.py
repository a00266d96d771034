"""The profile page, the password pages, names instead of usernames, the SIRET field."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.models import Organization
from accounts.security_services import token_issue
from accounts.services import user_profile_update
from accounts.validators import siret_is_valid, validate_siret, with_luhn_key
from audit.models import AuditEvent
from tests.factories import PASSWORD

SHARED_PEOPLE = True  # see tests/conftest.py


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_profile_saves_names_and_language_and_the_header_shows_the_name(people):
    client = signed_in(people.liaison)

    response = client.post(
        reverse("profile"), {"first_name": "Inès", "last_name": "Carpentier", "language": "en"}
    )

    assert response.status_code == 302
    people.liaison.refresh_from_db()
    assert people.liaison.display_name == "Inès Carpentier"
    assert people.liaison.language == "en"
    page = client.get(reverse("profile")).content.decode()
    assert 'class="fr-btn fr-icon-account-circle-line relais-user"' in page
    assert ">Inès Carpentier</a>" in page
    event = AuditEvent.objects.get(action="user.profile_changed")
    assert event.details == {"fields": ["first_name", "last_name", "language"], "language": "en"}


def test_profile_refuses_a_name_carrying_anything_but_a_name(people):
    people.liaison.refresh_from_db()
    before = (people.liaison.first_name, people.liaison.last_name)
    response = signed_in(people.liaison).post(
        reverse("profile"),
        {
            "first_name": "Inès",
            "last_name": "Dubois (remplace dossier Haddad né le 03/04/1998)",
            "language": "fr",
        },
    )

    assert response.status_code == 200
    assert "last_name" in response.context["form"].errors
    people.liaison.refresh_from_db()
    assert (people.liaison.first_name, people.liaison.last_name) == before
    assert not AuditEvent.objects.filter(action="user.profile_changed").exists()


def test_profile_keeps_both_names(people):
    user_profile_update(user=people.liaison, first_name="Inès", last_name="Dubois", language="fr")
    before = ("Inès", "Dubois")
    response = signed_in(people.liaison).post(
        reverse("profile"), {"first_name": " ", "last_name": "", "language": "fr"}
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"first_name", "last_name"}
    with pytest.raises(ValidationError) as refused:
        user_profile_update(user=people.liaison, first_name="Inès", last_name=" ", language="fr")
    assert set(refused.value.message_dict) == {"last_name"}
    people.liaison.refresh_from_db()
    assert (people.liaison.first_name, people.liaison.last_name) == before


def test_display_name_falls_back_to_the_username(people):
    assert people.mayor.display_name == "mayor-26198"


def test_proconnect_names_are_read_only_and_no_password_pages(people):
    user = people.liaison
    user.first_name, user.last_name = "Jeanne", "Martin"
    user.proconnect_last_login = timezone.now()
    user.save()
    client = signed_in(user)

    page = client.get(reverse("profile")).content.decode()
    client.post(reverse("profile"), {"first_name": "X", "last_name": "Y", "language": "fr"})

    assert "names-from-proconnect" in page
    assert "password-change-link" not in page
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Jeanne", "Martin")
    assert client.get(reverse("password_change")).status_code == 404


def test_profile_leaves_a_place_for_the_security_pages(people):
    page = signed_in(people.mayor).get(reverse("profile")).content.decode()

    assert 'id="security-links"' in page
    assert 'id="members-link"' in page  # the mayor manages the commune's members


def test_password_change_is_audited(people):
    client = signed_in(people.mayor)

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "un-autre-mot-de-passe-42",
            "new_password2": "un-autre-mot-de-passe-42",
        },
    )

    assert response.status_code == 302
    people.mayor.refresh_from_db()
    assert people.mayor.check_password("un-autre-mot-de-passe-42")
    assert AuditEvent.objects.filter(
        action="user.password_changed", actor_id=people.mayor.pk, details__via="change"
    ).exists()


def _api_answers(secret: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client.get("/api/v1/me/").status_code


def test_changing_or_resetting_a_password_revokes_the_accounts_api_tokens(people):
    """Whoever knew the old password may have issued a token: it no longer answers once the
    password is changed (the other sessions are signed out as well) or reset by e-mail."""
    changed = token_issue(user=people.mayor, name="a", second_factor=False, actor=people.mayor)
    other = token_issue(user=people.legal_officer, name="b", second_factor=False, actor=None)
    assert _api_answers(changed.secret) == 200
    response = signed_in(people.mayor).post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "un-autre-mot-de-passe-42",
            "new_password2": "un-autre-mot-de-passe-42",
        },
        follow=True,
    )
    assert "sont révoqués : créez-en de nouveaux" in response.content.decode()
    assert _api_answers(changed.secret) == 401
    assert _api_answers(other.secret) == 200
    assert AuditEvent.objects.filter(
        action="auth.token_revoked", details__reason="password_change"
    ).exists()

    reset = token_issue(user=people.legal_officer, name="c", second_factor=False, actor=None)
    user = people.legal_officer
    link = reverse(
        "password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    client = Client()
    form = client.get(link, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "encore-un-mot-de-passe-7", "new_password2": "encore-un-mot-de-passe-7"},
    )
    people.legal_officer.refresh_from_db()
    assert people.legal_officer.check_password("encore-un-mot-de-passe-7")
    assert _api_answers(reset.secret) == 401
    assert _api_answers(other.secret) == 401


def test_password_reset_mails_a_link_to_password_accounts_only(people):
    proconnect_user = people.liaison
    proconnect_user.proconnect_last_login = timezone.now()
    proconnect_user.save()

    for email in (people.mayor.email, proconnect_user.email, "nobody@example.gouv.fr"):
        response = Client().post(reverse("password_reset"), {"email": email})
        assert response.status_code == 302

    (message,) = mail.outbox
    assert message.to == [people.mayor.email]
    assert "/compte/mot-de-passe/nouveau/" in message.body


def test_login_page_offers_the_password_reset(db):
    assert reverse("password_reset") in Client().get(reverse("login")).content.decode()


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (with_luhn_key("1726000110001"), True),
        (with_luhn_key("1726000110001")[:-1] + "x", False),
        (str(int(with_luhn_key("1726000110001")) + 1), False),  # a wrong key
        ("1234567890123", False),
        ("1234567890123a", False),
        ("35600000000010", True),  # La Poste: digit sum a multiple of 5
    ],
)
def test_siret_validation(value, valid):
    assert siret_is_valid(value) is valid


def test_organisation_with_a_malformed_siret_does_not_validate(orgs):
    orgs.pref26.siret = "12345678901234"
    if siret_is_valid(orgs.pref26.siret):
        orgs.pref26.siret = "12345678901235"
    with pytest.raises(ValidationError) as refused:
        orgs.pref26.full_clean()
    assert "siret" in refused.value.message_dict
    with pytest.raises(ValidationError):
        validate_siret("")


def test_admin_edits_an_organisations_siret(orgs, people):
    people.staff.is_superuser = True
    people.staff.save()
    client = signed_in(people.staff)
    url = reverse("admin:accounts_organization_change", args=[orgs.pref62.pk])

    page = client.get(url)

    assert page.status_code == 200
    assert 'name="siret"' in page.content.decode()
    assert Organization._meta.get_field("siret").blank


@pytest.mark.parametrize("method", ["put", "patch", "delete", "trace"])
def test_the_profile_answers_only_get_and_post(people, method):
    client = Client()
    client.force_login(people.mayor)
    assert getattr(client, method)("/compte/").status_code == 405
