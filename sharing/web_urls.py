"""The web interface's routes, included at the site root by config/urls.py."""

from django.urls import include, path, re_path

from accounts import views as accounts_views
from audit import views as audit_views

from .views import (
    actions,
    bulk,
    cover,
    delegations,
    message_templates,
    notifications,
    pages,
    requests,
    saved,
    stats,
    team,
)

REFERENCE = r"(?P<reference>[0-9AB]{5}-[0-9]{4}-[0-9]{4,})"

urlpatterns = [
    path("", pages.home, name="home"),
    path("connexion/", accounts_views.LoginView.as_view(), name="login"),
    path("deconnexion/", accounts_views.LogoutView.as_view(), name="logout"),
    path("langue/setlang/", accounts_views.set_language, name="set_language"),
    path("compte/", include("accounts.web_urls")),
    path("demandes/", requests.request_list, name="requests"),
    path("demandes/nouvelle/", requests.request_create, name="request-create"),
    path("demandes/vues/", saved.saved_view_list, name="saved-views"),
    path(
        "demandes/vues/<int:view_id>/supprimer/", saved.saved_view_remove, name="saved-view-delete"
    ),
    path("demandes/action-groupee/", bulk.request_bulk, name="requests-bulk"),
    re_path(rf"^demandes/{REFERENCE}/$", requests.request_detail, name="request-detail"),
    re_path(rf"^demandes/{REFERENCE}/modifier/$", requests.request_edit, name="request-edit"),
    re_path(
        rf"^demandes/{REFERENCE}/accuse-de-reception\.pdf$",
        requests.request_receipt,
        name="request-receipt",
    ),
    re_path(
        rf"^demandes/{REFERENCE}/(?P<action>[a-z-]+)/$",
        actions.request_action,
        name="request-action",
    ),
    path("delegations/", delegations.delegation_list, name="delegations"),
    path(
        "delegations/<int:pk>/revoquer/",
        delegations.delegation_revoke,
        name="delegation-revoke",
    ),
    path("remplacements/", cover.cover_list, name="covers"),
    path("remplacements/<int:pk>/terminer/", cover.cover_end, name="cover-end"),
    path("modeles/", message_templates.template_list, name="message-templates"),
    path("modeles/<int:pk>/", message_templates.template_edit, name="message-template-edit"),
    path(
        "modeles/<int:pk>/supprimer/",
        message_templates.template_delete,
        name="message-template-delete",
    ),
    path("equipe/", team.team, name="team"),
    path("equipe/<str:username>/reassigner/", team.team_reassign, name="team-reassign"),
    path("statistiques/", stats.stats, name="stats"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/lue/",
        notifications.notification_mark_read,
        name="notification-mark-read",
    ),
    path(
        "notifications/preference/",
        notifications.notification_preference,
        name="notification-preference",
    ),
    path(
        "notifications/lues/",
        notifications.notifications_mark_read,
        name="notifications-mark-read",
    ),
    path("audit/journal/", audit_views.audit_log, name="audit-log"),
    path("audit/exports/", audit_views.export_list, name="audit-export-list"),
    path("audit/exports/<uuid:export_id>/", audit_views.export_page, name="audit-export-page"),
    path(
        "audit/exports/<uuid:export_id>/telecharger/",
        audit_views.export_file,
        name="audit-export-file",
    ),
    path("audit/integrite/", audit_views.integrity, name="audit-integrity"),
    path(
        "accessibilite/",
        pages.StaticPage.as_view(template_name="pages/accessibility.html"),
        name="accessibility",
    ),
    path(
        "mentions-legales/",
        pages.StaticPage.as_view(template_name="pages/legal_notice.html"),
        name="legal-notice",
    ),
    path(
        "donnees-personnelles/",
        pages.StaticPage.as_view(template_name="pages/personal_data.html"),
        name="personal-data",
    ),
]
