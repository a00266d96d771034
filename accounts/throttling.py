"""DRF throttles that every worker shares (the "shared" cache: Redis, or a database table),
keyed by the client's address as the audit log reads it."""

from django.core.cache import caches
from rest_framework.throttling import ScopedRateThrottle

from .lockout import client_address


class SharedScopedRateThrottle(ScopedRateThrottle):
    @property
    def cache(self):
        return caches["shared"]

    def get_ident(self, request):
        return client_address(request) or "unknown"
