"""The audit API mounted where the project mounts it, for tests that run before the wiring."""

from django.urls import include, path

urlpatterns = [path("api/v1/audit/", include("audit.urls"))]
