"""The home page (each role lands on its work) and the site's legal pages."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from accounts.models import COMMUNE_ROLES, PREFECTURE_ROLES, Role

from ..context_processors import roles_of


def home(request):
    """Sends each role to its work: requests for communes and prefectures, the log for
    auditors, the administration for staff."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    roles = roles_of(user)
    if roles & (COMMUNE_ROLES | PREFECTURE_ROLES):
        return redirect("requests")
    if Role.AUDITOR in roles:
        return redirect("audit-log")
    if user.is_staff:
        return redirect("admin:index")
    return render(request, "pages/no_role.html")


# The pages the browser tests check with axe-core at each change (tests/browser/test_pages.py),
# in French and in English: what the accessibility statement reports.
CHECKED_PAGES = (
    _("Connexion et mot de passe oublié"),
    _("Liste des demandes (commune et préfecture)"),
    _("Nouvelle demande et modification d'un brouillon"),
    _("Page d'une demande, avec ses échanges et son historique"),
    _(
        "Formulaires des étapes : signer, renvoyer, retirer, confier, décider, demander et "
        "apporter des précisions, prolonger, enregistrer la remise"
    ),
    _("Notifications"),
    _("Compte et changement de mot de passe"),
    _("Équipe de la préfecture"),
    _("Statistiques"),
    _("Journal d'audit, ses exports et son intégrité"),
    _("Déclaration d'accessibilité, mentions légales et données personnelles"),
)


class StaticPage(TemplateView):
    """A page anyone can read, signed in or not."""

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "publisher": settings.RELAIS_PUBLISHER,
            "host": settings.RELAIS_HOST,
            "contact_email": settings.RELAIS_CONTACT_EMAIL,
            "retention_days": getattr(settings, "AUDIT_RETENTION_DAYS", 365),
            "session_minutes": settings.SESSION_COOKIE_AGE // 60,
            "checked_pages": CHECKED_PAGES,
        }
