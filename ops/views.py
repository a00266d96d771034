"""Endpoints for load balancers, orchestrators and the monitor, and the answer a request gets
when the database or the broker is away for a moment."""

from __future__ import annotations

import sys

from django.contrib.auth.decorators import login_not_required
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.template import loader
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.defaults import server_error as default_server_error
from health_check.views import HealthCheckView

from . import metrics
from .health import readiness_checks

RETRY_AFTER_SECONDS = 5


@login_not_required
@never_cache
def liveness(request):
    """The process answers; nothing else is checked (a restart would not mend a database)."""
    return HttpResponse("ok\n", content_type="text/plain")


@method_decorator(login_not_required, name="dispatch")
class ReadinessView(HealthCheckView):
    """Ready to take traffic: database, broker, migrations, signing key. A failed check answers
    503, which load balancers and orchestrators read as "not now"."""

    def get_checks(self):
        self.checks = readiness_checks()
        return super().get_checks()

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:
            response.status_code = 503
            response.reason_phrase = "Service Unavailable"
        return response


@login_not_required
@never_cache
def metrics_view(request):
    if not metrics.allowed(request):
        return HttpResponseNotFound()
    return HttpResponse(
        metrics.exposition(), content_type="text/plain; version=0.0.4; charset=utf-8"
    )


def server_error(request, *args, **kwargs):
    """handler500: a database or connection that failed under a request is unavailability, not
    a bug: 503 with Retry-After (JSON on the API, a page on the web); anything else the usual
    500."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, (OperationalError, InterfaceError)):
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": "Erreur interne.", "code": "server_error"}, status=500)
        return default_server_error(request, *args, **kwargs)
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {"detail": "Service momentanément indisponible.", "code": "unavailable"}, status=503
        )
    else:
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
