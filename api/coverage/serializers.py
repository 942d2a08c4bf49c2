"""Shapes of coverage: the summary, the gaps, the industry matrix, suggestions and map jobs."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.coverage.params import AT_RISK, UNCOVERED, DayField
from api.scoping import ScopedRelatedFields
from api.refs import CountyRefSerializer, OrganisationRefSerializer, TownRefSerializer, VillageRefSerializer
from specialists.coverage.models import MapJob
from villages.models import City, County, Province, Town


class VillageTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text=_("Administrative villages (communities are not counted)."))
    covered = serializers.IntegerField(help_text=_("Served by an active specialist on the day (at-risk ones included)."))
    uncovered = serializers.IntegerField()
    at_risk = serializers.IntegerField(help_text=_("Covered, but every assignment serving it ends within the at-risk window."))
    rate = serializers.FloatField(help_text=_("covered / total, 4 decimals; 1.0 where there are no villages."))


class IndustryTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text=_("Key industries to cover."))
    covered = serializers.IntegerField(help_text=_("Key industries a running team assignment covers everywhere they are key."))
    uncovered = serializers.IntegerField()
    rate = serializers.FloatField()


class PlaceSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["all", "province", "city", "county", "town"], help_text=_("all: everything in your scope."))
    code = serializers.CharField(help_text=_("The division's code; empty for all."))
    name = serializers.CharField(help_text=_("The division's name; for all, the narrowest division that holds it all."))


class CityCoverageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    villages = VillageTotalsSerializer()
    industries = IndustryTotalsSerializer(help_text=_("Coverage of the key industries of this city."))


class CountyCoverageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    city = serializers.CharField(help_text=_("Prefecture-level city code."))
    villages = VillageTotalsSerializer()
    industries = IndustryTotalsSerializer(help_text=_("Coverage of the key industries of this county-level unit."))


class TownCoverageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    county = serializers.CharField(help_text=_("County-level unit code."))
    villages = VillageTotalsSerializer()


class CoverageSummarySerializer(serializers.Serializer):
    as_of = serializers.DateField()
    place = PlaceSerializer(help_text=_("The place summarised."))
    county = CountyRefSerializer(allow_null=True, help_text=_("The county-level unit summarised; null for a wider place."))
    at_risk_days = serializers.IntegerField()
    villages = VillageTotalsSerializer()
    industries = IndustryTotalsSerializer()
    dual_coverage = serializers.BooleanField(help_text=_("No uncovered village and no uncovered key industry."))
    cities = CityCoverageSerializer(many=True, help_text=_("Per prefecture-level city, for a province or wider; else empty."))
    counties = CountyCoverageSerializer(many=True)
    towns = TownCoverageSerializer(many=True, help_text=_("Per town: given a county-level unit (or a county role), or with by=town; else empty."))


class CoverageIndustrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class GapSerializer(serializers.Serializer):
    """One gap: a village (uncovered or at risk), or a key industry no team covers in a county-level unit."""

    kind = serializers.ChoiceField(choices=[UNCOVERED, AT_RISK, "industry"])
    village = VillageRefSerializer(allow_null=True, help_text=_("Null for an industry gap."))
    town = TownRefSerializer(allow_null=True, help_text=_("Null for an industry gap."))
    county = CountyRefSerializer(allow_null=True, help_text=_("Null for a city key industry, which is covered city-wide."))
    last_end_date = serializers.DateField(allow_null=True, help_text=_("At risk: the last day the serving assignments run."))
    industry = CoverageIndustrySerializer(allow_null=True, help_text=_("Null for a village gap."))


class CoverageTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class IndustryCellSerializer(serializers.Serializer):
    county = CountyRefSerializer(allow_null=True, help_text=_("Null: a city key industry, covered city-wide."))
    industry = CoverageIndustrySerializer()
    covered = serializers.BooleanField()
    teams = CoverageTeamSerializer(many=True, help_text=_("Running team assignments that cover it and that you may see."))


class IndustryMatrixSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    county = CountyRefSerializer(allow_null=True)
    counties = CountyRefSerializer(many=True, help_text=_("The matrix's county-level units, by code."))
    industries = CoverageIndustrySerializer(many=True, help_text=_("The matrix's key industries, by name."))
    rows = IndustryCellSerializer(many=True, help_text=_("One per key industry and county-level unit where it is key, "
                                                         "and one per city key industry (county null) in the city's view."))


class SuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    organisation = OrganisationRefSerializer(help_text=_("The dispatching organisation."))
    distance_m = serializers.FloatField(allow_null=True, help_text=_("Metres (EPSG:4548) to the village's point; null when unknown."))
    distance_from = serializers.ChoiceField(
        choices=["home", "village"], allow_null=True,
        help_text=_("Measured from the specialist's home base, or from the nearest village they serve on the day."),
    )
    running_villages = serializers.IntegerField(help_text=_("Villages the specialist serves on the day."))
    matches_expertise = serializers.BooleanField(help_text=_("Expertise in a key industry of the village's county-level unit or of the city."))


class MapJobSerializer(ScopedRelatedFields, serializers.ModelSerializer):
    """A map job: what to map (asked for with kind, format, as_of and the place: province, city, county,
    town) and how far it got. The divisions named are drawn from your scope (api.scoping).

    One serializer both ways, so that the request and the answer share their kind and format enums.
    """

    as_of = DayField(required=False, help_text=_("The day the map shows (2000 to 2100); today when not given."))
    province = serializers.SlugRelatedField(
        slug_field="code", queryset=Province.objects.none(), required=False, allow_null=True,
        help_text=_("Code of a province in your scope: a map of that province."),
    )
    province_name = serializers.CharField(source="province.name", read_only=True, allow_null=True, default=None)
    city = serializers.SlugRelatedField(
        slug_field="code", queryset=City.objects.none(), required=False, allow_null=True,
        help_text=_("Code of a prefecture-level city in your scope: a map of that city (the industry map is of one city)."),
    )
    city_name = serializers.CharField(source="city.name", read_only=True, allow_null=True, default=None)
    county = serializers.SlugRelatedField(
        slug_field="code", queryset=County.objects.none(), required=False, allow_null=True,
        help_text=_("Code of a county-level unit in your scope; a county role's maps are of its own unit without it."),
    )
    county_name = serializers.CharField(source="county.name", read_only=True, allow_null=True, default=None)
    town = serializers.SlugRelatedField(
        slug_field="code", queryset=Town.objects.none(), required=False, allow_null=True,
        help_text=_("Code of a town in your scope: a map of that town."),
    )
    town_name = serializers.CharField(source="town.name", read_only=True, allow_null=True, default=None)
    error = serializers.SerializerMethodField(help_text=_("Why the job failed; null unless it failed."))
    download_url = serializers.SerializerMethodField(help_text=_("Where to fetch the file; null until the job is done."))

    class Meta:
        model = MapJob
        fields = ["id", "kind", "format", "as_of", "province", "province_name", "city", "city_name", "county", "county_name",
                  "town", "town_name", "status", "progress", "error", "created_at", "finished_at", "download_url"]
        read_only_fields = ["status", "progress", "created_at", "finished_at"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_error(self, job):
        return (job.error or None) if job.status == MapJob.Status.FAILED else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, job):
        if job.status != MapJob.Status.DONE:
            return None
        return self.context["request"].build_absolute_uri(reverse("api:map-job-download", kwargs={"pk": job.pk}))


# The content types of the formats, as villages.maps.CONTENT_TYPES has them (a test keeps the two the
# same): named here so that this module does not import matplotlib.
MAP_CONTENT_TYPES = ("image/png", "image/svg+xml", "application/pdf", "application/geo+json", "application/geopackage+sqlite3",
                     "application/zip")
