from rest_framework.routers import SimpleRouter

from .api import CategoryViewSet, InfoRequestViewSet, LegalBasisViewSet

router = SimpleRouter()
router.register("requests", InfoRequestViewSet, basename="request")
router.register("categories", CategoryViewSet, basename="category")
router.register("legal-bases", LegalBasisViewSet, basename="legal-basis")

api_urlpatterns = router.urls
