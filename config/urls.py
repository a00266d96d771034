from django.contrib import admin
from django.urls import include, path

from accounts import api as accounts_api
from accounts import api_security
from config.schema import DocsView, SchemaView
from sharing import urls as sharing_urls

api_v1 = [
    path("auth/token/", api_security.TokenView.as_view(), name="auth-token"),
    path(
        "auth/reauthenticate/",
        api_security.ReauthenticateView.as_view(),
        name="auth-reauthenticate",
    ),
    path("tokens/", api_security.TokenListView.as_view(), name="token-list"),
    path("tokens/<int:token_id>/", api_security.TokenDetailView.as_view(), name="token-detail"),
    path("me/", accounts_api.MeView.as_view(), name="me"),
    path("organizations/", accounts_api.OrganizationListView.as_view(), name="organization-list"),
    *sharing_urls.api_urlpatterns,
    path("audit/", include("audit.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"))),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", DocsView.as_view(url_name="schema"), name="api-docs"),
    path("", include("ops.urls")),
    path("compte/securite/", include("accounts.security_urls")),
    path("", include("sharing.web_urls")),
]

# Under /api/ Django's own answers are JSON too (config/api.py); elsewhere its pages.
handler400 = "config.api.handler400"
handler403 = "config.api.handler403"
handler404 = "config.api.handler404"
# A database or connection failure under a request answers 503 with Retry-After, not 500.
handler500 = "ops.views.server_error"
