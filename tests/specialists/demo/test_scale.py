"""The synthetic scales write every column the models require: a raw bulk insert does not get the
models' defaults, so a new required field must be added to the generator too."""

import pytest

from specialists.assignments.models import VillageAssignment
from specialists.demo import scale
from specialists.people.models import Organisation, Specialist
from villages.models import Village

pytestmark = pytest.mark.django_db


def test_a_small_synthetic_country_is_generated_whole():
    counts = scale.generate(villages=60, specialists=40, assignments=80)

    assert Village.objects.count() == 60
    assert Specialist.objects.count() == 40
    assert VillageAssignment.objects.count() == 80
    assert counts is not None
    # Every row passes its model's own checks, the columns a raw insert must fill included.
    for row in [*Organisation.objects.all()[:3], *Specialist.objects.all()[:3]]:
        row.full_clean(exclude=["mobile"])
