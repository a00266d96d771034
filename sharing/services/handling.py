"""The prefecture's handling of a signed request: receipt, assignment, the decision, the
delivery of the answer, closing; deadlines moved by hand or passed in silence."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from accounts.models import PREFECTURE_ROLES, Membership, User

from .. import deadlines, rules
from ..exceptions import InvalidInput
from ..models import (
    RESOLUTIONS_TO_DELIVER,
    TRANSITIONS,
    AgreementStatus,
    DeadlineChange,
    DeliveryChannel,
    ExpiryPolicy,
    InfoRequest,
    ReasonCode,
    Resolution,
    Status,
)
from ..notifications import outbox
from ._common import (
    audit_request,
    begin,
    check_choice,
    check_text,
    local_today,
    lock,
    notify,
    record_due_change,
)

DECIDABLE_RESOLUTIONS = frozenset(Resolution) - {Resolution.IMPLICIT_REJECTION}


def _move(
    info_request: InfoRequest, actor: User, action: str, status: Status, stamp: str, event: str
) -> InfoRequest:
    """A transition that sets the status and the moment it happened (`stamp`), nothing else:
    recorded as `event` and told to whoever follows the request."""
    info_request, done = begin(info_request=info_request, actor=actor, action=action)
    if done:
        return info_request
    info_request.status = status
    setattr(info_request, stamp, timezone.now())
    info_request.save(update_fields=["status", stamp, "updated_at"])
    audit_request(actor=actor, action=event, info_request=info_request)
    notify(info_request)
    return info_request


@transaction.atomic
def info_request_acknowledge(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """Prefecture receipt (CRPA L.112-3); the acknowledgement deadline is met."""
    return _move(
        info_request,
        actor,
        "acknowledge",
        Status.ACKNOWLEDGED,
        "acknowledged_at",
        "request.acknowledged",
    )


@transaction.atomic
def info_request_assign(*, info_request: InfoRequest, actor: User, liaison: User) -> InfoRequest:
    """The prefecture admin gives the request to a liaison of the same prefecture, while
    there is work to do (not once the answer is delivered or the request closed)."""
    info_request = lock(info_request)
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
    audit_request(
        actor=actor, action="request.assigned", info_request=info_request, liaison=liaison.username
    )
    return info_request


@transaction.atomic
def info_request_take(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """A liaison of the request's prefecture takes it for themselves, unassigned or held by a
    colleague, while there is work to do; taking one's own again is harmless."""
    info_request = lock(info_request)
    rules.check(actor, "take", info_request)
    if info_request.assigned_to_id == actor.pk:
        return info_request
    previous = info_request.assigned_to
    info_request.assigned_to = actor
    info_request.save(update_fields=["assigned_to", "updated_at"])
    audit_request(
        actor=actor,
        action="request.taken",
        info_request=info_request,
        liaison=actor.username,
        previous=previous.username if previous else None,
    )
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
    check_choice(field="resolution", value=resolution, choices=DECIDABLE_RESOLUTIONS)
    if reason_code:
        check_choice(field="reason_code", value=reason_code, choices=ReasonCode.values)
    if resolution == Resolution.REFUSED and not reason_code:
        raise InvalidInput({"reason_code": "reason_code_required"})
    if resolution in {Resolution.GRANTED, Resolution.REDIRECTED} and reason_code:
        raise InvalidInput({"reason_code": "reason_code_unexpected"})
    for field, value in (
        ("procureur_agreement", procureur_agreement),
        ("intelligence_agreement", intelligence_agreement),
    ):
        if value is not None:
            check_choice(field=field, value=value, choices=AgreementStatus.values)
    if resolution in RESOLUTIONS_TO_DELIVER and AgreementStatus.DISAGREED in {
        procureur_agreement,
        intelligence_agreement,
    }:
        raise InvalidInput({"resolution": "agreement_refused"})
    remarks = check_text(
        field="remarks",
        text=remarks,
        max_length=InfoRequest.decision_remarks.field.max_length,
        required=False,
    )
    info_request, done = begin(info_request=info_request, actor=actor, action="decide")
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
    audit_request(
        actor=actor,
        action="request.decided",
        info_request=info_request,
        resolution=resolution,
        reason_code=reason_code,
        **due,
    )
    notify(info_request)
    return info_request


@transaction.atomic
def info_request_record_delivery(
    *, info_request: InfoRequest, actor: User, channel: str, delivered_on: date
) -> InfoRequest:
    """Records how and when the answer was given out of band; never what it said."""
    check_choice(field="channel", value=channel, choices=DeliveryChannel.values)
    if delivered_on > local_today():
        raise InvalidInput({"delivered_on": "delivery_in_future"})
    info_request, done = begin(info_request=info_request, actor=actor, action="record_delivery")
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
    audit_request(
        actor=actor,
        action="request.delivery_recorded",
        info_request=info_request,
        channel=channel,
        delivered_on=delivered_on.isoformat(),
    )
    notify(info_request)
    return info_request


@transaction.atomic
def info_request_close(*, info_request: InfoRequest, actor: User) -> InfoRequest:
    """Closes a delivered request, or a decided one that had nothing to deliver."""
    return _move(info_request, actor, "close", Status.CLOSED, "closed_at", "request.closed")


@transaction.atomic
def info_request_extend(
    *, info_request: InfoRequest, actor: User, new_due_date: date, reason: str
) -> InfoRequest:
    """Moves the running deadline later, with a reason kept beside it."""
    reason = check_text(
        field="reason", text=reason, max_length=DeadlineChange.reason.field.max_length
    )
    info_request = lock(info_request)
    rules.check(actor, "extend", info_request)
    field = rules.EXTENDABLE[info_request.status]
    old_date = getattr(info_request, field)
    if new_due_date == old_date:
        return info_request
    if old_date is not None and new_due_date < old_date:
        raise InvalidInput({"new_due_date": "extension_earlier"})
    if new_due_date <= local_today():
        raise InvalidInput({"new_due_date": "extension_not_future"})
    if new_due_date > deadlines.years_after(max(old_date or local_today(), local_today()), 1):
        raise InvalidInput({"new_due_date": "extension_too_far"})
    setattr(info_request, field, new_due_date)
    info_request.save(update_fields=[field, "updated_at"])
    change = record_due_change(
        info_request=info_request,
        field=field,
        old_date=old_date,
        new_date=new_due_date,
        reason=reason,
        actor=actor,
    )
    audit_request(
        actor=actor,
        action="request.extended",
        info_request=info_request,
        field=field,
        old_due_date=old_date.isoformat() if old_date else None,
        new_due_date=new_due_date.isoformat(),
        deadline_change=change.pk,
    )
    outbox.notify_deadline_change(info_request=info_request)
    return info_request


@transaction.atomic
def info_request_expire(*, info_request: InfoRequest, now: datetime | None = None) -> InfoRequest:
    """The decision deadline passed in silence: implicit rejection where the category says so,
    told to both sides. "Flag only" categories stay open and show as overdue."""
    today = local_today() if now is None else timezone.localdate(now)
    now = now or timezone.now()
    info_request = lock(info_request)
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
    audit_request(
        actor=None,
        action="request.expired",
        info_request=info_request,
        resolution=Resolution.IMPLICIT_REJECTION,
        decision_due=info_request.decision_due.isoformat(),
    )
    # Written by the sweep, perhaps at night: the e-mails wait for the business morning.
    outbox.notify_status_change(info_request=info_request, now=now, by_sweep=True)
    return info_request
