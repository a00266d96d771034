"""Passkeys (WebAuthn, django-otp-webauthn) as a second factor, with a software authenticator
that signs for real (tests/accounts/soft_authenticator.py) and the library's verification:
enrolment instead of an app, use after the password, step-up, refusals, removal, an
administrator's reset, recovery codes; every step audited."""

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.management import call_command
from django_otp_webauthn.models import WebAuthnCredential

from accounts.policy import AUTHENTICATED_AT
from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from config.settings.base import _webauthn_site
from sharing.models import Status
from tests.accounts.conftest import password_sign_in, totp_code
from tests.accounts.soft_authenticator import SoftAuthenticator
from tests.factories import draft

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

WEBAUTHN = "/compte/securite/webauthn/"


def events(seq, action):
    audit_sequence()
    return list(AuditEvent.objects.filter(seq__gt=seq, action=action).order_by("seq"))


def post_json(client, path, data=None):
    return client.post(path, json.dumps(data or {}), content_type="application/json")


@pytest.fixture
def authenticator():
    return SoftAuthenticator(
        origin=settings.OTP_WEBAUTHN_ALLOWED_ORIGINS[0], rp_id=settings.OTP_WEBAUTHN_RP_ID
    )


def register(client, authenticator):
    begin = post_json(client, f"{WEBAUTHN}registration/begin/")
    assert begin.status_code == 200, begin.content
    return post_json(
        client, f"{WEBAUTHN}registration/complete/", authenticator.register(begin.json())
    )


def verify(client, authenticator, *, next_url="", **kwargs):
    begin = post_json(client, f"{WEBAUTHN}authentication/begin/")
    assert begin.status_code == 200, begin.content
    query = f"?next={next_url}" if next_url else ""
    return post_json(
        client,
        f"{WEBAUTHN}authentication/complete/{query}",
        authenticator.sign_in(begin.json(), **kwargs),
    )


@pytest.fixture
def with_passkey(mfa, people, authenticator):
    """The liaison enrolled with a passkey alone (their first second factor)."""
    client = password_sign_in("liaison-26")
    assert register(client, authenticator).status_code == 200
    return authenticator


def test_a_liaison_enrols_a_passkey_instead_of_an_app(mfa, people, authenticator):
    client = password_sign_in("liaison-26")
    page = client.get("/compte/securite/totp/?next=/demandes/")
    html = page.content.decode()
    assert 'id="passkey-registration-available-template"' in html
    assert "django_otp_webauthn/otp_webauthn_register.js" in html
    assert "<script>" not in html  # the CSP allows no inline script
    seq = sequenced_size()
    begin = post_json(client, f"{WEBAUTHN}registration/begin/")
    options = begin.json()
    assert options["rp"] == {"name": "Relais", "id": "localhost"}
    assert options["user"]["displayName"] == people.liaison.display_name
    done = post_json(client, f"{WEBAUTHN}registration/complete/", authenticator.register(options))
    assert done.status_code == 200
    credential = WebAuthnCredential.objects.get(user=people.liaison)
    assert credential.confirmed
    assert client.get("/demandes/").status_code == 200
    [event] = events(seq, "auth.second_factor_enrolled")
    assert event.actor_username == "liaison-26"
    assert event.details["kind"] == "passkey"
    assert event.details["passkeys"] == 1
    assert event.details["credential"] == credential.credential_id_sha256[:16]
    # No recovery codes yet: the page the script goes to offers them.
    enrolled = client.get("/compte/securite/cles/enregistree/?next=/demandes/")
    assert 'action="/compte/securite/codes-de-secours/"' in enrolled.content.decode()
    codes = client.post("/compte/securite/codes-de-secours/", {"next": "/demandes/"})
    assert codes.content.decode().count("<li><code>") == 10


def test_after_the_password_the_passkey_completes_the_sign_in(with_passkey, people):
    client = password_sign_in("liaison-26")
    assert client.get("/demandes/")["Location"].startswith("/compte/securite/verification/")
    prompt = client.get("/compte/securite/verification/?next=/demandes/")
    assert 'id="passkey-verification-available-template"' in prompt.content.decode()
    assert "django_otp_webauthn/otp_webauthn_auth.js" in prompt.content.decode()
    assert 'id="passkey-next" value="/demandes/"' in prompt.content.decode()
    assert post_json(client, "/api/v1/requests/").status_code == 403
    seq = sequenced_size()
    done = verify(client, with_passkey, next_url="/demandes/")
    assert done.status_code == 200, done.content
    assert done.json()["redirect_url"] == "/demandes/"
    assert client.get("/demandes/").status_code == 200
    [event] = events(seq, "auth.second_factor_verified")
    assert event.details == {"kind": "passkey"}
    assert WebAuthnCredential.objects.get(user=people.liaison).sign_count == 1


def test_a_forged_signature_is_refused_and_audited(with_passkey, people):
    client = password_sign_in("liaison-26")
    seq = sequenced_size()
    forged = verify(client, with_passkey, key=ec.generate_private_key(ec.SECP256R1()))
    assert forged.status_code == 422
    assert forged.json()["code"] == "invalid_authentication_response"
    [event] = events(seq, "auth.second_factor_failed")
    assert event.outcome == "failed"
    assert event.details == {"kind": "passkey", "reason": "invalid_authentication_response"}
    assert not events(seq, "auth.second_factor_verified")
    assert client.get("/demandes/")["Location"].startswith("/compte/securite/verification/")


def test_an_answer_for_another_site_is_refused(with_passkey, people):
    client = password_sign_in("liaison-26")
    phished = verify(client, with_passkey, origin="https://relais.example.com")
    assert phished.status_code == 422
    assert client.get("/demandes/")["Location"].startswith("/compte/securite/verification/")


def test_an_assertion_is_accepted_once(with_passkey, people):
    client = password_sign_in("liaison-26")
    begin = post_json(client, f"{WEBAUTHN}authentication/begin/")
    answer = with_passkey.sign_in(begin.json())
    assert post_json(client, f"{WEBAUTHN}authentication/complete/", answer).status_code == 200
    other = password_sign_in("liaison-26")
    post_json(other, f"{WEBAUTHN}authentication/begin/")
    replayed = post_json(other, f"{WEBAUTHN}authentication/complete/", answer)
    assert replayed.status_code == 422  # another challenge, and a sign count already seen
    again = post_json(client, f"{WEBAUTHN}authentication/complete/", answer)
    assert again.status_code == 400
    assert again.json()["code"] == "invalid_state"


def test_another_accounts_passkey_does_not_verify_this_session(with_passkey, people):
    client = password_sign_in("legal_officer-26198")
    begin = post_json(client, f"{WEBAUTHN}authentication/begin/")
    answer = with_passkey.sign_in({**begin.json(), "allowCredentials": []})
    refused = post_json(client, f"{WEBAUTHN}authentication/complete/", answer)
    assert refused.status_code == 403
    assert refused.json()["code"] == "credential_user_mismatch"


def test_no_passkey_sign_in_without_the_password(with_passkey, people):
    from django.test import Client

    anonymous = Client()
    refused = post_json(anonymous, f"{WEBAUTHN}authentication/begin/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "passwordless_login_disabled"


def test_a_body_the_library_cannot_read_is_a_400(with_passkey, people):
    client = password_sign_in("liaison-26")
    post_json(client, f"{WEBAUTHN}authentication/begin/")
    for body in ([1, 2], {"id": 3, "response": "x"}, {}):
        response = post_json(client, f"{WEBAUTHN}authentication/complete/", body)
        assert response.status_code in {400, 422}, (body, response.status_code)
        post_json(client, f"{WEBAUTHN}authentication/begin/")
    garbled = client.post(
        f"{WEBAUTHN}registration/begin/", "{not json", content_type="application/json"
    )
    assert garbled.status_code == 400
    deep = "[" * 5000 + "]" * 5000  # its decoder recursed until a 500 page
    for ceremony in ("registration/begin/", "authentication/begin/", "authentication/complete/"):
        response = client.post(f"{WEBAUTHN}{ceremony}", deep, content_type="application/json")
        assert response.status_code == 400, ceremony
        assert response["Content-Type"].startswith("application/json")


def test_a_passkey_ceremony_answers_a_body_over_the_limits_in_json(people, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    client = password_sign_in("legal_officer-26198")
    too_long = json.dumps({"padding": "x" * 5000})
    too_many = "&".join(f"f{n}=1" for n in range(50))
    for ceremony in ("registration/begin/", "authentication/begin/", "authentication/complete/"):
        for body, content_type in (
            (too_long, "application/json"),
            (too_many, "application/x-www-form-urlencoded"),
        ):
            response = client.post(f"{WEBAUTHN}{ceremony}", body, content_type=content_type)
            assert response.status_code == 413, (ceremony, content_type)
            assert response["Content-Type"].startswith("application/json")


def test_an_enrolled_account_adds_no_passkey_before_giving_its_second_factor(
    mfa, people, enrolled, authenticator
):
    enrolled(people.liaison)
    client = password_sign_in("liaison-26")
    refused = post_json(client, f"{WEBAUTHN}registration/begin/")
    assert refused.status_code == 403
    assert refused.json()["code"] == "user_not_verified"
    assert not WebAuthnCredential.objects.exists()


def test_an_account_with_an_app_adds_a_passkey_once_verified(mfa, people, enrolled, authenticator):
    mfa.OTP_TOTP_THROTTLE_FACTOR = 0
    device = enrolled(people.liaison)
    client = password_sign_in("liaison-26")
    client.post("/compte/securite/verification/", {"code": totp_code(device)})
    client.post("/compte/securite/codes-de-secours/")
    assert register(client, authenticator).status_code == 200
    done = client.get("/compte/securite/cles/enregistree/?next=/demandes/")
    assert done.status_code == 302
    assert done["Location"] == "/demandes/"  # recovery codes exist: straight on
    # Either factor now completes a sign-in.
    again = password_sign_in("liaison-26")
    prompt = again.get("/compte/securite/verification/").content.decode()
    assert 'id="passkey-verification-available-template"' in prompt
    assert 'name="code"' in prompt
    assert verify(again, authenticator).status_code == 200
    assert again.get("/demandes/").status_code == 200


def test_the_passkey_confirms_a_signature_after_five_minutes(orgs, people, mfa, travel):
    settings_step_up = 300
    mfa.RELAIS_STEP_UP_SECONDS = settings_step_up
    mfa.RELAIS_MFA_REQUIRED_ROLES = []
    key = SoftAuthenticator(origin=mfa.OTP_WEBAUTHN_ALLOWED_ORIGINS[0], rp_id="localhost")
    client = password_sign_in("mayor-26198")
    assert register(client, key).status_code == 200
    info_request = draft(orgs.montelimar)
    travel(seconds=settings_step_up + 1)
    url = f"/demandes/{info_request.reference}/sign/"
    asked = client.post(url)
    assert asked["Location"].startswith("/compte/securite/confirmer/")
    prompt = client.get(asked["Location"]).content.decode()
    assert 'id="passkey-verification-available-template"' in prompt
    assert 'name="password"' not in prompt  # a passkey proves more than the password
    seq = sequenced_size()
    assert verify(client, key, next_url=url).json()["redirect_url"] == url
    assert client.session[AUTHENTICATED_AT] is not None
    [event] = events(seq, "auth.reauthenticated")
    assert event.details == {"via": "passkey"}
    assert client.post(url).status_code == 302
    info_request.refresh_from_db()
    assert info_request.status == Status.SUBMITTED


def test_removing_a_passkey_is_audited_and_only_its_owner_may(with_passkey, people):
    client = password_sign_in("liaison-26")
    verify(client, with_passkey)
    credential = WebAuthnCredential.objects.get(user=people.liaison)
    page = client.get("/compte/securite/").content.decode()
    assert f"/compte/securite/cles/{credential.pk}/supprimer/" in page
    stranger = password_sign_in("legal_officer-26198")
    assert stranger.post(f"/compte/securite/cles/{credential.pk}/supprimer/").status_code == 404
    seq = sequenced_size()
    removed = client.post(f"/compte/securite/cles/{credential.pk}/supprimer/")
    assert removed.status_code == 302
    assert not WebAuthnCredential.objects.exists()
    [event] = events(seq, "auth.second_factor_removed")
    assert event.details == {
        "kind": "passkey",
        "credential": credential.credential_id_sha256[:16],
        "passkeys": 0,
    }
    # The role needs a second factor: the next sign-in enrols again.
    again = password_sign_in("liaison-26")
    assert again.get("/demandes/")["Location"].startswith("/compte/securite/totp/")


def test_an_unverified_session_removes_no_passkey(with_passkey, people):
    client = password_sign_in("liaison-26")
    credential = WebAuthnCredential.objects.get(user=people.liaison)
    response = client.post(f"/compte/securite/cles/{credential.pk}/supprimer/")
    assert response["Location"].startswith("/compte/securite/verification/")
    assert WebAuthnCredential.objects.filter(pk=credential.pk).exists()


def test_the_reset_command_removes_passkeys_too_and_is_audited(with_passkey, people):
    seq = sequenced_size()
    call_command("reset_second_factor", "liaison-26")
    assert not WebAuthnCredential.objects.exists()
    [event] = events(seq, "auth.second_factor_reset")
    assert event.details["kinds"] == {"totp": 0, "recovery_codes": 0, "passkey": 1}
    client = password_sign_in("liaison-26")
    assert client.get("/demandes/")["Location"].startswith("/compte/securite/totp/")


def test_a_recovery_code_replaces_a_lost_passkey(with_passkey, people):
    client = password_sign_in("liaison-26")
    verify(client, with_passkey)
    page = client.post("/compte/securite/codes-de-secours/").content.decode()
    code = page.split("<li><code>")[1].split("</code>")[0]
    lost = password_sign_in("liaison-26")
    prompt = lost.get("/compte/securite/verification/").content.decode()
    assert 'name="code"' in prompt
    seq = sequenced_size()
    assert lost.post("/compte/securite/verification/", {"code": code}).status_code == 302
    assert lost.get("/demandes/").status_code == 200
    assert events(seq, "auth.recovery_code_used")


@pytest.mark.parametrize(
    ("site_url", "expected"),
    [
        ("http://127.0.0.1:8000", ("localhost", "http://localhost:8000")),
        (
            "https://relais.example.gouv.fr",
            ("relais.example.gouv.fr", "https://relais.example.gouv.fr"),
        ),
        ("http://localhost:8600", ("localhost", "http://localhost:8600")),
    ],
)
def test_the_relying_party_comes_from_site_url(site_url, expected):
    assert _webauthn_site(site_url) == expected


def test_the_scripts_speak_french_to_french_readers():
    from django.test import Client

    french = Client(HTTP_ACCEPT_LANGUAGE="fr").get(f"{WEBAUTHN}jsi18n/").content.decode()
    assert "Enregistrement\\u2026" in french or "Enregistrement…" in french
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"{WEBAUTHN}jsi18n/").content.decode()
    assert "Enregistrement" not in english
