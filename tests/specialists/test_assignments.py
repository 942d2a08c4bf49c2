"""Handing a village to another specialist: both rows or neither, once, even at the same time."""

import datetime

import pytest
from django.db import connection

from specialists.assignments import AssignmentAlreadyEnded, village_assignment_reassign
from specialists.models import VillageAssignment
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
