"""The sign-in form, rendered with the DSFR's field templates."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _
from dsfr.forms import DsfrBaseForm

from sharing.forms import DSFR_RENDERER


class LoginForm(AuthenticationForm, DsfrBaseForm):
    """Django's authentication form; its failure message says what to do, not what failed."""

    default_renderer = DSFR_RENDERER
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Vérifiez votre saisie (les majuscules "
            "comptent) et réessayez ; après plusieurs échecs, adressez-vous à votre "
            "administrateur."
        ),
        "inactive": _("Ce compte est désactivé. Adressez-vous à votre administrateur."),
    }

    def get_context(self):
        return forms.Form.get_context(self)
