"""ProConnect's sign-in, callback and sign-out pages (mozilla-django-oidc's views, with
refusals shown as a page and recorded, never as a bare 400 or 500)."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from .exceptions import ProConnectRefused
from .oidc import (
    SESSION_ACR,
    SESSION_AMR,
    SESSION_AUTH_TIME,
    SESSION_AUTH_VIA,
    SESSION_ID_TOKEN,
    SESSION_LOGOUT_STATE,
    claims_parameter,
    has_second_factor,
    proconnect_enabled,
    provider_endpoint,
)
from .policy import MFA_VIA as SESSION_MFA_VIA
from .policy import stamp_authenticated
from .services import proconnect_logout_record, proconnect_refusal_record

logger = logging.getLogger("relais.proconnect")

# What the person reads for each refusal: what happened and whom to ask, never the claims.
REFUSAL_MESSAGES = {
    "unknown_email": gettext_lazy(
        "Aucun compte Relais n'est ouvert à l'adresse électronique de votre identité "
        "ProConnect. Les comptes sont créés par l'administrateur de votre préfecture ou le "
        "maire de votre commune : demandez-lui de vous inviter avec cette adresse."
    ),
    "ambiguous_email": gettext_lazy(
        "Plusieurs comptes Relais portent l'adresse électronique de votre identité "
        "ProConnect. Demandez à votre administrateur de n'en garder qu'un."
    ),
    "inactive_account": gettext_lazy(
        "Votre compte Relais est désactivé. Adressez-vous à votre administrateur."
    ),
    "siret_mismatch": gettext_lazy(
        "L'établissement de votre identité ProConnect (son SIRET) n'est pas celui d'une "
        "organisation dont vous êtes membre dans Relais. Demandez à votre administrateur de "
        "vérifier le SIRET de votre organisation."
    ),
    "claims_missing": gettext_lazy(
        "ProConnect n'a pas transmis votre adresse électronique ou le SIRET de votre "
        "établissement. Réessayez ; si cela se reproduit, adressez-vous à votre administrateur."
    ),
    "state_mismatch": gettext_lazy(
        "Cette connexion n'a pas été demandée depuis ce navigateur, ou elle a expiré. "
        "Recommencez depuis la page de connexion."
    ),
}
DEFAULT_REFUSAL = gettext_lazy(
    "La connexion par ProConnect n'a pas abouti. Recommencez depuis la page de connexion ; si "
    "cela se reproduit, connectez-vous avec votre identifiant Relais ou adressez-vous à votre "
    "administrateur."
)


def refusal_page(request, refusal: ProConnectRefused):
    """Records the refusal and says what to do. An anonymous session keeps no trace of the
    refused identity; a signed-in one (a failed step-up) keeps its own id_token for sign-out."""
    if not request.user.is_authenticated:
        request.session.pop(SESSION_ID_TOKEN, None)
    proconnect_refusal_record(refusal=refusal)
    message = REFUSAL_MESSAGES.get(refusal.reason, DEFAULT_REFUSAL)
    return render(
        request,
        "accounts/proconnect_refused.html",
        {"message": message, "reason": refusal.reason},
        status=403,
    )


class ProConnectLoginView(OIDCAuthenticationRequestView):
    """Redirects to ProConnect's authorization endpoint with state, nonce, scopes and the
    claims request; `?prompt=login` asks ProConnect to authenticate again (step-up)."""

    def __init__(self, *args, **kwargs) -> None:
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not proconnect_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_endpoint("authorization_endpoint")
        except (requests.RequestException, ValueError, SuspiciousOperation):
            logger.warning("ProConnect discovery failed")
            self.OIDC_OP_AUTH_ENDPOINT = ""
        if not self.OIDC_OP_AUTH_ENDPOINT:
            return refusal_page(request, ProConnectRefused("provider_unreachable"))
        return super().get(request)

    def get_extra_params(self, request):
        params = {"claims": claims_parameter()}
        if request.GET.get("prompt") == "login":
            params["prompt"] = "login"
        return params


class ProConnectCallbackView(OIDCAuthenticationCallbackView):
    """The redirect URI: checks the state, lets the backend exchange the code and bind the
    identity, then signs in and notes how the person authenticated."""

    def get(self, request):
        if not proconnect_enabled():
            raise Http404
        states = request.session.get("oidc_states")
        state = request.GET.get("state", "")
        entry = states.pop(state, None) if isinstance(states, dict) and state else None
        if entry is not None:
            request.session.modified = True
        if entry is None:
            return refusal_page(request, ProConnectRefused("state_mismatch"))
        if request.GET.get("error") or not request.GET.get("code"):
            return refusal_page(request, ProConnectRefused("provider_error"))
        user = auth.authenticate(
            request=request,
            proconnect_nonce=entry.get("nonce") or "",
            code_verifier=entry.get("code_verifier"),
        )
        if user is None:
            refusal = getattr(request, "proconnect_refusal", None)
            return refusal_page(request, refusal or ProConnectRefused("provider_error"))
        self.user = user
        response = self.login_success()
        claims = getattr(request, "proconnect_id_claims", {}) or {}
        session = request.session
        session[SESSION_AUTH_VIA] = "proconnect"
        session[SESSION_AUTH_TIME] = int(claims.get("auth_time") or time.time())
        # Step-up counts from when ProConnect authenticated the person (prompt=login renews it).
        stamp_authenticated(session, at=session[SESSION_AUTH_TIME])
        session[SESSION_ACR] = claims.get("acr") or ""
        session[SESSION_AMR] = list(claims.get("amr") or [])
        if has_second_factor(acr=claims.get("acr"), amr=claims.get("amr")):
            session[SESSION_MFA_VIA] = "proconnect"
        elif session.get(SESSION_MFA_VIA) == "proconnect":
            del session[SESSION_MFA_VIA]
        return response


def proconnect_logout_response(request) -> HttpResponseRedirect | None:
    """Signs out here, then sends the browser to ProConnect's end-session endpoint with the
    id_token as `id_token_hint`; None when the session did not come from ProConnect."""
    id_token = request.session.get(SESSION_ID_TOKEN)
    if not id_token or not request.user.is_authenticated or not proconnect_enabled():
        return None
    try:
        end_session = provider_endpoint("end_session_endpoint")
    except (requests.RequestException, ValueError, SuspiciousOperation):
        end_session = ""
    if not end_session:
        return None
    proconnect_logout_record(user=request.user)
    auth.logout(request)
    state = get_random_string(48)
    request.session[SESSION_LOGOUT_STATE] = state
    query = urlencode(
        {
            "id_token_hint": id_token,
            "state": state,
            "post_logout_redirect_uri": request.build_absolute_uri(
                reverse("proconnect-logout-callback")
            ),
        }
    )
    return HttpResponseRedirect(f"{end_session}?{query}")


def proconnect_logout_callback(request):
    """ProConnect's return after sign-out: the state must be the one sent."""
    expected = request.session.pop(SESSION_LOGOUT_STATE, None)
    if expected and request.GET.get("state") == expected:
        messages.success(request, _("Vous êtes déconnecté de Relais et de ProConnect."))
    return HttpResponseRedirect(reverse(settings.LOGOUT_REDIRECT_URL))
