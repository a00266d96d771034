"""What every signed-in request goes through: no caching of its answer, the session's
absolute lifetime, and the second factor for the roles that need one."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _

from audit.services import audit_record

from .policy import mfa_enforced, second_factor_required, second_factor_verified, session_age
from .security_services import has_second_factor


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every answer to a signed-in user (web or API, session or
    token) and on every API answer: no shared or browser cache keeps what they saw."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            request.path.startswith("/api/")
            or "HTTP_AUTHORIZATION" in request.META
            or (user is not None and user.is_authenticated)
        ):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class SessionLifetimeMiddleware:
    """Ends a session SESSION_ABSOLUTE_LIFETIME seconds after the sign-in that opened it,
    however active it was (the idle timeout is the cookie's age, renewed by each request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            age = session_age(request.session)
            if age is None or age > settings.SESSION_ABSOLUTE_LIFETIME:
                audit_record(
                    actor=user,
                    action="auth.session_expired",
                    details={"reason": "absolute_lifetime" if age is not None else "unstamped"},
                )
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"detail": _("Session expirée : reconnectez-vous."), "code": "expired"},
                        status=401,
                    )
                return redirect(f"{reverse('login')}?{urlencode({'next': request.path})}")
        return self.get_response(request)


# Where a signed-in user who still owes a second factor may go.
OPEN_PATHS = (
    "/compte/securite/totp/",
    "/compte/securite/verification/",
    # The passkey ceremonies: they check for themselves who may register or verify.
    "/compte/securite/webauthn/",
    "/static/",
    "/deconnexion/",
    "/langue/",
    "/admin/logout/",
    "/api/v1/auth/token/",
)


class SecondFactorRequiredMiddleware:
    """A session of an account whose role needs a second factor (or that has one) does
    nothing before it is verified: the web sends it to the code prompt (or to enrolment, the
    first time), the API answers 403 with a code. Tokens are checked by the token
    authentication."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not second_factor_verified(request)
            and mfa_enforced()
            and not request.path.startswith(OPEN_PATHS)
            and (second_factor_required(user) or has_second_factor(user))
        ):
            # A commune user who chose a second factor gives it too, or it protects nothing.
            enrolled = has_second_factor(user)
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "detail": _("Second facteur requis : validez votre code dans le site."),
                        "code": "second_factor_required"
                        if enrolled
                        else "second_factor_enrolment_required",
                    },
                    status=403,
                )
            target = reverse("security-verify" if enrolled else "security-totp")
            next_url = request.get_full_path()
            if request.method == "GET" and url_has_allowed_host_and_scheme(
                next_url, allowed_hosts={request.get_host()}
            ):
                target = f"{target}?{urlencode({'next': next_url})}"
            return redirect(target)
        return self.get_response(request)
