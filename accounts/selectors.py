"""Reads about who belongs where."""

from django.db import transaction
from django.db.models import QuerySet

from audit.services import audit_record

from .exceptions import MemberNotManaged
from .models import Membership, Organization, OrgKind, Role, User


def memberships_of(*, user: User) -> list[Membership]:
    """The user's memberships with their organisations, in one query (cached on the user)."""
    cached = getattr(user, "_relais_memberships", None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user).select_related(
                "organization", "organization__prefecture"
            )
        )
        user._relais_memberships = cached  # type: ignore[attr-defined]  # per-request cache
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


# Who manages an organisation's members: the prefecture's administrator, the commune's mayor.
MANAGER_ROLE_BY_KIND: dict[str, str] = {
    OrgKind.PREFECTURE: Role.PREFECTURE_ADMIN,
    OrgKind.COMMUNE: Role.MAYOR,
}


def organizations_managed_by(*, user: User) -> list[Organization]:
    """The organisations whose members the user manages (read afresh: it decides writes)."""
    if not user.is_authenticated or not user.is_active:
        return []
    seen: dict[int, Organization] = {}
    for membership in Membership.objects.filter(user=user).select_related("organization"):
        organization = membership.organization
        if MANAGER_ROLE_BY_KIND.get(organization.kind) == membership.role:
            seen.setdefault(organization.pk, organization)
    return sorted(seen.values(), key=lambda org: (org.kind, org.name))


def managed_organization(*, user: User, organization_id: int) -> Organization:
    """The organisation if the user manages its members; MemberNotManaged otherwise, whether
    it exists or not."""
    for organization in organizations_managed_by(user=user):
        if organization.pk == organization_id:
            return organization
    raise MemberNotManaged


def members_of(*, organization: Organization) -> list[dict]:
    """Each member once, with their roles here, by name."""
    rows: dict[int, dict] = {}
    for membership in (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username", "role")
    ):
        row = rows.setdefault(membership.user_id, {"user": membership.user, "roles": []})
        row["roles"].append(membership.role)
    return list(rows.values())


def member_of(*, organization: Organization, user_id: int) -> User | None:
    """A member of the organisation, by id; None for anyone else."""
    return User.objects.filter(pk=user_id, memberships__organization=organization).first()


def own_account(*, user: User) -> list[Membership]:
    """The user's memberships for their own account's page in the API, recorded as read
    (`account.viewed`) in the same transaction."""
    with transaction.atomic():
        memberships = list(memberships_of(user=user))
        audit_record(actor=user, action="account.viewed", details={"via": "api"})
    return memberships
