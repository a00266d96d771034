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
    """The ids of the user's groups (their role groups), in one query (cached on the user)."""
    cached = getattr(user, "_relais_group_ids", None)
    if cached is None:
        cached = list(user.groups.values_list("pk", flat=True))
        user._relais_group_ids = cached
    return cached


def forget_roles(*, user: User) -> None:
    """Drops what `memberships_of` and `group_ids_of` cached on the user, after a change."""
    for name in ("_relais_memberships", "_relais_group_ids"):
        user.__dict__.pop(name, None)


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
