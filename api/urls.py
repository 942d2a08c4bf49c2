from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter
from rest_framework_simplejwt.views import TokenBlacklistView

from api import views
from api.access.auth import AccountTokenRefreshView, ThrottledTokenObtainPairView
from api.access.me import MeView
from api.assignments.views import IndustryAssignmentViewSet, VillageAssignmentViewSet
from api.coverage import views as coverage
from api.divisions.views import CountyViewSet, IndustryViewSet, TownViewSet, VillageViewSet
from api.imports.views import ImportExportView, ImportJobViewSet, ImportKindsView, ImportTemplateView
from api.fieldwork.views import AchievementViewSet, EnterpriseViewSet, ServiceLogViewSet
from api.people.views import OrganisationViewSet, SpecialistViewSet, TeamViewSet

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("counties", CountyViewSet, basename="county")
router.register("towns", TownViewSet, basename="town")
router.register("villages", VillageViewSet, basename="village")
router.register("industries", IndustryViewSet, basename="industry")
router.register("organisations", OrganisationViewSet, basename="organisation")
router.register("specialists", SpecialistViewSet, basename="specialist")
router.register("teams", TeamViewSet, basename="team")
router.register("village-assignments", VillageAssignmentViewSet, basename="village-assignment")
router.register("industry-assignments", IndustryAssignmentViewSet, basename="industry-assignment")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("service-logs", ServiceLogViewSet, basename="service-log")
router.register("achievements", AchievementViewSet, basename="achievement")
router.register("map-jobs", coverage.MapJobViewSet, basename="map-job")
router.register("imports", ImportJobViewSet, basename="import")

urlpatterns = [
    path("auth/token/", ThrottledTokenObtainPairView.as_view(), name="token"),
    path("auth/token/refresh/", AccountTokenRefreshView.as_view(), name="token-refresh"),
    path("auth/logout/", TokenBlacklistView.as_view(), name="logout"),
    path("me/", MeView.as_view(), name="me"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Map and coverage reads (api/coverage/). Division codes are digits only, so "geojson" never clashes with a detail route.
    path("villages/geojson/", coverage.VillageGeoJSONView.as_view(), name="village-geojson"),
    path("towns/geojson/", coverage.TownGeoJSONView.as_view(), name="town-geojson"),
    path("counties/geojson/", coverage.CountyGeoJSONView.as_view(), name="county-geojson"),
    re_path(r"^villages/(?P<code>[0-9]+)/suggestions/$", coverage.VillageSuggestionView.as_view(), name="village-suggestions"),
    path("coverage/summary/", coverage.CoverageSummaryView.as_view(), name="coverage-summary"),
    path("coverage/gaps/", coverage.CoverageGapView.as_view(), name="coverage-gaps"),
    path("coverage/gaps/export/", coverage.CoverageGapExportView.as_view(), name="coverage-gaps-export"),
    path("coverage/industries/", coverage.IndustryMatrixView.as_view(), name="coverage-industries"),
    # Imports (api/imports/): the kinds, their templates and exports; the jobs are routed below.
    path("imports/kinds/", ImportKindsView.as_view(), name="import-kinds"),
    re_path(r"^imports/kinds/(?P<kind>[a-z_]+)/template/$", ImportTemplateView.as_view(), name="import-template"),
    re_path(r"^imports/kinds/(?P<kind>[a-z_]+)/export/$", ImportExportView.as_view(), name="import-export"),
    path("", include(router.urls)),
    # Last: any other path here answers the JSON 404, under DEBUG too, and a route's address without
    # its final slash is redirected (views.unknown_api_path). Every path, with a slash or not: were a
    # slashless one left to APPEND_SLASH, a POST to it would be a 500 under DEBUG. A plain view, so
    # never in the schema.
    re_path(r"^.*$", views.unknown_api_path, name="not-found"),
]
