from django.contrib import admin
from django.contrib.admin.utils import unquote

from audit.services import audit_record

from .models import Category, InfoRequest, LegalBasis


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "acknowledgement_days",
        "decision_months",
        "expiry_policy",
        "active",
    ]
    list_editable = ["active"]
    filter_horizontal = ["legal_bases"]
    search_fields = ["code", "name"]


@admin.register(LegalBasis)
class LegalBasisAdmin(admin.ModelAdmin):
    list_display = ["code", "citation", "active"]
    list_editable = ["active"]
    search_fields = ["code", "citation", "title"]


@admin.register(InfoRequest)
class InfoRequestAdmin(admin.ModelAdmin):
    """Read-only: requests change only through their lifecycle services. Views are audited."""

    list_display = ["reference", "commune", "prefecture", "category", "status", "resolution"]
    list_filter = ["status", "resolution", "category"]
    search_fields = ["reference"]
    list_select_related = ["commune", "prefecture", "category"]
    # The purpose is substance: platform staff see the status, not the wording.
    exclude = ["purpose", "decision_remarks", "withdraw_reason"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The admin's own lookup: an id that is no number is no request (it answered 500).
        info_request = self.get_object(request, unquote(object_id))
        if info_request is not None:
            audit_record(
                actor=request.user,
                action="request.viewed",
                target=info_request,
                organization=info_request.commune,
                details={"via": "admin"},
            )
        return super().change_view(request, object_id, form_url, extra_context)
