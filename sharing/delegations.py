"""Delegation of signature: a mayor lets a member of the commune sign for a period, under a
delegation order (arrêté de délégation). The reads that `sharing.rules` asks, and the writes,
each audited in its own transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.models import COMMUNE_ROLES, Membership, Organization, Role, User
from audit.services import audit_record

from .deadlines import years_after
from .exceptions import ActionNotAllowed, InvalidInput
from .models import SignatureDelegation, delegation_order_validator
from .privacy import screen_text
from .privacy.lexicons import first_names, surnames

# A mayor's delegation of signature lapses with the term at the latest: six years.
DELEGATION_YEARS_MAX = 6


def _is_mayor(user: User, commune: Organization | int) -> bool:
    return Membership.objects.filter(
        user=user, organization=commune, role=Role.MAYOR, user__is_active=True
    ).exists()


def delegation_in_force(*, user: User, commune_id: int, on: date | None = None):
    """The delegation under which `user` may sign for the commune today, or None: not revoked,
    its period covers the day, its mayor still the commune's mayor, its deputy still a member."""
    on = on or timezone.localdate()
    return (
        SignatureDelegation.objects.filter(
            deputy=user,
            deputy__is_active=True,
            commune_id=commune_id,
            revoked_at__isnull=True,
            starts_on__lte=on,
            ends_on__gte=on,
            mayor__is_active=True,
            mayor__memberships__organization_id=commune_id,
            mayor__memberships__role=Role.MAYOR,
            deputy__memberships__organization_id=commune_id,
            deputy__memberships__role__in=COMMUNE_ROLES,
        )
        .select_related("mayor", "deputy")
        .order_by("-starts_on", "-pk")
        .first()
    )


def delegations_of(*, user: User, commune: Organization) -> QuerySet[SignatureDelegation]:
    """The commune's delegations, for its mayor only; nobody else lists them."""
    if not _is_mayor(user, commune):
        return SignatureDelegation.objects.none()
    return SignatureDelegation.objects.filter(commune=commune).select_related(
        "deputy", "mayor", "revoked_by"
    )


def deputies_of(*, commune: Organization) -> QuerySet[User]:
    """Who may hold a delegation: the commune's active members other than its mayors."""
    mayors = Membership.objects.filter(organization=commune, role=Role.MAYOR).values("user")
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization=commune,
            memberships__role__in=COMMUNE_ROLES,
        )
        .exclude(pk__in=mayors)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


@dataclass(frozen=True)
class DelegationPage:
    """A mayor's delegations page for one of their communes."""

    commune: Organization
    deputies: list[User]  # deputies_of: who may hold a delegation
    delegations: Any  # delegations_of, read only when the page is rendered (not after a write)


def delegation_page(*, user: User, code: str = "") -> DelegationPage | None:
    """The commune whose mayor the user is (the one with INSEE `code` if several); None when
    the user is no commune's mayor, or not this one's."""
    mayoralties = Membership.objects.filter(
        user=user, role=Role.MAYOR, user__is_active=True
    ).select_related("organization")
    mayoralty = next(
        (
            membership
            for membership in mayoralties.order_by("organization__code")
            if not code or membership.organization.code == code
        ),
        None,
    )
    if mayoralty is None:
        return None
    commune = mayoralty.organization
    return DelegationPage(
        commune=commune,
        deputies=list(deputies_of(commune=commune)),
        delegations=SimpleLazyObject(lambda: delegations_of(user=user, commune=commune)),
    )


def delegation_with_pk(pk: int) -> SignatureDelegation | None:
    """A delegation by its number, for `signature_delegation_revoke`, which checks who may."""
    return SignatureDelegation.objects.select_related("commune").filter(pk=pk).first()


# Prefixes of orders' references that are also listed names ("DEL" for délégation).
_ORDER_PREFIXES_NAMED_LIKE_PEOPLE = frozenset({"del"})


def _check_order_reference(value: str) -> str:
    """Screened first (a date of birth or a NIR is refused as such), then its shape, whose
    letters may not be a surname or a first name: "HADDAD-2026-0403" has the shape, and the
    reference goes into the audit log with the delegation."""
    value = (value or "").strip().upper()
    if not value:
        raise InvalidInput({"order_reference": "required"})
    screen_text(field="order_reference", text=value)
    try:
        delegation_order_validator(value)
    except ValidationError:
        raise InvalidInput({"order_reference": "delegation_order_shape"}) from None
    prefix = value.split("-")[0].split("/")[0].lower()
    if (
        prefix.isalpha()
        and prefix not in _ORDER_PREFIXES_NAMED_LIKE_PEOPLE
        and (prefix in surnames() or prefix in first_names())
    ):
        raise InvalidInput({"order_reference": "delegation_order_shape"})
    return value


@transaction.atomic
def signature_delegation_create(
    *,
    actor: User,
    commune: Organization,
    deputy: User,
    starts_on: date,
    ends_on: date,
    order_reference: str,
) -> SignatureDelegation:
    """Only the commune's mayor delegates, to another member of the same commune."""
    if not _is_mayor(actor, commune):
        raise ActionNotAllowed(action="delegate_signature")
    order_reference = _check_order_reference(order_reference)
    if ends_on < starts_on:
        raise InvalidInput({"ends_on": "delegation_period"})
    if ends_on < timezone.localdate():
        raise InvalidInput({"ends_on": "delegation_ended"})
    if ends_on > years_after(timezone.localdate(), DELEGATION_YEARS_MAX):
        raise InvalidInput({"ends_on": "delegation_too_far"})
    if not deputies_of(commune=commune).filter(pk=deputy.pk).exists():
        raise InvalidInput({"deputy": "not_a_deputy"})
    if SignatureDelegation.objects.filter(
        commune=commune,
        deputy=deputy,
        revoked_at__isnull=True,
        starts_on__lte=ends_on,
        ends_on__gte=starts_on,
    ).exists():
        raise InvalidInput({"starts_on": "delegation_overlaps"})
    delegation = SignatureDelegation.objects.create(
        commune=commune,
        mayor=actor,
        deputy=deputy,
        order_reference=order_reference,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    audit_record(
        actor=actor,
        action="delegation.created",
        organization=commune,
        details={
            "delegation": delegation.pk,
            "deputy": deputy.username,
            "order_reference": order_reference,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return delegation


@transaction.atomic
def signature_delegation_revoke(
    *, actor: User, delegation: SignatureDelegation
) -> SignatureDelegation:
    """The commune's mayor ends a delegation now; revoking again is harmless."""
    delegation = (
        SignatureDelegation.objects.select_for_update()
        .select_related("commune")
        .get(pk=delegation.pk)
    )
    if not _is_mayor(actor, delegation.commune_id):
        raise ActionNotAllowed(action="revoke_delegation")
    if delegation.revoked_at is not None:
        return delegation
    delegation.revoked_at = timezone.now()
    delegation.revoked_by = actor
    delegation.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor,
        action="delegation.revoked",
        organization=delegation.commune,
        details={"delegation": delegation.pk, "order_reference": delegation.order_reference},
    )
    return delegation
