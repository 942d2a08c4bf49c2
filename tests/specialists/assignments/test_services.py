"""Handing a village to another specialist: both rows or neither, once, even at the same time."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from specialists.assignments.services import AssignmentAlreadyEnded, village_assignment_end, village_assignment_reassign
from specialists.assignments.models import VillageAssignment
from tests import factories as f
from tests.concurrency import at_once


@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_coordinators_handing_on_one_village_at_once_make_one_successor():
    current = f.make_village_assignment()
    successors = [f.make_specialist(), f.make_specialist()]

    results, failures = at_once(2, lambda i: village_assignment_reassign(
        assignment=current, specialist=successors[i], start_date=datetime.date(2024, 7, 1),
    ))

    # The current row is locked before it is read: the second one sees it ended and writes nothing.
    assert len(results) == 1
    assert len(failures) == 1 and isinstance(failures[0], AssignmentAlreadyEnded), failures
    assert failures[0].end_date == datetime.date(2024, 6, 30)
    running = VillageAssignment.objects.filter(village=current.village, end_date=None)
    assert list(running.values_list("specialist", flat=True)) == [results[0].specialist_id]
    assert VillageAssignment.objects.filter(village=current.village).count() == 2
    assert connection.vendor == "postgresql"


@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_an_end_and_a_handover_of_one_assignment_at_once_leave_exactly_one_of_them():
    current = f.make_village_assignment()
    successor = f.make_specialist()
    writes = [
        lambda: village_assignment_end(assignment=current, end_date=datetime.date(2024, 5, 31)),
        lambda: village_assignment_reassign(assignment=current, specialist=successor, start_date=datetime.date(2024, 7, 1)),
    ]

    results, failures = at_once(2, lambda i: writes[i]())

    # Whichever came second found the row changed under its lock and wrote nothing.
    assert len(results) == 1
    assert len(failures) == 1 and isinstance(failures[0], AssignmentAlreadyEnded), failures
    current.refresh_from_db()
    handed_over = VillageAssignment.objects.filter(specialist=successor).exists()
    assert current.end_date == (datetime.date(2024, 6, 30) if handed_over else datetime.date(2024, 5, 31))
    assert connection.vendor == "postgresql"


@pytest.mark.services("postgresql")
@pytest.mark.django_db(transaction=True)
def test_two_crossing_handovers_at_once_both_succeed_without_a_deadlock():
    """Two coordinators swap two specialists between two villages: each locks only its own row."""
    first, second = f.make_village_assignment(), f.make_village_assignment()
    day = datetime.date(2024, 7, 1)
    swaps = [(first, second.specialist), (second, first.specialist)]

    for _ in range(5):  # a deadlock shows only when the two interleave; give it several chances
        VillageAssignment.objects.filter(pk__in=[first.pk, second.pk]).update(end_date=None)
        VillageAssignment.objects.exclude(pk__in=[first.pk, second.pk]).delete()
        results, failures = at_once(2, lambda i: village_assignment_reassign(
            assignment=swaps[i][0], specialist=swaps[i][1], start_date=day,
        ))
        assert failures == [] and len(results) == 2
    assert connection.vendor == "postgresql"


def _planned(assignment, days_from_today):
    assignment.end_date = timezone.localdate() + datetime.timedelta(days=days_from_today)
    assignment.save()
    return assignment.end_date


@pytest.mark.clock
@pytest.mark.django_db
def test_a_handover_of_an_assignment_with_a_planned_end_brings_the_end_forward_only():
    current = f.make_village_assignment()
    planned = _planned(current, 20)
    soon = timezone.localdate() + datetime.timedelta(days=5)

    village_assignment_reassign(assignment=current, specialist=f.make_specialist(), start_date=soon)

    current.refresh_from_db()
    assert current.end_date == soon - datetime.timedelta(days=1) < planned


@pytest.mark.clock
@pytest.mark.django_db
def test_a_handover_after_the_planned_end_leaves_the_end_as_it_is():
    current = f.make_village_assignment()
    planned = _planned(current, 20)

    successor = village_assignment_reassign(assignment=current, specialist=f.make_specialist(), start_date=planned + datetime.timedelta(days=30))

    current.refresh_from_db()
    assert current.end_date == planned
    assert successor.start_date == planned + datetime.timedelta(days=30)


@pytest.mark.django_db
def test_a_successor_outside_the_days_is_refused_on_its_start_and_nothing_changes():
    current = f.make_village_assignment()

    with pytest.raises(ValidationError) as refused:
        village_assignment_reassign(assignment=current, specialist=f.make_specialist(), start_date=datetime.date(9999, 12, 31))

    assert list(refused.value.message_dict) == ["start_date"]
    current.refresh_from_db()
    assert current.end_date is None
