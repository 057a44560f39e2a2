"""/api/v1/areas/: filters, roll-ups, jurisdiction, writes through services."""

import pytest

from gongzhi.areas.models import Area

pytestmark = pytest.mark.django_db


def codes(response):
    return [row["code"] for row in response.json()["results"]]


def test_list_is_scoped_to_jurisdiction(api, street_admin):
    response = api(street_admin).get("/api/v1/areas/")

    assert codes(response) == ["S1", "Z1", "C1", "G1", "G2"]
    assert response.json()["count"] == 5


def test_district_admin_sees_the_whole_tree(api, district_admin):
    assert codes(api(district_admin).get("/api/v1/areas/")) == [
        "D",
        "S1",
        "Z1",
        "C1",
        "G1",
        "G2",
        "S2",
        "C2",
        "G3",
    ]


def test_filters_level_parent_under(api, district_admin):
    client = api(district_admin)

    assert codes(client.get("/api/v1/areas/?level=grid")) == ["G1", "G2", "G3"]
    assert codes(client.get("/api/v1/areas/?parent=C1")) == ["G1", "G2"]
    assert codes(client.get("/api/v1/areas/?under=S2")) == ["S2", "C2", "G3"]
    assert codes(client.get("/api/v1/areas/?under=NOPE")) == []


def test_filter_under_another_street_leaks_nothing(api, street_admin):
    assert codes(api(street_admin).get("/api/v1/areas/?under=S2")) == []


def test_detail_has_rollups_and_boundary(api, street_admin):
    data = api(street_admin).get("/api/v1/areas/S1/").json()

    assert data["code"] == "S1"
    assert data["parent"] == "D"
    assert data["level"] == "street"
    assert data["level_display"] == "街道"
    assert (data["population_total"], data["households_total"]) == (2000, 700)
    assert (data["zone_count"], data["community_count"], data["grid_count"], data["child_count"]) == (
        1,
        1,
        2,
        1,
    )
    assert data["boundary"] is None
    assert data["has_boundary"] is False


def test_detail_outside_jurisdiction_is_404_not_403(api, street_admin):
    response = api(street_admin).get("/api/v1/areas/G3/")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_role_without_area_permission_gets_403(api, outsider):
    response = api(outsider).get("/api/v1/areas/")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_list_query_count_is_constant(api, district_admin, tree, django_assert_max_num_queries):
    from gongzhi.areas.services import create_area

    for i in range(30):
        create_area(code=f"GX{i}", name=f"网格{i}", level="grid", parent=tree["C2"], population=10)
    client = api(district_admin)

    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/areas/?page_size=50")

    assert response.json()["count"] == 39


def test_list_paginates(api, district_admin):
    data = api(district_admin).get("/api/v1/areas/?page_size=2").json()

    assert data["count"] == 9
    assert [r["code"] for r in data["results"]] == ["D", "S1"]
    assert data["next"].endswith("page=2&page_size=2")


def test_district_admin_creates_area_with_tree_rule(api, district_admin):
    client = api(district_admin)

    bad = client.post("/api/v1/areas/", {"code": "G9", "name": "坏网格", "level": "grid", "parent": "S2"})
    good = client.post(
        "/api/v1/areas/",
        {"code": "C9", "name": "新社区", "level": "community", "parent": "S2", "population": 10},
    )

    assert bad.status_code == 400
    assert bad.json()["error"]["fields"] == {"parent": ["网格的上级必须是社区，不能是街道。"]}
    assert good.status_code == 201
    assert good.json()["population_total"] == 10
    assert Area.objects.get(code="C9").path == "/D/S2/C9/"


def test_wrong_parent_level_error_in_english(api, district_admin):
    response = api(district_admin, language="en").post(
        "/api/v1/areas/", {"code": "G9", "name": "x", "level": "grid", "parent": "S2"}
    )

    assert response.json()["error"]["fields"] == {
        "parent": ["A grid's parent must be a community, not a street."]
    }


def test_street_admin_cannot_create_areas(api, street_admin):
    response = api(street_admin).post(
        "/api/v1/areas/", {"code": "G9", "name": "x", "level": "grid", "parent": "C1"}
    )

    assert response.status_code == 403
    assert not Area.objects.filter(code="G9").exists()


def test_street_admin_updates_own_grid_not_others(api, street_admin):
    client = api(street_admin)

    own = client.patch("/api/v1/areas/G1/", {"population": 1300})
    other = client.patch("/api/v1/areas/G3/", {"population": 1})

    assert own.json()["population"] == 1300
    assert other.status_code == 404
    assert Area.objects.get(code="G3").population == 500


def test_invalid_boundary_is_rejected_with_field_message(api, street_admin):
    response = api(street_admin).patch(
        "/api/v1/areas/G1/", {"boundary": {"type": "Point", "coordinates": [121.8, 29.8]}}, format="json"
    )

    assert response.status_code == 400
    assert "Polygon" in response.json()["error"]["fields"]["boundary"][0]


def test_staff_of_subtree(api, street_admin, tree):
    from gongzhi.areas.services import assign_grid_staff
    from tests.factories import make_person

    leader = make_person(grid=tree["G1"], name="胡亚佩")
    assign_grid_staff(grid=tree["G1"], person=leader, duty="leader")
    assign_grid_staff(grid=tree["G3"], person=make_person(grid=tree["G3"], name="外街"), duty="leader")

    rows = api(street_admin).get("/api/v1/areas/S1/staff/").json()["results"]

    assert [(r["grid"], r["person_name"], r["duty_display"]) for r in rows] == [("G1", "胡亚佩", "网格长")]
