"""Absence cover: a liaison (or the prefecture's admin for them) names a colleague of the same
prefecture to cover for a period. Any liaison of the prefecture may already act on its requests
(`sharing.rules` has no assignee-only condition): the cover puts the absent liaison's open
assigned requests in the colleague's work list. Each write audited in its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from accounts.models import PREFECTURE_ROLES, Membership, Organization, Role, User
from audit.services import audit_record

from .deadlines import years_after
from .exceptions import ActionNotAllowed, InvalidInput
from .models import AbsenceCover

# A longer absence is covered again, by a new arrangement, after a year.
COVER_YEARS_MAX = 1


def _in_force(on: date) -> Q:
    return Q(ended_at__isnull=True, starts_on__lte=on, ends_on__gte=on)


def covered_for(*, user: User, on: date | None = None) -> QuerySet[User]:
    """The liaisons `user` covers for today, within the prefectures `user` still works for."""
    on = on or timezone.localdate()
    prefectures = Membership.objects.filter(user=user, role__in=PREFECTURE_ROLES).values(
        "organization"
    )
    covers = AbsenceCover.objects.filter(
        _in_force(on), colleague=user, prefecture__in=prefectures
    ).values("absent")
    return User.objects.filter(pk__in=covers)


def _administers(user: User, prefecture: Organization | int) -> bool:
    return Membership.objects.filter(
        user=user, organization=prefecture, role=Role.PREFECTURE_ADMIN, user__is_active=True
    ).exists()


def prefecture_colleagues(*, prefecture: Organization) -> QuerySet[User]:
    """Who may cover or be covered: the prefecture's active liaisons and admins."""
    return (
        User.objects.filter(
            is_active=True,
            memberships__organization=prefecture,
            memberships__role__in=PREFECTURE_ROLES,
        )
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


def covers_of(*, user: User, prefecture: Organization) -> QuerySet[AbsenceCover]:
    """The prefecture's covers for its admin; a liaison's own (given or received) otherwise."""
    rows = AbsenceCover.objects.filter(prefecture=prefecture).select_related("absent", "colleague")
    if _administers(user, prefecture):
        return rows
    if not prefecture_colleagues(prefecture=prefecture).filter(pk=user.pk).exists():
        return rows.none()
    return rows.filter(Q(absent=user) | Q(colleague=user))


@dataclass(frozen=True)
class CoverPage:
    """The covers page of a prefecture's liaison or admin."""

    prefecture: Organization
    admin: bool  # arranges covers for anyone of the prefecture
    people: list[User]  # prefecture_colleagues: who may cover or be covered
    covers: Any  # covers_of, read only when the page is rendered (not after a write)


def cover_page(*, user: User) -> CoverPage | None:
    """None for whoever works for no prefecture."""
    membership = (
        Membership.objects.filter(user=user, role__in=PREFECTURE_ROLES, user__is_active=True)
        .select_related("organization")
        .order_by("organization__code", "role")
        .first()
    )
    if membership is None:
        return None
    prefecture = membership.organization
    admin = Membership.objects.filter(
        user=user, organization=prefecture, role=Role.PREFECTURE_ADMIN
    ).exists()
    return CoverPage(
        prefecture=prefecture,
        admin=admin,
        people=list(prefecture_colleagues(prefecture=prefecture)),
        covers=SimpleLazyObject(lambda: covers_of(user=user, prefecture=prefecture)),
    )


def cover_with_pk(pk: int) -> AbsenceCover | None:
    """A cover by its number, for `absence_cover_end`, which checks who may end it."""
    return AbsenceCover.objects.filter(pk=pk).first()


@transaction.atomic
def absence_cover_create(
    *,
    actor: User,
    prefecture: Organization,
    absent: User,
    colleague: User,
    starts_on: date,
    ends_on: date,
) -> AbsenceCover:
    """A liaison arranges their own cover; the prefecture's admin arranges anyone's."""
    members = prefecture_colleagues(prefecture=prefecture)
    if not members.filter(pk=actor.pk).exists():
        raise ActionNotAllowed(action="arrange_cover")
    if absent != actor and not _administers(actor, prefecture):
        raise ActionNotAllowed(action="arrange_cover")
    if not members.filter(pk=absent.pk).exists():
        raise InvalidInput({"absent": "not_a_liaison"})
    if colleague == absent or not members.filter(pk=colleague.pk).exists():
        raise InvalidInput({"colleague": "not_a_colleague"})
    if ends_on < starts_on:
        raise InvalidInput({"ends_on": "cover_period"})
    if ends_on < timezone.localdate():
        raise InvalidInput({"ends_on": "cover_ended"})
    if ends_on > years_after(timezone.localdate(), COVER_YEARS_MAX):
        raise InvalidInput({"ends_on": "cover_too_far"})
    if AbsenceCover.objects.filter(
        Q(ended_at__isnull=True, starts_on__lte=ends_on, ends_on__gte=starts_on),
        prefecture=prefecture,
        absent=absent,
        colleague=colleague,
    ).exists():
        raise InvalidInput({"starts_on": "cover_overlaps"})
    cover = AbsenceCover.objects.create(
        prefecture=prefecture,
        absent=absent,
        colleague=colleague,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        action="cover.created",
        organization=prefecture,
        details={
            "cover": cover.pk,
            "absent": absent.username,
            "colleague": colleague.username,
            "starts_on": starts_on.isoformat(),
            "ends_on": ends_on.isoformat(),
        },
    )
    return cover


@transaction.atomic
def absence_cover_end(*, actor: User, cover: AbsenceCover) -> AbsenceCover:
    """The absent liaison, back early, or the prefecture's admin ends a cover now; ending it
    again is harmless."""
    cover = AbsenceCover.objects.select_for_update().select_related("prefecture").get(pk=cover.pk)
    if actor.pk != cover.absent_id and not _administers(actor, cover.prefecture_id):
        raise ActionNotAllowed(action="end_cover")
    if cover.ended_at is not None:
        return cover
    cover.ended_at = timezone.now()
    cover.save(update_fields=["ended_at"])
    audit_record(
        actor=actor,
        action="cover.ended",
        organization=cover.prefecture,
        details={"cover": cover.pk},
    )
    return cover
