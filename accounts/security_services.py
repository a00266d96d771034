"""Every write about how people prove who they are: personal access tokens, the second factor
(TOTP and recovery codes), step-up re-authentication and lifting a lockout. Each is audited in
the transaction that makes it."""

from __future__ import annotations

import hashlib
import secrets
from base64 import b32encode
from dataclasses import dataclass
from datetime import timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from audit.services import audit_record
from sharing.privacy import screen_text

from .models import PersonalAccessToken, User
from .passkeys import has_passkey

TOKEN_PREFIX = "rls_"  # noqa: S105 (a marker, not a secret)
RECOVERY_DEVICE_NAME = "recovery"
TOTP_DEVICE_NAME = "totp"
RECOVERY_CODES = 10


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: PersonalAccessToken
    secret: str  # shown once, never stored


def _clean_token_name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValidationError({"name": "Give the token a name (what or who uses it)."})
    if len(name) > 60:
        raise ValidationError({"name": "At most 60 characters."})
    screen_text(field="name", text=name)
    return name


@transaction.atomic
def token_issue(
    *, user: User, name: str, days: int | None = None, second_factor: bool, actor: User
) -> IssuedToken:
    """A new named token expiring within PERSONAL_TOKEN_MAX_DAYS; only its digest is kept."""
    name = _clean_token_name(name)
    days = settings.PERSONAL_TOKEN_DEFAULT_DAYS if days is None else days
    if not 1 <= days <= settings.PERSONAL_TOKEN_MAX_DAYS:
        raise ValidationError(
            {"expires_in_days": f"Between 1 and {settings.PERSONAL_TOKEN_MAX_DAYS} days."}
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = timezone.now()
    token = PersonalAccessToken.objects.create(
        user=user,
        name=name,
        key_hash=token_digest(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        created_at=now,
        expires_at=now + timedelta(days=days),
        second_factor=second_factor,
    )
    audit_record(
        actor=actor,
        action="auth.token_issued",
        target=token,
        details={
            "token": token.pk,
            "expires_in_days": days,
            "second_factor": second_factor,
        },
    )
    return IssuedToken(token=token, secret=secret)


@transaction.atomic
def token_revoke(*, token: PersonalAccessToken, actor: User) -> PersonalAccessToken:
    """Revokes a token at once; revoking it again changes nothing."""
    token = PersonalAccessToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        return token
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="auth.token_revoked",
        target=token,
        details={"token": token.pk, "owner": token.user.get_username()},
    )
    return token


@transaction.atomic
def tokens_revoke_all(*, user: User, actor: User | None, reason: str) -> int:
    """Revokes every token of an account (deactivated, second factor reset…)."""
    ids = list(
        PersonalAccessToken.objects.select_for_update()
        .filter(user=user, revoked_at__isnull=True)
        .values_list("pk", flat=True)
    )
    if not ids:
        return 0
    PersonalAccessToken.objects.filter(pk__in=ids).update(revoked_at=timezone.now())
    audit_record(
        actor=actor,
        action="auth.token_revoked",
        target=user,
        details={"tokens": ids, "owner": user.get_username(), "reason": reason},
    )
    return len(ids)


def token_mark_used(*, token: PersonalAccessToken) -> None:
    """Last-used date, written at most once a minute per token (not audited: the request it
    served is)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


# Second factor ---------------------------------------------------------------------------


def has_totp(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def has_second_factor(user: User) -> bool:
    """A confirmed authenticator app or a passkey (recovery codes alone are not one)."""
    return has_totp(user) or has_passkey(user)


@transaction.atomic
def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed TOTP device the enrolment page shows, the same one until confirmed."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def totp_enrolment_confirm(*, user: User, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirms the device when the code matches; returns the recovery codes (shown once), or
    None when the code is wrong. A previous TOTP device of the account is replaced."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(code.strip()):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(user)
    audit_record(
        actor=user,
        action="auth.second_factor_enrolled",
        target=user,
        details={"kind": "totp", "recovery_codes": len(codes)},
    )
    return codes


@transaction.atomic
def recovery_codes_renew(*, user: User) -> list[str]:
    """New recovery codes; the old ones stop working."""
    codes = _new_recovery_codes(user)
    audit_record(
        actor=user,
        action="auth.recovery_codes_renewed",
        target=user,
        details={"recovery_codes": len(codes)},
    )
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(
        device__user=user, device__name=RECOVERY_DEVICE_NAME, device__confirmed=True
    ).count()


def second_factor_verify(*, user: User, code: str, allow_recovery: bool = True):
    """The device that accepts the code (TOTP, or a recovery code, used up), audited; None
    and a failure event otherwise. Devices throttle repeated failures (django-otp)."""
    code = "".join(str(code).split())[:16]
    with transaction.atomic():
        verified = None
        for device in devices_for_user(user, for_verify=True):
            if isinstance(device, StaticDevice) and not allow_recovery:
                continue
            if device.verify_token(code):
                verified = device
                break
        if verified is not None:
            recovery = isinstance(verified, StaticDevice)
            audit_record(
                actor=user,
                action="auth.recovery_code_used" if recovery else "auth.second_factor_verified",
                target=user,
                details={"kind": "recovery_code" if recovery else "totp"}
                | ({"recovery_codes_left": recovery_codes_left(user)} if recovery else {}),
            )
            return verified
    audit_record(actor=user, action="auth.second_factor_failed", target=user, outcome="failed")
    return None


@transaction.atomic
def second_factor_reset(*, user: User, actor: User | None) -> int:
    """An administrator's reset after a lost device: every device of the account goes; the
    account enrols again at its next sign-in when its role requires a second factor."""
    kinds = {}
    for kind, model in (
        ("totp", TOTPDevice),
        ("recovery_codes", StaticDevice),
        ("passkey", WebAuthnCredential),
    ):
        deleted = model.objects.filter(user=user).delete()[1]
        kinds[kind] = deleted.get(model._meta.label, 0)
    removed = sum(kinds.values())
    audit_record(
        actor=actor,
        action="auth.second_factor_reset",
        target=user,
        details={"username": user.get_username(), "devices": removed, "kinds": kinds},
    )
    return removed


# Step-up -----------------------------------------------------------------------------------


def reauthenticate(*, request, user: User, password: str = "", code: str = "") -> bool:
    """Proves again who the signed-in user is, by a second-factor code (not a recovery code),
    or by the password (through the lockout, like a sign-in) for an account that has no second
    factor: the web prompt offers only that, and the API took a password alone from an account
    with an authenticator app, so that a stolen token and password signed and decided without
    the second factor. Audited either way."""
    proved = False
    via = "code" if code else "password"
    if code:
        proved = second_factor_verify(user=user, code=code, allow_recovery=False) is not None
    elif password and not has_second_factor(user):
        http_request = getattr(request, "_request", request)
        authenticated = authenticate(http_request, username=user.get_username(), password=password)
        proved = authenticated is not None and authenticated.pk == user.pk
    audit_record(
        actor=user,
        action="auth.reauthenticated" if proved else "auth.reauthentication_failed",
        target=user,
        outcome="ok" if proved else "failed",
        details={"via": via},
    )
    return proved


@transaction.atomic
def token_reauthenticated(*, token: PersonalAccessToken) -> None:
    token.reauthenticated_at = timezone.now()
    PersonalAccessToken.objects.filter(pk=token.pk).update(
        reauthenticated_at=token.reauthenticated_at
    )


# Lockout -----------------------------------------------------------------------------------


@transaction.atomic
def lockout_lift(*, username: str = "", ip_address: str = "", actor: User | None) -> int:
    """An administrator lifts a lockout before its cool-off: the failed attempts of an account
    and/or an address are forgotten."""
    if not username and not ip_address:
        raise ValidationError("Name an account or an address.")
    attempts = AccessAttempt.objects.all()
    if username:
        attempts = attempts.filter(username=username)
    if ip_address:
        attempts = attempts.filter(ip_address=ip_address)
    removed = attempts.delete()[0]
    account = User.objects.filter(username=username).first() if username else None
    audit_record(
        actor=actor,
        action="auth.unlocked",
        target=account,
        details={"attempts": removed}
        | ({"username": account.get_username()} if account else {})
        | ({"ip_address": ip_address} if ip_address else {}),
    )
    return removed


@transaction.atomic
def totp_enrol_for_demo(*, user: User) -> TOTPDevice:
    """The demo's enrolment: a confirmed TOTP device whose secret `manage.py demo` prints; a
    second run keeps it, so that an authenticator app already set up keeps working."""
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    if device is not None:
        return device
    device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
    audit_record(
        actor=None,
        action="auth.second_factor_enrolled",
        target=user,
        details={"kind": "totp", "via": "demo"},
    )
    return device


def totp_secret(device: TOTPDevice) -> str:
    """The base32 secret an authenticator app takes (what the QR code carries)."""
    return b32encode(device.bin_key).decode()
