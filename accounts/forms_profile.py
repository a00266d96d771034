"""The profile page's forms and Django's password forms, in the DSFR's look."""

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

from config.forms import DsfrForm

from .models import User
from .services import person_name


class ProfileForm(DsfrForm, forms.Form):
    """Names (unless ProConnect sets them) and language."""

    first_name = forms.CharField(label=_("Prénom"), max_length=150, validators=[person_name])
    last_name = forms.CharField(label=_("Nom"), max_length=150, validators=[person_name])
    language = forms.ChoiceField(label=_("Langue des pages et des courriels"), choices=())

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES
        if user.uses_proconnect:
            for name in ("first_name", "last_name"):
                self.fields[name].disabled = True
                self.fields[name].required = False  # not posted: the view passes no initial
                self.fields[name].help_text = _("Transmis par ProConnect à chaque connexion.")


class RelaisPasswordChangeForm(DsfrForm, PasswordChangeForm):
    pass


class RelaisSetPasswordForm(DsfrForm, SetPasswordForm):
    pass


class RelaisPasswordResetForm(DsfrForm, PasswordResetForm):
    """Only accounts that sign in with a password: a ProConnect account's password is
    ProConnect's business, and the answer is the same whether the address is known or not."""

    def get_users(self, email):
        return (user for user in super().get_users(email) if user.proconnect_last_login is None)
