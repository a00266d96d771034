"""The profile page (/compte/) and the password pages, with Django's auth views."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms_profile import (
    ProfileForm,
    RelaisPasswordChangeForm,
    RelaisPasswordResetForm,
    RelaisSetPasswordForm,
)
from .selectors import memberships_of, organizations_managed_by
from .services import user_password_changed_record, user_profile_update
from .views import remember_language


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, user=user)
        if form.is_valid():
            user = user_profile_update(
                user=user,
                first_name=form.cleaned_data.get("first_name", ""),
                last_name=form.cleaned_data.get("last_name", ""),
                language=form.cleaned_data["language"],
            )
            messages.success(request, _("Votre profil est enregistré."))
            translation.activate(user.language)
            response = redirect("profile")
            remember_language(response, user.language)
            return response
    else:
        form = ProfileForm(
            initial={
                "first_name": user.first_name,
                "last_name": user.last_name,
                "language": user.language,
            },
            user=user,
        )
    return render(
        request,
        "accounts/profile.html",
        {
            "form": form,
            "memberships": memberships_of(user=user),
            "managed_organizations": organizations_managed_by(user=user),
        },
    )


class PasswordOnlyMixin(LoginRequiredMixin):
    """A ProConnect account has no Relais password to change."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.user.uses_proconnect:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class PasswordChangeView(PasswordOnlyMixin, auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = RelaisPasswordChangeForm
    success_url = reverse_lazy("profile")

    def form_valid(self, form):
        response = super().form_valid(form)
        revoked = user_password_changed_record(user=self.request.user, via="change")
        messages.success(self.request, _("Votre mot de passe est changé."))
        if revoked:
            messages.info(
                self.request,
                _("Vos jetons d'accès à l'API sont révoqués : créez-en de nouveaux si besoin."),
            )
        return response


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    form_class = RelaisPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Also the invitation's link: a new member chooses a password here."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = RelaisSetPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        user_password_changed_record(user=form.user, via="reset")
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
