from axes.models import AccessAttempt
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm

from .models import Membership, Organization, PersonalAccessToken, User
from .security_services import lockout_lift, second_factor_reset, token_revoke, tokens_revoke_all
from .services import membership_create, membership_delete, person_name, user_privileges_save


class UserForm(UserChangeForm):
    """A name is letters here too, as on the invitation and the profile: whatever else was
    typed would be shown wherever the person's name is (accounts.services.person_name)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name"):
            self.fields[name].validators.append(person_name)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]
    readonly_fields = ["created_at"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = UserForm
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
    actions = ["reset_second_factor", "revoke_tokens"]

    @admin.action(description="Réinitialiser le second facteur (appareil perdu)")
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            second_factor_reset(user=user, actor=request.user)
        messages.success(request, f"Second facteur réinitialisé pour {queryset.count()} compte(s).")

    @admin.action(description="Révoquer tous les jetons d'API")
    def revoke_tokens(self, request, queryset):
        revoked = sum(
            tokens_revoke_all(user=user, actor=request.user, reason="administrator")
            for user in queryset
        )
        messages.success(request, f"{revoked} jeton(s) révoqué(s).")

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


@admin.register(PersonalAccessToken)
class PersonalAccessTokenAdmin(admin.ModelAdmin):
    """Seen and revoked here, never created nor edited: only the digest is stored."""

    list_display = [
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["second_factor"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = [f.name for f in PersonalAccessToken._meta.fields]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Révoquer")
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(token=token, actor=request.user)


# django-axes' own admin is turned off (AXES_ENABLE_ADMIN): deleting an attempt there would
# lift a lockout with no audit event.
@admin.register(AccessAttempt)
class AccessAttemptAdmin(admin.ModelAdmin):
    """Failed sign-in attempts; deleting lifts the lockout (audited)."""

    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "path_info"]
    search_fields = ["username", "ip_address"]
    readonly_fields = [
        "username",
        "ip_address",
        "user_agent",
        "path_info",
        "failures_since_start",
        "attempt_time",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        lockout_lift(
            username=obj.username or "", ip_address=obj.ip_address or "", actor=request.user
        )

    def delete_queryset(self, request, queryset):
        for attempt in queryset:
            self.delete_model(request, attempt)
