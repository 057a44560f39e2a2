"""/api/v1/cases/: report (JSON and multipart, idempotent), list filters and visibility,
detail with its timeline, categories and handling units."""

from __future__ import annotations

import datetime

import pytest

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource, Warning
from gongzhi.cases.models import Case, CaseEvent, CasePhoto, HandlingUnit, IdempotencyKey
from tests.cases.conftest import G1_POINT, G2_POINT, G3_POINT, MONDAY_9
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/cases/"


@pytest.fixture
def resident(tree):
    user = UserFactory(username="resident", display_name="李阿姨")
    assign_role(user, role=Role.RESIDENT, area=tree["G1"])
    return user


def report(category, *, grid=None, point=None, by=None, source=CaseSource.RESIDENT, at=MONDAY_9, **kw):
    lat, lng = point or (None, None)
    return services.report_case(
        category=category,
        description=kw.pop("description", "问题描述"),
        source=source,
        by=by,
        grid=grid,
        lat=lat,
        lng=lng,
        now=at,
        **kw,
    )


@pytest.fixture
def spread(categories, grids, media):
    """One case in each grid (G1 clutter, G2 zombie car, G3 dispute), an hour apart."""
    return {
        "G1": report(categories["clutter"], point=G1_POINT, description="G1 堆物", at=MONDAY_9),
        "G2": report(
            categories["zombie"],
            point=G2_POINT,
            description="G2 僵尸车",
            at=MONDAY_9 + datetime.timedelta(hours=1),
        ),
        "G3": report(
            categories["dispute"],
            point=G3_POINT,
            description="G3 外街纠纷",
            at=MONDAY_9 + datetime.timedelta(hours=2),
        ),
    }


def descriptions(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["description"] for row in response.json()["results"]]


# ---------------------------------------------------------------------------------------------
# Create


def test_create_json_finds_the_grid_from_the_location(api, grid_member, categories, grids, media):
    body = {
        "category": "0101",
        "description": "富春江路人行道堆放建筑垃圾",
        "lat": G1_POINT[0],
        "lng": G1_POINT[1],
        "address": "富春江路 88 号",
    }

    response = api(grid_member).post(URL, body, format="json")

    assert response.status_code == 201, response.content
    data = response.json()
    case = Case.objects.get()
    assert data["id"] == case.pk
    assert data["number"] == case.number
    assert data["grid"] == {"code": "G1", "name": "百合一网格"}
    assert data["category"] == {"code": "0101", "name": "占道堆物"}
    assert (data["status"], data["status_display"]) == ("reported", "待立案")
    assert (data["source"], data["level"]) == ("grid_member", "grid")
    assert data["address"] == "富春江路 88 号"
    assert [(e["action"], e["actor"], e["to_status"]) for e in data["timeline"]] == [
        ("report", str(grid_member), "reported")
    ]
    assert data["reporter"]["is_you"] is True
    assert data["tracking_token"] == case.tracking_token
    assert data["possible_duplicates"] == []
    assert case.reporter == grid_member


def test_create_multipart_stores_the_photos(api, grid_member, categories, grids, media, photo):
    body = {
        "category": "0101",
        "description": "堆物",
        "lat": str(G1_POINT[0]),
        "lng": str(G1_POINT[1]),
        "photos": [photo("a.jpg"), photo("b.jpg", color=(0, 0, 200))],
    }

    response = api(grid_member).post(URL, body, format="multipart")

    assert response.status_code == 201, response.content
    data = response.json()
    photos = list(CasePhoto.objects.order_by("pk"))
    assert [p.phase for p in photos] == ["report", "report"]
    assert data["photo_count"] == 2
    assert [p["id"] for p in data["photos"]] == [p.pk for p in photos]
    assert data["photos"][0]["url"] == f"http://testserver/api/v1/case-photos/{photos[0].pk}/"
    assert data["photos"][0]["thumbnail_url"].endswith(f"/api/v1/case-photos/{photos[0].pk}/thumbnail/")
    assert [p["id"] for p in data["timeline"][0]["photos"]] == [p.pk for p in photos]
    assert data["thumbnail_url"] == data["photos"][0]["thumbnail_url"]


def test_create_with_a_grid_code_instead_of_a_location(api, community_worker, categories, grids, media):
    response = api(community_worker).post(
        URL, {"category": "02", "description": "邻里纠纷", "grid": "G2"}, format="json"
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["grid"]["code"] == "G2"
    # A dispatcher reporting without naming a source records an inspection.
    assert data["source"] == "inspection"
    assert (data["lat"], data["lng"]) == (grids["G2"].center_lat, grids["G2"].center_lng)


def test_create_refuses_a_grid_outside_the_jurisdiction(api, grid_member, categories, grids, media):
    by_location = api(grid_member).post(
        URL,
        {"category": "0101", "description": "外街", "lat": G3_POINT[0], "lng": G3_POINT[1]},
        format="json",
    )
    by_code = api(grid_member).post(
        URL, {"category": "0101", "description": "外街", "grid": "G3"}, format="json"
    )

    for response in (by_location, by_code):
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["message"] == "“灵峰一网格”不在您的管辖范围内。"
        assert list(error["fields"]) == ["grid"]
    assert Case.objects.count() == 0


def test_create_refuses_a_location_outside_every_grid(api, grid_member, categories, grids, media):
    response = api(grid_member).post(
        URL, {"category": "0101", "description": "海上", "lat": 10.0, "lng": 10.0}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "lat": ["该位置不在任何网格内，请在地图上重新选点，或直接选择所在网格。"]
    }


def test_create_refuses_an_unknown_category(api, grid_member, grids, categories, media):
    response = api(grid_member).post(
        URL, {"category": "9999", "description": "x", "grid": "G1"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["category"] == ["事件类别“9999”不存在，请从类别列表中选择。"]


def test_create_refuses_photos_in_a_json_body(api, grid_member, grids, categories, media):
    response = api(grid_member).post(
        URL, {"category": "0101", "description": "x", "grid": "G1", "photos": ["data:..."]}, format="json"
    )

    assert response.status_code == 400
    assert "multipart/form-data" in response.json()["error"]["message"]
    assert Case.objects.count() == 0


def test_resident_reports_anywhere_as_a_resident(api, resident, categories, grids, media):
    response = api(resident).post(
        URL,
        {"category": "0101", "description": "楼下堆物", "lat": G3_POINT[0], "lng": G3_POINT[1]},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert (response.json()["source"], response.json()["grid"]["code"]) == ("resident", "G3")


def test_only_dispatchers_name_the_source(api, grid_member, community_worker, categories, grids, media):
    body = {"category": "0101", "description": "热线来电", "grid": "G1", "source": "hotline"}

    refused = api(grid_member).post(URL, body, format="json")
    hotline = api(community_worker).post(
        URL, {**body, "reporter_name": "王先生", "reporter_phone": "13812345678"}, format="json"
    )

    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "只有调度人员可以指定事件来源。"
    assert hotline.status_code == 201
    assert hotline.json()["source"] == "hotline"
    assert hotline.json()["reporter"]["phone"] == "13812345678"


def test_create_needs_a_reporting_role(api, handler, categories, grids, media):
    response = api(handler).post(URL, {"category": "0101", "description": "x", "grid": "G1"}, format="json")

    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_create_lists_possible_duplicates_the_caller_can_see(
    api, grid_member, resident, reported, categories, media
):
    body = {"category": "0101", "description": "同一处堆物", "lat": G1_POINT[0] + 0.0002, "lng": G1_POINT[1]}

    staff = api(grid_member).post(URL, body, format="json").json()
    citizen = api(resident).post(URL, body, format="json").json()

    assert [(d["id"], d["number"], d["status"]) for d in staff["possible_duplicates"]] == [
        (reported.pk, reported.number, "reported")
    ]
    assert staff["possible_duplicates"][0]["distance_m"] == 22
    # The resident cannot see the grid member's case nor the other reports: nothing leaks.
    assert citizen["possible_duplicates"] == []


# ---------------------------------------------------------------------------------------------
# Idempotency-Key


def test_same_key_same_body_returns_the_same_case(api, grid_member, categories, grids, media):
    client = api(grid_member)
    body = {"category": "0101", "description": "堆物", "lat": G1_POINT[0], "lng": G1_POINT[1]}

    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    retry = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")

    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json() == first.json()
    assert Case.objects.count() == 1
    assert CaseEvent.objects.count() == 1
    assert IdempotencyKey.objects.get().key == "k-1"


def test_same_key_same_multipart_body_and_photos_returns_the_same_case(
    api, grid_member, categories, grids, media, photo
):
    client = api(grid_member)

    def body():
        return {"category": "0101", "description": "堆物", "grid": "G1", "photos": [photo()]}

    first = client.post(URL, body(), format="multipart", HTTP_IDEMPOTENCY_KEY="k-2")
    retry = client.post(URL, body(), format="multipart", HTTP_IDEMPOTENCY_KEY="k-2")
    other_photo = client.post(
        URL,
        {**body(), "photos": [photo(color=(1, 2, 3))]},
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k-2",
    )

    assert (first.status_code, retry.status_code, other_photo.status_code) == (201, 200, 422)
    assert retry.json()["id"] == first.json()["id"]
    assert (Case.objects.count(), CasePhoto.objects.count()) == (1, 1)


def test_same_key_different_body_is_refused_with_422(api, grid_member, categories, grids, media):
    client = api(grid_member)
    client.post(
        URL,
        {"category": "0101", "description": "堆物", "grid": "G1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    response = client.post(
        URL,
        {"category": "0101", "description": "另一件事", "grid": "G1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Case.objects.get().description == "堆物"


def test_keys_are_per_caller_and_no_key_always_creates(
    api, grid_member, community_worker, categories, grids, media
):
    body = {"category": "0101", "description": "堆物", "grid": "G1"}

    api(grid_member).post(URL, body, format="json")
    api(grid_member).post(URL, body, format="json")
    mine = api(grid_member).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    theirs = api(community_worker).post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="same")

    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert Case.objects.count() == 4


# ---------------------------------------------------------------------------------------------
# List: visibility, filters, pagination, query counts


def test_street_admin_never_sees_another_streets_cases(api, street_admin, spread):
    assert descriptions(api(street_admin).get(URL)) == ["G2 僵尸车", "G1 堆物"]


def test_district_admin_sees_all_newest_first(api, district_admin, spread):
    assert descriptions(api(district_admin).get(URL)) == ["G3 外街纠纷", "G2 僵尸车", "G1 堆物"]


def test_handler_sees_only_cases_dispatched_to_their_unit(api, handler, unit, community_worker, spread):
    services.register_case(spread["G2"], by=community_worker)
    services.dispatch_case(spread["G2"], to=unit, by=community_worker)
    # A second member must not make the case appear twice.
    unit.members.add(UserFactory())

    assert descriptions(api(handler).get(URL)) == ["G2 僵尸车"]
    assert api(handler).get(f"{URL}{spread['G1'].pk}/").status_code == 404


def test_resident_sees_only_own_cases(api, resident, categories, grids, spread, media):
    mine = report(categories["clutter"], point=G1_POINT, by=resident, description="我报的")

    assert descriptions(api(resident).get(URL)) == ["我报的"]
    assert api(resident).get(f"{URL}{mine.pk}/").status_code == 200
    assert api(resident).get(f"{URL}{spread['G1'].pk}/").status_code == 404


def test_outsider_sees_nothing(api, outsider, spread):
    assert descriptions(api(outsider).get(URL)) == []


def test_filters(api, district_admin, spread, categories, community_worker, unit):
    client = api(district_admin)
    services.register_case(spread["G1"], by=community_worker)
    campaign = services.create_campaign(
        name="新碶整治",
        area=spread["G1"].grid.parent.parent.parent,
        start_date=datetime.date(2026, 11, 1),
        by=district_admin,
    )
    services.add_to_campaign(spread["G2"], campaign=campaign, by=district_admin)
    Case.objects.filter(pk=spread["G2"].pk).update(warning=Warning.RED)
    Case.objects.filter(pk=spread["G3"].pk).update(warning=Warning.YELLOW)

    assert descriptions(client.get(URL, {"status": "registered"})) == ["G1 堆物"]
    assert descriptions(client.get(f"{URL}?status=registered&status=reported")) == [
        "G3 外街纠纷",
        "G2 僵尸车",
        "G1 堆物",
    ]
    assert descriptions(client.get(URL, {"category": "01"})) == ["G2 僵尸车", "G1 堆物"]
    assert descriptions(client.get(URL, {"category": "0102"})) == ["G2 僵尸车"]
    assert descriptions(client.get(URL, {"under": "C1"})) == ["G2 僵尸车", "G1 堆物"]
    assert descriptions(client.get(URL, {"under": "G2"})) == ["G2 僵尸车"]
    assert descriptions(client.get(URL, {"under": "NOPE"})) == []
    assert descriptions(client.get(URL, {"warning": "red"})) == ["G2 僵尸车"]
    assert descriptions(client.get(URL, {"warning": "yellow"})) == ["G3 外街纠纷"]
    assert descriptions(client.get(URL, {"campaign": campaign.pk})) == ["G2 僵尸车"]
    assert descriptions(client.get(URL, {"level": "grid", "source": "resident"})) == [
        "G3 外街纠纷",
        "G2 僵尸车",
        "G1 堆物",
    ]
    assert descriptions(client.get(URL, {"reported_after": "2026-11-23T09:30:00+08:00"})) == [
        "G3 外街纠纷",
        "G2 僵尸车",
    ]
    assert descriptions(client.get(URL, {"reported_before": "2026-11-23T10:00:00+08:00"})) == ["G1 堆物"]
    # A date as the upper bound includes that whole day.
    assert len(descriptions(client.get(URL, {"reported_before": "2026-11-23"}))) == 3
    assert descriptions(client.get(URL, {"reported_after": "2026-11-24"})) == []


def test_overdue_filter(api, district_admin, spread):
    # The stage clocks started on Monday 2026-11-23; push one into the future.
    Case.objects.filter(pk=spread["G3"].pk).update(
        stage_deadline=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC)
    )

    assert descriptions(api(district_admin).get(URL, {"overdue": "true"})) == ["G2 僵尸车", "G1 堆物"]
    assert descriptions(api(district_admin).get(URL, {"overdue": "false"})) == ["G3 外街纠纷"]


def test_bad_filter_values_are_a_400(api, district_admin, spread):
    response = api(district_admin).get(URL, {"reported_after": "last tuesday"})

    assert response.status_code == 400
    assert "reported_after" in response.json()["error"]["fields"]


def test_keyset_pages_walk_every_case_once(api, district_admin, spread):
    client = api(district_admin)

    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()

    assert [r["description"] for r in first["results"]] == ["G3 外街纠纷", "G2 僵尸车"]
    assert [r["description"] for r in second["results"]] == ["G1 堆物"]
    assert second["next"] is None
    assert "count" not in first


def test_case_list_query_count_does_not_grow(
    api, district_admin, categories, grids, media, photo, django_assert_max_num_queries
):
    for i in range(12):
        report(
            categories["clutter" if i % 2 else "zombie"],
            grid=grids[("G1", "G2", "G3")[i % 3]],
            photos=[photo()],
        )
    client = api(district_admin)

    with django_assert_max_num_queries(6):
        response = client.get(URL)

    rows = response.json()["results"]
    assert len(rows) == 12
    assert {r["photo_count"] for r in rows} == {1}
    assert all(r["thumbnail_url"] for r in rows)


# ---------------------------------------------------------------------------------------------
# Detail


def test_detail_shows_the_timeline_and_deadlines(api, community_worker, reported, unit):
    services.register_case(reported, by=community_worker, note="属实", now=MONDAY_9)
    services.dispatch_case(reported, to=unit, by=community_worker, note="请处理", now=MONDAY_9)

    data = api(community_worker).get(f"{URL}{reported.pk}/").json()

    assert [
        (e["action"], e["action_display"], e["from_status"], e["to_status"], e["note"])
        for e in data["timeline"]
    ] == [
        ("report", "上报事件", "", "reported", "富春江路人行道堆放建筑垃圾"),
        ("register", "立案", "reported", "registered", "属实"),
        ("dispatch", "派遣", "registered", "dispatched", "请处理"),
    ]
    assert data["timeline"][2]["data"] == {"unit": unit.pk, "unit_name": "百合社区环卫队"}
    assert data["timeline"][2]["actor"] == str(community_worker)
    assert data["handling_unit"] == {"id": unit.pk, "name": "百合社区环卫队"}
    assert data["version"] == 3
    assert data["registered_at"] is not None
    assert data["due_at"] is not None
    assert data["stage_deadline"] is not None
    assert data["tracking_token"] is None  # only the reporter gets it


def test_detail_masks_the_reporter_unless_dispatcher_or_reporter(
    api, community_worker, grid_member, resident, categories, grids, media
):
    case = report(
        categories["clutter"],
        point=G1_POINT,
        by=resident,
        reporter_name="李桂英",
        reporter_phone="13912345678",
        reporter_email="li@example.com",
    )

    dispatcher = api(community_worker).get(f"{URL}{case.pk}/").json()
    member = api(grid_member).get(f"{URL}{case.pk}/").json()
    own = api(resident).get(f"{URL}{case.pk}/").json()

    # The phone is masked for dispatchers too; they unmask it with a reason (tests/privacy).
    assert dispatcher["reporter"] == {
        "name": "李桂英",
        "phone": "139****5678",
        "email": "li@example.com",
        "is_you": False,
    }
    assert member["reporter"] == {"name": "李**", "phone": "139****5678", "email": "", "is_you": False}
    assert member["timeline"][0]["actor"] == "李**"
    assert "13912345678" not in str(member)
    assert own["reporter"]["phone"] == "13912345678"
    assert own["tracking_token"] == case.tracking_token


def test_detail_outside_the_jurisdiction_is_404(api, street_admin, spread):
    response = api(street_admin).get(f"{URL}{spread['G3'].pk}/")

    assert response.status_code == 404
    assert "外街纠纷" not in response.content.decode()
    assert response.json()["error"]["code"] == "not_found"


def test_detail_query_count_does_not_grow_with_the_timeline(
    api, community_worker, district_admin, reported, unit, django_assert_max_num_queries
):
    services.register_case(reported, by=community_worker)
    services.dispatch_case(reported, to=unit, by=community_worker)
    for i in range(5):
        services.supervise_case(reported, by=district_admin, note=f"督办{i}")
    client = api(community_worker)

    with django_assert_max_num_queries(8):
        response = client.get(f"{URL}{reported.pk}/")

    assert len(response.json()["timeline"]) == 8


# ---------------------------------------------------------------------------------------------
# Categories and handling units


def test_categories_tree_with_limits(api, resident, categories, unit, django_assert_max_num_queries):
    from gongzhi.cases.models import CategoryTimeLimit

    categories["clutter"].default_unit = unit
    categories["clutter"].save()
    CategoryTimeLimit.objects.create(category=categories["clutter"], stage="handle", level="street", hours=40)
    client = api(resident)

    with django_assert_max_num_queries(4):
        rows = client.get("/api/v1/case-categories/").json()["results"]

    assert [(r["code"], r["parent"]) for r in rows] == [
        ("01", None),
        ("0101", "01"),
        ("0102", "01"),
        ("02", None),
    ]
    clutter = rows[1]
    assert clutter["stage_hours"] == {
        "register": 2.0,
        "dispatch": 2.0,
        "accept": 2.0,
        "handle": 8.0,
        "verify": 4.0,
    }
    assert clutter["level_limits"] == [{"stage": "handle", "level": "street", "hours": 40.0}]
    assert clutter["default_unit"] == {"id": unit.pk, "name": "百合社区环卫队"}
    assert (clutter["urgency"], clutter["urgency_display"]) == ("normal", "一般")
    assert client.get("/api/v1/case-categories/0102/").json()["name"] == "僵尸车"


def test_units_are_scoped_and_members_see_their_own(
    api, street_admin, handler, unit, tree, django_assert_max_num_queries
):
    other = HandlingUnit.objects.create(name="大碶城管", kind="department", area=tree["S2"])
    other.members.add(UserFactory(), UserFactory())
    unit.members.add(UserFactory())

    with django_assert_max_num_queries(6):
        admin_rows = api(street_admin).get("/api/v1/handling-units/").json()["results"]
    handler_rows = api(handler).get("/api/v1/handling-units/").json()["results"]

    assert [r["name"] for r in admin_rows] == ["百合社区环卫队"]
    assert admin_rows[0]["area"] == "C1"
    assert sorted(m["username"] for m in admin_rows[0]["members"])[0] == "handler"
    assert [r["name"] for r in handler_rows] == ["百合社区环卫队"]
    assert api(street_admin).get(f"/api/v1/handling-units/{other.pk}/").status_code == 404


def test_units_serving_an_area(api, district_admin, unit, street_unit, tree):
    HandlingUnit.objects.create(name="大碶城管", kind="department", area=tree["S2"])

    rows = api(district_admin).get("/api/v1/handling-units/", {"serves": "G1"}).json()["results"]

    assert sorted(r["name"] for r in rows) == ["新碶街道城管中队", "百合社区环卫队"]


def test_street_admin_creates_and_changes_a_unit(api, street_admin, handler, tree):
    helper = UserFactory(username="helper")
    client = api(street_admin)

    created = client.post(
        "/api/v1/handling-units/",
        {
            "name": "百合物业",
            "kind": "property_company",
            "area": "C1",
            "members": ["handler", str(helper.pk)],
        },
        format="json",
    )
    unit_id = created.json()["id"]
    changed = client.patch(
        f"/api/v1/handling-units/{unit_id}/",
        {"members": ["helper"], "contact_phone": "0574-1"},
        format="json",
    )

    assert created.status_code == 201, created.content
    assert sorted(m["username"] for m in created.json()["members"]) == ["handler", "helper"]
    assert changed.status_code == 200
    assert [m["username"] for m in changed.json()["members"]] == ["helper"]
    assert HandlingUnit.objects.get(pk=unit_id).contact_phone == "0574-1"


def test_unit_writes_are_refused_outside_the_jurisdiction_or_role(
    api, street_admin, community_worker, grid_member, unit, tree
):
    outside = api(street_admin).post(
        "/api/v1/handling-units/", {"name": "外街", "kind": "department", "area": "S2"}, format="json"
    )
    unknown_member = api(street_admin).post(
        "/api/v1/handling-units/",
        {"name": "x", "kind": "department", "area": "S1", "members": ["nobody"]},
        format="json",
    )
    no_role = api(community_worker).patch(
        f"/api/v1/handling-units/{unit.pk}/", {"name": "改名"}, format="json"
    )
    duplicate = api(street_admin).post(
        "/api/v1/handling-units/",
        {"name": "百合社区环卫队", "kind": "department", "area": "C1"},
        format="json",
    )

    assert outside.status_code == 400
    assert outside.json()["error"]["fields"] == {"area": ["区域“S2”不存在或不在您的管辖范围内，请检查编码。"]}
    assert unknown_member.status_code == 400
    assert unknown_member.json()["error"]["fields"]["members"] == [
        "找不到这些用户：nobody。请填写用户名或用户 ID。"
    ]
    assert no_role.status_code == 403
    assert duplicate.status_code == 400
    assert HandlingUnit.objects.count() == 1
    assert HandlingUnit.objects.get().name == "百合社区环卫队"
