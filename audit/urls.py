"""Auditors' API, included by the project under api/v1/audit/."""

from django.urls import path

from . import api

urlpatterns = [
    path("events/", api.AuditEventListView.as_view(), name="audit-events"),
    path("events/<int:seq>/proof/", api.AuditEventProofView.as_view(), name="audit-event-proof"),
    path("exports/", api.AuditExportCreateView.as_view(), name="audit-exports"),
    path(
        "exports/<uuid:export_id>/", api.AuditExportDetailView.as_view(), name="audit-export-detail"
    ),
    path(
        "exports/<uuid:export_id>/download/",
        api.AuditExportDownloadView.as_view(),
        name="audit-export-download",
    ),
]
