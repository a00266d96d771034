from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Membership, Organization, User
from .services import membership_create, membership_delete, user_privileges_save


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "email", "is_active", "is_staff", "last_login"]
    # Role groups follow memberships (services); edited by hand they would grant object
    # permissions with no membership and no audit event, so they are shown, not edited.
    fieldsets = tuple(
        (
            name,
            {**options, "fields": tuple(f for f in options["fields"] if f != "user_permissions")},
        )
        for name, options in (
            *BaseUserAdmin.fieldsets,
            ("Relais", {"fields": ("language", "proconnect_last_login")}),
        )
    )
    readonly_fields = ["groups", "last_login", "date_joined", "proconnect_last_login"]

    def save_model(self, request, obj, form, change):
        user_privileges_save(user=obj, actor=request.user, created=not change)

    def save_formset(self, request, form, formset, change):
        """Memberships go through the service so that groups and the audit log follow."""
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        for membership in formset.deleted_objects:
            membership_delete(membership=membership, actor=request.user)
        for membership in instances:
            if membership.pk:
                old = Membership.objects.get(pk=membership.pk)
                membership_delete(membership=old, actor=request.user)
            membership_create(
                user=form.instance,
                organization=membership.organization,
                role=membership.role,
                actor=request.user,
            )
        return None


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "departement_code", "prefecture", "siret"]
    list_filter = ["kind"]
    search_fields = ["name", "code", "siret"]
    autocomplete_fields = ["prefecture"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role", "organization__kind"]
    search_fields = ["user__username", "organization__name", "organization__code"]
    autocomplete_fields = ["user", "organization"]

    def save_model(self, request, obj, form, change):
        if change:
            membership_delete(membership=Membership.objects.get(pk=obj.pk), actor=request.user)
        created = membership_create(
            user=obj.user, organization=obj.organization, role=obj.role, actor=request.user
        )
        obj.pk = created.pk

    def delete_model(self, request, obj):
        membership_delete(membership=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for membership in queryset:
            membership_delete(membership=membership, actor=request.user)
