"""Sign in and out with Django's auth views, in the DSFR's look."""

from django.contrib.auth import views as auth_views

from .forms import LoginForm


class LoginView(auth_views.LoginView):
    """Failed attempts are recorded in the audit log by the auth signals (audit/signals.py)."""

    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5); the header's button is a form."""
