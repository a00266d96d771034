"""Sign in and out with Django's auth views, in the DSFR's look; the language switch."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.utils import translation
from django.views.i18n import set_language as django_set_language

from .forms import LoginForm
from .oidc import proconnect_enabled
from .services import user_set_language
from .views_proconnect import proconnect_logout_response


def remember_language(response, language: str) -> None:
    """Sets the language cookie LocaleMiddleware reads, as Django's set_language does."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


class LoginView(auth_views.LoginView):
    """Failed attempts are recorded in the audit log by the auth signals (audit/signals.py).
    A successful sign-in switches the pages to the user's own language."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True
    extra_context = {"proconnect_enabled": proconnect_enabled}

    def get_context_data(self, **kwargs):
        # The idle time after which a session closes, as configured (SESSION_IDLE_TIMEOUT).
        minutes = max(1, settings.SESSION_COOKIE_AGE // 60)
        return super().get_context_data(**kwargs, session_idle_minutes=minutes)

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.get_user().language
        if language in dict(settings.LANGUAGES):
            translation.activate(language)
            remember_language(response, language)
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); the header's button is a form. A session opened through
    ProConnect is also closed at ProConnect (RP-initiated logout)."""

    def post(self, request, *args, **kwargs):
        return proconnect_logout_response(request) or super().post(request, *args, **kwargs)


def set_language(request):
    """Django's language switch; a signed-in user's choice is also kept on their account, so
    that their next sign-in and their e-mails use it."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if (
        request.method == "POST"
        and request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and response.cookies.get(settings.LANGUAGE_COOKIE_NAME) is not None
    ):
        user_set_language(user=request.user, language=language)
    return response
