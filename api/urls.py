from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from api import views

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("counties", views.CountyViewSet, basename="county")
router.register("towns", views.TownViewSet, basename="town")
router.register("villages", views.VillageViewSet, basename="village")
router.register("industries", views.IndustryViewSet, basename="industry")
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("specialists", views.SpecialistViewSet, basename="specialist")
router.register("teams", views.TeamViewSet, basename="team")
router.register("village-assignments", views.VillageAssignmentViewSet, basename="village-assignment")
router.register("industry-assignments", views.IndustryAssignmentViewSet, basename="industry-assignment")
router.register("enterprises", views.EnterpriseViewSet, basename="enterprise")
router.register("service-logs", views.ServiceLogViewSet, basename="service-log")

urlpatterns = [
    path("auth/token/", TokenObtainPairView.as_view(), name="token"),
    path("auth/token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("auth/logout/", TokenBlacklistView.as_view(), name="logout"),
    path("me/", views.MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("", include(router.urls)),
]
