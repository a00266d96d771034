"""Every write on a request. One service per transition, all of the same shape:
lock the row, check permission, repeat quietly, check the transition table, save the
changed fields, audit in the same transaction, side effects on commit."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import cast

from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import (
    COMMUNE_ROLES,
    PREFECTURE_ROLES,
    ROLES_BY_KIND,
    Membership,
    Organization,
    User,
)
from accounts.services import organization_group
from audit.services import audit_record

from . import deadlines, notifications, rules
from .exceptions import ActionNotAllowed, InvalidInput, Refusal
from .models import (
    RESOLUTIONS_TO_DELIVER,
    TRANSITIONS,
    AgreementStatus,
    Author,
    Category,
    ClarificationMessage,
    DeadlineChange,
    DeliveryChannel,
    DraftRemark,
    ExpiryPolicy,
    InfoRequest,
    InfoRequestGroupObjectPermission,
    InternalNote,
    LegalBasis,
    Notification,
    NotificationPreference,
    ReasonCode,
    ReferenceCounter,
    Resolution,
    Status,
    Urgency,
    secure_channel_ref_validator,
)
from .permissions import PERMS_BY_ROLE
from .privacy import screen_text
from .selectors import notifications_of

DECIDABLE_RESOLUTIONS = frozenset(Resolution) - {Resolution.IMPLICIT_REJECTION}


# --- helpers ------------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _one_year_after(day: date) -> date:
    """The same day a year later (28 February for a 29th)."""
    return day.replace(year=day.year + 1, day=min(day.day, 28) if day.month == 2 else day.day)


def _check_text(*, field: str, text: str, max_length: int | None, required: bool = True) -> str:
    """Trims, bounds and screens a free-text field; raises InvalidInput naming the field."""
    text = (text or "").strip()
    if required and not text:
        raise InvalidInput({field: "required"})
    if max_length is not None and len(text) > max_length:
        raise InvalidInput({field: Refusal("too_long", {"max_length": max_length})})
    if text:
        screen_text(field=field, text=text)
    return text


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


def _check_choice(*, field: str, value: str, choices: Iterable[str]) -> str:
    if value not in set(choices):
        raise InvalidInput({field: Refusal("invalid_choice", {"value": value})})
    return value


def _check_basis(*, category: Category, legal_basis: LegalBasis) -> None:
    if not category.active:
        raise InvalidInput({"category": "category_inactive"})
    if not legal_basis.active:
        raise InvalidInput({"legal_basis": "legal_basis_inactive"})
    allowed = set(category.legal_bases.values_list("pk", flat=True))
    if allowed and legal_basis.pk not in allowed:
        raise InvalidInput({"legal_basis": "legal_basis_not_for_category"})


def _lock(info_request: InfoRequest) -> InfoRequest:
    return InfoRequest.objects.select_for_update().get(pk=info_request.pk)


def _begin(
    *, info_request: InfoRequest, actor: User, action: str, repeatable: bool = True
) -> tuple[InfoRequest, bool]:
    """Locks the row and checks the rules; returns (row, already_done) or raises 409.

    A repeat that finds the request already in the target state is harmless and does
    nothing (`rules.already_done`), unless the target is also reached otherwise (clarify
    leads back to acknowledged), where a repeat cannot be told from a mistake.
    """
    info_request = _lock(info_request)
    rules.ensure_permitted(actor, action, info_request)
    if repeatable and rules.already_done(action, info_request):
        return info_request, True
    rules.ensure_possible(action, info_request)
    return info_request, False


def _audit(*, actor: User | None, action: str, info_request: InfoRequest, **details) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=info_request,
        organization=info_request.commune,
        # Choices are str subclasses; the log's canonical encoding takes plain strings only.
        details={
            key: str(value) if isinstance(value, str) else value
            for key, value in {"status": info_request.status, **details}.items()
        },
    )


def _notify(info_request: InfoRequest) -> None:
    """Both sides hear of the change: notices and e-mails written in this transaction."""
    notifications.notify_status_change(info_request=info_request)


def _record_due_change(
    *,
    info_request: InfoRequest,
    field: str,
    old_date: date | None,
    new_date: date,
    reason: str,
    actor: User | None,
) -> DeadlineChange:
    """Keeps the reason beside every moved due date; the caller audits the change."""
    return DeadlineChange.objects.create(
        info_request=info_request,
        field=field,
        old_date=old_date,
        new_date=new_date,
        reason=reason,
        actor=actor,
    )


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
        for role, perms in PERMS_BY_ROLE.items():
            if role not in ROLES_BY_KIND[organization.kind]:
                continue
            group = organization_group(organization=organization, role=role)
            rows.extend(
                InfoRequestGroupObjectPermission(
                    group=group, permission=permissions[perm], content_object=info_request
                )
                for perm in perms
            )
    InfoRequestGroupObjectPermission.objects.bulk_create(rows, ignore_conflicts=True)


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


def _actor_side(actor: User, info_request: InfoRequest) -> str:
    commune_member = Membership.objects.filter(
        user=actor, organization=info_request.commune_id
    ).exists()
    return Author.COMMUNE if commune_member else Author.PREFECTURE


# --- creation and edition of a draft --------------------------------------------------------


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
    purpose = _check_text(
        field="purpose", text=purpose, max_length=InfoRequest.purpose.field.max_length
    )
    urgency = _check_choice(field="urgency", value=urgency, choices=Urgency.values)
    secure_channel_ref = _check_secure_ref(secure_channel_ref)
    _check_basis(category=category, legal_basis=legal_basis)
    info_request = InfoRequest.objects.create(
        reference=_next_reference(commune=commune, year=_today().year),
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
    _audit(
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
    info_request = _lock(info_request)
    rules.ensure_permitted(actor, "update", info_request)
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput({name: "not_editable" for name in sorted(unknown)})
    rules.ensure_possible("update", info_request)
    if "purpose" in changes:
        changes["purpose"] = _check_text(
            field="purpose",
            text=changes["purpose"],
            max_length=InfoRequest.purpose.field.max_length,
        )
    if "urgency" in changes:
        _check_choice(field="urgency", value=changes["urgency"], choices=Urgency.values)
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
    _audit(
        actor=actor,
        action="request.updated",
        info_request=info_request,
        fields=sorted(changed),
        **details,
    )
    return info_request


# --- the lifecycle ---------------------------------------------------------------------------


@transaction.atomic
def info_request_sign(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """The mayor, or a deputy under a delegation of signature in force, signs: the request
    reaches the prefecture and its deadlines start. A deputy's signature records the delegation
    ("pour le maire et par délégation")."""
    info_request, done = _begin(info_request=info_request, actor=actor, action="sign")
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
    _audit(
        actor=actor,
        action="request.signed",
        info_request=info_request,
        acknowledgement_due=info_request.acknowledgement_due.isoformat(),
        decision_due=info_request.decision_due.isoformat(),
        **capacity,
    )
    _notify(info_request)
    return info_request


@transaction.atomic
def info_request_send_back(*, info_request: InfoRequest, actor: User, remark: str) -> InfoRequest:
    """Instead of signing, the commune's mayor returns the draft to its legal officers with a
    short remark; the remark stays within the commune and the audit log holds only its id."""
    info_request, _done = _begin(
        info_request=info_request, actor=actor, action="send_back", repeatable=False
    )
    remark = _check_text(field="remark", text=remark, max_length=DraftRemark.text.field.max_length)
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
    _audit(
        actor=actor,
        action="request.sent_back",
        info_request=info_request,
        remark=row.pk,
        **capacity,
    )
    notifications.notify_sent_back(info_request=info_request)
    return info_request


@transaction.atomic
def info_request_acknowledge(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """Prefecture receipt (CRPA L.112-3); the acknowledgement deadline is met."""
    info_request, done = _begin(info_request=info_request, actor=actor, action="acknowledge")
    if done:
        return info_request
    info_request.status = Status.ACKNOWLEDGED
    info_request.acknowledged_at = timezone.now()
    info_request.save(update_fields=["status", "acknowledged_at", "updated_at"])
    _audit(actor=actor, action="request.acknowledged", info_request=info_request)
    _notify(info_request)
    return info_request


@transaction.atomic
def info_request_assign(*, info_request: InfoRequest, actor: User, liaison: User) -> InfoRequest:
    """The prefecture admin gives the request to a liaison of the same prefecture, while
    there is work to do (not once the answer is delivered or the request closed)."""
    info_request = _lock(info_request)
    rules.check(actor, "assign", info_request)
    is_liaison = Membership.objects.filter(
        user=liaison,
        organization=info_request.prefecture_id,
        role__in=PREFECTURE_ROLES,
        user__is_active=True,
    ).exists()
    if not is_liaison:
        raise InvalidInput({"liaison": "not_a_liaison"})
    if info_request.assigned_to_id == liaison.pk:
        return info_request
    info_request.assigned_to = liaison
    info_request.save(update_fields=["assigned_to", "updated_at"])
    _audit(
        actor=actor, action="request.assigned", info_request=info_request, liaison=liaison.username
    )
    return info_request


@transaction.atomic
def info_request_take(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """A liaison of the request's prefecture takes it for themselves, unassigned or held by a
    colleague, while there is work to do; taking one's own again is harmless."""
    info_request = _lock(info_request)
    rules.check(actor, "take", info_request)
    if info_request.assigned_to_id == actor.pk:
        return info_request
    previous = info_request.assigned_to
    info_request.assigned_to = actor
    info_request.save(update_fields=["assigned_to", "updated_at"])
    _audit(
        actor=actor,
        action="request.taken",
        info_request=info_request,
        liaison=actor.username,
        previous=previous.username if previous else None,
    )
    return info_request


def clarification_due_default(*, today: date, departement_code: str) -> date:
    """RELAIS_CLARIFICATION_DAYS business days from today, on the commune's calendar."""
    return deadlines.add_business_days(
        today, settings.RELAIS_CLARIFICATION_DAYS, departement_code=departement_code
    )


def _check_answer_by(answer_by: date, *, today: date, departement_code: str) -> date:
    """The commune's answer is due after today and within three months."""
    if answer_by <= today:
        raise InvalidInput({"answer_by": "answer_by_not_future"})
    if answer_by > deadlines.add_months(today, 3, departement_code=departement_code):
        raise InvalidInput({"answer_by": "answer_by_too_far"})
    return answer_by


@transaction.atomic
def info_request_request_clarification(
    *, info_request: InfoRequest, actor: User, message: str, answer_by: date | None = None
) -> InfoRequest:
    """The prefecture asks the commune for precisions, to answer by a date (by default
    RELAIS_CLARIFICATION_DAYS business days; at most three months); the decision clock
    stops."""
    message = _check_text(
        field="message", text=message, max_length=ClarificationMessage.text.field.max_length
    )
    info_request, done = _begin(
        info_request=info_request, actor=actor, action="request_clarification"
    )
    if done:
        return info_request
    now = timezone.now()
    today = timezone.localdate(now)
    if answer_by is not None:
        _check_answer_by(
            answer_by, today=today, departement_code=info_request.commune.departement_code
        )
    info_request.status = Status.CLARIFICATION_REQUESTED
    info_request.clarification_requested_at = now
    info_request.clarification_due = answer_by or clarification_due_default(
        today=today, departement_code=info_request.commune.departement_code
    )
    if info_request.decision_due is not None:
        info_request.decision_days_remaining = max(
            0,
            deadlines.business_days_between(
                today,
                info_request.decision_due,
                departement_code=info_request.commune.departement_code,
            ),
        )
    info_request.save(
        update_fields=[
            "status",
            "clarification_requested_at",
            "clarification_due",
            "decision_days_remaining",
            "updated_at",
        ]
    )
    ClarificationMessage.objects.create(
        info_request=info_request, author=actor, side=Author.PREFECTURE, text=message
    )
    _audit(
        actor=actor,
        action="request.clarification_requested",
        info_request=info_request,
        decision_days_remaining=info_request.decision_days_remaining,
        clarification_due=info_request.clarification_due.isoformat(),
    )
    _notify(info_request)
    return info_request


@transaction.atomic
def info_request_clarify(*, info_request: InfoRequest, actor: User, message: str) -> InfoRequest:
    """The commune answers; the decision clock resumes with the business days it had left."""
    message = _check_text(
        field="message", text=message, max_length=ClarificationMessage.text.field.max_length
    )
    info_request, done = _begin(
        info_request=info_request, actor=actor, action="clarify", repeatable=False
    )
    if done:
        return info_request
    today = _today()
    old_due = info_request.decision_due
    info_request.status = Status.ACKNOWLEDGED
    if info_request.decision_days_remaining is not None:
        info_request.decision_due = deadlines.add_business_days(
            today,
            info_request.decision_days_remaining,
            departement_code=info_request.commune.departement_code,
        )
    info_request.decision_days_remaining = None
    info_request.clarification_requested_at = None
    info_request.clarification_due = None
    info_request.save(
        update_fields=[
            "status",
            "decision_due",
            "decision_days_remaining",
            "clarification_requested_at",
            "clarification_due",
            "updated_at",
        ]
    )
    ClarificationMessage.objects.create(
        info_request=info_request, author=actor, side=Author.COMMUNE, text=message
    )
    details = {}
    if old_due != info_request.decision_due and info_request.decision_due:
        change = _record_due_change(
            info_request=info_request,
            field="decision_due",
            old_date=old_due,
            new_date=info_request.decision_due,
            reason="clarification pause",
            actor=actor,
        )
        details = {
            "field": "decision_due",
            "old_due_date": old_due.isoformat() if old_due else None,
            "decision_due": info_request.decision_due.isoformat(),
            "deadline_change": change.pk,
        }
    _audit(actor=actor, action="request.clarified", info_request=info_request, **details)
    _notify(info_request)
    return info_request


def _ensure_required_agreements(info_request: InfoRequest, *, procureur: str, intelligence: str):
    """A category that needs prior agreements (of the procureur, of the intelligence services)
    is granted only once each was given: "Non requis" or "En attente" is refused."""
    category = info_request.category
    missing = {}
    if category.requires_procureur_agreement and procureur != AgreementStatus.AGREED:
        missing["procureur_agreement"] = "agreement_missing"
    if category.requires_intelligence_agreement and intelligence != AgreementStatus.AGREED:
        missing["intelligence_agreement"] = "agreement_missing"
    if missing:
        raise InvalidInput(missing)


@transaction.atomic
def info_request_decide(
    *,
    info_request: InfoRequest,
    actor: User,
    resolution: str,
    reason_code: str = "",
    remarks: str = "",
    procureur_agreement: str | None = None,
    intelligence_agreement: str | None = None,
) -> InfoRequest:
    """Records the outcome and its reason code, never the information itself."""
    _check_choice(field="resolution", value=resolution, choices=DECIDABLE_RESOLUTIONS)
    if reason_code:
        _check_choice(field="reason_code", value=reason_code, choices=ReasonCode.values)
    if resolution == Resolution.REFUSED and not reason_code:
        raise InvalidInput({"reason_code": "reason_code_required"})
    if resolution in {Resolution.GRANTED, Resolution.REDIRECTED} and reason_code:
        raise InvalidInput({"reason_code": "reason_code_unexpected"})
    for field, value in (
        ("procureur_agreement", procureur_agreement),
        ("intelligence_agreement", intelligence_agreement),
    ):
        if value is not None:
            _check_choice(field=field, value=value, choices=AgreementStatus.values)
    if resolution in RESOLUTIONS_TO_DELIVER and AgreementStatus.DISAGREED in {
        procureur_agreement,
        intelligence_agreement,
    }:
        raise InvalidInput({"resolution": "agreement_refused"})
    remarks = _check_text(
        field="remarks",
        text=remarks,
        max_length=InfoRequest.decision_remarks.field.max_length,
        required=False,
    )
    info_request, done = _begin(info_request=info_request, actor=actor, action="decide")
    if done:
        return info_request
    if resolution in RESOLUTIONS_TO_DELIVER:
        _ensure_required_agreements(
            info_request,
            procureur=procureur_agreement or info_request.procureur_agreement,
            intelligence=intelligence_agreement or info_request.intelligence_agreement,
        )
    now = timezone.now()
    info_request.status = Status.DECIDED
    info_request.resolution = resolution
    info_request.reason_code = reason_code
    info_request.decision_remarks = remarks
    info_request.decided_at = now
    fields = ["status", "resolution", "reason_code", "decision_remarks", "decided_at"]
    if procureur_agreement is not None:
        info_request.procureur_agreement = procureur_agreement
        fields.append("procureur_agreement")
    if intelligence_agreement is not None:
        info_request.intelligence_agreement = intelligence_agreement
        fields.append("intelligence_agreement")
    if resolution in RESOLUTIONS_TO_DELIVER:
        info_request.delivery_due = deadlines.add_business_days(
            timezone.localdate(now),
            info_request.category.delivery_days,
            departement_code=info_request.commune.departement_code,
        )
        fields.append("delivery_due")
    info_request.save(update_fields=[*fields, "updated_at"])
    due = {}
    if "delivery_due" in fields and info_request.delivery_due is not None:
        due = {"delivery_due": info_request.delivery_due.isoformat()}
    _audit(
        actor=actor,
        action="request.decided",
        info_request=info_request,
        resolution=resolution,
        reason_code=reason_code,
        **due,
    )
    _notify(info_request)
    return info_request


@transaction.atomic
def info_request_record_delivery(
    *, info_request: InfoRequest, actor: User, channel: str, delivered_on: date
) -> InfoRequest:
    """Records how and when the answer was given out of band; never what it said."""
    _check_choice(field="channel", value=channel, choices=DeliveryChannel.values)
    if delivered_on > _today():
        raise InvalidInput({"delivered_on": "delivery_in_future"})
    info_request, done = _begin(info_request=info_request, actor=actor, action="record_delivery")
    if done:
        return info_request
    if info_request.decided_at and delivered_on < timezone.localdate(info_request.decided_at):
        raise InvalidInput({"delivered_on": "delivery_before_decision"})
    info_request.status = Status.DELIVERED
    info_request.delivery_channel = channel
    info_request.delivered_on = delivered_on
    info_request.delivered_at = timezone.now()
    info_request.save(
        update_fields=["status", "delivery_channel", "delivered_on", "delivered_at", "updated_at"]
    )
    _audit(
        actor=actor,
        action="request.delivery_recorded",
        info_request=info_request,
        channel=channel,
        delivered_on=delivered_on.isoformat(),
    )
    _notify(info_request)
    return info_request


@transaction.atomic
def info_request_close(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """Closes a delivered request, or a decided one that had nothing to deliver."""
    info_request, done = _begin(info_request=info_request, actor=actor, action="close")
    if done:
        return info_request
    info_request.status = Status.CLOSED
    info_request.closed_at = timezone.now()
    info_request.save(update_fields=["status", "closed_at", "updated_at"])
    _audit(actor=actor, action="request.closed", info_request=info_request)
    _notify(info_request)
    return info_request


@transaction.atomic
def info_request_withdraw(*, info_request: InfoRequest, actor: User, reason: str) -> InfoRequest:
    """The mayor withdraws the request at any point before a decision."""
    reason = _check_text(
        field="reason", text=reason, max_length=InfoRequest.withdraw_reason.field.max_length
    )
    info_request, done = _begin(info_request=info_request, actor=actor, action="withdraw")
    if done:
        return info_request
    info_request.status = Status.WITHDRAWN
    info_request.withdraw_reason = reason
    info_request.withdrawn_at = timezone.now()
    info_request.save(update_fields=["status", "withdraw_reason", "withdrawn_at", "updated_at"])
    _audit(actor=actor, action="request.withdrawn", info_request=info_request)
    _notify(info_request)
    return info_request


@transaction.atomic
def info_request_discard(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """A legal officer gives up their own draft, the mayor any draft of the commune. The row
    stays, marked discarded: its reference is never reused, the audit events naming it still
    verify, and it leaves every list."""
    info_request, done = _begin(info_request=info_request, actor=actor, action="discard")
    if done:
        return info_request
    info_request.status = Status.DISCARDED
    info_request.save(update_fields=["status", "updated_at"])
    _audit(actor=actor, action="request.discarded", info_request=info_request)
    return info_request


@transaction.atomic
def info_request_extend(
    *, info_request: InfoRequest, actor: User, new_due_date: date, reason: str
) -> InfoRequest:
    """Moves the running deadline later, with a reason kept beside it."""
    reason = _check_text(
        field="reason", text=reason, max_length=DeadlineChange.reason.field.max_length
    )
    info_request = _lock(info_request)
    rules.check(actor, "extend", info_request)
    field = rules.EXTENDABLE[info_request.status]
    old_date = getattr(info_request, field)
    if new_due_date == old_date:
        return info_request
    if old_date is not None and new_due_date < old_date:
        raise InvalidInput({"new_due_date": "extension_earlier"})
    if new_due_date <= _today():
        raise InvalidInput({"new_due_date": "extension_not_future"})
    if new_due_date > _one_year_after(max(old_date or _today(), _today())):
        raise InvalidInput({"new_due_date": "extension_too_far"})
    setattr(info_request, field, new_due_date)
    info_request.save(update_fields=[field, "updated_at"])
    change = _record_due_change(
        info_request=info_request,
        field=field,
        old_date=old_date,
        new_date=new_due_date,
        reason=reason,
        actor=actor,
    )
    _audit(
        actor=actor,
        action="request.extended",
        info_request=info_request,
        field=field,
        old_due_date=old_date.isoformat() if old_date else None,
        new_due_date=new_due_date.isoformat(),
        deadline_change=change.pk,
    )
    notifications.notify_deadline_change(info_request=info_request)
    return info_request


@transaction.atomic
def info_request_expire(*, info_request: InfoRequest, now: datetime | None = None) -> InfoRequest:
    """The decision deadline passed in silence: implicit rejection where the category says so,
    told to both sides. "Flag only" categories stay open and show as overdue."""
    today = _today() if now is None else timezone.localdate(now)
    now = now or timezone.now()
    info_request = _lock(info_request)
    sources, target = TRANSITIONS["expire"]
    if info_request.status not in sources:
        return info_request  # decided, withdrawn or closed meanwhile: nothing to do
    if info_request.category.expiry_policy != ExpiryPolicy.IMPLICIT_REJECTION:
        return info_request
    if info_request.decision_due is None or info_request.decision_due >= today:
        return info_request
    if info_request.status == Status.CLARIFICATION_REQUESTED:
        return info_request  # the clock is stopped
    info_request.status = target
    info_request.resolution = Resolution.IMPLICIT_REJECTION
    info_request.decided_at = now
    info_request.save(update_fields=["status", "resolution", "decided_at", "updated_at"])
    _audit(
        actor=None,
        action="request.expired",
        info_request=info_request,
        resolution=Resolution.IMPLICIT_REJECTION,
        decision_due=info_request.decision_due.isoformat(),
    )
    # Written by the sweep, perhaps at night: the e-mails wait for the business morning.
    notifications.notify_status_change(info_request=info_request, now=now, by_sweep=True)
    return info_request


# --- internal notes -----------------------------------------------------------------------


@transaction.atomic
def note_add(*, info_request: InfoRequest, actor: User, text: str) -> InternalNote:
    """A prefecture-only note; screened like every free text."""
    text = _check_text(field="text", text=text, max_length=InternalNote.text.field.max_length)
    rules.check(actor, "add_note", info_request)
    note = InternalNote.objects.create(info_request=info_request, author=actor, text=text)
    audit_record(
        actor=actor,
        action="note.added",
        target=info_request,
        organization=info_request.commune,
        details={"note": note.pk},
    )
    return note


# --- the in-app inbox -------------------------------------------------------------------------


@transaction.atomic
def notification_mark_read(*, notification: Notification, actor: User) -> Notification:
    """A user marks one of their own notices read; anyone else's is not theirs to touch."""
    locked = Notification.objects.select_for_update().filter(pk=notification.pk, user=actor).first()
    if locked is None:
        raise ActionNotAllowed(action="mark_read")
    notification = locked
    if notification.read_at is not None:
        return notification  # marking again is harmless
    notification.read_at = timezone.now()
    notification.save(update_fields=["read_at"])
    audit_record(
        actor=actor,
        action="notification.read",
        details={"notification": notification.pk, "count": 1},
    )
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """A user marks all the unread notices they are shown read (those about requests they can
    no longer see stay hidden, and untouched); returns how many were marked."""
    # One UPDATE locks and changes exactly the rows it marks; a notice arriving meanwhile
    # stays unread, and two concurrent calls cannot count a notice twice.
    marked = notifications_of(user=actor, unread=True).update(read_at=timezone.now())
    if marked:
        audit_record(actor=actor, action="notification.read", details={"count": marked})
    return marked


@transaction.atomic
def notification_preference_set(*, actor: User, daily_digest: bool) -> NotificationPreference:
    """A user chooses between an e-mail per notice and one e-mail a day; their own only."""
    preference, _ = NotificationPreference.objects.select_for_update().get_or_create(user=actor)
    if preference.daily_digest == daily_digest:
        return preference  # choosing again is harmless
    preference.daily_digest = daily_digest
    preference.save(update_fields=["daily_digest", "updated_at"])
    audit_record(
        actor=actor,
        action="notification.preference_changed",
        details={"daily_digest": daily_digest},
    )
    return preference
