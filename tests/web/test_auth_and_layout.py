"""Signing in and out, the layout every page shares, languages and security headers."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import PASSWORD
from tests.web.conftest import last_event

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py


def test_login_page_uses_the_state_design_system(web):
    response = web().get(reverse("login"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="fr-header"' in html
    assert 'class="fr-footer"' in html
    assert "dsfr.module.min.js" in html
    assert '<html lang="fr"' in html


def test_login_then_home_sends_a_legal_officer_to_the_communes_requests(web, legal_officer):
    client = web()
    response = client.post(
        reverse("login"), {"username": legal_officer.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("requests")
    assert last_event("auth.login", actor_username=legal_officer.username) is not None


def test_failed_login_says_so_plainly_and_is_recorded(web, legal_officer):
    response = web().post(
        reverse("login"), {"username": legal_officer.username, "password": "wrong"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Identifiant ou mot de passe incorrect" in html
    assert 'role="alert"' in html
    assert 'value="legal_officer-26198"' in html  # the username typed is kept
    failed = last_event("auth.login_failed")
    assert failed is not None
    assert failed.details["username"] == legal_officer.username


def test_logout_is_a_post_and_ends_the_session(web, legal_officer):
    client = web(legal_officer)
    assert client.get(reverse("requests")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    response = client.get(reverse("requests"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_anonymous_users_are_sent_to_login(web):
    for name in ("requests", "request-create", "team", "stats", "audit-log", "notifications"):
        response = web().get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_session_expires_after_inactivity():
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 60 * 60


def test_french_by_default_and_english_on_request(web, legal_officer):
    client = web(legal_officer, language="")
    html = client.get(reverse("requests")).content.decode()
    assert "Demandes de la commune" in html
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("requests")})
    assert response.status_code == 302
    html = client.get(reverse("requests")).content.decode()
    assert '<html lang="en"' in html
    assert "Requests of the commune" in html
    assert "Sign out" in html


def test_signing_in_switches_the_pages_to_the_users_language(web, legal_officer):
    legal_officer.language = "en"
    legal_officer.save(update_fields=["language"])
    client = web(language="fr")
    assert '<html lang="fr"' in client.get(reverse("login")).content.decode()

    response = client.post(
        reverse("login"), {"username": legal_officer.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    html = client.get(reverse("requests")).content.decode()
    assert '<html lang="en"' in html
    assert "Requests of the commune" in html


def test_a_failed_sign_in_leaves_the_language_alone(web, legal_officer):
    legal_officer.language = "en"
    legal_officer.save(update_fields=["language"])
    response = web().post(reverse("login"), {"username": legal_officer.username, "password": "x"})
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_switching_language_is_kept_on_the_account_for_the_next_sign_in(web, legal_officer):
    client = web(legal_officer)
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("requests")})
    assert response.status_code == 302
    legal_officer.refresh_from_db()
    assert legal_officer.language == "en"
    event = last_event("user.language_changed", actor_username=legal_officer.username)
    assert event.details == {"language": "en"}

    client.post(reverse("logout"))
    client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
    client.post(reverse("login"), {"username": legal_officer.username, "password": PASSWORD})
    assert "Requests of the commune" in client.get(reverse("requests")).content.decode()


def test_switching_to_an_unknown_language_changes_nothing(web, legal_officer):
    client = web(legal_officer)
    response = client.post(reverse("set_language"), {"language": "de", "next": reverse("requests")})
    assert response.status_code == 302
    legal_officer.refresh_from_db()
    assert legal_officer.language == "fr"
    assert web().post(reverse("set_language"), {"language": "en"}).status_code == 302


def test_language_switch_is_a_csrf_protected_form(web, legal_officer):
    html = web(legal_officer).get(reverse("requests")).content.decode()
    form = re.search(r'<form method="post" action="/langue/setlang/">(.*?)</form>', html, re.S)
    assert form is not None
    assert "csrfmiddlewaretoken" in form.group(1)


def test_csp_is_strict_and_the_dsfr_scripts_carry_its_nonce(web, legal_officer):
    response = web(legal_officer).get(reverse("requests"))
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag
        assert "src=" in tag, "no inline script"
    assert "style=" not in html


def test_every_post_form_carries_a_csrf_token(web, legal_officer):
    html = web(legal_officer).get(reverse("request-create")).content.decode()
    forms = re.findall(r'<form[^>]*method="post"[^>]*>(.*?)</form>', html, re.S)
    assert forms
    for body in forms:
        assert "csrfmiddlewaretoken" in body


def test_a_post_without_csrf_token_is_refused(legal_officer):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(legal_officer)
    response = client.post(reverse("request-create"), {"purpose": "x"})
    assert response.status_code == 403
    assert "Le formulaire a expiré" in response.content.decode()


def test_legal_pages_are_public(web):
    for name in ("accessibility", "legal-notice", "personal-data"):
        assert web().get(reverse(name)).status_code == 200


def test_a_user_without_role_is_told_so(web, people):
    from tests.factories import UserFactory

    nobody = UserFactory(username="no-role")
    response = web(nobody).get(reverse("home"))
    assert response.status_code == 200
    assert "Aucun rôle" in response.content.decode()


def test_the_api_docs_run_under_the_csp(web, legal_officer):
    html = web(legal_officer).get(reverse("api-docs")).content.decode()
    assert "<style>" not in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag, tag


def test_the_mayor_has_a_menu_entry_for_drafts_awaiting_signature(web, orgs, people):
    from tests.factories import draft, request_in

    waiting = draft(orgs.montelimar)
    signed = request_in("submitted", orgs.montelimar)
    html = web(people.mayor).get(reverse("requests") + "?status=draft").content.decode()
    assert 'href="/demandes/?status=draft" aria-current="page"' in html
    assert waiting.reference in html
    assert signed.reference not in html
    other = web(people.legal_officer).get(reverse("requests")).content.decode()
    assert "?status=draft" not in other


@pytest.mark.parametrize(
    ("seconds", "language", "said"),
    [
        (30 * 60, "fr", "la session se ferme après 30 minutes d'inactivité"),
        (15 * 60, "fr", "la session se ferme après 15 minutes d'inactivité"),
        (15 * 60, "en", "the session closes after 15 minutes of inactivity"),
        (60, "en", "the session closes after 1 minute of inactivity"),
    ],
)
def test_the_sign_in_page_says_the_idle_time_configured(web, settings, seconds, language, said):
    settings.SESSION_COOKIE_AGE = seconds
    client = web()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(reverse("login"), {"next": reverse("requests")}).content.decode()
    assert said in page.replace("&#x27;", "'")
