"""Writes on organisations and memberships; role groups are created here and nowhere else."""

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record

from .models import ROLES_BY_KIND, Membership, Organization, OrganizationGroup, User


def organization_group(*, organization: Organization, role: str) -> Group:
    """The single group of (organisation, role), created on first use."""
    link = (
        OrganizationGroup.objects.select_related("group")
        .filter(organization=organization, role=role)
        .first()
    )
    if link is not None:
        return link.group
    with transaction.atomic():
        group, _ = Group.objects.get_or_create(
            name=f"{organization.kind}:{organization.code}:{role}"
        )
        link, _ = OrganizationGroup.objects.get_or_create(
            organization=organization, role=role, defaults={"group": group}
        )
    return link.group


@transaction.atomic
def membership_create(
    *, user: User, organization: Organization, role: str, actor: User | None
) -> Membership:
    """Gives a user a role in an organisation; the role must fit the organisation's kind."""
    if role not in ROLES_BY_KIND[organization.kind]:
        raise ValidationError(
            {
                "role": f"The role {role!r} does not exist in an organisation of kind "
                f"{organization.kind!r}."
            }
        )
    membership, created = Membership.objects.get_or_create(
        user=user, organization=organization, role=role
    )
    user.groups.add(organization_group(organization=organization, role=role))
    if created:
        audit_record(
            actor=actor,
            action="membership.created",
            target=user,
            organization=organization,
            details={"role": str(role), "username": user.username},
        )
    return membership


@transaction.atomic
def membership_delete(*, membership: Membership, actor: User | None) -> None:
    """Removes a role; the user leaves the role group unless another membership keeps it."""
    user, organization, role = membership.user, membership.organization, membership.role
    membership.delete()
    user.groups.remove(organization_group(organization=organization, role=role))
    audit_record(
        actor=actor,
        action="membership.deleted",
        target=user,
        organization=organization,
        details={"role": str(role), "username": user.username},
    )
