"""Per-request operations: one structured log line and the request metrics.

The line carries identifiers, codes and numbers only: the request id, the method, the route's
pattern (never the path a user typed, nor its query string), the status, the duration and the
user's id. Probes of the health and metrics endpoints are counted but not logged.
"""

from __future__ import annotations

import logging
import time

from django.utils.functional import empty

from . import metrics

logger = logging.getLogger("relais.requests")

UNMATCHED = "<unmatched>"
QUIET_ROUTES = frozenset({"healthz", "readyz", "metrics"})
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request) -> str:
    """The URL pattern that served the request (e.g. `api/v1/requests/<reference>/`)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return UNMATCHED
    return match.route or match.view_name or UNMATCHED


def user_id_of(request) -> int | None:
    """The user's id when the request already resolved it; never a query of its own."""
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        duration = time.perf_counter() - started
        route = route_of(request)
        method = request.method if request.method in _METHODS else "OTHER"
        metrics.observe_request(
            method=method, route=route, status=response.status_code, seconds=duration
        )
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name not in QUIET_ROUTES:
            logger.info(
                "request",
                extra={
                    "request_id": getattr(request, "request_id", None),
                    "method": method,
                    "route": route,
                    "view": match.view_name if match else None,
                    "status": response.status_code,
                    "duration_ms": round(duration * 1000, 1),
                    "user_id": user_id_of(request),
                },
            )
        return response
