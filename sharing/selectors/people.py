"""Who a prefecture's people can hand a request to: the choices the inbox's bulk form and the
team page offer."""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import PREFECTURE_ROLES, Membership, Role, User
from accounts.selectors import organizations_where


def colleagues(prefecture_ids: list[int]) -> list[tuple[str, str]]:
    """The active liaisons and admins of these prefectures, as (username, label)."""
    memberships = (
        Membership.objects.filter(
            organization__in=prefecture_ids, role__in=PREFECTURE_ROLES, user__is_active=True
        )
        .select_related("user")
        .order_by("user__username")
    )
    seen: dict[str, str] = {}
    for membership in memberships:
        user = membership.user
        full_name = user.get_full_name()
        seen[user.username] = f"{full_name} ({user.username})" if full_name else user.username
    return list(seen.items())


@dataclass(frozen=True)
class BulkChoices:
    """What the inbox's form for several requests at once offers this user."""

    liaisons: list[tuple[str, str]]
    can_assign: bool


def bulk_choices(*, user: User) -> BulkChoices | None:
    """For a prefecture's people only: whom they may assign to (an administrator's colleagues)."""
    prefectures = organizations_where(user=user, roles=set(PREFECTURE_ROLES))
    if not prefectures:
        return None
    admin_of = organizations_where(user=user, roles={Role.PREFECTURE_ADMIN})
    return BulkChoices(
        liaisons=colleagues([org.pk for org in admin_of]) if admin_of else [],
        can_assign=bool(admin_of),
    )
