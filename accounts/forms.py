"""The sign-in form, rendered with the DSFR's field templates."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from config.forms import DsfrForm


class LoginForm(AuthenticationForm, DsfrForm):
    """Django's authentication form; its failure message says what to do, not what failed."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect. Vérifiez votre saisie (les majuscules "
            "comptent) et réessayez ; après plusieurs échecs, adressez-vous à votre "
            "administrateur."
        ),
        "inactive": _("Ce compte est désactivé. Adressez-vous à votre administrateur."),
    }
