from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from .api import CategoryViewSet, InfoRequestViewSet, LegalBasisViewSet
from .notifications_api import (
    NotificationViewSet,
    PersonalReminderCancelView,
    PersonalRemindersView,
)

REFERENCE = r"(?P<reference>[0-9AB]{5}-[0-9]{4}-[0-9]{4,})"

router = SimpleRouter()
router.register("requests", InfoRequestViewSet, basename="request")
router.register("categories", CategoryViewSet, basename="category")
router.register("legal-bases", LegalBasisViewSet, basename="legal-basis")
router.register("notifications", NotificationViewSet, basename="notification")

api_urlpatterns = [
    re_path(
        rf"^requests/{REFERENCE}/reminders/$",
        PersonalRemindersView.as_view(),
        name="request-reminders",
    ),
    path(
        "requests/<str:reference>/reminders/<int:pk>/cancel/",
        PersonalReminderCancelView.as_view(),
        name="request-reminder-cancel",
    ),
    *router.urls,
]
