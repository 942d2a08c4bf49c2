"""The rules each assignment row guards itself: through full_clean() (what the admin, the API and the
importers call) and through the database's own constraints."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from specialists.assignments.models import IndustryAssignment, VillageAssignment
from tests import factories as f
from tests.assertions import clean_errors, refused_by_database

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english_messages")]

D = datetime.date


# Village assignments: one specialist's assignments to one village never overlap.

EXISTING = (D(2023, 3, 1), D(2023, 6, 30))


@pytest.fixture
def existing():
    return f.make_village_assignment(start_date=EXISTING[0], end_date=EXISTING[1])


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (D(2023, 6, 30), D(2023, 9, 30)),  # shares the last day
        (D(2023, 1, 1), D(2023, 3, 1)),  # shares the first day
        (D(2023, 4, 1), D(2023, 5, 1)),  # inside
        (D(2023, 1, 1), D(2023, 12, 31)),  # around
        (D(2023, 5, 1), None),  # open, starting inside
        (D(2023, 1, 1), None),  # open, starting before
    ],
)
def test_an_overlapping_assignment_is_refused_by_clean(existing, start, end):
    overlapping = VillageAssignment(specialist=existing.specialist, village=existing.village, start_date=start, end_date=end)

    with pytest.raises(ValidationError) as caught:
        overlapping.full_clean()
    assert caught.value.error_dict["__all__"][0].code == "overlap"


@pytest.mark.parametrize(
    ("start", "end"),
    [(D(2023, 7, 1), D(2023, 9, 30)), (D(2023, 7, 1), None), (D(2022, 1, 1), D(2023, 2, 28))],
    ids=["adjacent-after", "open-after", "adjacent-before"],
)
def test_an_adjacent_assignment_is_accepted(existing, start, end):
    VillageAssignment(specialist=existing.specialist, village=existing.village, start_date=start, end_date=end).full_clean()


def test_same_dates_are_fine_for_another_village_or_specialist(existing):
    VillageAssignment(specialist=existing.specialist, village=f.make_village(), start_date=EXISTING[0]).full_clean()
    VillageAssignment(specialist=f.make_specialist(), village=existing.village, start_date=EXISTING[0]).full_clean()


def test_an_assignment_does_not_overlap_itself(existing):
    existing.end_date = D(2023, 12, 31)
    existing.full_clean()


def test_a_closed_assignment_after_an_open_one_started_is_refused():
    open_one = f.make_village_assignment(start_date=D(2023, 3, 1))
    later = VillageAssignment(specialist=open_one.specialist, village=open_one.village, start_date=D(2024, 1, 1), end_date=D(2024, 2, 1))
    earlier = VillageAssignment(specialist=open_one.specialist, village=open_one.village, start_date=D(2022, 1, 1), end_date=D(2023, 2, 28))

    assert "__all__" in clean_errors(later)
    earlier.full_clean()


def test_the_database_refuses_a_second_open_ended_assignment():
    open_one = f.make_village_assignment(start_date=D(2023, 3, 1))
    second = VillageAssignment(specialist=open_one.specialist, village=open_one.village, start_date=D(2024, 1, 1))

    assert "This specialist already has an open-ended assignment to this village." in clean_errors(second)["__all__"]
    refused_by_database(second.save)


def test_an_assignment_cannot_end_before_it_starts(existing):
    village = f.make_village()
    backwards = VillageAssignment(specialist=existing.specialist, village=village, start_date=D(2023, 3, 1), end_date=D(2023, 2, 28))

    assert clean_errors(backwards)["end_date"] == ["The end date must not be before the start date."]
    refused_by_database(backwards.save)
    # One day long is a range, not a backwards one.
    VillageAssignment(specialist=existing.specialist, village=village, start_date=D(2023, 3, 1), end_date=D(2023, 3, 1)).full_clean()


def test_an_industry_assignment_cannot_end_before_it_starts():
    team, industry = f.make_team(), f.make_industry()
    backwards = IndustryAssignment(team=team, industry=industry, start_date=D(2023, 3, 1), end_date=D(2023, 2, 28))

    assert list(clean_errors(backwards)) == ["end_date"]
    refused_by_database(backwards.save)


def test_the_database_refuses_a_second_open_ended_industry_assignment():
    open_one = f.make_industry_assignment(start_date=D(2023, 3, 1))
    second = IndustryAssignment(team=open_one.team, industry=open_one.industry, start_date=D(2024, 1, 1))

    assert "This team already has an open-ended assignment to this industry." in clean_errors(second)["__all__"]
    refused_by_database(second.save)
