"""The app's models, for Django to find: each is defined in the concept it belongs to, and code
imports it from there (`from specialists.imports.models import ImportJob  # noqa: F401
from specialists.people.models import Specialist`), never from here."""

from specialists.access.models import UserRole  # noqa: F401
from specialists.assignments.models import IndustryAssignment, VillageAssignment  # noqa: F401
from specialists.coverage.models import MapJob, VillageCoverageSpan  # noqa: F401
from specialists.fieldwork.models import (  # noqa: F401
    Achievement,
    AchievementEvidence,
    Countermeasure,
    Enterprise,
    IncomeIncrease,
    IndustryProblem,
    ServiceLog,
    ServiceLogPhoto,
)
from specialists.imports.models import ImportJob  # noqa: F401
from specialists.people.models import Honour, Organisation, Specialist, Team, TeamMembership  # noqa: F401
