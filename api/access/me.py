"""`/api/v1/me/`: everything a phone needs about its signed-in user in one call."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fieldwork.serializers import AchievementSerializer, ServiceLogSerializer
from api.people.serializers import SpecialistSerializer, TeamSerializer
from api.refs import CountyRefSerializer, TownRefSerializer
from specialists.access import scope as access
from specialists.assignments.selectors import village_assignments_for
from specialists.fieldwork.selectors import achievements_for, service_logs_for
from specialists.people.selectors import specialists_for, teams_for

RECENT = 10  # logs and achievements a phone shows on its first screen


class ScopePlaceSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=["all", "province", "city", "county"], help_text=_("all: the whole deployment."))
    code = serializers.CharField()
    name = serializers.CharField()


class ScopeSerializer(serializers.Serializer):
    city_wide = serializers.BooleanField(help_text=_("Not limited to one county-level unit."))
    county = CountyRefSerializer(allow_null=True)
    place = ScopePlaceSerializer(help_text=_("The division the role is limited to; all for the whole deployment and for a specialist."))
    can_write = serializers.BooleanField(
        help_text=_("Whether the user writes the shared records (assignments, reviews): coordinators. A specialist "
                    "still records their own service logs and achievements."),
    )


class MeVillageSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    town = TownRefSerializer()
    county = CountyRefSerializer()
    start_date = serializers.DateField()
    end_date = serializers.DateField(allow_null=True)


class MeSerializer(serializers.Serializer):
    """The signed-in user: role and scope, and for a specialist their profile, villages, teams and recent work."""

    username = serializers.CharField()
    role = serializers.CharField(allow_null=True)
    scope = ScopeSerializer()
    specialist = SpecialistSerializer(allow_null=True)
    villages = MeVillageSerializer(many=True, help_text=_("The villages the specialist serves today."))
    teams = TeamSerializer(many=True)
    recent_logs = ServiceLogSerializer(many=True, help_text=_("The specialist's ten latest service logs."))
    recent_achievements = AchievementSerializer(many=True, help_text=_("The specialist's ten latest achievements."))


class MeView(APIView):
    """The signed-in user's role and scope; for a specialist also their profile, today's villages,
    teams, and latest service logs and achievements."""

    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        scope = access.scope_for(request.user)
        body = {
            "username": request.user.get_username(),
            "role": scope.role,
            "scope": {"city_wide": scope.is_city_wide, "county": scope.county, "place": scope.place.as_dict(), "can_write": scope.can_write},
            "specialist": None,
            "villages": [],
            "teams": [],
            "recent_logs": [],
            "recent_achievements": [],
        }
        if scope.is_specialist:
            user = request.user
            body["specialist"] = specialists_for(user).get()
            running = village_assignments_for(user).running_on(timezone.localdate()).order_by("village__code")
            body["villages"] = [
                {
                    "code": a.village.code, "name": a.village.name, "town": a.village.town, "county": a.village.town.county,
                    "start_date": a.start_date, "end_date": a.end_date,
                }
                for a in running
            ]
            body["teams"] = list(teams_for(user))
            body["recent_logs"] = list(service_logs_for(user).order_by("-occurred_at", "-id")[:RECENT])
            body["recent_achievements"] = list(achievements_for(user).order_by("-submitted_at", "-id")[:RECENT])
        return Response(MeSerializer(body, context={"request": request}).data)
