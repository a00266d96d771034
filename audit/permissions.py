"""Who may read the audit log, and the one fetch-and-check for exports."""

from __future__ import annotations

from django.http import Http404

from .models import AuditExport
from .selectors import audit_exports_visible_to, auditor_scope
from .services import audit_record


def scope_or_404(*, user, resource: str) -> list[str] | None:
    """The auditor's scope; anyone else gets the same 404 as for a missing page, recorded."""
    scope = auditor_scope(user=user)
    if scope is False:
        audit_record(
            actor=user, action="permission.denied", outcome="denied", details={"resource": resource}
        )
        raise Http404
    return scope


def get_export_for(*, user, export_id) -> AuditExport:
    """The export if the user may see it; 404 alike for missing and forbidden."""
    scope_or_404(user=user, resource="audit.export")
    export = audit_exports_visible_to(user=user).filter(pk=export_id).first()
    if export is None:
        audit_record(
            actor=user,
            action="permission.denied",
            outcome="not_found",
            details={"resource": "audit.export", "export": str(export_id)},
        )
        raise Http404
    return export
