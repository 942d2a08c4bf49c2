"""The cached village layer: built once from committed rows, dropped when boundaries change."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from shapely.geometry import box

from tests.factories import make_town, make_village
from villages import geometry, layers
from villages.models import Village

SQUARE = box(117.20, 32.95, 117.21, 32.96)
OTHER_SQUARE = box(117.30, 32.95, 117.31, 32.96)
TWO_PARTS = geometry.from_wkb(geometry.to_wkb(box(117.40, 32.95, 117.41, 32.96).union(box(117.50, 32.95, 117.51, 32.96))))

# The layer is never written inside a transaction, so these tests commit (and pytest-django
# empties the tables after each).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media")]


@pytest.fixture
def villages():
    town = make_town()
    return [
        make_village(town=town, code=f"{town.code}201", boundary=geometry.to_wkb(SQUARE)),
        make_village(town=town, code=f"{town.code}202"),
        make_village(town=town, code=f"{town.code}203", boundary=geometry.to_wkb(TWO_PARTS)),
    ]


def shapes_of(ids):
    return list(layers.village_shapes(ids)[1])


def queries(fn):
    with CaptureQueriesContext(connection) as captured:
        fn()
    return len(captured)


def test_the_layer_gives_every_village_in_id_order_and_the_asked_ones_in_their_order(villages):
    square, none, two_parts = villages

    ids, shapes = layers.village_shapes()

    assert list(ids) == [square.pk, none.pk, two_parts.pk]
    assert shapes[0].equals(SQUARE) and shapes[1] is None and shapes[2].equals(TWO_PARTS)
    picked = shapes_of([two_parts.pk, square.pk, two_parts.pk])
    assert picked[0].equals(TWO_PARTS) and picked[1].equals(SQUARE) and picked[2].equals(TWO_PARTS)


def test_built_once_then_read_without_a_query_even_by_another_process(villages):
    ids = [village.pk for village in villages]
    assert queries(lambda: layers.village_shapes(ids)) == 1  # the build: every village's id and boundary
    assert queries(lambda: layers.village_shapes(ids)) == 0
    layers._memo.clear()  # as in a process that has not read it yet: the file is there
    assert queries(lambda: layers.village_shapes(ids)) == 0


def test_saving_a_boundary_drops_the_layer(villages):
    square = villages[0]
    layers.village_shapes()

    square.boundary = geometry.to_wkb(OTHER_SQUARE)
    square.save(update_fields=["boundary"])

    assert shapes_of([square.pk])[0].equals(OTHER_SQUARE)


def test_a_save_of_other_fields_keeps_it(villages):
    square = villages[0]
    layers.village_shapes()

    square.name = "新名字"
    square.save(update_fields=["name"])

    assert queries(lambda: layers.village_shapes([square.pk])) == 0


def test_a_village_added_without_signals_makes_it_rebuild(villages):
    layers.village_shapes()
    added = Village.objects.bulk_create([Village(town=villages[0].town, code=f"{villages[0].town.code}204", name="新村",
                                                 boundary=geometry.to_wkb(OTHER_SQUARE))])[0]
    added = Village.objects.get(code=added.code)

    assert shapes_of([added.pk])[0].equals(OTHER_SQUARE)


def test_writes_without_signals_call_invalidate(villages):
    square = villages[0]
    layers.village_shapes()
    Village.objects.filter(pk=square.pk).update(boundary=geometry.to_wkb(OTHER_SQUARE))
    assert shapes_of([square.pk])[0].equals(SQUARE)  # what the boundary import must avoid by calling:

    layers.invalidate_village_layer()

    assert shapes_of([square.pk])[0].equals(OTHER_SQUARE)


def test_never_written_from_a_transaction_that_may_roll_back(villages):
    class RolledBack(Exception):
        pass

    with pytest.raises(RolledBack), transaction.atomic():
        assert not layers.usable()
        Village.objects.filter(pk=villages[0].pk).update(boundary=geometry.to_wkb(OTHER_SQUARE))
        assert shapes_of([villages[0].pk])[0].equals(OTHER_SQUARE)  # built, not kept
        raise RolledBack

    assert layers.usable()
    assert shapes_of([villages[0].pk])[0].equals(SQUARE)


def test_a_map_frame_of_a_wide_scope_takes_its_shapes_from_the_layer(villages):
    import datetime

    from specialists.coverage.maps import village_frame
    from villages.places import Place

    by_sql = village_frame(as_of=datetime.date(2023, 6, 15), place=Place(villages[0].town.county))  # a county: SQL
    layers.village_shapes()
    with CaptureQueriesContext(connection) as captured:
        by_layer = village_frame(as_of=datetime.date(2023, 6, 15))  # everywhere: the layer
    assert "boundary" not in captured[0]["sql"]
    assert list(by_layer["code"]) == list(by_sql["code"])
    layer_shapes, sql_shapes = list(by_layer.geometry), list(by_sql.geometry)
    assert layer_shapes[0].equals(sql_shapes[0]) and layer_shapes[2].equals(sql_shapes[2])
    assert layer_shapes[1] is None and sql_shapes[1] is None


def test_nothing_is_written_where_no_layer_was_built(media):
    town = make_town()
    make_village(town=town, code=f"{town.code}201", boundary=geometry.to_wkb(SQUARE))  # a save invalidates

    assert list(media.iterdir()) == []
