"""Coverage spans: the derived timeline agrees with the assignments after every kind of write."""

import datetime
import random

import pytest

from specialists.coverage.queries import coverage_for
from villages.places import Place
from specialists.assignments.models import VillageAssignment
from specialists.coverage.models import VillageCoverageSpan
from specialists.people.models import Specialist
from specialists.coverage.spans import BEGINNING, rebuild_coverage_spans, spans_of
from tests.factories import make_county, make_specialist, make_town, make_village, make_village_assignment

D = datetime.date
DAY = datetime.timedelta(days=1)


def test_a_village_with_no_assignment_is_uncovered_on_every_day():
    assert spans_of([]) == [(BEGINNING, None, False, None)]


def test_an_open_assignment_covers_from_its_start_on():
    assert spans_of([(D(2023, 3, 1), None)]) == [
        (BEGINNING, D(2023, 2, 28), False, None),
        (D(2023, 3, 1), None, True, None),
    ]


def test_overlapping_and_following_assignments():
    spans = spans_of([(D(2023, 1, 1), D(2023, 6, 30)), (D(2023, 6, 1), D(2023, 12, 31)), (D(2024, 1, 1), None)])

    assert spans == [
        (BEGINNING, D(2022, 12, 31), False, None),
        (D(2023, 1, 1), D(2023, 5, 31), True, D(2023, 6, 30)),
        (D(2023, 6, 1), D(2023, 12, 31), True, D(2023, 12, 31)),  # the later end is the one that counts
        (D(2024, 1, 1), None, True, None),
    ]


def test_a_gap_between_assignments_is_an_uncovered_span():
    assert spans_of([(D(2023, 1, 1), D(2023, 1, 31)), (D(2023, 3, 1), D(2023, 3, 31))]) == [
        (BEGINNING, D(2022, 12, 31), False, None),
        (D(2023, 1, 1), D(2023, 1, 31), True, D(2023, 1, 31)),
        (D(2023, 2, 1), D(2023, 2, 28), False, None),
        (D(2023, 3, 1), D(2023, 3, 31), True, D(2023, 3, 31)),
        (D(2023, 4, 1), None, False, None),
    ]


def oracle(as_of, horizon):
    """Covered and at-risk village codes on a day, straight from the assignments."""
    covered, at_risk = set(), set()
    serving = {}
    for a in VillageAssignment.objects.select_related("specialist", "village"):
        if a.village.kind != "village" or a.specialist.status != Specialist.Status.ACTIVE:
            continue
        if a.start_date <= as_of and (a.end_date is None or a.end_date >= as_of):
            serving.setdefault(a.village.code, []).append(a.end_date)
    for code, ends in serving.items():
        covered.add(code)
        if None not in ends and max(ends) <= horizon:
            at_risk.add(code)
    return covered, at_risk


def agrees_with_the_assignments(days):
    for as_of in days:
        coverage = coverage_for(as_of=as_of, at_risk_days=30)
        covered, at_risk = oracle(as_of, as_of + 30 * DAY)
        uncovered = {v["code"] for v in coverage.uncovered_villages}
        assert coverage.total.villages_covered == len(covered), as_of
        assert uncovered.isdisjoint(covered), as_of
        assert {v["code"] for v in coverage.at_risk_villages} == at_risk, as_of
    # Every village has exactly one span on every day.
    for as_of in days:
        assert VillageCoverageSpan.objects.filter(start_date__lte=as_of).exclude(end_date__lt=as_of).count() == \
            VillageCoverageSpan.objects.values("village").distinct().count()


@pytest.mark.django_db
def test_spans_follow_every_write():
    rng = random.Random(20221231)
    counties = [make_county(), make_county()]
    towns = [make_town(county=counties[i % 2]) for i in range(4)]
    villages = [make_village(town=rng.choice(towns)) for _ in range(25)]
    make_village(town=towns[0], kind="community")
    people = [make_specialist() for _ in range(8)]
    base = D(2023, 1, 1)
    assignments = []
    for _ in range(40):
        start = base + rng.randrange(0, 300) * DAY
        end = None if rng.random() < 0.4 else start + rng.randrange(0, 200) * DAY
        specialist, village = rng.choice(people), rng.choice(villages)
        if VillageAssignment.objects.filter(specialist=specialist, village=village).exists():
            continue  # keep each pair's ranges from overlapping
        assignments.append(make_village_assignment(specialist=specialist, village=village, start_date=start, end_date=end))
    days = [base + n * 37 * DAY for n in range(12)]
    agrees_with_the_assignments(days)

    # Ending, moving and deleting assignments; suspending and restoring a specialist; a town
    # handed to another county-level unit: each through save() or delete(), as the app writes.
    assignments[0].end_date = assignments[0].start_date
    assignments[0].save()
    assignments[1].village = villages[-1]
    assignments[1].save()
    assignments[2].delete()
    people[0].status = Specialist.Status.SUSPENDED
    people[0].save()
    people[1].status = Specialist.Status.WITHDRAWN
    people[1].save()
    people[1].status = Specialist.Status.ACTIVE
    people[1].save()
    towns[0].county = counties[1]
    towns[0].save()
    agrees_with_the_assignments(days)
    assert coverage_for(as_of=days[5], place=Place(counties[1])).total.villages_total == sum(
        1 for v in villages if v.town.county_id == counties[1].pk or v.town_id == towns[0].pk
    )

    # A rebuild from scratch gives the same spans as the incremental upkeep.
    kept = sorted(VillageCoverageSpan.objects.values_list("village_id", "start_date", "end_date", "covered", "last_end", "county_id"))
    rebuild_coverage_spans()
    assert sorted(VillageCoverageSpan.objects.values_list("village_id", "start_date", "end_date", "covered", "last_end", "county_id")) == kept


@pytest.mark.django_db
def test_a_new_village_is_uncovered_until_assigned():
    village = make_village()

    assert [v["code"] for v in coverage_for(as_of=D(2023, 6, 1)).uncovered_villages] == [village.code]
    make_village_assignment(village=village, start_date=D(2023, 5, 1))
    assert coverage_for(as_of=D(2023, 6, 1)).uncovered_villages == []


@pytest.mark.django_db
def test_the_command_finds_and_mends_spans_a_bulk_write_left_stale():
    from django.core.management import call_command
    from django.core.management.base import CommandError

    assignment = make_village_assignment(start_date=D(2023, 1, 1))
    call_command("rebuild_coverage_spans", "--check")
    # A bulk write sends no signals: the spans still say the village is covered.
    VillageAssignment.objects.filter(pk=assignment.pk).update(end_date=D(2023, 1, 31))
    assert coverage_for(as_of=D(2023, 6, 1)).uncovered_villages == []

    with pytest.raises(CommandError, match="stale"):
        call_command("rebuild_coverage_spans", "--check")
    call_command("rebuild_coverage_spans")

    assert [v["code"] for v in coverage_for(as_of=D(2023, 6, 1)).uncovered_villages] == [assignment.village.code]
    call_command("rebuild_coverage_spans", "--check")


@pytest.mark.django_db
def test_a_rebuild_of_many_villages_goes_in_chunks_with_the_same_result(monkeypatch):
    from specialists.coverage import spans

    villages = [make_village() for _ in range(5)]
    for village in villages[:3]:
        make_village_assignment(village=village, start_date=D(2023, 1, 1))
    before = sorted(VillageCoverageSpan.objects.values_list("village_id", "start_date", "end_date", "covered", "last_end"))
    monkeypatch.setattr(spans, "_CHUNK", 2)  # SQLite caps the parameters of one statement

    assert rebuild_coverage_spans(village_ids=[v.pk for v in villages]) == len(before)
    assert sorted(VillageCoverageSpan.objects.values_list("village_id", "start_date", "end_date", "covered", "last_end")) == before
