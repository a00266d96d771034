"""What every web view shares: the fetch-and-check with its audit trail, and the one way to
render a refusal. Views parse input, call one service or selector, render."""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import render
from django.utils.translation import get_language

from audit.services import audit_record

from ..forms import NoteForm
from ..models import InfoRequest
from ..permissions import VIEW, get_request_for
from ..screening import reference_for_audit
from ..selectors.request_page import request_page


def endpoint_of(request: HttpRequest) -> str:
    match = request.resolver_match
    return f"web:{match.url_name}" if match and match.url_name else "web"


def audit_denied(request: HttpRequest, *, action: str, reference: str = "") -> None:
    """A not-found or a refusal, recorded outside the transaction that was rolled back."""
    audit_record(
        actor=request.user,
        action=action,
        outcome="denied",
        details={"reference": reference_for_audit(reference), "endpoint": endpoint_of(request)},
    )


def fetch(request: HttpRequest, reference: str, perm: str = VIEW) -> InfoRequest:
    """`get_request_for`, the API's own fetch-and-check: missing and forbidden both 404,
    and both are recorded."""
    try:
        return get_request_for(user=request.user, reference=reference, perm=perm)
    except Http404:
        audit_denied(request, action="request.not_found", reference=reference)
        raise


def render_detail(
    request: HttpRequest,
    info_request: InfoRequest,
    *,
    status: int = 200,
    note_form: NoteForm | None = None,
    **extra,
):
    """The request's page (read and recorded as seen by `request_page`), with the actions the
    rules allow as buttons, and the form for a note to those who may write one."""
    from .actions import available_actions  # the actions' pages render through this module

    page = request_page(user=request.user, info_request=info_request)
    context = {
        **page,
        "actions": available_actions(page["allowed"]),
        "note_form": note_form or (NoteForm() if page["notes"] is not None else None),
        "english": get_language() == "en",
        **extra,
    }
    return render(request, "sharing/request_detail.html", context, status=status)


def render_conflict(request: HttpRequest, info_request: InfoRequest):
    """A forbidden transition: the request moved on meanwhile; show where it stands (409)."""
    return render_detail(request, info_request, status=409, conflict=True)
