"""The area tree: placement rules, paths, subtree queries and roll-ups."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gongzhi.areas.choices import AreaLevel
from gongzhi.areas.models import Area
from gongzhi.areas.queries import with_rollups
from gongzhi.areas.services import create_area, update_area
from gongzhi.core.exceptions import DomainError
from tests.factories import make_area

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("level", "parent_code", "message"),
    [
        (AreaLevel.STREET, "S1", "街道的上级必须是区，不能是街道。"),
        (AreaLevel.ZONE, "D", "片区的上级必须是街道，不能是区。"),
        (AreaLevel.COMMUNITY, "D", "社区的上级必须是街道或片区，不能是区。"),
        (AreaLevel.COMMUNITY, "G1", "社区的上级必须是街道或片区，不能是网格。"),
        (AreaLevel.GRID, "S1", "网格的上级必须是社区，不能是街道。"),
        (AreaLevel.GRID, "Z1", "网格的上级必须是社区，不能是片区。"),
        (AreaLevel.DISTRICT, "D", "区是树的根，不能有上级区域。"),
    ],
)
def test_create_area_refuses_wrong_parent_level(tree, level, parent_code, message):
    with pytest.raises(DomainError) as err:
        create_area(code="X1", name="新区域", level=level, parent=tree[parent_code])

    assert str(err.value.message) == message
    assert err.value.field == "parent"
    assert not Area.objects.filter(code="X1").exists()


def test_create_area_requires_a_parent_below_district(db):
    with pytest.raises(DomainError) as err:
        create_area(code="G9", name="孤立网格", level=AreaLevel.GRID, parent=None)

    assert str(err.value.message) == "网格必须有上级区域（社区）。"


def test_create_area_allows_community_directly_under_street(tree):
    community = create_area(code="C9", name="霞浦社区", level=AreaLevel.COMMUNITY, parent=tree["S2"])

    assert community.path == "/D/S2/C9/"
    assert community.depth == 2


@pytest.mark.parametrize("code", ["a/b", "x y", "a%", "a_b", "", "x" * 33, "新碶"])
def test_create_area_refuses_codes_that_break_paths(tree, code):
    with pytest.raises(DomainError) as err:
        create_area(code=code, name="坏编码", level=AreaLevel.STREET, parent=tree["D"])

    assert err.value.field == "code"


def test_create_area_refuses_duplicate_code(tree):
    with pytest.raises(DomainError) as err:
        create_area(code="G1", name="重复", level=AreaLevel.GRID, parent=tree["C1"])

    assert str(err.value.message) == "区域编码“G1”已存在。"


def test_create_area_validates_boundary(tree):
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}

    with pytest.raises(DomainError) as err:
        create_area(code="G9", name="自交", level=AreaLevel.GRID, parent=tree["C1"], boundary=bowtie)

    assert err.value.field == "boundary"
    assert "自相交" in str(err.value.message)


def test_create_area_refuses_swapped_coordinates(tree):
    swapped = {
        "type": "Polygon",
        "coordinates": [[[29.8, 121.8], [29.9, 121.8], [29.9, 121.9], [29.8, 121.8]]],
    }

    with pytest.raises(DomainError) as err:
        create_area(code="G9", name="颠倒", level=AreaLevel.GRID, parent=tree["C1"], boundary=swapped)

    assert "[经度, 纬度]" in str(err.value.message)


def test_create_area_derives_center_from_boundary(tree):
    square = {
        "type": "Polygon",
        "coordinates": [[[121.8, 29.8], [121.9, 29.8], [121.9, 29.9], [121.8, 29.9], [121.8, 29.8]]],
    }

    grid = create_area(code="G9", name="方网格", level=AreaLevel.GRID, parent=tree["C1"], boundary=square)

    assert grid.center_lat == pytest.approx(29.85)
    assert grid.center_lng == pytest.approx(121.85)


def test_update_area_keeps_code_level_and_parent_fixed(tree):
    with pytest.raises(DomainError):
        update_area(tree["G1"], parent=tree["C2"])

    area = update_area(tree["G1"], population=1500, name="百合一网格（新）")

    area.refresh_from_db()
    assert (area.population, area.name, area.path) == (1500, "百合一网格（新）", "/D/S1/Z1/C1/G1/")


def test_subtree_is_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        codes = list(Area.objects.under(tree["S1"]).values_list("code", flat=True))

    assert codes == ["S1", "Z1", "C1", "G1", "G2"]


def test_subtree_query_uses_the_path_index(tree):
    queryset = Area.objects.under(tree["S1"])
    plan = queryset.explain()

    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan
    else:  # PostgreSQL picks a seq scan on a tiny table; force the planner to show its options.
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")
        try:
            assert "areas_area_path_prefix" in queryset.explain() or "Index" in queryset.explain()
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET enable_seqscan = on")


def test_rollups_sum_grids_and_count_levels(tree):
    with CaptureQueriesContext(connection) as ctx:
        rows = {a.code: a for a in with_rollups(Area.objects.all())}

    assert len(ctx.captured_queries) == 1
    assert (rows["D"].population_total, rows["D"].households_total) == (2500, 900)
    assert (rows["S1"].population_total, rows["S1"].grid_count, rows["S1"].community_count) == (2000, 2, 1)
    assert (rows["D"].street_count, rows["D"].zone_count, rows["D"].grid_count) == (2, 1, 3)
    assert (rows["G1"].population_total, rows["G1"].grid_count) == (1200, 0)
    assert rows["C1"].child_count == 2


def test_rollups_fall_back_to_own_figure_without_grids(tree):
    street = make_area("S3", AreaLevel.STREET, tree["D"], population=30000, households=11000)

    row = with_rollups(Area.objects.filter(pk=street.pk)).get()

    assert (row.population_total, row.households_total, row.grid_count) == (30000, 11000, 0)


def test_rollup_query_count_does_not_grow_with_areas(tree, django_assert_num_queries):
    for i in range(10):
        make_area(f"G1{i}", AreaLevel.GRID, tree["C2"], population=100)

    with django_assert_num_queries(1):
        rows = list(with_rollups(Area.objects.all()))

    assert len(rows) == 19


def test_ancestors_in_order(tree):
    assert [a.code for a in tree["G1"].ancestors()] == ["D", "S1", "Z1", "C1"]
