"""Reads about who belongs where."""

from django.db.models import QuerySet

from .models import Membership, Organization, User


def memberships_of(*, user: User) -> list[Membership]:
    """The user's memberships with their organisations, in one query (cached on the user)."""
    cached = getattr(user, "_relais_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).select_related(
                "organization", "organization__prefecture"
            )
        )
        user._relais_memberships = cached
    return cached


def group_ids_of(*, user: User) -> list[int]:
    """The ids of the user's groups (their role groups), read afresh at each call: they decide
    what the user may see, so a role taken away must count at once, even for a user object
    that lives on (unlike `memberships_of`, which only shapes menus and narrows lists)."""
    return list(user.groups.values_list("pk", flat=True))


def organizations_where(*, user: User, roles: set[str]) -> list[Organization]:
    """The organisations where the user holds one of the roles."""
    seen: dict[int, Organization] = {}
    for membership in memberships_of(user=user):
        if membership.role in roles:
            seen.setdefault(membership.organization_id, membership.organization)
    return list(seen.values())


def organizations_visible_to(*, user: User) -> QuerySet[Organization]:
    """Staff see every organisation; others see their own and, for communes, their prefecture."""
    if user.is_staff:
        return Organization.objects.all()
    ids: set[int] = set()
    for membership in memberships_of(user=user):
        ids.add(membership.organization_id)
        if membership.organization.prefecture_id:
            ids.add(membership.organization.prefecture_id)
    return Organization.objects.filter(pk__in=ids)
