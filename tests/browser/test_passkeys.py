"""A passkey in a real browser: Chromium's virtual authenticator (Chrome DevTools' WebAuthn
domain) answers django-otp-webauthn's scripts as a phone or a security key would. A liaison
enrols one instead of an authenticator app, takes recovery codes, signs out, then signs in
with the password and the passkey; no Content-Security-Policy violation on the way."""

import pytest

from audit.models import AuditEvent
from tests.browser.conftest import (
    csp_violations,
    screenshot,
    serious_violations,
    sign_in,
    sign_out,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.slow  # scheduled first in its group (tests/conftest.py)


@pytest.fixture
def passkeys_here(settings, live_site):
    """The second factor enforced, and the live server's origin as the relying party's."""
    settings.RELAIS_MFA_ENFORCED = True
    settings.RELAIS_DEMO_SKIP_MFA = False
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [live_site.url.replace("127.0.0.1", "localhost")]


def virtual_authenticator(page) -> tuple:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    added = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    return cdp, added["authenticatorId"]


def test_a_liaison_enrols_a_passkey_then_signs_in_with_it(new_page, people, passkeys_here):
    page = new_page()
    cdp, authenticator = virtual_authenticator(page)

    sign_in(page, people.liaison.username, PASSWORD)
    assert "/compte/securite/totp/" in page.url
    page.get_by_role("button", name="Enregistrer une clé d'accès").click()
    page.wait_for_url("**/compte/securite/cles/enregistree/**")
    [credential] = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})[
        "credentials"
    ]
    assert credential["rpId"] == "localhost"
    screenshot(page, "passkey-enrolled")
    page.get_by_role("button", name="Obtenir mes codes de secours").click()
    page.wait_for_load_state()
    assert page.locator("#recovery-codes li").count() == 10
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    page.wait_for_load_state()
    assert "/compte/securite/" not in page.url
    page.goto("/compte/securite/")
    assert page.locator("#passkeys tbody tr").count() == 1
    assert page.get_by_role("button", name="Enregistrer une clé d'accès").is_visible()
    assert serious_violations(page) == []
    screenshot(page, "passkey-security-page")
    assert csp_violations(page) == []
    sign_out(page)

    sign_in(page, people.liaison.username, PASSWORD)
    assert "/compte/securite/verification/" in page.url
    screenshot(page, "passkey-verification")
    page.get_by_role("button", name="Utiliser ma clé d'accès").click()
    page.wait_for_url(lambda url: "/compte/securite/" not in url)
    page.wait_for_load_state()
    assert page.url.endswith("/demandes/")
    assert csp_violations(page) == []
    assert AuditEvent.objects.filter(
        action="auth.second_factor_verified",
        actor_username=people.liaison.username,
        details__kind="passkey",
    ).exists()
    used = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})["credentials"]
    assert used[0]["signCount"] > credential["signCount"]
