"""WebAuthn passkeys as a second factor (django-otp-webauthn): the relying party's helper and
every write about a passkey, each audited in the transaction that makes it. A passkey never
signs anyone in alone: the password (or ProConnect) comes first."""

from __future__ import annotations

from django.db import transaction
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.models import WebAuthnCredential

from audit.services import audit_record

from .models import User

PASSKEY = "passkey"


def passkeys_of(user: User):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at")


def has_passkey(user: User) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def _credential_ref(credential: WebAuthnCredential) -> str:
    """What the audit log keeps of a passkey: the first characters of the digest of its
    credential id (never the id, nor the public key)."""
    return (credential.credential_id_sha256 or "")[:16]


class PasskeyHelper(WebAuthnHelper):
    """The library's helper, with the person's name shown by the authenticator and the
    enrolment audited with the credential it saves."""

    def get_credential_display_name(self, user: User) -> str:
        return user.display_name

    def register_complete(self, user: User, state: dict, data: dict):
        with transaction.atomic():
            credential = super().register_complete(user=user, state=state, data=data)
            passkeys = passkeys_of(user)
            credential.name = f"{PASSKEY}-{passkeys.count()}"
            credential.save(update_fields=["name"])
            audit_record(
                actor=user,
                action="auth.second_factor_enrolled",
                target=user,
                details={
                    "kind": PASSKEY,
                    "credential": _credential_ref(credential),
                    "passkeys": passkeys.count(),
                },
            )
        return credential


def passkey_used(*, user: User, credential: WebAuthnCredential, step_up: bool) -> None:
    """A passkey's signature was verified: at sign-in (the second factor) or for a step-up
    (a session that had given it already proves who holds it again)."""
    audit_record(
        actor=user,
        action="auth.reauthenticated" if step_up else "auth.second_factor_verified",
        target=user,
        details={"via": PASSKEY} if step_up else {"kind": PASSKEY},
    )


def passkey_failed(*, user: User, code: str) -> None:
    """A passkey's answer was refused (bad signature, unknown or another account's
    credential, no ceremony started): recorded like a wrong code."""
    audit_record(
        actor=user,
        action="auth.second_factor_failed",
        target=user,
        outcome="failed",
        details={"kind": PASSKEY, "reason": code[:40]},
    )


@transaction.atomic
def passkey_remove(*, user: User, credential_id: int, actor: User) -> bool:
    """The owner removes one of their passkeys (lost, or a device given away); False when it is
    not theirs or already gone."""
    credential = (
        WebAuthnCredential.objects.select_for_update().filter(pk=credential_id, user=user).first()
    )
    if credential is None:
        return False
    ref = _credential_ref(credential)
    credential.delete()
    audit_record(
        actor=actor,
        action="auth.second_factor_removed",
        target=user,
        details={
            "kind": PASSKEY,
            "credential": ref,
            "passkeys": passkeys_of(user).count(),
        },
    )
    return True
