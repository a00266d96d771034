"""A request's page and what is read from it (its form, its receipt): read for this user, and
recorded as who saw which request (`request.viewed`, `request.receipt_downloaded`) before it
is returned, as the API records it."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from audit.services import audit_record

from .. import rules
from ..models import (
    ClarificationMessage,
    DeadlineChange,
    DraftRemark,
    InfoRequest,
    InternalNote,
    ReminderStatus,
    Status,
)
from ..permissions import DRAFT, NOTES, perms_on
from ..receipts import receipt_pdf
from . import is_late, messages_of, notes_of, personal_reminders_of, remarks_of, timeline_of


def record_request_viewed(
    *, user: User, info_request: InfoRequest, via: str = "web", **details: Any
) -> None:
    """Who saw which request (its page, one of its forms, the API's detail)."""
    audit_record(
        actor=user,
        action="request.viewed",
        target=info_request,
        organization=info_request.commune,
        details={"via": via, **details},
    )


def request_page(*, user: User, info_request: InfoRequest) -> dict[str, Any]:
    """Everything the request's page shows, for this user: internal notes only to those who
    hold the notes permission (`notes` is None for the others), the mayor's remarks to the
    commune. `allowed`: the actions the rules open to this user now."""
    perms = perms_on(user, info_request)
    allowed = rules.allowed_actions(user, info_request, perms)
    show_notes = NOTES in perms
    remarks = list(remarks_of(info_request=info_request)) if DRAFT in perms else []
    thread = list(messages_of(info_request=info_request))
    notes = list(notes_of(info_request=info_request)) if show_notes else None
    page = {
        "info_request": info_request,
        "overdue": is_late(info_request),
        "allowed": allowed,
        "can_edit": "update" in allowed,
        "to_answer": "clarify" in allowed,
        "answer_late": info_request.status == Status.CLARIFICATION_REQUESTED
        and info_request.clarification_due is not None
        and info_request.clarification_due < timezone.localdate(),
        "thread": thread,
        "notes": notes,
        "remarks": remarks,
        "sent_back": info_request.status == Status.DRAFT
        and any(remark.addressed_at is None for remark in remarks),
        "timeline": timeline_of(info_request=info_request),
        "deadline_changes": list(
            DeadlineChange.objects.filter(info_request=info_request).select_related("actor")
        ),
        "has_receipt": info_request.submitted_at is not None,
        "my_reminders": list(
            personal_reminders_of(user=user, info_request=info_request).filter(
                status=ReminderStatus.PENDING
            )
        ),
    }
    record_request_viewed(
        user=user,
        info_request=info_request,
        messages=len(thread),
        notes=len(notes) if notes is not None else 0,
    )
    return page


def request_receipt_pdf(*, user: User, info_request: InfoRequest) -> bytes:
    """The acknowledgement of receipt (CRPA L.112-3, R.112-5) of a signed request, as a PDF,
    recorded as downloaded. The caller checks that the request was signed."""
    pdf = receipt_pdf(info_request=info_request)
    audit_record(
        actor=user,
        action="request.receipt_downloaded",
        target=info_request,
        organization=info_request.commune,
        details={"via": "web"},
    )
    return pdf


def _listed(*, user: User, info_request: InfoRequest, action: str, rows: list) -> list:
    audit_record(
        actor=user,
        action=action,
        target=info_request,
        organization=info_request.commune,
        details={"count": len(rows)},
    )
    return rows


def request_notes(*, user: User, info_request: InfoRequest) -> list[InternalNote]:
    """The internal notes (the caller checked the notes permission), recorded as read."""
    rows = list(notes_of(info_request=info_request))
    return _listed(user=user, info_request=info_request, action="note.listed", rows=rows)


def request_remarks(*, user: User, info_request: InfoRequest) -> list[DraftRemark]:
    """The mayor's remarks on the draft (the caller checked the draft permission), recorded."""
    rows = list(remarks_of(info_request=info_request))
    return _listed(user=user, info_request=info_request, action="remark.listed", rows=rows)


def request_messages(*, user: User, info_request: InfoRequest) -> list[ClarificationMessage]:
    """The clarification thread, recorded as read."""
    rows = list(messages_of(info_request=info_request))
    return _listed(user=user, info_request=info_request, action="message.listed", rows=rows)


def request_timeline(*, user: User, info_request: InfoRequest) -> list[dict]:
    """The request's recorded changes, read with its record in one transaction (the record
    joins the very log the timeline is read from)."""
    with transaction.atomic():
        rows = list(timeline_of(info_request=info_request))
        return _listed(
            user=user, info_request=info_request, action="request.timeline_viewed", rows=rows
        )
