"""coverage_for against a straightforward reference computed in Python from the assignments, on
random data, for every kind of place: the spans, the load spans and the one statement agree."""

import datetime
import random

import pytest

from specialists.assignments.models import VillageAssignment
from specialists.coverage.models import SpecialistLoadSpan, TownVillageCount
from specialists.coverage.queries import coverage_for
from specialists.coverage.spans import load_spans_of, rebuild_coverage_spans
from specialists.people.models import Specialist
from tests.factories import make_county, make_specialist, make_town, make_village, make_village_assignment
from villages.models import Village
from villages.places import EVERYWHERE, Place

D = datetime.date
DAY = datetime.timedelta(days=1)
AT_RISK_DAYS = 30
MAX_VILLAGES = 2

pytestmark = pytest.mark.django_db


def running(a, day):
    return a.start_date <= day and (a.end_date is None or a.end_date >= day)


def reference(as_of, place):
    """Coverage of the place on the day, village by village, straight from the assignments."""
    horizon = as_of + AT_RISK_DAYS * DAY
    assignments = list(VillageAssignment.objects.select_related("specialist", "village__town__county"))
    villages = Village.objects.select_related("town__county").filter(kind=Village.Kind.VILLAGE)

    def in_place(village):
        if place.is_everywhere:
            return True
        if place.level == "town":
            return village.town_id == place.division.pk
        return village.town.county_id == place.division.pk

    towns, uncovered, at_risk = {}, [], []
    for village in villages:
        if not in_place(village):
            continue
        ends = [a.end_date for a in assignments
                if a.village_id == village.pk and a.specialist.status == Specialist.Status.ACTIVE and running(a, as_of)]
        tally = towns.setdefault(village.town.code, [0, 0, 0])
        tally[0] += 1
        where = {"town": village.town.name, "town_code": village.town.code,
                 "county": village.town.county.name, "county_code": village.town.county.code}
        if not ends:
            uncovered.append(dict({"code": village.code, "name": village.name}, **where))
            continue
        tally[1] += 1
        if None not in ends and max(ends) <= horizon:
            tally[2] += 1
            at_risk.append(dict({"code": village.code, "name": village.name}, **where, last_end_date=max(ends).isoformat()))
    uncovered.sort(key=lambda v: v["code"])
    at_risk.sort(key=lambda v: (v["last_end_date"], v["code"]))

    loads = {}
    for a in assignments:
        if a.specialist.status == Specialist.Status.ACTIVE and running(a, as_of):
            loads.setdefault(a.specialist, set()).add(a.village_id)
    serving_here = {a.specialist_id for a in assignments if running(a, as_of) and in_place(a.village)}
    overloaded = sorted(
        ({"id": s.pk, "name": s.name, "villages": len(v)} for s, v in loads.items()
         if len(v) > MAX_VILLAGES and (place.is_everywhere or s.pk in serving_here)),
        key=lambda row: (-row["villages"], row["name"], row["id"]),
    )
    return {code: tuple(t) for code, t in towns.items()}, uncovered, at_risk, overloaded


def agrees(days, places):
    seen = set()
    for as_of in days:
        for place in places:
            coverage = coverage_for(as_of=as_of, place=place, at_risk_days=AT_RISK_DAYS, max_villages=MAX_VILLAGES)
            towns, uncovered, at_risk, overloaded = reference(as_of, place)
            assert {t.code: (t.villages_total, t.villages_covered, t.villages_at_risk) for t in coverage.towns} == towns, (as_of, place)
            assert coverage.uncovered_villages == uncovered, (as_of, place)
            assert coverage.at_risk_villages == at_risk, (as_of, place)
            assert coverage.overloaded_specialists == overloaded, (as_of, place)
            assert coverage.total.villages_total == sum(t[0] for t in towns.values())
            assert [t["code"] for t in coverage.as_dict()["towns"]] == sorted(towns)
            seen |= {name for name, rows in (("uncovered", uncovered), ("at risk", at_risk), ("overloaded", overloaded)) if rows}
    assert seen == {"uncovered", "at risk", "overloaded"}  # the data exercises every list


def kept_rows():
    return (sorted(SpecialistLoadSpan.objects.values_list("specialist_id", "start_date", "end_date", "villages")),
            sorted(TownVillageCount.objects.values_list("town_id", "county_id", "villages")))


def kept_rows_are_fresh():
    """The load spans and town counts kept write by write equal a rebuild from scratch."""
    kept = kept_rows()
    rebuild_coverage_spans()
    assert kept_rows() == kept


def test_coverage_for_agrees_with_the_reference_on_random_data():
    rng = random.Random(14)
    counties = [make_county(), make_county()]
    towns = [make_town(county=counties[i % 2]) for i in range(4)]
    villages = [make_village(town=rng.choice(towns)) for _ in range(30)]
    villages.append(make_village(town=towns[0], kind="community"))
    people = [make_specialist() for _ in range(6)]
    base = D(2023, 1, 1)
    assignments = []
    for _ in range(60):
        start = base + rng.randrange(0, 300) * DAY
        end = None if rng.random() < 0.3 else start + rng.randrange(0, 120) * DAY
        specialist, village = rng.choice(people), rng.choice(villages)
        if VillageAssignment.objects.filter(specialist=specialist, village=village).exists():
            continue  # keep each pair's ranges from overlapping
        assignments.append(make_village_assignment(specialist=specialist, village=village, start_date=start, end_date=end))
    days = [base + n * 41 * DAY for n in range(9)]
    places = [EVERYWHERE, Place(counties[0]), Place(towns[1])]
    agrees(days, places)
    kept_rows_are_fresh()

    # Writes through save() and delete(), as the app makes them: the load spans follow.
    assignments[0].specialist = people[-1] if assignments[0].specialist != people[-1] else people[0]
    assignments[0].save()
    assignments[1].end_date = assignments[1].start_date
    assignments[1].save()
    assignments[2].delete()
    people[0].status = Specialist.Status.SUSPENDED
    people[0].save()
    villages[3].name = "改名村"
    villages[3].save()
    moved = next(v for v in villages if v.town_id != towns[1].pk and v.kind == "village")
    moved.town = towns[1]
    moved.save()
    make_village(town=towns[2]).delete()
    make_village(town=towns[3], kind="community")
    agrees(days, places)
    kept_rows_are_fresh()


def test_load_spans_count_distinct_villages_and_leave_out_idle_days():
    assert load_spans_of([(1, D(2023, 1, 1), D(2023, 1, 31)), (1, D(2023, 3, 1), None), (2, D(2023, 1, 10), D(2023, 3, 5))]) == [
        (D(2023, 1, 1), D(2023, 1, 9), 1),
        (D(2023, 1, 10), D(2023, 1, 31), 2),
        (D(2023, 2, 1), D(2023, 2, 28), 1),
        (D(2023, 3, 1), D(2023, 3, 5), 2),
        (D(2023, 3, 6), None, 1),
    ]
    assert load_spans_of([(1, D(2023, 1, 1), D(2023, 1, 31)), (2, D(2023, 3, 1), D(2023, 3, 31))]) == [
        (D(2023, 1, 1), D(2023, 1, 31), 1), (D(2023, 3, 1), D(2023, 3, 31), 1),
    ]
