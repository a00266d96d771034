"""Step-up: signing, deciding and asking for an audit export need an authentication at most
RELAIS_STEP_UP_SECONDS old, on the web (a prompt, then back) and in the API (403
reauthentication_required, X-Relais-OTP, /auth/reauthenticate/)."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.security_services import token_issue
from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from sharing.models import Status
from tests.accounts.conftest import totp_code
from tests.factories import PASSWORD, draft, request_in

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

STALE = 301


@pytest.fixture(autouse=True)
def _step_up(settings):
    settings.RELAIS_STEP_UP_SECONDS = 300


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(user) -> APIClient:
    issued = token_issue(user=user, name="t", second_factor=False, actor=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.secret}")
    return client


def test_a_fresh_sign_in_signs_at_once(orgs, people):
    info_request = draft(orgs.montelimar)
    client = signed_in(people.mayor)
    response = client.post(f"/demandes/{info_request.reference}/sign/")
    assert response.status_code == 302
    info_request.refresh_from_db()
    assert info_request.status == Status.SUBMITTED


def test_a_mayor_with_an_old_session_is_asked_for_the_password_before_signing(orgs, people, travel):
    info_request = draft(orgs.montelimar)
    client = signed_in(people.mayor)
    travel(seconds=STALE)
    url = f"/demandes/{info_request.reference}/sign/"
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/securite/confirmer/")
    info_request.refresh_from_db()
    assert info_request.status == Status.DRAFT
    prompt = client.get(response["Location"])
    assert 'name="password"' in prompt.content.decode()
    seq = sequenced_size()
    wrong = client.post("/compte/securite/confirmer/", {"password": "wrong", "next": url})
    assert wrong.status_code == 400
    back = client.post("/compte/securite/confirmer/", {"password": PASSWORD, "next": url})
    assert back["Location"] == url
    assert client.post(url).status_code == 302
    info_request.refresh_from_db()
    assert info_request.status == Status.SUBMITTED
    audit_sequence()
    actions = list(
        AuditEvent.objects.filter(seq__gt=seq, action__startswith="auth.reauth").values_list(
            "action", flat=True
        )
    )
    assert actions == ["auth.reauthentication_failed", "auth.reauthenticated"]


def test_a_liaison_with_a_second_factor_confirms_with_a_code_before_deciding(
    orgs, people, travel, enrolled
):
    device = enrolled(people.liaison)
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = signed_in(people.liaison)
    travel(seconds=STALE)
    url = f"/demandes/{info_request.reference}/decide/"
    response = client.get(url)
    assert response["Location"].startswith("/compte/securite/confirmer/")
    prompt = client.get(response["Location"]).content.decode()
    assert 'name="code"' in prompt
    assert 'name="password"' not in prompt
    client.post("/compte/securite/confirmer/", {"code": totp_code(device), "next": url})
    assert client.get(url).status_code == 200


def test_the_step_up_keeps_a_not_allowed_user_at_404(orgs, people, travel):
    info_request = draft(orgs.montelimar)
    client = signed_in(people.mayor_valence)
    travel(seconds=STALE)
    assert client.post(f"/demandes/{info_request.reference}/sign/").status_code == 404


def test_the_api_refuses_an_old_token_with_a_clear_code_then_accepts_x_relais_otp(
    orgs, people, travel, enrolled
):
    device = enrolled(people.mayor)
    info_request = draft(orgs.montelimar)
    client = token_client(people.mayor)
    travel(seconds=STALE)
    url = f"/api/v1/requests/{info_request.reference}/sign/"
    refused = client.post(url, {}, format="json")
    assert refused.status_code == 403
    assert refused.json()["code"] == "reauthentication_required"
    info_request.refresh_from_db()
    assert info_request.status == Status.DRAFT
    wrong = client.post(url, {}, format="json", HTTP_X_RELAIS_OTP="000000")
    assert wrong.status_code == 403
    travel(seconds=STALE + 2)  # past django-otp's pause after a wrong code
    ok = client.post(url, {}, format="json", HTTP_X_RELAIS_OTP=totp_code(device))
    assert ok.status_code == 200
    assert ok.json()["status"] == "submitted"


def test_the_api_reauthenticate_endpoint_refreshes_a_token(orgs, people, travel):
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = token_client(people.liaison)
    travel(seconds=STALE)
    url = f"/api/v1/requests/{info_request.reference}/decide/"
    body = {"resolution": "granted", "remarks": ""}
    assert client.post(url, body, format="json").status_code == 403
    wrong = client.post("/api/v1/auth/reauthenticate/", {"password": "nope"}, format="json")
    assert wrong.status_code == 400
    again = client.post("/api/v1/auth/reauthenticate/", {"password": PASSWORD}, format="json")
    assert again.status_code == 200
    assert client.post(url, body, format="json").status_code == 200
    travel(seconds=2 * STALE)
    assert client.post(url, body, format="json").status_code in (403, 409)


def test_an_account_with_an_authenticator_app_steps_up_with_its_code_not_its_password(
    orgs, people, travel, enrolled
):
    """As on the web, where the prompt asks such an account for its code only: a stolen token
    and password no longer decide without the second factor."""
    device = enrolled(people.liaison)
    info_request = request_in(Status.ACKNOWLEDGED, orgs.montelimar)
    client = token_client(people.liaison)
    travel(seconds=STALE)
    url = f"/api/v1/requests/{info_request.reference}/decide/"
    body = {"resolution": "granted", "remarks": ""}
    refused = client.post("/api/v1/auth/reauthenticate/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 400
    assert list(refused.json()) == ["otp"]
    assert client.post(url, body, format="json").status_code == 403
    code = {"otp": totp_code(device)}
    assert client.post("/api/v1/auth/reauthenticate/", code, format="json").status_code == 200
    assert client.post(url, body, format="json").status_code == 200


def test_the_api_step_up_comes_after_the_permission_check(orgs, people, travel):
    info_request = draft(orgs.montelimar)
    client = token_client(people.legal_officer)
    travel(seconds=STALE)
    response = client.post(f"/api/v1/requests/{info_request.reference}/sign/", {}, format="json")
    assert response.status_code == 404


def test_an_audit_export_needs_a_recent_authentication(people, travel):
    client = token_client(people.auditor_national)
    travel(seconds=STALE)
    response = client.post("/api/v1/audit/exports/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "reauthentication_required"
    web = signed_in(people.auditor_national)
    travel(seconds=2 * STALE)
    page = web.post("/audit/exports/", {"action": "request.*"})
    assert page.status_code == 302
    assert page["Location"].startswith("/compte/securite/confirmer/")


def test_a_token_counts_from_its_issue(orgs, people):
    info_request = draft(orgs.montelimar)
    client = token_client(people.mayor)
    response = client.post(f"/api/v1/requests/{info_request.reference}/sign/", {}, format="json")
    assert response.status_code == 200
