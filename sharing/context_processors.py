"""What every page's header needs: the signed-in user's roles, the menu of their work and the
unread notifications count. Evaluated lazily, so that a page that shows no header costs nothing."""

from django.core.exceptions import SuspiciousOperation
from django.db import connection
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from accounts.models import COMMUNE_ROLES, PREFECTURE_ROLES, ROLES_BY_KIND, OrgKind, Role, User
from accounts.selectors import MANAGER_ROLE_BY_KIND, memberships_of

from .selectors import notifications_of
from .statements import Statement, compile_once, per_vendor


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


# Stands for the reader's id in the compiled count below: no id or constant of it takes this.
_READER = -(2**31) + 7


@per_vendor(maxsize=4)
def _unread_count_statement() -> Statement:
    """The count of `notifications_of(user, unread=True)`, as the ORM writes it, compiled once
    per database vendor (`sharing.statements`). The header shows it on every page: building
    and compiling that queryset (the notice's visibility, the user's groups and the view
    permission as subqueries) took about 4 ms a page, running it 0.1 ms. The view permission's
    id stays a subquery of the statement, read afresh by each run."""
    reader = User(pk=_READER, is_active=True)
    rows = notifications_of(user=reader, unread=True).order_by().values_list("pk")
    unread = compile_once(rows, reader=_READER)
    # The ORM's SQL, counted.
    return Statement(f"SELECT COUNT(*) FROM ({unread.sql}) unread", unread.params)  # noqa: S608


def unread_notifications(user) -> int:
    """The user's unread in-app notices about requests they can still see: the count of
    `notifications_of(user=user, unread=True)`, run from its statement compiled once."""
    if not user.is_authenticated or not user.is_active:
        return 0
    statement = _unread_count_statement(connection.vendor)
    with connection.cursor() as cursor:
        cursor.execute(statement.sql, statement.values(reader=user.pk))
        return cursor.fetchone()[0]


def _drafts_asked(request) -> bool:
    """The list asked for drafts (the menu then marks "Brouillons"). Read from the query string
    as the error pages render it too: a query Django refuses to parse (more than
    DATA_UPLOAD_MAX_NUMBER_FIELDS fields) made a 404 page a server error."""
    try:
        return request.GET.get("status") == "draft"
    except SuspiciousOperation:
        return False


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    match = getattr(request, "resolver_match", None)
    current = match.url_name if match else ""
    return {
        "relais_menu": SimpleLazyObject(
            lambda: menu_for(user, current or "", _drafts_asked(request))
        ),
        "relais_roles": SimpleLazyObject(lambda: roles_of(user)),
        "relais_notifications_enabled": True,
        # A callable: the template calls it only where it shows the count.
        "relais_unread_notifications": lambda: unread_notifications(user),
    }
