"""django-otp-webauthn's ceremonies under the names its template tags reverse
(`otp_webauthn:…`), through Relais's views (accounts/views_passkeys.py)."""

from django.urls import path
from django.views.i18n import JavaScriptCatalog

from . import views_passkeys as views

app_name = "otp_webauthn"

urlpatterns = [
    path(
        "registration/begin/",
        views.RegistrationBegin.as_view(),
        name="credential-registration-begin",
    ),
    path(
        "registration/complete/",
        views.RegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/begin/",
        views.AuthenticationBegin.as_view(),
        name="credential-authentication-begin",
    ),
    path(
        "authentication/complete/",
        views.AuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    # The scripts' messages, in the page's language (a script file, not inline).
    path(
        "jsi18n/",
        JavaScriptCatalog.as_view(packages=["django_otp_webauthn"]),
        name="js-i18n-catalog",
    ),
]
