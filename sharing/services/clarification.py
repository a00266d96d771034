"""The exchange of a clarification: the prefecture asks the commune for precisions and
stops the decision clock; the commune's answer restarts it."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import User

from .. import deadlines
from ..exceptions import InvalidInput
from ..models import Author, ClarificationMessage, InfoRequest, Status
from ._common import audit_request, begin, check_text, local_today, notify, record_due_change


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
    message = check_text(
        field="message", text=message, max_length=ClarificationMessage.text.field.max_length
    )
    info_request, done = begin(
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
    audit_request(
        actor=actor,
        action="request.clarification_requested",
        info_request=info_request,
        decision_days_remaining=info_request.decision_days_remaining,
        clarification_due=info_request.clarification_due.isoformat(),
    )
    notify(info_request)
    return info_request


@transaction.atomic
def info_request_clarify(*, info_request: InfoRequest, actor: User, message: str) -> InfoRequest:
    """The commune answers; the decision clock resumes with the business days it had left."""
    message = check_text(
        field="message", text=message, max_length=ClarificationMessage.text.field.max_length
    )
    info_request, done = begin(
        info_request=info_request, actor=actor, action="clarify", repeatable=False
    )
    if done:
        return info_request
    today = local_today()
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
        change = record_due_change(
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
    audit_request(actor=actor, action="request.clarified", info_request=info_request, **details)
    notify(info_request)
    return info_request
