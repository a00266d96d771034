"""ProConnect sign-in end to end against a real OpenID provider (npm oidc-provider, configured
like ProConnect) started on this machine; nothing of mozilla-django-oidc is mocked."""

import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from accounts.validators import with_luhn_key
from audit.models import AuditEvent
from tests.factories import member
from tests.oidc_provider import CLIENT_SECRET, ProviderProcess, node_missing_reason

pytestmark = pytest.mark.skipif(
    node_missing_reason() is not None, reason=str(node_missing_reason())
)

SIRET_26 = with_luhn_key("1726000110001")
SIRET_OTHER = with_luhn_key("2126198900001")

ACCOUNTS = {
    "jeanne": {
        "given_name": "Jeanne",
        "usual_name": "Martin",
        # ProConnect's case; the account was created in lower case.
        "email": "Jeanne.Martin@Drome.gouv.fr",
        "uid": "4711",
        "siret": SIRET_26,
        "idp_id": "fia1v2",
    },
    "stranger": {
        "given_name": "Paul",
        "usual_name": "Durand",
        "email": "paul.durand@example.gouv.fr",
        "uid": "12",
        "siret": SIRET_26,
        "idp_id": "fia1v2",
    },
    "elsewhere": {
        "given_name": "Jeanne",
        "usual_name": "Martin",
        "email": "jeanne.martin@drome.gouv.fr",
        "uid": "4711",
        "siret": SIRET_OTHER,
        "idp_id": "fia1v2",
    },
    # An identity provider that lets its users type their names, and fills amr as it likes.
    "planted": {
        "given_name": "Karim né le 03/04/1998",
        "usual_name": "HADDAD 1 98 04 75 123 456 78",
        "email": "jeanne.martin@drome.gouv.fr",
        "uid": "4711",
        "siret": SIRET_26,
        "idp_id": "Karim Haddad 03041998 idp",
    },
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    running = ProviderProcess(ACCOUNTS, tmp_path_factory.mktemp("oidc"))
    yield running
    running.stop()


@pytest.fixture
def proconnect(settings, provider):
    """Relais configured for the test provider by its issuer (discovery)."""

    def configure(client_id: str = "relais", alg: str = "RS256") -> ProviderProcess:
        settings.PROCONNECT_CLIENT_ID = settings.OIDC_RP_CLIENT_ID = client_id
        settings.PROCONNECT_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.PROCONNECT_ISSUER = provider.issuer
        settings.PROCONNECT_DISCOVERY_URL = ""
        settings.OIDC_RP_SIGN_ALGO = alg
        return provider

    configure()
    configure.provider = provider
    return configure


@pytest.fixture
def jeanne(orgs):
    orgs.pref26.siret = SIRET_26
    orgs.pref26.save(update_fields=["siret"])
    return member(
        orgs.pref26, Role.LIAISON, username="liaison-26", email="jeanne.martin@drome.gouv.fr"
    )


def start(
    client: Client, provider: ProviderProcess, account: str, browser=None, **login
) -> tuple[str, dict]:
    """Clicks the ProConnect button; returns the provider's redirect back to Relais and the
    authorization request's parameters."""
    provider.next_login(account, **login)
    response = client.get(reverse("proconnect-login"), {"next": "/demandes/"})
    assert response.status_code == 302
    authorize = response["Location"]
    params = {key: values[0] for key, values in parse_qs(urlsplit(authorize).query).items()}
    return provider.browse(authorize, browser or requests.Session()), params


def callback(client: Client, url: str):
    parts = urlsplit(url)
    return client.get(f"{parts.path}?{parts.query}")


def refusals(reason: str):
    return AuditEvent.objects.filter(action="auth.proconnect.refused", details__reason=reason)


def test_sign_in_binds_by_email_and_siret_and_takes_the_names(proconnect, jeanne):
    client = Client()
    back, params = start(client, proconnect.provider, "jeanne", amr=("pwd",))

    response = callback(client, back)

    assert response.status_code == 302
    assert response["Location"] == "/demandes/"
    assert int(client.session["_auth_user_id"]) == jeanne.pk
    jeanne.refresh_from_db()
    assert (jeanne.first_name, jeanne.last_name) == ("Jeanne", "Martin")
    assert jeanne.display_name == "Jeanne Martin"
    assert jeanne.proconnect_last_login is not None
    # The authorization request ProConnect expects.
    assert len(params["state"]) >= 32
    assert len(params["nonce"]) >= 32
    assert set(params["scope"].split()) == {
        "openid",
        "given_name",
        "usual_name",
        "email",
        "uid",
        "siret",
        "idp_id",
    }
    claims = json.loads(params["claims"])
    assert set(claims["userinfo"]) == {
        "given_name",
        "usual_name",
        "email",
        "uid",
        "siret",
        "idp_id",
    }
    assert {"acr", "amr"} <= set(claims["id_token"])
    # How the person authenticated, for the second-factor and step-up checks.
    session = client.session
    assert session["relais_auth_via"] == "proconnect"
    assert isinstance(session["relais_auth_time"], int)
    assert session["relais_proconnect_acr"] == "eidas1"
    assert "relais_mfa_via" not in session
    assert session["oidc_id_token"].count(".") == 2
    event = AuditEvent.objects.get(action="auth.proconnect.login")
    assert event.actor_id == jeanne.pk
    assert event.organization_code == "26" if hasattr(event, "organization_code") else True
    assert event.details["second_factor"] is False
    assert "email" not in json.dumps(event.details).lower()
    assert "martin" not in json.dumps(event.details).lower()


def test_sign_in_with_a_second_factor_is_noted_in_the_session(proconnect, jeanne, settings):
    settings.PROCONNECT_ACR_VALUES = "eidas1 eidas2"
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne", acr="eidas2", amr=("pwd", "totp"))

    callback(client, back)

    assert int(client.session["_auth_user_id"]) == jeanne.pk
    assert client.session["relais_mfa_via"] == "proconnect"
    assert client.session["relais_proconnect_amr"] == ["pwd", "totp"]
    assert AuditEvent.objects.get(action="auth.proconnect.login").details["second_factor"]


def test_claims_that_are_no_name_or_no_known_method_are_not_kept(proconnect, jeanne):
    names = (jeanne.first_name, jeanne.last_name)
    client = Client()
    back, _ = start(client, proconnect.provider, "planted", amr=("pwd", "Karim Haddad 03/04/1998"))

    callback(client, back)

    assert int(client.session["_auth_user_id"]) == jeanne.pk
    jeanne.refresh_from_db()
    assert (jeanne.first_name, jeanne.last_name) == names
    assert client.session["relais_proconnect_amr"] == ["pwd", "other"]
    details = AuditEvent.objects.get(action="auth.proconnect.login").details
    assert details["names_refused"] is True
    assert details["amr"] == ["pwd", "other"]
    assert details["idp_id"].startswith("sha256:")
    kept = json.dumps([details, dict(client.session)]).lower()
    assert not any(planted in kept for planted in ("karim", "haddad", "1998", "123 456"))


def test_sign_in_with_es256_signatures(proconnect, jeanne):
    proconnect("relais-es256", alg="ES256")
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")

    callback(client, back)

    assert int(client.session["_auth_user_id"]) == jeanne.pk


def test_unknown_email_is_refused_and_no_account_is_created(proconnect, jeanne):
    client = Client()
    users = User.objects.count()
    back, _ = start(client, proconnect.provider, "stranger")

    response = callback(client, back)

    assert response.status_code == 403
    assert 'data-reason="unknown_email"' in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert "oidc_id_token" not in client.session
    assert User.objects.count() == users
    event = refusals("unknown_email").get()
    assert event.actor_id is None
    assert event.outcome == "refused"


def test_siret_of_another_establishment_is_refused(proconnect, jeanne):
    client = Client()
    back, _ = start(client, proconnect.provider, "elsewhere")

    response = callback(client, back)

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert refusals("siret_mismatch").get().actor_id == jeanne.pk


def test_inactive_account_is_refused(proconnect, jeanne):
    jeanne.is_active = False
    jeanne.save(update_fields=["is_active"])
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")

    response = callback(client, back)

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert refusals("inactive_account").get().actor_id == jeanne.pk


def test_state_not_issued_by_this_browser_is_refused(proconnect, jeanne):
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")

    forged = re.sub(r"state=[^&]+", "state=" + "x" * 48, back)
    response = callback(client, forged)

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert refusals("state_mismatch").exists()


def test_callback_replayed_is_refused(proconnect, jeanne):
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")
    callback(client, back)
    client.logout()

    response = callback(client, back)

    assert response.status_code == 403
    assert refusals("state_mismatch").exists()


def test_nonce_that_does_not_match_the_id_token_is_refused(proconnect, jeanne):
    client = Client()
    back, params = start(client, proconnect.provider, "jeanne")
    session = client.session
    session["oidc_states"][params["state"]]["nonce"] = "n" * 48
    session.save()

    response = callback(client, back)

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    assert refusals("nonce_mismatch").exists()


def test_userinfo_that_is_not_a_signed_jwt_is_refused(proconnect, jeanne):
    proconnect("relais-json-userinfo")
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")

    response = callback(client, back)

    assert response.status_code == 403
    assert refusals("userinfo_not_signed").exists()


def test_logout_sends_the_id_token_hint_and_comes_back(proconnect, jeanne):
    client, browser = Client(), requests.Session()
    back, _ = start(client, proconnect.provider, "jeanne", browser)
    callback(client, back)
    id_token = client.session["oidc_id_token"]

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    end_session = urlsplit(response["Location"])
    assert f"{end_session.scheme}://{end_session.netloc}" == proconnect.provider.issuer
    query = {key: values[0] for key, values in parse_qs(end_session.query).items()}
    assert query["id_token_hint"] == id_token
    assert query["post_logout_redirect_uri"] == "http://testserver/compte/proconnect/deconnexion/"
    assert len(query["state"]) >= 32
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action="auth.proconnect.logout", actor_id=jeanne.pk).exists()
    # The provider accepts the hint, signs out and sends the browser back with the state.
    page = browser.get(response["Location"], timeout=10)
    assert page.status_code == 200
    assert 'id="logout-hint">hint<' in page.text
    form = re.search(r'<form[^>]*action="([^"]+)"', page.text).group(1)
    xsrf = re.search(r'name="xsrf" value="([^"]+)"', page.text).group(1)
    confirmed = browser.post(
        form, data={"xsrf": xsrf, "logout": "yes"}, allow_redirects=False, timeout=10
    )
    assert confirmed.status_code in (302, 303)
    returned = urlsplit(confirmed.headers["Location"])
    assert parse_qs(returned.query)["state"] == [query["state"]]

    final = client.get(f"{returned.path}?{returned.query}")

    assert final.status_code == 302
    assert final["Location"] == reverse("login")


def test_button_shown_only_when_configured(settings, db):
    settings.PROCONNECT_CLIENT_ID = ""
    assert "proconnect-form" not in Client().get(reverse("login")).content.decode()
    assert Client().get(reverse("proconnect-login")).status_code == 404

    settings.PROCONNECT_CLIENT_ID = "relais"
    settings.PROCONNECT_ISSUER = "https://proconnect.example/api/v2"
    page = Client().get(reverse("login")).content.decode()
    assert "proconnect-form" in page
    assert 'fr-connect__brand">ProConnect<' in page


def test_sign_in_with_explicit_endpoints_and_no_discovery(proconnect, jeanne, settings):
    issuer = proconnect.provider.issuer
    settings.PROCONNECT_ENDPOINTS = {
        "authorization_endpoint": f"{issuer}/auth",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/me",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/session/end",
    }
    settings.PROCONNECT_ISSUER = issuer
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")

    callback(client, back)

    assert int(client.session["_auth_user_id"]) == jeanne.pk


def test_discovery_naming_another_issuer_is_refused(proconnect, jeanne, settings):
    # Discovery fetched from the real provider, but Relais expects another issuer.
    settings.PROCONNECT_DISCOVERY_URL = proconnect.provider.discovery_url
    settings.PROCONNECT_ISSUER = "https://proconnect.example/api/v2"
    client = Client()

    response = client.get(reverse("proconnect-login"))

    assert response.status_code == 403
    assert refusals("provider_unreachable").exists()


def test_step_up_asks_for_a_fresh_login_and_renews_the_auth_time(proconnect, jeanne):
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")
    callback(client, back)
    session = client.session
    session["relais_auth_time"] = 1
    session.save()

    proconnect.provider.next_login("jeanne", amr=("pwd", "totp"))
    response = client.get(reverse("proconnect-login"), {"prompt": "login"})
    authorize = response["Location"]
    assert parse_qs(urlsplit(authorize).query)["prompt"] == ["login"]
    callback(client, proconnect.provider.browse(authorize, requests.Session()))

    assert int(client.session["_auth_user_id"]) == jeanne.pk
    assert client.session["relais_auth_time"] > 1
    assert client.session["relais_mfa_via"] == "proconnect"


def test_a_liaison_whose_proconnect_sign_in_shows_a_second_factor_is_not_asked_for_a_code(
    proconnect, jeanne, settings
):
    settings.RELAIS_MFA_ENFORCED = True
    settings.PROCONNECT_ACR_VALUES = "eidas1 eidas2"
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne", acr="eidas2", amr=("pwd", "totp"))
    callback(client, back)

    response = client.get(reverse("requests"))

    assert response.status_code == 200


def test_a_liaison_whose_proconnect_sign_in_had_no_second_factor_is_sent_to_enrolment(
    proconnect, jeanne, settings
):
    settings.RELAIS_MFA_ENFORCED = True
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")
    callback(client, back)

    response = client.get(reverse("requests"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("security-totp"))


def test_step_up_counts_from_proconnects_auth_time(proconnect, jeanne):
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")
    callback(client, back)

    session = client.session
    assert session["relais_authenticated_at"] == session["relais_auth_time"]


def test_the_step_up_prompt_offers_proconnect_to_whoever_signed_in_there(proconnect, jeanne):
    client = Client()
    back, _ = start(client, proconnect.provider, "jeanne")
    callback(client, back)

    page = client.get(reverse("security-reauthenticate"), {"next": "/demandes/"})

    assert page.status_code == 200
    assert "prompt=login" in page.content.decode()
