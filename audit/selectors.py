"""Reads of the audit log filtered by who is asking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat, NullIf, Trim

from accounts.models import User

from .models import AuditEvent, AuditExport
from .sequencer import audit_sequence
from .services import audit_record

ALL = None  # a scope that sees every event


def auditor_scope(*, user) -> list[str] | Literal[False] | None:
    """None: sees everything (staff, national oversight auditor); a list: those départements;
    False: not an auditor at all (answered with 404)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return ALL
    codes = set()
    memberships = user.memberships.filter(role="auditor", organization__kind="oversight")
    for departement_code in memberships.values_list("organization__departement_code", flat=True):
        if not departement_code:
            return ALL
        codes.add(departement_code)
    return sorted(codes) if codes else False


def scope_q(scope: list[str] | None) -> Q:
    """Events concerning an organisation of those départements, or done by their members."""
    if scope is None:
        return Q()
    if not scope:
        raise ValueError("an empty scope sees nothing; callers answer 404 instead")
    query = Q()
    for code in scope:
        query |= Q(departement_code=code) | Q(scope__contains=f",{code},")
    return query


@dataclass(frozen=True)
class EventFilters:
    """The auditor's filters: all optional, combined with AND."""

    date_from: datetime | None = None
    date_to: datetime | None = None
    user: str = ""
    organization: str = ""
    action: str = ""
    reference: str = ""

    @staticmethod
    def fields_to_screen(*, user: str) -> tuple[str, ...]:
        """The filters typed as free text, screened before they are recorded. A user filter
        naming an existing account is left alone: that username is already in every event
        its holder caused (actor_username), and usernames are not free text. The dates too: an
        old full date is refused as a date of birth, as in the requests' filters (the log began
        long after it, and the filter would be kept with the list or the export)."""
        typed = ("organization", "action", "reference", "date_from", "date_to")
        if user and User.objects.filter(username=user).exists():
            return typed
        return ("user", *typed)

    def as_dict(self) -> dict:
        """Identifiers only, for the audit record and the export manifest."""
        out = {}
        for name in ("user", "organization", "action", "reference"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("date_from", "date_to"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name).isoformat()
        return out

    @classmethod
    def from_dict(cls, data: dict) -> EventFilters:
        values = dict(data)
        for name in ("date_from", "date_to"):
            if values.get(name):
                values[name] = datetime.fromisoformat(values[name])
        return cls(**values)

    def q(self) -> Q:
        query = Q()
        if self.date_from is not None:
            query &= Q(occurred_at__gte=self.date_from)
        if self.date_to is not None:
            query &= Q(occurred_at__lt=self.date_to)
        if self.user:
            query &= Q(actor_username=self.user)
        if self.organization:
            query &= Q(org_code=self.organization)
        if self.action:
            if self.action.endswith(".*"):
                query &= Q(action__startswith=self.action[:-1])
            else:
                query &= Q(action=self.action)
        if self.reference:
            # List queries record the references they returned in details ("references").
            query &= Q(target_ref=self.reference) | Q(details__icontains=f'"{self.reference}"')
        return query


def audit_events_q(*, scope: list[str] | None, filters: EventFilters) -> Q:
    return scope_q(scope) & filters.q()


def audit_events_visible_to(*, user, filters: EventFilters) -> QuerySet[AuditEvent]:
    """The events of the asker's scope matching the filters, newest first; none for a
    non-auditor (the API answers 404 before asking). The events committed before the asker
    looked are sequenced first (docs/audit-format.md, section 3.2), so that an auditor sees
    at once what was just done, without waiting for the sequencer's next run."""
    scope = auditor_scope(user=user)
    if scope is False:
        return AuditEvent.objects.none()
    audit_sequence()
    return AuditEvent.objects.filter(
        audit_events_q(scope=scope, filters=filters), seq__isnull=False
    ).order_by("-seq")


def with_actor_names(events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """Each event with `actor_name`: the person's name as the account shows it today (one
    subquery, no query per row), else the username the event recorded ("" when no one
    acted). The username stays the identifier the log is searched and verified by."""
    full_name = (
        User.objects.filter(pk=OuterRef("actor_id"))
        .annotate(full_name=Trim(Concat("first_name", Value(" "), "last_name")))
        .values("full_name")[:1]
    )
    return events.annotate(
        actor_name=Coalesce(NullIf(Subquery(full_name), Value("")), F("actor_username"))
    )


def audit_exports_visible_to(*, user) -> QuerySet[AuditExport]:
    """Staff see every export; an auditor sees their own."""
    if auditor_scope(user=user) is False:
        return AuditExport.objects.none()
    if user.is_staff:
        return AuditExport.objects.all()
    return AuditExport.objects.filter(owner=user)


@dataclass(frozen=True)
class AuditLogPage:
    events: list[AuditEvent]  # newest first, PAGE_SIZE at most
    has_more: bool  # older events match the same filters


def audit_log_page(
    *, user, filters: EventFilters, before: int | None, refused: dict, page_size: int
) -> AuditLogPage:
    """The events of the auditor's scope older than `before` (by seq: no count of a
    million-row table is needed), recorded as read (`audit.listed`) with the filters applied
    and those the personal-data screen refused, by their kinds."""
    events = with_actor_names(audit_events_visible_to(user=user, filters=filters))
    if before is not None:
        events = events.filter(seq__lt=before)
    page = list(events[: page_size + 1])
    has_more = len(page) > page_size
    page = page[:page_size]
    audit_record(
        actor=user,
        action="audit.listed",
        details={
            "via": "web",
            "count": len(page),
            "seqs": [event.seq for event in page],
            "filters": filters.as_dict(),
            **({"refused": refused} if refused else {}),
        },
    )
    return AuditLogPage(events=page, has_more=has_more)


def audit_exports_page(*, user, shown: int) -> list[AuditExport]:
    """The auditor's latest exports, recorded as read (`audit.exports_listed`)."""
    exports = list(audit_exports_visible_to(user=user)[:shown])
    audit_record(
        actor=user,
        action="audit.exports_listed",
        details={"via": "web", "count": len(exports)},
    )
    return exports


def audit_export_viewed(*, user, export: AuditExport) -> None:
    """An export's page was seen (`audit.export_viewed`)."""
    audit_record(actor=user, action="audit.export_viewed", target=export, details={"via": "web"})
