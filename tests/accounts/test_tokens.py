"""Personal access tokens: named, expiring (default and maximum), hashed at rest, shown once,
listed and revoked by their owner, revoked with the account, audited."""

import hashlib
from datetime import timedelta
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.test import Client
from django.utils import timezone
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.test import APIClient

from accounts.authentication import PersonalTokenAuthentication
from accounts.models import PersonalAccessToken
from accounts.security_services import token_issue
from accounts.services import user_privileges_save
from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

TOKEN = "/api/v1/auth/token/"
TOKENS = "/api/v1/tokens/"


def issue(username="mayor-26198", **extra):
    response = APIClient().post(
        TOKEN, {"username": username, "password": PASSWORD, **extra}, format="json"
    )
    assert response.status_code == 200, response.json()
    return response.json()


def with_token(secret) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_the_token_endpoint_issues_a_named_token_with_the_default_expiry(people, settings):
    body = issue(name="tableur")
    assert body["name"] == "tableur"
    assert body["token"].startswith("rls_")
    token = PersonalAccessToken.objects.get(pk=body["id"])
    lifetime = token.expires_at - token.created_at
    assert lifetime == timedelta(days=settings.PERSONAL_TOKEN_DEFAULT_DAYS)
    assert settings.PERSONAL_TOKEN_DEFAULT_DAYS <= 90


def test_only_a_digest_of_the_secret_is_stored(people):
    body = issue()
    token = PersonalAccessToken.objects.get(pk=body["id"])
    assert token.key_hash == hashlib.sha256(body["token"].encode()).hexdigest()
    stored = [
        str(value) for value in PersonalAccessToken.objects.values().get(pk=token.pk).values()
    ]
    assert body["token"] not in stored
    assert "token" not in listed_with(body["token"])[0]


def listed_with(secret):
    return with_token(secret).get(TOKENS).json()


def test_an_expiry_beyond_the_maximum_is_refused(people, settings):
    response = APIClient().post(
        TOKEN,
        {
            "username": "mayor-26198",
            "password": PASSWORD,
            "expires_in_days": settings.PERSONAL_TOKEN_MAX_DAYS + 1,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "expires_in_days" in response.json()
    assert not PersonalAccessToken.objects.exists()


def test_a_token_works_until_it_expires_and_records_its_last_use(people, travel):
    body = issue(expires_in_days=1)
    assert with_token(body["token"]).get("/api/v1/me/").status_code == 200
    assert PersonalAccessToken.objects.get(pk=body["id"]).last_used_at is not None
    travel(days=1, seconds=1)
    response = with_token(body["token"]).get("/api/v1/me/")
    assert response.status_code == 401
    assert "expir" in response.json()["detail"]  # "expired" / "expiré"


def test_a_revoked_token_stops_working_at_once(people):
    body = issue()
    client = with_token(body["token"])
    assert client.delete(f"{TOKENS}{body['id']}/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401
    assert PersonalAccessToken.objects.get(pk=body["id"]).revoked_at is not None


def test_an_unknown_token_is_refused(people):
    assert with_token("rls_not-a-real-token").get("/api/v1/me/").status_code == 401


def test_a_token_is_read_with_its_user_from_a_statement_compiled_once(
    people, django_assert_num_queries
):
    first, second = issue(), issue("liaison-26")
    authentication = PersonalTokenAuthentication()
    authentication.authenticate_credentials(first["token"])
    with mock.patch.object(SQLCompiler, "as_sql", autospec=True) as compiling:
        user, token = authentication.authenticate_credentials(second["token"])
        with pytest.raises(AuthenticationFailed):
            authentication.authenticate_credentials("rls_not-a-real-token")
    assert compiling.call_count == 0
    assert (token.pk, user.username) == (second["id"], "liaison-26")
    with django_assert_num_queries(0):  # read with the token, not afterwards
        assert token.user is user
    expected = PersonalAccessToken.objects.get(pk=second["id"])
    assert {f.attname: getattr(token, f.attname) for f in token._meta.fields} == {
        f.attname: getattr(expected, f.attname) for f in expected._meta.fields
    }


def test_the_owner_lists_their_tokens_and_no_one_elses(people):
    mine = issue("mayor-26198", name="mine")
    issue("liaison-26", name="theirs")
    listed = listed_with(mine["token"])
    assert [row["name"] for row in listed] == ["mine"]
    assert set(listed[0]) >= {"id", "name", "prefix", "expires_at", "last_used_at", "active"}


def test_someone_elses_token_cannot_be_revoked_and_answers_404(people):
    mine = issue("mayor-26198")
    theirs = issue("liaison-26")
    response = with_token(mine["token"]).delete(f"{TOKENS}{theirs['id']}/")
    assert response.status_code == 404
    assert with_token(theirs["token"]).get("/api/v1/me/").status_code == 200


def test_a_session_issues_a_token_but_a_token_cannot(people):
    session = APIClient()
    session.force_login(people.mayor)
    response = session.post(TOKENS, {"name": "script", "expires_in_days": 7}, format="json")
    assert response.status_code == 201
    assert response.json()["token"].startswith("rls_")
    refused = with_token(response.json()["token"]).post(TOKENS, {"name": "x"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "session_required"


def test_a_token_name_with_personal_data_is_refused_without_echo(people):
    session = APIClient()
    session.force_login(people.mayor)
    response = session.post(TOKENS, {"name": "pour Jean DUPONT"}, format="json")
    assert response.status_code == 400
    assert "DUPONT" not in response.content.decode()


def test_deactivating_the_account_revokes_its_tokens(people):
    body = issue("liaison-26")
    user = people.liaison
    user.is_active = False
    user_privileges_save(user=user, actor=people.staff)
    assert PersonalAccessToken.objects.get(pk=body["id"]).revoked_at is not None
    assert with_token(body["token"]).get("/api/v1/me/").status_code == 401


def test_issuing_and_revoking_are_audited_without_the_secret(people):
    seq = sequenced_size()
    body = issue()
    with_token(body["token"]).delete(f"{TOKENS}{body['id']}/")
    audit_sequence()
    issued = AuditEvent.objects.get(seq__gt=seq, action="auth.token_issued")
    revoked = AuditEvent.objects.get(seq__gt=seq, action="auth.token_revoked")
    assert issued.actor_username == revoked.actor_username == "mayor-26198"
    assert issued.details["token"] == revoked.details["token"] == body["id"]
    for event in (issued, revoked):
        assert body["token"] not in str(event.details)


def test_the_security_page_creates_shows_once_and_revokes(people):
    client = Client()
    client.force_login(people.mayor)
    page = client.post("/compte/securite/jetons/", {"name": "export", "expires_in_days": 10})
    assert page.status_code == 200
    token = PersonalAccessToken.objects.get(user=people.mayor)
    html = page.content.decode()
    secret = html.split('<div class="fr-alert fr-alert--success')[1].split("<code>")[1]
    secret = secret.split("</code>")[0]
    assert hashlib.sha256(secret.encode()).hexdigest() == token.key_hash
    assert secret not in client.get("/compte/securite/").content.decode()
    assert token.expires_at - token.created_at == timedelta(days=10)
    response = client.post(f"/compte/securite/jetons/{token.pk}/revoquer/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_the_security_page_refuses_revoking_another_users_token(people):
    theirs = token_issue(
        user=people.liaison, name="x", second_factor=False, actor=people.liaison
    ).token
    client = Client()
    client.force_login(people.mayor)
    assert client.post(f"/compte/securite/jetons/{theirs.pk}/revoquer/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_the_security_page_refuses_too_long_a_validity(people, settings):
    client = Client()
    client.force_login(people.mayor)
    response = client.post(
        "/compte/securite/jetons/",
        {"name": "long", "expires_in_days": settings.PERSONAL_TOKEN_MAX_DAYS + 1},
    )
    assert response.status_code == 400
    assert not PersonalAccessToken.objects.exists()


def test_the_security_page_refuses_a_name_with_personal_data_in_the_readers_words(people):
    client = Client(HTTP_ACCEPT_LANGUAGE="fr")
    client.force_login(people.mayor)
    response = client.post(
        "/compte/securite/jetons/", {"name": "pour Jean DUPONT", "expires_in_days": 10}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Relais n&#x27;enregistre aucune donnée personnelle" in html
    assert "refused, contains personal data" not in html
    assert not PersonalAccessToken.objects.exists()


def test_a_token_is_active_only_before_expiry_and_revocation(people):
    token = token_issue(user=people.mayor, name="x", second_factor=False, actor=people.mayor).token
    assert token.is_active
    token.expires_at = timezone.now() - timedelta(seconds=1)
    assert not token.is_active


def test_the_security_page_writes_token_dates_out_in_the_readers_language(people):
    """`1er décembre 2026` / `1 December 2026`, never 12/01/2026 read two ways."""
    from sharing.formats import long_date

    token = token_issue(user=people.mayor, name="x", second_factor=False, actor=people.mayor).token
    client = Client()
    client.force_login(people.mayor)
    french = client.get("/compte/securite/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert long_date(token.expires_at, "fr") in french
    english = client.get("/compte/securite/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert long_date(token.expires_at, "en") in english
