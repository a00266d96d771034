"""The commune's side of a request's life: drafting and editing, the mayor's signature or
send-back, withdrawing it before a decision, discarding a draft."""

from typing import cast

from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import COMMUNE_ROLES, ROLES_BY_KIND, Membership, Organization, User
from accounts.services import organization_group_ids

from .. import deadlines, rules
from ..exceptions import InvalidInput
from ..models import (
    Category,
    DraftRemark,
    InfoRequest,
    InfoRequestGroupObjectPermission,
    LegalBasis,
    ReferenceCounter,
    Status,
    Urgency,
    secure_channel_ref_validator,
)
from ..notifications import outbox
from ..permissions import PERMS_BY_ROLE, forget_perms
from ..privacy import screen_text
from ._common import audit_request, begin, check_choice, check_text, local_today, lock, notify


def _check_secure_ref(value: str) -> str:
    """The shape of a channel reference (letters, year, number; the database checks it too).
    Screened first, so that a date of birth or a NIR is refused as such, by its kind."""
    value = (value or "").strip()
    if value:
        screen_text(field="secure_channel_ref", text=value)
        try:
            secure_channel_ref_validator(value)
        except ValidationError:
            raise InvalidInput({"secure_channel_ref": "secure_channel_ref_shape"}) from None
    return value


def _check_basis(*, category: Category, legal_basis: LegalBasis) -> None:
    if not category.active:
        raise InvalidInput({"category": "category_inactive"})
    if not legal_basis.active:
        raise InvalidInput({"legal_basis": "legal_basis_inactive"})
    allowed = set(category.legal_bases.values_list("pk", flat=True))
    if allowed and legal_basis.pk not in allowed:
        raise InvalidInput({"legal_basis": "legal_basis_not_for_category"})


def _permissions() -> dict[str, Permission]:
    """The role permissions by codename, read for each grant in one query: rows cached across
    transactions would carry stale ids once auth_permission is rebuilt (a flush, a restore)."""
    codenames = {perm for perms in PERMS_BY_ROLE.values() for perm in perms}
    return {
        permission.codename: permission
        for permission in Permission.objects.filter(
            content_type__app_label="sharing", codename__in=codenames
        )
    }


def _grant_to_organisation_groups(info_request: InfoRequest, *organizations: Organization) -> None:
    """The organisations' role groups get their role's permissions on the request: the
    commune's when it is drafted, the prefecture's when it is signed (a draft has not reached
    the prefecture, so no read path may show it there)."""
    rows: list[InfoRequestGroupObjectPermission] = []
    permissions = _permissions()
    for organization in organizations:
        roles = [role for role in PERMS_BY_ROLE if role in ROLES_BY_KIND[organization.kind]]
        groups = organization_group_ids(organization=organization, roles=roles)
        rows.extend(
            InfoRequestGroupObjectPermission(
                group_id=groups[role], permission=permissions[perm], content_object=info_request
            )
            for role in roles
            for perm in PERMS_BY_ROLE[role]
        )
    InfoRequestGroupObjectPermission.objects.bulk_create(rows, ignore_conflicts=True)
    forget_perms(info_request)


def _next_reference(*, commune: Organization, year: int) -> str:
    """`{insee}-{year}-{seq:04d}`, allocated under a row lock: no duplicate under concurrency."""
    ReferenceCounter.objects.bulk_create(
        [ReferenceCounter(commune=commune, year=year, last=0)], ignore_conflicts=True
    )
    counter = ReferenceCounter.objects.select_for_update().get(commune=commune, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"{commune.code}-{year}-{counter.last:04d}"


def _address_remarks(info_request: InfoRequest) -> int:
    """The mayor's open remarks on a draft are answered once it is edited or signed."""
    return DraftRemark.objects.filter(info_request=info_request, addressed_at__isnull=True).update(
        addressed_at=timezone.now()
    )


@transaction.atomic
def info_request_create(
    *,
    actor: User,
    commune: Organization,
    category: Category,
    legal_basis: LegalBasis,
    purpose: str,
    urgency: str = Urgency.NORMAL,
    secure_channel_ref: str = "",
) -> InfoRequest:
    """A legal officer (or the mayor) drafts a request in the name of their commune."""
    if not Membership.objects.filter(
        user=actor, organization=commune, role__in=COMMUNE_ROLES
    ).exists():
        raise InvalidInput({"commune": "not_your_commune"})
    purpose = check_text(
        field="purpose", text=purpose, max_length=InfoRequest.purpose.field.max_length
    )
    urgency = check_choice(field="urgency", value=urgency, choices=Urgency.values)
    secure_channel_ref = _check_secure_ref(secure_channel_ref)
    _check_basis(category=category, legal_basis=legal_basis)
    info_request = InfoRequest.objects.create(
        reference=_next_reference(commune=commune, year=local_today().year),
        commune=commune,
        prefecture=cast(Organization, commune.prefecture),  # every commune has one (territories)
        category=category,
        legal_basis=legal_basis,
        purpose=purpose,
        urgency=urgency,
        secure_channel_ref=secure_channel_ref,
        created_by=actor,
    )
    _grant_to_organisation_groups(info_request, info_request.commune)
    audit_request(
        actor=actor,
        action="request.created",
        info_request=info_request,
        category=category.code,
        legal_basis=legal_basis.code,
    )
    return info_request


EDITABLE_FIELDS = ("category", "legal_basis", "purpose", "urgency", "secure_channel_ref")


@transaction.atomic
def info_request_update(*, info_request: InfoRequest, actor: User, **changes) -> InfoRequest:
    """Edits a draft; once signed, a request's wording is frozen."""
    info_request = lock(info_request)
    rules.ensure_permitted(actor, "update", info_request)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({name: "not_editable" for name in sorted(unknown)})
    rules.ensure_possible("update", info_request)
    if "purpose" in changes:
        changes["purpose"] = check_text(
            field="purpose",
            text=changes["purpose"],
            max_length=InfoRequest.purpose.field.max_length,
        )
    if "urgency" in changes:
        check_choice(field="urgency", value=changes["urgency"], choices=Urgency.values)
    if "secure_channel_ref" in changes:
        changes["secure_channel_ref"] = _check_secure_ref(changes["secure_channel_ref"])
    changed = [name for name, value in changes.items() if getattr(info_request, name) != value]
    if not changed:
        return info_request
    for name in changed:
        setattr(info_request, name, changes[name])
    _check_basis(category=info_request.category, legal_basis=info_request.legal_basis)
    info_request.save(update_fields=[*changed, "updated_at"])
    addressed = _address_remarks(info_request)
    details = {"remarks_addressed": addressed} if addressed else {}
    audit_request(
        actor=actor,
        action="request.updated",
        info_request=info_request,
        fields=sorted(changed),
        **details,
    )
    return info_request


@transaction.atomic
def info_request_sign(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """The mayor, or a deputy under a delegation of signature in force, signs: the request
    reaches the prefecture and its deadlines start. A deputy's signature records the delegation
    ("pour le maire et par délégation")."""
    info_request, done = begin(info_request=info_request, actor=actor, action="sign")
    if done:
        return info_request
    facts = rules.facts_for(actor, info_request)
    delegation = None if rules.commune_mayor(facts) else facts.signature_delegation
    now = timezone.now()
    today = timezone.localdate(now)
    dep = info_request.commune.departement_code
    category = info_request.category
    info_request.status = Status.SUBMITTED
    info_request.signed_by = actor
    info_request.signature_delegation = delegation
    info_request.submitted_at = now
    info_request.acknowledgement_due = deadlines.add_business_days(
        today, category.acknowledgement_days, departement_code=dep
    )
    info_request.decision_due = deadlines.add_months(
        today, category.decision_months, departement_code=dep
    )
    info_request.save(
        update_fields=[
            "status",
            "signed_by",
            "signature_delegation",
            "submitted_at",
            "acknowledgement_due",
            "decision_due",
            "updated_at",
        ]
    )
    _grant_to_organisation_groups(info_request, info_request.prefecture)
    _address_remarks(info_request)
    capacity = (
        {"delegation": delegation.pk, "delegation_order": delegation.order_reference}
        if delegation is not None
        else {}
    )
    audit_request(
        actor=actor,
        action="request.signed",
        info_request=info_request,
        acknowledgement_due=info_request.acknowledgement_due.isoformat(),
        decision_due=info_request.decision_due.isoformat(),
        **capacity,
    )
    notify(info_request)
    return info_request


@transaction.atomic
def info_request_send_back(*, info_request: InfoRequest, actor: User, remark: str) -> InfoRequest:
    """Instead of signing, the commune's mayor returns the draft to its legal officers with a
    short remark; the remark stays within the commune and the audit log holds only its id."""
    info_request, _done = begin(
        info_request=info_request, actor=actor, action="send_back", repeatable=False
    )
    remark = check_text(field="remark", text=remark, max_length=DraftRemark.text.field.max_length)
    if DraftRemark.objects.filter(
        info_request=info_request, author=actor, text=remark, addressed_at__isnull=True
    ).exists():
        return info_request  # the same remark sent twice (a second click) is harmless
    row = DraftRemark.objects.create(info_request=info_request, author=actor, text=remark)
    info_request.save(update_fields=["updated_at"])
    facts = rules.facts_for(actor, info_request)
    capacity = (
        {}
        if rules.commune_mayor(facts) or facts.signature_delegation is None
        else {"delegation_order": facts.signature_delegation.order_reference}
    )
    audit_request(
        actor=actor,
        action="request.sent_back",
        info_request=info_request,
        remark=row.pk,
        **capacity,
    )
    outbox.notify_sent_back(info_request=info_request)
    return info_request


@transaction.atomic
def info_request_withdraw(*, info_request: InfoRequest, actor: User, reason: str) -> InfoRequest:
    """The mayor withdraws the request at any point before a decision."""
    reason = check_text(
        field="reason", text=reason, max_length=InfoRequest.withdraw_reason.field.max_length
    )
    info_request, done = begin(info_request=info_request, actor=actor, action="withdraw")
    if done:
        return info_request
    info_request.status = Status.WITHDRAWN
    info_request.withdraw_reason = reason
    info_request.withdrawn_at = timezone.now()
    info_request.save(update_fields=["status", "withdraw_reason", "withdrawn_at", "updated_at"])
    audit_request(actor=actor, action="request.withdrawn", info_request=info_request)
    notify(info_request)
    return info_request


@transaction.atomic
def info_request_discard(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """A legal officer gives up their own draft, the mayor any draft of the commune. The row
    stays, marked discarded: its reference is never reused, the audit events naming it still
    verify, and it leaves every list."""
    info_request, done = begin(info_request=info_request, actor=actor, action="discard")
    if done:
        return info_request
    info_request.status = Status.DISCARDED
    info_request.save(update_fields=["status", "updated_at"])
    audit_request(actor=actor, action="request.discarded", info_request=info_request)
    return info_request
