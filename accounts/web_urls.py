"""The account pages under /compte/: ProConnect, the profile, the password pages, the
organisation's members. The second-factor and token pages live under /compte/securite/."""

from django.urls import path

from . import views_members, views_proconnect, views_profile

urlpatterns = [
    path("", views_profile.profile, name="profile"),
    path(
        "mot-de-passe/",
        views_profile.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "mot-de-passe/oublie/",
        views_profile.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "mot-de-passe/oublie/envoye/",
        views_profile.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "mot-de-passe/nouveau/<uidb64>/<token>/",
        views_profile.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "mot-de-passe/nouveau/termine/",
        views_profile.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("membres/", views_members.members_home, name="members-home"),
    path(
        "organisations/<int:organization_id>/membres/",
        views_members.member_list,
        name="members",
    ),
    path(
        "organisations/<int:organization_id>/membres/inviter/",
        views_members.member_invite_view,
        name="member-invite",
    ),
    path(
        "organisations/<int:organization_id>/membres/<int:user_id>/role/",
        views_members.member_role,
        name="member-role",
    ),
    path(
        "organisations/<int:organization_id>/membres/<int:user_id>/desactiver/",
        views_members.member_deactivate_view,
        name="member-deactivate",
    ),
    path(
        "proconnect/connexion/",
        views_proconnect.ProConnectLoginView.as_view(),
        name="proconnect-login",
    ),
    path(
        "proconnect/retour/",
        views_proconnect.ProConnectCallbackView.as_view(),
        name="proconnect-callback",
    ),
    path(
        "proconnect/deconnexion/",
        views_proconnect.proconnect_logout_callback,
        name="proconnect-logout-callback",
    ),
]
