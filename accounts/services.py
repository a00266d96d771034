"""Writes on organisations and memberships; role groups are created here and nowhere else."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record

from .models import ROLES_BY_KIND, Membership, Organization, OrganizationGroup, User
from .security_services import tokens_revoke_all


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


PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser")


@transaction.atomic
def user_privileges_save(*, user: User, actor: User | None, created: bool = False) -> User:
    """Saves a user edited by platform staff; a new account or a change of its active, staff
    or superuser flags is recorded with the flags' new values."""
    before = (
        None
        if created or user.pk is None
        else User.objects.filter(pk=user.pk).values(*PRIVILEGE_FIELDS).first()
    )
    user.save()
    changed = {
        field: getattr(user, field)
        for field in PRIVILEGE_FIELDS
        if before is None or before[field] != getattr(user, field)
    }
    if before is None:
        audit_record(
            actor=actor, action="user.created", target=user, details={"username": user.username}
        )
    if changed:
        audit_record(
            actor=actor,
            action="user.privileges_changed",
            target=user,
            details={"username": user.username, **changed},
        )
    if changed.get("is_active") is False:
        tokens_revoke_all(user=user, actor=actor, reason="deactivated")
    return user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """The user's language for the web pages (applied at each sign-in) and for e-mails."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError({"language": f"{language!r} is not an available language."})
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.language == language:
        return user
    user.language = language
    user.save(update_fields=["language"])
    audit_record(actor=user, action="user.language_changed", details={"language": language})
    return user
