"""The second factor, enforced: required roles enrol then give a code after the password and
can do nothing else before; recovery codes; an administrator's reset; the token endpoint;
commune roles are offered it; production refuses to run without it."""

import os
import subprocess
import sys

import pytest
from django.core.management import call_command
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from accounts.models import PersonalAccessToken
from accounts.security_services import token_issue
from audit.models import AuditEvent
from audit.sequencer import audit_sequence, sequenced_size
from config.settings.base import access_problems
from tests.accounts.conftest import password_sign_in, totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
SHARED_PEOPLE = True  # see tests/conftest.py

TOKEN = "/api/v1/auth/token/"


def events(seq, action):
    audit_sequence()
    return list(AuditEvent.objects.filter(seq__gt=seq, action=action).order_by("seq"))


def test_a_liaison_with_a_password_alone_is_sent_to_enrolment_and_can_do_nothing_else(mfa, people):
    client = password_sign_in("liaison-26")
    for path in [
        "/demandes/",
        "/statistiques/",
        "/compte/securite/",
        "/compte/securite/confirmer/",
        "/admin/",
    ]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/compte/securite/totp/"), path
    api = client.get("/api/v1/requests/")
    assert api.status_code == 403
    assert api.json()["code"] == "second_factor_enrolment_required"


def test_enrolment_shows_a_qr_code_and_the_secret_then_confirms_with_a_code(mfa, people):
    mfa.OTP_TOTP_THROTTLE_FACTOR = 0
    client = password_sign_in("liaison-26")
    page = client.get("/compte/securite/totp/?next=/demandes/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in html
    assert "otpauth://totp/" in html
    assert "<script>" not in html  # the CSP allows no inline script
    device = TOTPDevice.objects.get(user=people.liaison, confirmed=False)
    wrong = client.post("/compte/securite/totp/", {"code": "000000", "next": "/demandes/"})
    assert wrong.status_code == 400
    seq = sequenced_size()
    done = client.post("/compte/securite/totp/", {"code": totp_code(device), "next": "/demandes/"})
    assert done.status_code == 200
    codes = done.content.decode().count("<li><code>")
    assert codes == 10
    assert client.get("/demandes/").status_code == 200
    [event] = events(seq, "auth.second_factor_enrolled")
    assert event.actor_username == "liaison-26"
    assert event.details == {"kind": "totp", "recovery_codes": 10}


def test_an_enrolled_liaison_gives_the_code_after_the_password(mfa, people, enrolled):
    mfa.OTP_TOTP_THROTTLE_FACTOR = 0  # a retry right after a wrong code (see below)
    device = enrolled(people.liaison)
    client = password_sign_in("liaison-26")
    response = client.get("/demandes/")
    assert response["Location"].startswith("/compte/securite/verification/")
    seq = sequenced_size()
    wrong = client.post("/compte/securite/verification/", {"code": "123456"})
    assert wrong.status_code == 400
    assert events(seq, "auth.second_factor_failed")
    ok = client.post(
        "/compte/securite/verification/", {"code": totp_code(device), "next": "/demandes/"}
    )
    assert ok["Location"] == "/demandes/"
    assert client.get("/demandes/").status_code == 200
    assert events(seq, "auth.second_factor_verified")


def test_a_wrong_code_makes_the_next_try_wait(mfa, people, enrolled):
    # django-otp's throttling: after a failure, even the right code is refused for a while
    # (doubling with each failure), which makes guessing six digits hopeless.
    device = enrolled(people.liaison)
    client = password_sign_in("liaison-26")
    client.post("/compte/securite/verification/", {"code": "000000"})
    assert (
        client.post("/compte/securite/verification/", {"code": totp_code(device)}).status_code
        == 400
    )
    device.refresh_from_db()
    assert device.throttling_failure_count == 1  # a throttled try is refused unread


def test_a_code_is_accepted_once(mfa, people, enrolled):
    device = enrolled(people.liaison)
    code = totp_code(device)
    first = password_sign_in("liaison-26")
    assert first.post("/compte/securite/verification/", {"code": code}).status_code == 302
    second = password_sign_in("liaison-26")
    assert second.post("/compte/securite/verification/", {"code": code}).status_code == 400


def test_a_lost_device_is_replaced_by_a_recovery_code_once(mfa, people):
    client = password_sign_in("liaison-26")
    client.get("/compte/securite/totp/")
    device = TOTPDevice.objects.get(user=people.liaison)
    client.post("/compte/securite/totp/", {"code": totp_code(device)})
    recovery = StaticToken.objects.filter(device__user=people.liaison).first().token
    seq = sequenced_size()
    lost = password_sign_in("liaison-26")
    assert lost.post("/compte/securite/verification/", {"code": recovery}).status_code == 302
    assert lost.get("/demandes/").status_code == 200
    [event] = events(seq, "auth.recovery_code_used")
    assert event.details == {"kind": "recovery_code", "recovery_codes_left": 9}
    again = password_sign_in("liaison-26")
    assert again.post("/compte/securite/verification/", {"code": recovery}).status_code == 400


def test_an_administrator_resets_the_second_factor_and_it_is_audited(mfa, people, enrolled):
    enrolled(people.liaison)
    seq = sequenced_size()
    call_command("reset_second_factor", "liaison-26")
    assert not TOTPDevice.objects.filter(user=people.liaison).exists()
    [event] = events(seq, "auth.second_factor_reset")
    assert event.details["username"] == "liaison-26"
    client = password_sign_in("liaison-26")
    assert client.get("/demandes/")["Location"].startswith("/compte/securite/totp/")


def test_the_admin_action_resets_a_users_second_factor(mfa, people, enrolled):
    staff = people.staff
    staff.is_superuser = True
    staff.save()
    staff_device = enrolled(staff)
    enrolled(people.liaison)
    client = password_sign_in("staff-admin", path="/admin/login/")
    assert client.get("/admin/")["Location"].startswith("/compte/securite/verification/")
    client.post("/compte/securite/verification/", {"code": totp_code(staff_device)})
    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_second_factor", "_selected_action": [people.liaison.pk]},
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=people.liaison).exists()
    assert AuditEvent.objects.filter(
        action="auth.second_factor_reset", actor_username="staff-admin"
    )


def test_staff_cannot_use_the_admin_with_a_password_alone(mfa, people):
    client = password_sign_in("staff-admin", path="/admin/login/")
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/compte/securite/totp/")


def test_auditors_are_required_to_enrol(mfa, people):
    client = password_sign_in("auditor-26")
    assert client.get("/audit/journal/")["Location"].startswith("/compte/securite/totp/")


def test_commune_roles_are_offered_but_not_forced(mfa, people):
    client = password_sign_in("mayor-26198")
    assert client.get("/demandes/").status_code == 200
    page = client.get("/compte/securite/").content.decode()
    assert "Activer la vérification en deux étapes" in page


def test_a_commune_user_who_enrolled_gives_the_code_too(mfa, people, enrolled):
    enrolled(people.mayor)
    client = password_sign_in("mayor-26198")
    assert client.get("/demandes/")["Location"].startswith("/compte/securite/verification/")


def test_the_required_roles_are_a_setting(mfa, people):
    mfa.RELAIS_MFA_REQUIRED_ROLES = ["mayor"]
    assert password_sign_in("liaison-26").get("/demandes/").status_code == 200
    mayor = password_sign_in("mayor-26198")
    assert mayor.get("/demandes/")["Location"].startswith("/compte/securite/totp/")


def test_the_token_endpoint_needs_the_code_of_an_account_that_needs_one(mfa, people, enrolled):
    mfa.OTP_TOTP_THROTTLE_FACTOR = 0
    body = {"username": "liaison-26", "password": PASSWORD}
    response = APIClient().post(TOKEN, body, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "second_factor_enrolment_required"
    device = enrolled(people.liaison)
    missing = APIClient().post(TOKEN, body, format="json")
    assert missing.status_code == 400
    assert "otp" in missing.json()
    wrong = APIClient().post(TOKEN, {**body, "otp": "000000"}, format="json")
    assert wrong.status_code == 400
    ok = APIClient().post(TOKEN, {**body, "otp": totp_code(device)}, format="json")
    assert ok.status_code == 200
    assert ok.json()["second_factor"] is True
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {ok.json()['token']}")
    assert client.get("/api/v1/requests/").status_code == 200


def test_a_token_issued_without_a_second_factor_does_not_act_for_a_required_role(mfa, people):
    issued = token_issue(user=people.liaison, name="old", second_factor=False, actor=people.liaison)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.secret}")
    assert client.get("/api/v1/requests/").status_code == 401
    mayor = token_issue(user=people.mayor, name="m", second_factor=False, actor=people.mayor)
    client.credentials(HTTP_AUTHORIZATION=f"Token {mayor.secret}")
    assert client.get("/api/v1/requests/").status_code == 200


def test_a_verified_session_issues_tokens_that_count_as_second_factor(mfa, people, enrolled):
    device = enrolled(people.liaison)
    client = password_sign_in("liaison-26")
    client.post("/compte/securite/verification/", {"code": totp_code(device)})
    client.post("/compte/securite/jetons/", {"name": "script", "expires_in_days": 5})
    assert PersonalAccessToken.objects.get(user=people.liaison).second_factor


def test_the_demo_skip_setting_lifts_the_requirement(mfa, people):
    mfa.RELAIS_DEMO_SKIP_MFA = True
    assert password_sign_in("liaison-26").get("/demandes/").status_code == 200


def test_renewing_recovery_codes_replaces_them_and_is_audited(mfa, people, enrolled):
    device = enrolled(people.liaison)
    client = password_sign_in("liaison-26")
    client.post("/compte/securite/verification/", {"code": totp_code(device)})
    seq = sequenced_size()
    page = client.post("/compte/securite/codes-de-secours/")
    assert page.content.decode().count("<li><code>") == 10
    assert StaticToken.objects.filter(device__user=people.liaison).count() == 10
    assert events(seq, "auth.recovery_codes_renewed")


def test_production_access_problems_name_what_is_missing():
    good = {
        "mfa_enforced": True,
        "demo_skip_mfa": False,
        "required_roles": ["liaison", "prefecture_admin", "auditor", "staff"],
        "step_up_seconds": 300,
        "lockout_enabled": True,
    }
    assert access_problems(**good) == []
    assert access_problems(**{**good, "mfa_enforced": False})
    assert access_problems(**{**good, "demo_skip_mfa": True})
    assert access_problems(**{**good, "required_roles": ["liaison"]})
    assert access_problems(**{**good, "step_up_seconds": 0})
    assert access_problems(**{**good, "step_up_seconds": 900})
    assert access_problems(**{**good, "lockout_enabled": False})


@pytest.mark.parametrize(
    ("variable", "value"),
    [("RELAIS_MFA_ENFORCED", "false"), ("RELAIS_DEMO_SKIP_MFA", "true")],
)
def test_production_settings_refuse_to_start_without_the_second_factor(variable, value):
    env = {
        **os.environ,
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": "sqlite:///unused.sqlite3",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        variable: value,
    }
    result = subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr
    fine = subprocess.run(
        [sys.executable, "-c", "import config.settings.production"],
        env={k: v for k, v in env.items() if k != variable},
        capture_output=True,
        text=True,
        check=False,
    )
    assert fine.returncode == 0, fine.stderr
