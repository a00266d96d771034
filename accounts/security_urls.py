"""The account security pages, under /compte/securite/."""

from django.urls import include, path

from . import views_passkeys
from . import views_security as views

urlpatterns = [
    path("", views.security, name="security"),
    path("totp/", views.totp_enrol, name="security-totp"),
    path("verification/", views.verify, name="security-verify"),
    path("confirmer/", views.reauthenticate_view, name="security-reauthenticate"),
    path("codes-de-secours/", views.recovery_codes, name="security-recovery-codes"),
    path("jetons/", views.token_create, name="security-token-create"),
    path("jetons/<int:token_id>/revoquer/", views.token_revoke_view, name="security-token-revoke"),
    path("cles/enregistree/", views_passkeys.passkey_enrolled, name="security-passkey-enrolled"),
    path(
        "cles/<int:credential_id>/supprimer/",
        views_passkeys.passkey_remove_view,
        name="security-passkey-remove",
    ),
    path("webauthn/", include("accounts.passkey_urls", namespace="otp_webauthn")),
]
