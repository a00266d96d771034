"""Brute force: the web form, the admin and the token endpoint lock an account and an address
after AXES_FAILURE_LIMIT failures, for every worker (database), audited, lifted by an
administrator or after the cool-off; the throttles live in a cache every worker shares."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import caches
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from rest_framework.test import APIClient

from accounts.throttling import SharedScopedRateThrottle
from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

LOGIN = "/connexion/"
ADMIN_LOGIN = "/admin/login/"
TOKEN = "/api/v1/auth/token/"
LIMIT = 5


@pytest.fixture(autouse=True)
def _lockout(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1


def web_attempt(client, username, password, *, forwarded="203.0.113.9", path=LOGIN):
    return client.post(
        path,
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def api_attempt(username, password, *, forwarded="203.0.113.9"):
    return APIClient().post(
        TOKEN,
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def events_since(seq, action):
    audit_sequence()
    return list(AuditEvent.objects.filter(seq__gt=seq, action=action).order_by("seq"))


def test_web_form_locks_the_account_and_then_refuses_even_the_right_password(people):
    client = Client()
    for _ in range(LIMIT - 1):
        assert web_attempt(client, "liaison-26", "wrong").status_code == 200
    assert web_attempt(client, "liaison-26", "wrong").status_code == 429
    locked = web_attempt(client, "liaison-26", PASSWORD)
    assert locked.status_code == 429
    assert "Connexion bloquée" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_rotating_the_forwarded_address_does_not_escape_the_account_lock(people):
    # Behind one trusted proxy, the client's own X-Forwarded-For prefix is ignored; and even
    # from genuinely different addresses the account locks.
    for n in range(LIMIT):
        web_attempt(Client(), "mayor-26198", "wrong", forwarded=f"198.51.100.{n}, 203.0.113.{n}")
    response = web_attempt(Client(), "mayor-26198", PASSWORD, forwarded="192.0.2.77")
    assert response.status_code == 429


def test_one_address_trying_many_accounts_is_locked_out(people):
    names = ["mayor-26198", "liaison-26", "legal_officer-26198", "auditor-26", "nobody-x"]
    for name in names:
        web_attempt(Client(), name, "wrong", forwarded="203.0.113.50")
    response = web_attempt(Client(), "legal_officer-62041", PASSWORD, forwarded="203.0.113.50")
    assert response.status_code == 429
    # Another address signs in to that account at once.
    assert web_attempt(Client(), "legal_officer-62041", PASSWORD, forwarded="203.0.113.51")[
        "Location"
    ]


def test_the_admin_login_is_locked_out_too(people):
    client = Client()
    for _ in range(LIMIT):
        web_attempt(client, "staff-admin", "wrong", path=ADMIN_LOGIN)
    assert web_attempt(client, "staff-admin", PASSWORD, path=ADMIN_LOGIN).status_code == 429


def test_the_token_endpoint_locks_out_with_a_json_429(people):
    for n in range(LIMIT - 1):
        assert api_attempt("liaison-26", "wrong", forwarded=f"192.0.2.{n}").status_code == 400
    response = api_attempt("liaison-26", "wrong", forwarded="192.0.2.202")
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out"
    assert response["Content-Type"].startswith("application/json")
    assert api_attempt("liaison-26", PASSWORD, forwarded="192.0.2.203").status_code == 429


def test_each_lock_is_audited_with_the_account_and_never_what_was_typed(people):
    seq = sequenced_size()
    for _ in range(LIMIT):
        web_attempt(Client(), "liaison-26", "s3cret-guess")
    [event] = events_since(seq, "auth.locked_out")
    assert event.details == {"username": "liaison-26"}
    assert event.target_ref == str(people.liaison.pk)
    assert event.ip == "203.0.113.9"
    assert "s3cret-guess" not in str(event.details)


def test_a_lock_on_an_unknown_name_keeps_nothing_typed(people):
    seq = sequenced_size()
    for _ in range(LIMIT):
        web_attempt(Client(), "Tr0ub4dor&3", "x", forwarded="203.0.113.60")
    [event] = events_since(seq, "auth.locked_out")
    assert event.details == {"account": "unknown"}
    stored = list(AccessAttempt.objects.values_list("username", "post_data"))
    assert stored
    assert all("Tr0ub4dor" not in f"{username}{post}" for username, post in stored)


PLANTED = "Karim HADDAD né le 03/04/1998"


def _attempts_text() -> str:
    return "".join(
        str(value) for row in AccessAttempt.objects.values_list() for value in row if value
    )


def test_a_failed_sign_in_keeps_no_header_field_name_or_query_a_client_typed(people):
    """The Accept header, a query key and a form field's name are the client's text as much as
    the values: the attempts table keeps none of them (web form and token endpoint)."""
    Client().post(
        f"{LOGIN}?{PLANTED}=1",
        {"username": "liaison-26", "password": "wrong", f"{PLANTED} 12 rue des Lilas": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.70",
        HTTP_ACCEPT=f"text/html; {PLANTED}, 06 12 34 56 78",
    )
    APIClient().post(
        f"{TOKEN}?{PLANTED}=1",
        {"username": "mayor-26198", "password": "wrong", PLANTED: "x"},
        format="json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="203.0.113.71",
        HTTP_ACCEPT=f"application/json; {PLANTED}",
    )
    assert AccessAttempt.objects.filter(username__in=["liaison-26", "mayor-26198"]).count() == 2
    stored = _attempts_text()
    for fragment in ("HADDAD", "1998", "Lilas", "06 12"):
        assert fragment not in stored


def test_an_administrator_unlocks_an_account_and_it_is_audited(people):
    for _ in range(LIMIT):
        web_attempt(Client(), "liaison-26", "wrong")
    seq = sequenced_size()
    call_command("unlock_sign_in", "--username", "liaison-26", "--ip", "203.0.113.9")
    [event] = events_since(seq, "auth.unlocked")
    assert event.details["username"] == "liaison-26"
    assert web_attempt(Client(), "liaison-26", PASSWORD).status_code == 302


def test_deleting_an_attempt_in_the_admin_unlocks_and_is_audited(people):
    for _ in range(LIMIT):
        web_attempt(Client(), "mayor-26198", "wrong")
    admin = Client()
    admin.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    attempt = AccessAttempt.objects.get(username="mayor-26198")
    seq = sequenced_size()
    response = admin.post(
        f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"}, follow=False
    )
    assert response.status_code == 302
    assert events_since(seq, "auth.unlocked")
    assert web_attempt(Client(), "mayor-26198", PASSWORD).status_code == 302


def test_the_lock_lifts_after_the_cool_off(people, settings):
    for _ in range(LIMIT):
        web_attempt(Client(), "liaison-26", "wrong")
    assert web_attempt(Client(), "liaison-26", PASSWORD).status_code == 429
    # The attempts age past the cool-off (django-axes reads its own clock).
    AccessAttempt.objects.update(
        attempt_time=F("attempt_time") - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert web_attempt(Client(), "liaison-26", PASSWORD).status_code == 302


def test_a_success_under_the_limit_clears_the_account_failures(people):
    for _ in range(LIMIT - 1):
        web_attempt(Client(), "liaison-26", "wrong")
    assert web_attempt(Client(), "liaison-26", PASSWORD).status_code == 302
    for _ in range(LIMIT - 1):
        web_attempt(Client(), "liaison-26", "wrong")
    assert web_attempt(Client(), "liaison-26", PASSWORD).status_code == 302


def test_signing_in_to_ones_own_account_does_not_clear_the_failures_on_another(people):
    # From one address: four guesses at the mayor's password, the guesser's own account, and
    # the fifth guess locks the mayor's account all the same.
    for _ in range(LIMIT - 1):
        assert web_attempt(Client(), "mayor-26198", "wrong").status_code == 200
    assert web_attempt(Client(), "legal_officer-26198", PASSWORD).status_code == 302
    assert web_attempt(Client(), "mayor-26198", "wrong").status_code == 429
    assert web_attempt(Client(), "mayor-26198", PASSWORD, forwarded="192.0.2.77").status_code == 429


def test_the_token_throttle_uses_the_shared_cache_and_the_audit_address(rf, settings):
    throttle = SharedScopedRateThrottle()
    assert throttle.cache is caches["shared"]
    assert "LocMem" not in type(caches["shared"]).__name__
    settings.AUDIT_TRUSTED_PROXY_COUNT = 1
    request = rf.post(TOKEN, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert throttle.get_ident(request) == "203.0.113.5"


def test_the_token_throttle_answers_429_once_its_rate_is_spent(people, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"auth": "3/min"},
    }
    from rest_framework.settings import api_settings

    api_settings.reload()
    SharedScopedRateThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    caches["shared"].clear()
    try:
        codes = [
            api_attempt("nobody", "x", forwarded=f"192.0.2.{n}, 203.0.113.70").status_code
            for n in range(4)
        ]
    finally:
        caches["shared"].clear()
        SharedScopedRateThrottle.THROTTLE_RATES = {"auth": "1000/min"}
    assert codes == [400, 400, 400, 429]
