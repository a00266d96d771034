"""What every page's header needs: the signed-in user's roles, the menu of their work and the
unread notifications count. Evaluated lazily, so that a page that shows no header costs nothing."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from accounts.models import COMMUNE_ROLES, PREFECTURE_ROLES, ROLES_BY_KIND, OrgKind, Role
from accounts.selectors import MANAGER_ROLE_BY_KIND, memberships_of

from .selectors import notifications_of


def roles_of(user) -> frozenset[str]:
    """The roles the user holds anywhere (one cached query)."""
    if not user.is_authenticated:
        return frozenset()
    return frozenset(membership.role for membership in memberships_of(user=user))


def menu_for(user, current: str, drafts_only: bool = False) -> list[dict]:
    """The main menu: one entry per kind of work the user's roles give them."""
    roles = roles_of(user)
    items: list[tuple[str, str, tuple[str, ...]]] = []
    if roles & COMMUNE_ROLES:
        items.append((_("Demandes de la commune"), "requests", ("requests", "request-detail")))
        if Role.MAYOR in roles:
            items.append((_("À signer"), "requests?status=draft", ()))
        items.append((_("Nouvelle demande"), "request-create", ("request-create",)))
    if roles & PREFECTURE_ROLES:
        items.append((_("Demandes reçues"), "requests", ("requests", "request-detail")))
    if Role.PREFECTURE_ADMIN in roles:
        items.append((_("Équipe et retards"), "team", ("team",)))
        items.append(
            (
                _("Modèles de message"),
                "message-templates",
                ("message-templates", "message-template-edit"),
            )
        )
    if roles & PREFECTURE_ROLES:
        items.append((_("Remplacements"), "covers", ("covers",)))
    if roles & set(MANAGER_ROLE_BY_KIND.values()):
        items.append((_("Membres"), "members-home", ("members-home", "members")))
    if Role.MAYOR in roles:
        items.append((_("Délégations"), "delegations", ("delegations",)))
    if Role.AUDITOR in roles:
        items.append((_("Journal d'audit"), "audit-log", ("audit-log",)))
        items.append(
            (_("Exports"), "audit-export-list", ("audit-export-list", "audit-export-page"))
        )
        items.append((_("Intégrité"), "audit-integrity", ("audit-integrity",)))
    if roles & (PREFECTURE_ROLES | ROLES_BY_KIND[OrgKind.OVERSIGHT]):
        items.append((_("Statistiques"), "stats", ("stats",)))
    menu = []
    for label, name, names in items:
        route, _sep, query = name.partition("?")
        if query:  # the mayor's drafts: the list, filtered
            active = current == route and drafts_only
        else:
            active = current in names and not (drafts_only and Role.MAYOR in roles)
        url = reverse(route) + (f"?{query}" if query else "")
        menu.append({"label": label, "url": url, "active": active})
    return menu


def unread_notifications(user) -> int:
    """The user's unread in-app notices about requests they can still see."""
    return notifications_of(user=user, unread=True).count()


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else ""
    return {
        "relais_menu": SimpleLazyObject(
            lambda: menu_for(user, current or "", request.GET.get("status") == "draft")
        ),
        "relais_roles": SimpleLazyObject(lambda: roles_of(user)),
        "relais_notifications_enabled": True,
        # A callable: the template calls it only where it shows the count.
        "relais_unread_notifications": lambda: unread_notifications(user),
    }
