"""Web test helpers: a signed-in test client per user, and requests in every status."""

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.cache import cache
from django.test import Client

from audit.models import AuditEvent


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The statistics page caches its aggregates; each test starts without them."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def web():
    """`web(user)` → a Django test client signed in as `user`; `web()` → anonymous."""

    def client_for(user=None, *, language: str = "fr") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        if user is not None:
            client.force_login(user)
        return client

    return client_for


@pytest.fixture
def audit_signing_key(settings):
    """A fresh Ed25519 checkpoint key, for pages that issue or verify checkpoints."""
    seed = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.AUDIT_SIGNING_KEY = base64.b64encode(seed).decode("ascii")
    settings.AUDIT_SIGNING_KEY_FILE = ""
    settings.AUDIT_LOG_ORIGIN = "relais.test/audit"
    return settings.AUDIT_SIGNING_KEY


def last_event(action: str, **filters) -> AuditEvent | None:
    return AuditEvent.objects.filter(action=action, **filters).order_by("-id").first()
