"""Helpers for the second-factor and step-up tests: real TOTP codes from a device's key."""

import time

import pytest
from django.test import Client
from django_otp.oath import TOTP

from accounts.security_services import totp_enrol_for_demo
from tests.factories import PASSWORD


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or `steps_ahead` periods later, to use a
    device twice in one test: a code is accepted once)."""
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    generator.time = time.time() + steps_ahead * device.step
    return f"{generator.token():0{device.digits}d}"


@pytest.fixture
def mfa(settings):
    """The second factor enforced, as in production."""
    settings.RELAIS_MFA_ENFORCED = True
    settings.RELAIS_DEMO_SKIP_MFA = False
    return settings


@pytest.fixture
def enrolled():
    """`enrolled(user)` → the user's confirmed TOTP device."""
    return lambda user: totp_enrol_for_demo(user=user)


def password_sign_in(username: str, path: str = "/connexion/") -> Client:
    client = Client()
    response = client.post(path, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client
