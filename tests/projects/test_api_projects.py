"""Projects and programmes through the API: create with milestones and indicators, the detail,
filters, jurisdiction isolation with data that could leak, what organization leaders see and
may claim, and query caps on the lists."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gongzhi.projects import services
from gongzhi.projects.models import Project
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
PROGRAMMES = "/api/v1/programmes/"
TODAY = timezone.localdate()


def error(response) -> dict:
    return response.json()["error"]


def titles(response) -> list[str]:
    return sorted(p["title"] for p in response.json()["results"])


def new_project(area, by, title, *, category="elderly", publish=True, **kwargs):
    project = services.create_project(title=title, lifecycle_category=category, area=area, by=by, **kwargs)
    return services.publish_project(project, by=by) if publish else project


@pytest.fixture
def programme(tree, district_admin):
    return services.create_programme(
        name="微民生·益起来", year=2026, publisher="区委社会工作部", area=tree["D"], by=district_admin
    )


# --- create and detail ----------------------------------------------------------------------


def test_create_a_project_with_milestones_and_indicators(api, street_admin, programme):
    response = api(street_admin).post(
        PROJECTS,
        {
            "title": "银龄助餐",
            "description": "为高龄独居老人送餐",
            "programme": programme.pk,
            "lifecycle_category": "elderly",
            "service_domains": ["elderly", "health"],
            "area": "C1",
            "max_claimants": 2,
            "starts_on": "2026-03-01",
            "ends_on": "2026-12-31",
            "milestones": [{"title": "开办助餐点", "due_on": "2026-04-30"}],
            "indicators": [{"kind": "person_times", "name": "服务人次", "target": "1000", "unit": "人次"}],
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["year"], body["publisher"], body["programme"], body["programme_name"]) == (
        "draft",
        2026,
        "区委社会工作部",
        programme.pk,
        "微民生·益起来",
    )
    assert (body["area"], body["service_domains"], body["max_claimants"], body["budget"]) == (
        "C1",
        ["elderly", "health"],
        2,
        "0.00",
    )
    assert [(m["title"], m["due_on"], m["completed_on"]) for m in body["milestones"]] == [
        ("开办助餐点", "2026-04-30", None)
    ]
    assert [
        (i["kind"], i["name"], i["target"], i["unit"], i["actual"], i["ratio"]) for i in body["indicators"]
    ] == [("person_times", "服务人次", "1000.00", "人次", "0.00", "0.00")]


def test_create_refused_outside_the_jurisdiction(api, street_admin):
    response = api(street_admin).post(
        PROJECTS, {"title": "四点半课堂", "lifecycle_category": "childcare", "area": "C2"}
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"area": ["区域“C2”不存在或不在您的管辖范围内，请检查编码。"]}
    assert not Project.objects.exists()


def test_create_refused_to_a_role_that_only_reads(api, community_worker):
    response = api(community_worker).post(
        PROJECTS, {"title": "x", "lifecycle_category": "elderly", "area": "C1"}
    )

    assert response.status_code == 403


def test_create_refuses_an_unknown_category_and_domain(api, street_admin):
    category = api(street_admin).post(PROJECTS, {"title": "x", "lifecycle_category": "sport", "area": "C1"})
    domain = api(street_admin).post(
        PROJECTS, {"title": "x", "lifecycle_category": "elderly", "area": "C1", "service_domains": ["sport"]}
    )

    assert category.status_code == 400
    assert list(error(category)["fields"]) == ["lifecycle_category"]
    assert domain.status_code == 400
    assert error(domain)["fields"] == {"service_domains": ["未知的服务领域：sport。"]}


def test_create_refuses_a_programme_of_another_street(api, tree, district_admin, street_admin):
    s2_programme = services.create_programme(
        name="大碶微心愿", year=2026, publisher="大碶街道", area=tree["S2"], by=district_admin
    )

    response = api(street_admin).post(
        PROJECTS, {"title": "x", "lifecycle_category": "elderly", "area": "C1", "programme": s2_programme.pk}
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "programme": [f"项目计划 {s2_programme.pk} 不存在或不在您的管辖范围内。"]
    }


def test_create_refuses_a_milestone_without_a_title(api, street_admin):
    response = api(street_admin).post(
        PROJECTS,
        {
            "title": "银龄助餐",
            "lifecycle_category": "elderly",
            "area": "C1",
            "milestones": [{"title": " ", "due_on": "2026-04-30"}],
        },
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"milestones": ["请填写里程碑名称。"]}
    assert not Project.objects.exists()


def test_detail_measures_indicators_from_deliveries(api, district_admin, tree, org, org_leader):
    project = new_project(
        tree["C1"], district_admin, "银龄助餐", indicators=[{"kind": "person_times", "target": "100"}]
    )
    services.claim_project(project, organization=org, by=org_leader)
    services.start_project(project, by=org_leader)
    services.report_delivery(
        project, by=org_leader, title="首次助餐", held_on=TODAY, beneficiaries=20, person_times=40
    )

    body = api(district_admin).get(f"{PROJECTS}{project.pk}/").json()

    assert [(i["actual"], i["ratio"]) for i in body["indicators"]] == [("40.00", "0.40")]
    assert (body["person_times"], body["beneficiaries"], body["activities"]) == (40, 20, 1)


# --- lists, filters, jurisdiction ------------------------------------------------------------


def test_street_admin_sees_only_their_street(api, street_admin, elderly_project, childcare_project):
    listed = api(street_admin).get(PROJECTS)
    other = api(street_admin).get(f"{PROJECTS}{childcare_project.pk}/")

    assert titles(listed) == ["银龄助餐"]
    assert other.status_code == 404
    assert error(other)["code"] == "not_found"


def test_outsider_sees_nothing(api, outsider, elderly_project, childcare_project):
    listed = api(outsider).get(PROJECTS)
    detail = api(outsider).get(f"{PROJECTS}{elderly_project.pk}/")

    assert (listed.status_code, listed.json()["count"]) == (200, 0)
    assert detail.status_code == 404


def test_anonymous_callers_must_sign_in(api, elderly_project):
    response = api().get(PROJECTS)

    assert response.status_code in (401, 403)
    assert error(response)["code"] == "not_authenticated"


def test_org_leader_sees_published_projects_open_to_them(api, tree, district_admin, org_leader, org):
    new_project(tree["C1"], district_admin, "百合社区助餐")
    new_project(tree["G1"], district_admin, "一网格助浴")
    new_project(tree["D"], district_admin, "全区敬老月")
    new_project(tree["C1"], district_admin, "百合社区草稿", publish=False)
    new_project(tree["C2"], district_admin, "灵峰社区助餐")

    listed = api(org_leader).get(PROJECTS)

    assert titles(listed) == ["一网格助浴", "全区敬老月", "百合社区助餐"]


def test_open_to_me_leaves_out_full_and_already_claimed_projects(
    api, tree, district_admin, org_leader, org, other_org, other_org_leader
):
    mine = new_project(tree["C1"], district_admin, "已认领的项目")
    services.claim_project(mine, organization=org, by=org_leader)
    full = new_project(tree["C1"], district_admin, "已满的项目")
    services.claim_project(full, organization=other_org, by=other_org_leader)
    roomy = new_project(tree["C1"], district_admin, "还有名额的项目", max_claimants=2)
    services.claim_project(roomy, organization=other_org, by=other_org_leader)
    new_project(tree["C1"], district_admin, "新发布的项目")

    everything = api(org_leader).get(PROJECTS)
    open_to_me = api(org_leader).get(PROJECTS, {"open_to_me": "true"})

    assert titles(everything) == ["已满的项目", "已认领的项目", "新发布的项目", "还有名额的项目"]
    assert titles(open_to_me) == ["新发布的项目", "还有名额的项目"]


def test_open_to_me_is_empty_for_staff_who_lead_no_organization(api, street_admin, elderly_project):
    response = api(street_admin).get(PROJECTS, {"open_to_me": "true"})

    assert response.json()["count"] == 0


def test_evaluated_projects_are_public_to_every_role(
    api, tree, district_admin, grid_member, evaluator, org, org_leader
):
    done = new_project(tree["C2"], district_admin, "灵峰社区助餐", category="elderly")
    other_org = make_org(tree["C2"], "灵峰服务社")
    services.claim_project(done, organization=other_org, by=district_admin)
    services.start_project(done, by=district_admin)
    services.complete_project(done, by=district_admin)
    services.accept_project(done, by=evaluator, opinion="好")
    services.evaluate_project(
        done, by=evaluator, quantity="90", quality="90", satisfaction="90", funds_use="90"
    )
    new_project(tree["C1"], district_admin, "百合社区助餐")

    response = api(grid_member).get(PROJECTS)

    assert titles(response) == ["灵峰社区助餐"]
    assert response.json()["results"][0]["status"] == "evaluated"


def test_filters_narrow_the_list(api, tree, district_admin, programme):
    new_project(tree["C1"], district_admin, "银龄助餐", programme=programme)
    new_project(tree["C2"], district_admin, "四点半课堂", category="childcare")
    new_project(tree["C2"], district_admin, "去年的项目", year=2025, publish=False)
    client = api(district_admin)

    assert titles(client.get(PROJECTS, {"status": "draft"})) == ["去年的项目"]
    assert titles(client.get(PROJECTS, {"status": ["draft", "published"]})) == [
        "去年的项目",
        "四点半课堂",
        "银龄助餐",
    ]
    assert titles(client.get(PROJECTS, {"lifecycle_category": "childcare"})) == ["四点半课堂"]
    assert titles(client.get(PROJECTS, {"year": 2025})) == ["去年的项目"]
    assert titles(client.get(PROJECTS, {"programme": programme.pk})) == ["银龄助餐"]
    assert titles(client.get(PROJECTS, {"under": "S2"})) == ["去年的项目", "四点半课堂"]
    assert titles(client.get(PROJECTS, {"under": "NOPE"})) == []


def test_under_cannot_reach_outside_the_jurisdiction(api, street_admin, childcare_project):
    response = api(street_admin).get(PROJECTS, {"under": "S2"})

    assert response.json()["count"] == 0


def _fill(tree, district_admin, org, count: int) -> None:
    fund = services.create_funding_source(
        kind="government_purchase",
        name=f"资金{count}",
        year=2026,
        amount="1000000",
        area=tree["D"],
        by=district_admin,
    )
    for n in range(count):
        project = new_project(tree["C1"], district_admin, f"项目{n}", service_domains=["elderly", "health"])
        services.allocate(project, source=fund, amount="100", by=district_admin)
        services.claim_project(project, organization=org, by=district_admin)
        services.start_project(project, by=district_admin)
        services.report_delivery(
            project, by=district_admin, title="活动", held_on=TODAY, beneficiaries=3, person_times=5
        )


def test_project_list_query_count_does_not_grow(
    api, tree, district_admin, org, django_assert_max_num_queries
):
    _fill(tree, district_admin, org, 3)
    with django_assert_max_num_queries(10) as few:
        api(district_admin).get(PROJECTS)
    _fill(tree, district_admin, org, 27)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api(district_admin).get(PROJECTS)

    assert response.json()["count"] == 30
    first = response.json()["results"][0]
    assert (first["budget"], first["person_times"], first["claimants"], first["service_domains"]) == (
        "100.00",
        5,
        [{"id": org.pk, "name": "夕阳红服务社"}],
        ["elderly", "health"],
    )


def test_org_leader_list_query_count_does_not_grow(
    api, tree, district_admin, org, org_leader, django_assert_max_num_queries
):
    _fill(tree, district_admin, org, 3)
    with django_assert_max_num_queries(12) as few:
        api(org_leader).get(PROJECTS)
    _fill(tree, district_admin, org, 27)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api(org_leader).get(PROJECTS)

    assert response.json()["count"] == 30


# --- programmes -----------------------------------------------------------------------------


def test_create_a_programme(api, street_admin):
    response = api(street_admin).post(
        PROGRAMMES, {"name": "新碶微心愿", "year": 2026, "publisher": "新碶街道", "area": "S1"}
    )

    assert response.status_code == 201
    body = response.json()
    del body["id"], body["created_at"]
    assert body == {
        "name": "新碶微心愿",
        "year": 2026,
        "publisher": "新碶街道",
        "area": "S1",
        "area_name": "新碶街道",
        "project_count": 0,
    }


def test_programme_refused_outside_the_jurisdiction(api, street_admin):
    response = api(street_admin).post(PROGRAMMES, {"name": "x", "year": 2026, "publisher": "x", "area": "S2"})

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["area"]


def test_programme_list_counts_projects(api, tree, district_admin, programme, django_assert_max_num_queries):
    new_project(tree["C1"], district_admin, "银龄助餐", programme=programme)
    new_project(tree["C2"], district_admin, "四点半课堂", programme=programme, category="childcare")

    with django_assert_max_num_queries(6):
        listed = api(district_admin).get(PROGRAMMES)

    assert [(p["name"], p["project_count"]) for p in listed.json()["results"]] == [("微民生·益起来", 2)]
    assert api(district_admin).get(PROGRAMMES, {"year": 2025}).json()["count"] == 0
