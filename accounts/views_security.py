"""The account security pages under /compte/securite/: the second factor (enrolment, the code
prompt after a password, recovery codes), step-up re-authentication, personal access tokens."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login

from sharing.exceptions import PersonalDataRefused

from .models import PersonalAccessToken
from .oidc import SESSION_AUTH_VIA, proconnect_enabled
from .passkeys import has_passkey, passkeys_of
from .policy import (
    mfa_enforced,
    second_factor_required,
    second_factor_verified,
    stamp_authenticated,
)
from .security_forms import CodeForm, ReauthenticateForm, TokenCreateForm, VerifyForm
from .security_services import (
    has_second_factor,
    has_totp,
    reauthenticate,
    recovery_codes_left,
    recovery_codes_renew,
    second_factor_verify,
    token_issue,
    token_revoke,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_secret,
)


def _next_url(request, default: str = "/") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return default


def _is_verified(request) -> bool:
    return second_factor_verified(request)


def _security_context(request, **extra) -> dict:
    user = request.user
    return {
        "enrolled": has_second_factor(user),
        "totp": has_totp(user),
        "passkeys": passkeys_of(user),
        "verified": _is_verified(request),
        "required": second_factor_required(user),
        "enforced": mfa_enforced(),
        "recovery_codes_left": recovery_codes_left(user),
        "tokens": PersonalAccessToken.objects.filter(user=user),
        "token_form": TokenCreateForm(),
        "max_days": settings.PERSONAL_TOKEN_MAX_DAYS,
        **extra,
    }


@login_required
def security(request):
    """The account's second factor and tokens."""
    return render(request, "accounts/security/index.html", _security_context(request))


@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request):
    """Enrolment: the secret as a QR code (an image, no script) and as text, then a code to
    confirm it; a first enrolment may register a passkey instead. Re-enrolling an account that
    has a device needs that device's code first."""
    first = not has_second_factor(request.user)
    if not first and not _is_verified(request):
        return redirect("security-verify")
    device = totp_enrolment_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_enrolment_confirm(
            user=request.user, device=device, code=form.cleaned_data["code"]
        )
        if codes is not None:
            device.refresh_from_db()
            otp_login(request, device)
            stamp_authenticated(request.session)
            return render(
                request,
                "accounts/security/recovery_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("code", _("Code incorrect ou expiré : saisissez le code affiché."))
    uri = device.config_url
    return render(
        request,
        "accounts/security/totp.html",
        {
            "form": form,
            "secret": totp_secret(device),
            "otpauth_uri": uri,
            "qr_data_uri": segno.make(uri, error="m").svg_data_uri(scale=4, border=2),
            "next": _next_url(request, ""),
            "offer_passkey": first,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    """The code prompt after the password, for an account with a second factor."""
    if not has_second_factor(request.user):
        return redirect("security-totp")
    form = VerifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            stamp_authenticated(request.session)
            if device.name == "recovery":
                messages.warning(
                    request,
                    _(
                        "Vous avez utilisé un code de secours. Il vous en reste %(n)s : "
                        "enregistrez un nouvel appareil ou renouvelez vos codes."
                    )
                    % {"n": recovery_codes_left(request.user)},
                )
            return redirect(_next_url(request))
        form.add_error("code", _("Code incorrect ou expiré. Réessayez avec le code affiché."))
    return render(
        request,
        "accounts/security/verify.html",
        {
            "form": form,
            "next": _next_url(request, ""),
            "with_passkey": has_passkey(request.user),
            "with_totp": has_totp(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def reauthenticate_view(request):
    """Step-up: the password, or the second factor when the account has one (the app's code,
    or a passkey through its ceremony: an account with passkeys alone gets no form)."""
    with_code = has_totp(request.user)
    with_passkey = has_passkey(request.user)
    form = (
        ReauthenticateForm(request.POST or None, with_code=with_code)
        if with_code or not with_passkey
        else None
    )
    if request.method == "POST" and form is None:
        return redirect(
            f"{reverse('security-reauthenticate')}?{urlencode({'next': _next_url(request, '')})}"
        )
    if request.method == "POST" and form.is_valid():
        if reauthenticate(
            request=request,
            user=request.user,
            password=form.cleaned_data.get("password", ""),
            code=form.cleaned_data.get("code", ""),
        ):
            stamp_authenticated(request.session)
            return redirect(_next_url(request))
        form.add_error(None, _("Mot de passe ou code incorrect."))
    next_url = _next_url(request, "")
    # Whoever signed in through ProConnect may confirm there (prompt=login, a fresh auth_time).
    proconnect_url = (
        f"{reverse('proconnect-login')}?{urlencode({'prompt': 'login', 'next': next_url})}"
        if request.session.get(SESSION_AUTH_VIA) == "proconnect" and proconnect_enabled()
        else ""
    )
    return render(
        request,
        "accounts/security/reauthenticate.html",
        {
            "form": form,
            "with_code": with_code,
            "with_passkey": with_passkey,
            "next": next_url,
            "proconnect_url": proconnect_url,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def recovery_codes(request):
    """New recovery codes, shown once; the old ones stop working."""
    if not has_second_factor(request.user) or not _is_verified(request):
        return redirect("security")
    codes = recovery_codes_renew(user=request.user)
    return render(
        request,
        "accounts/security/recovery_codes.html",
        {"codes": codes, "next": _next_url(request, "")},
    )


@login_required
@require_POST
def token_create(request):
    form = TokenCreateForm(request.POST)
    if form.is_valid():
        try:
            issued = token_issue(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["expires_in_days"],
                second_factor=mfa_enforced() and _is_verified(request),
                actor=request.user,
            )
        except PersonalDataRefused as exc:
            form.refuse_personal_data(exc)  # in the page's language, naming the kinds
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(
                request,
                "accounts/security/index.html",
                _security_context(request, issued=issued),
            )
    return render(
        request,
        "accounts/security/index.html",
        _security_context(request, token_form=form),
        status=400,
    )


@login_required
@require_POST
def token_revoke_view(request, token_id: int):
    token = PersonalAccessToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404
    token_revoke(token=token, actor=request.user)
    messages.success(request, _("Jeton révoqué : il ne permet plus d'accéder à l'API."))
    return redirect("security")
