"""Passkeys on the web: django-otp-webauthn's JSON ceremonies (under /compte/securite/webauthn/,
driven by its static scripts), with Relais's rules on top: no passkey sign-in without the
password first, a new passkey only from a verified session once a second factor exists, and
every use, failure, enrolment and removal audited."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn import views as webauthn_views

from .passkeys import passkey_failed, passkey_remove, passkey_used
from .policy import second_factor_verified, stamp_authenticated
from .security_services import has_second_factor, recovery_codes_left

# What a body the library cannot read raises (its own handler lets them through as a 500);
# a body nested deep enough exhausts its JSON decoder's stack.
MALFORMED = (ValueError, KeyError, TypeError, AttributeError, RecursionError)


class _JsonErrors:
    """Whatever a client sends, a JSON answer: the library's errors as it words them, and a
    body it cannot read as 400, one over the upload limits as 413 (Django's own answer is an
    HTML page)."""

    def handle_exception(self, exc):
        if isinstance(exc, RequestDataTooBig | TooManyFieldsSent):
            return JsonResponse(
                {"detail": _("La requête est trop volumineuse."), "code": "too_large"}, status=413
            )
        if isinstance(exc, MALFORMED):
            exc = webauthn_errors.MalformedRequest()
        return super().handle_exception(exc)


class _RegistrationRules:
    def user_is_mfa_enrolled(self, user) -> bool:
        """The library refuses a new passkey to an enrolled account whose session is not
        verified; Relais counts its own second factors, and a ProConnect sign-in that showed
        one verifies the session as a code does."""
        return has_second_factor(user) and not second_factor_verified(self.request)


class RegistrationBegin(
    _JsonErrors, _RegistrationRules, webauthn_views.BeginCredentialRegistrationView
):
    pass


class RegistrationComplete(
    _JsonErrors, _RegistrationRules, webauthn_views.CompleteCredentialRegistrationView
):
    """The helper (accounts.passkeys.PasskeyHelper) saves and audits the passkey together."""


class AuthenticationBegin(_JsonErrors, webauthn_views.BeginCredentialAuthenticationView):
    pass


class AuthenticationComplete(_JsonErrors, webauthn_views.CompleteCredentialAuthenticationView):
    """A verified signature counts as the second factor after the password, or as a step-up
    for a session that had given one; either way the session counts as authenticated now."""

    def post(self, *args, **kwargs):
        try:
            with transaction.atomic():
                try:
                    return super().post(*args, **kwargs)
                except MALFORMED as exc:
                    raise webauthn_errors.MalformedRequest() from exc
        except webauthn_errors.OTPWebAuthnApiError as exc:
            # Outside the rolled-back transaction: the refusal is kept.
            passkey_failed(user=self.request.user, code=exc.code)
            raise

    def complete_auth(self, device):
        step_up = second_factor_verified(self.request)
        super().complete_auth(device)
        stamp_authenticated(self.request.session)
        passkey_used(user=self.request.user, credential=device, step_up=step_up)


def _next_url(request, default: str) -> str:
    candidate = request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


@login_required
@require_GET
def passkey_enrolled(request):
    """Where the registration script goes once the passkey is saved: recovery codes are
    offered when the account has none left, then on to where the user was going."""
    next_url = _next_url(request, "")
    if recovery_codes_left(request.user) == 0:
        return render(request, "accounts/security/passkey_enrolled.html", {"next": next_url})
    messages.success(request, _("Clé d'accès enregistrée."))
    return redirect(next_url or "security")


@login_required
@require_POST
def passkey_remove_view(request, credential_id: int):
    """Removing a passkey needs a verified session, as adding one does."""
    if not second_factor_verified(request) and has_second_factor(request.user):
        return redirect("security-verify")
    if not passkey_remove(user=request.user, credential_id=credential_id, actor=request.user):
        raise Http404
    messages.success(request, _("Clé d'accès supprimée : elle ne permet plus de vous connecter."))
    return redirect("security")
