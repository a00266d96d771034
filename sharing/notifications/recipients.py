"""Who is told: the members of a request's commune and prefecture who hear of a change, and
on which side of a request a reader stands."""

from __future__ import annotations

from accounts.models import ROLES_BY_KIND, Membership, OrgKind, Role, User

from ..models import InfoRequest

# A reader's side of a request: "commune" (legal officers, mayors) or "prefecture" (liaisons,
# admins); what they are told depends on it (`texts.describe`).
COMMUNE = "commune"
PREFECTURE = "prefecture"

# In a fixed order: the reminder ledger writes them into its SQL.
COMMUNE_ROLES = tuple(sorted(ROLES_BY_KIND[OrgKind.COMMUNE]))
WORKER_ROLES = tuple(sorted(ROLES_BY_KIND[OrgKind.PREFECTURE]))


class Directory:
    """Who holds which role where; loaded in bulk and kept for the length of one sweep."""

    def __init__(self) -> None:
        self._members: dict[int, dict[str, list[int]]] = {}

    def load(self, organization_ids) -> None:
        missing = sorted({pk for pk in organization_ids if pk not in self._members})
        for start in range(0, len(missing), 2000):
            chunk = missing[start : start + 2000]
            for pk in chunk:
                self._members[pk] = {}
            rows = Membership.objects.filter(
                organization_id__in=chunk, user__is_active=True
            ).values_list("organization_id", "role", "user_id")
            for organization_id, role, user_id in rows.order_by("user_id"):
                self._members[organization_id].setdefault(role, []).append(user_id)

    def members(self, organization_id: int, roles) -> list[int]:
        self.load([organization_id])
        by_role = self._members[organization_id]
        return sorted({user_id for role in roles for user_id in by_role.get(role, ())})

    def workers(self, *, prefecture_id: int, assigned_to_id: int | None) -> list[int]:
        """The assigned liaison, or every liaison and admin while nobody is assigned."""
        if assigned_to_id is not None:
            return [assigned_to_id]
        return self.members(prefecture_id, WORKER_ROLES)

    def escalation(self, *, prefecture_id: int, assigned_to_id: int | None) -> list[int]:
        """The workers and, above them, the prefecture's admins."""
        return sorted(
            set(self.workers(prefecture_id=prefecture_id, assigned_to_id=assigned_to_id))
            | set(self.members(prefecture_id, [Role.PREFECTURE_ADMIN]))
        )

    def commune(self, *, commune_id: int) -> list[int]:
        return self.members(commune_id, COMMUNE_ROLES)


def status_change_recipients(*, info_request: InfoRequest) -> list[int]:
    """Both sides: the commune's officers and mayors and, once the request has reached it (a
    draft never does, even withdrawn), the prefecture's workers and admins. Whoever made the
    change is included: the message is their receipt."""
    directory = Directory()
    directory.load([info_request.commune_id, info_request.prefecture_id])
    users = set(directory.commune(commune_id=info_request.commune_id))
    if info_request.submitted_at is not None:
        users |= set(
            directory.escalation(
                prefecture_id=info_request.prefecture_id,
                assigned_to_id=info_request.assigned_to_id,
            )
        )
    return sorted(users)


def side_of(user: User, info_request: InfoRequest) -> str:
    """The reader's side of this request: their commune's, or the prefecture's."""
    if user.memberships.filter(organization_id=info_request.commune_id).exists():
        return COMMUNE
    return PREFECTURE


def commune_ids_of(user: User) -> set[int]:
    """The organisations in which the user acts for a commune (one query, for a whole inbox)."""
    return set(
        user.memberships.filter(role__in=COMMUNE_ROLES).values_list("organization_id", flat=True)
    )
