"""The forms of the account security pages, rendered with the DSFR's field templates."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from config.forms import DsfrForm
from sharing.forms import RelaisForm


class SecurityForm(DsfrForm):
    """A security page's form."""


class CodeForm(SecurityForm):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_("Les 6 chiffres affichés par votre application d'authentification."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class VerifyForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].help_text = _(
            "Les 6 chiffres de votre application d'authentification, ou l'un de vos codes de "
            "secours si vous avez perdu l'appareil."
        )


class ReauthenticateForm(SecurityForm):
    password = forms.CharField(
        label=_("Mot de passe"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label=_("Code de votre application d'authentification"),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, with_code: bool, **kwargs):
        super().__init__(*args, **kwargs)
        # With a second factor, the code proves more than the password the session already
        # knows; without one, the password.
        del self.fields["password" if with_code else "code"]

    def clean(self):
        data = super().clean()
        if not data.get("password") and not data.get("code"):
            raise forms.ValidationError(_("Ce champ est obligatoire."))
        return data


class TokenCreateForm(SecurityForm, RelaisForm):
    name = forms.CharField(
        label=_("Nom du jeton"),
        max_length=60,
        help_text=_("À quoi ou à qui il sert, par exemple « export tableur »."),
    )
    expires_in_days = forms.IntegerField(
        label=_("Validité (jours)"),
        min_value=1,
        max_value=settings.PERSONAL_TOKEN_MAX_DAYS,
        initial=settings.PERSONAL_TOKEN_DEFAULT_DAYS,
    )
