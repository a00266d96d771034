"""Sessions: an idle timeout and an absolute lifetime; nothing a signed-in user sees is
cached."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.policy import SIGNED_IN_AT
from accounts.security_services import token_issue
from audit.models import AuditEvent

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def test_signed_in_pages_are_not_stored(people):
    client = Client()
    client.force_login(people.liaison)
    for path in ["/demandes/", "/compte/securite/", "/"]:
        response = client.get(path, follow=True)
        assert response["Cache-Control"] == "no-store", path


def test_api_answers_are_not_stored_with_a_session_or_a_token(people):
    session = APIClient()
    session.force_login(people.mayor)
    assert session.get("/api/v1/me/")["Cache-Control"] == "no-store"
    secret = token_issue(user=people.mayor, name="t", second_factor=False, actor=people.mayor)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret.secret}")
    assert client.get("/api/v1/requests/")["Cache-Control"] == "no-store"
    assert APIClient().get("/api/v1/me/")["Cache-Control"] == "no-store"


def test_an_idle_session_ends_after_the_idle_timeout(people, settings, travel):
    client = Client()
    client.force_login(people.liaison)
    travel(seconds=settings.SESSION_COOKIE_AGE + 1)
    assert client.get("/demandes/").status_code == 302


def test_a_session_ends_at_its_absolute_lifetime_however_active(people, settings, travel):
    settings.SESSION_ABSOLUTE_LIFETIME = 3600
    client = Client()
    client.force_login(people.liaison)
    assert client.get("/demandes/").status_code == 200
    for seconds in (1500, 3000, 3590):  # active: each request renews the idle timeout
        travel(seconds=seconds)
        assert client.get("/demandes/").status_code == 200
    travel(seconds=3601)
    response = client.get("/demandes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.session_expired").exists()


def test_the_api_answers_401_when_the_session_has_outlived_its_lifetime(people, settings, travel):
    settings.SESSION_ABSOLUTE_LIFETIME = 60
    client = APIClient()
    client.force_login(people.mayor)
    travel(seconds=61)
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response.json()["code"] == "expired"


def test_sign_in_stamps_the_session(people):
    client = Client()
    client.force_login(people.mayor)
    assert client.session[SIGNED_IN_AT] > 0
