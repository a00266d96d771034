"""ProConnect through mozilla-django-oidc: the provider's endpoints from discovery, the
id_token and the signed userinfo JWT checked against the provider's JWKS, and the identity
bound to an existing account (accounts.services.proconnect_identity_bind).

What mozilla-django-oidc does here: the authorization request with `state` and `nonce`
(48 characters, kept in the session), the code exchange (client_secret_post), the JWS
signature of the id_token and of the userinfo JWT against the JWKS, the nonce check. What this
module adds: discovery (the library reads fixed endpoint settings), issuer and audience checks,
a userinfo that must be a signed JWT about the same `sub`, and refusals with a reason code
instead of a bare failure.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from .exceptions import ProConnectRefused
from .services import proconnect_acr, proconnect_amr, proconnect_identity_bind

# The userinfo claims Relais asks for; ProConnect's scopes carry the same names.
USERINFO_CLAIMS = ("given_name", "usual_name", "email", "uid", "siret", "idp_id")
# What ProConnect reports of the authentication itself, in the id_token.
ID_TOKEN_CLAIMS = ("acr", "amr", "auth_time")

# acr values and amr methods that mean a second factor was used (ProConnect's documentation:
# resources/claim_amr.md; the 2FA assurance levels of its acr claim).
SECOND_FACTOR_ACR = frozenset(
    {
        "eidas2",
        "eidas3",
        "https://proconnect.gouv.fr/assurance/self-asserted-2fa",
        "https://proconnect.gouv.fr/assurance/consistency-checked-2fa",
    }
)
SECOND_FACTOR_AMR = frozenset({"mfa", "totp", "pop"})

# Session keys a later step (second factor, step-up) reads.
SESSION_AUTH_VIA = "relais_auth_via"  # "proconnect" after a ProConnect sign-in
SESSION_AUTH_TIME = "relais_auth_time"  # epoch seconds of the authentication (auth_time)
SESSION_ACR = "relais_proconnect_acr"
SESSION_AMR = "relais_proconnect_amr"
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 (a session key) mozilla-django-oidc's key (OIDC_STORE_ID_TOKEN)
SESSION_LOGOUT_STATE = "relais_proconnect_logout_state"

ENDPOINT_NAMES = (
    "authorization_endpoint",
    "token_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
    "end_session_endpoint",
)


def proconnect_enabled() -> bool:
    return bool(
        settings.PROCONNECT_CLIENT_ID
        and (
            settings.PROCONNECT_DISCOVERY_URL
            or settings.PROCONNECT_ISSUER
            or all(settings.PROCONNECT_ENDPOINTS.get(name) for name in ENDPOINT_NAMES[:4])
        )
    )


def discovery_url() -> str:
    """Discovery, unless every endpoint is set explicitly (the issuer then comes from
    PROCONNECT_ISSUER)."""
    explicit = all(settings.PROCONNECT_ENDPOINTS.get(name) for name in ENDPOINT_NAMES)
    if settings.PROCONNECT_DISCOVERY_URL:
        return settings.PROCONNECT_DISCOVERY_URL
    if settings.PROCONNECT_ISSUER and not explicit:
        return settings.PROCONNECT_ISSUER.rstrip("/") + "/.well-known/openid-configuration"
    return ""


def provider_metadata() -> dict[str, Any]:
    """The provider's configuration: discovery (cached), then the endpoints set explicitly."""
    metadata: dict[str, Any] = {}
    url = discovery_url()
    if url:
        key = "proconnect:discovery:" + hashlib.sha256(url.encode()).hexdigest()
        metadata = cache.get(key) or {}
        if not metadata:
            response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            metadata = response.json()
            cache.set(key, metadata, settings.PROCONNECT_DISCOVERY_CACHE_SECONDS)
        expected = settings.PROCONNECT_ISSUER.rstrip("/")
        if expected and str(metadata.get("issuer", "")).rstrip("/") != expected:
            raise SuspiciousOperation("The discovery document names another issuer.")
    explicit = {name: value for name, value in settings.PROCONNECT_ENDPOINTS.items() if value}
    metadata = {**metadata, **explicit}
    if not metadata.get("issuer") and settings.PROCONNECT_ISSUER:
        metadata["issuer"] = settings.PROCONNECT_ISSUER
    return metadata


def provider_endpoint(name: str) -> str:
    return provider_metadata().get(name) or ""


def claims_parameter() -> str:
    """The OIDC `claims` request: the authentication's acr, amr and auth_time in the id_token
    (ProConnect returns amr only when asked), every userinfo claim as essential."""
    acr: dict[str, Any] = {"essential": True}
    acr_values = settings.PROCONNECT_ACR_VALUES.split()
    if acr_values:
        acr["values"] = acr_values
    return json.dumps(
        {
            "id_token": {"acr": acr, "amr": {"essential": True}, "auth_time": {"essential": True}},
            "userinfo": {claim: {"essential": True} for claim in USERINFO_CLAIMS},
        },
        separators=(",", ":"),
    )


def has_second_factor(*, acr: str | None, amr: list | None) -> bool:
    return (acr or "") in SECOND_FACTOR_ACR or bool(set(amr or ()) & SECOND_FACTOR_AMR)


class _Lazy:
    """An endpoint read from the provider's metadata when first used: Django builds every
    backend at each password sign-in, which must not call the provider."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj, objtype=None) -> str:
        return provider_endpoint(self.name)


class ProConnectBackend(OIDCAuthenticationBackend):
    """Answers only the ProConnect callback (`proconnect_nonce` is its credential); password
    sign-ins pass it by."""

    OIDC_OP_TOKEN_ENDPOINT = _Lazy("token_endpoint")
    OIDC_OP_USER_ENDPOINT = _Lazy("userinfo_endpoint")
    OIDC_OP_JWKS_ENDPOINT = _Lazy("jwks_uri")

    def __init__(self, *args, **kwargs) -> None:
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    def authenticate(self, request, *, proconnect_nonce: str, code_verifier: str | None = None):
        """The user bound to the identity, or None with `request.proconnect_refusal` set."""
        if request is None or not proconnect_enabled():
            return None
        request.proconnect_id_claims = {}
        try:
            return super().authenticate(
                request, nonce=proconnect_nonce, code_verifier=code_verifier
            )
        except ProConnectRefused as refusal:
            request.proconnect_refusal = refusal
        except SuspiciousOperation:
            request.proconnect_refusal = ProConnectRefused("token_invalid")
        except (requests.RequestException, jwt.PyJWTError, ValueError, KeyError, TypeError):
            request.proconnect_refusal = ProConnectRefused("provider_error")
        return None

    def verify_token(self, token, **kwargs):
        """mozilla-django-oidc's signature check against the JWKS, then the issuer, the
        audience, and (for the id_token) the nonce, each refused with its own reason."""
        if not token:
            raise ProConnectRefused("token_invalid")
        if self.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")):
            key = self.retrieve_matching_jwk(token)
        else:
            key = self.OIDC_RP_CLIENT_SECRET
        payload = self.get_payload_data(token, key)
        issuer = (provider_metadata().get("issuer") or "").rstrip("/")
        if not issuer or str(payload.get("iss", "")).rstrip("/") != issuer:
            raise ProConnectRefused("token_invalid")
        audience = payload.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise ProConnectRefused("token_invalid")
        if "nonce" in kwargs and (not kwargs["nonce"] or payload.get("nonce") != kwargs["nonce"]):
            raise ProConnectRefused("nonce_mismatch")
        return payload

    def get_userinfo(self, access_token, id_token, payload):
        """ProConnect answers userinfo with a signed JWT; a plain JSON answer is refused."""
        response = requests.get(
            self.OIDC_OP_USER_ENDPOINT,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=settings.OIDC_TIMEOUT,
        )
        response.raise_for_status()
        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/jwt":
            raise ProConnectRefused("userinfo_not_signed")
        return self.verify_token(response.text)

    def get_or_create_user(self, access_token, id_token, payload):

        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not payload.get("sub") or userinfo.get("sub") != payload.get("sub"):
            raise ProConnectRefused("token_invalid")
        id_claims = {claim: payload.get(claim) for claim in ID_TOKEN_CLAIMS}
        # Only known values go on, to the audit log and the session (services.proconnect_amr).
        id_claims["acr"] = proconnect_acr(id_claims["acr"])
        id_claims["amr"] = proconnect_amr(id_claims["amr"])
        if not isinstance(id_claims["auth_time"], int):
            id_claims["auth_time"] = int(time.time())
        self.request.proconnect_id_claims = id_claims
        return proconnect_identity_bind(
            userinfo=userinfo,
            acr=id_claims["acr"],
            amr=id_claims["amr"],
            second_factor=has_second_factor(acr=id_claims["acr"], amr=id_claims["amr"]),
        )

    def get_user(self, user_id):
        """As Django's: an account deactivated since is signed out at its next request."""
        return ModelBackend.get_user(self, user_id)
