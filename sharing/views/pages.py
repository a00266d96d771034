"""The home page (each role lands on its work) and the site's legal pages."""

from django.shortcuts import redirect, render
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


class StaticPage(TemplateView):
    """A page anyone can read, signed in or not."""
