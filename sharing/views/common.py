"""What every web view shares: the fetch-and-check with its audit trail, and the one way to
render a refusal. Views parse input, call one service or selector, render."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from audit.services import audit_record

from ..models import InfoRequest
from ..permissions import VIEW, get_request_for
from ..screening import reference_for_audit


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
