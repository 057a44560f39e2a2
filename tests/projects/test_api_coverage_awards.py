"""The life-cycle coverage matrix on a hand-computed set of projects, its scope, and awards."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gongzhi.projects import services
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

COVERAGE = "/api/v1/projects/coverage/"
AWARDS = "/api/v1/awards/"
TODAY = timezone.localdate()
CATEGORIES = ["childcare", "education", "employment", "health", "elderly", "housing", "vulnerable"]


def error(response) -> dict:
    return response.json()["error"]


def cell(projects=0, budget="0.00", person_times=0) -> dict:
    return {"projects": projects, "budget": budget, "person_times": person_times}


@pytest.fixture
def landscape(tree, district_admin, gov_fund, org, org_leader):
    """Projects of 2026: two elderly-care ones in S1 (1,500 yuan, 30 person-times), a childcare
    one in S2 without money, a district-wide health one (200 yuan); plus a draft, a cancelled
    project and one of 2025, none of which count for 2026."""

    def make(title, category, area, *, year=2026, publish=True):
        project = services.create_project(
            title=title, lifecycle_category=category, area=tree[area], by=district_admin, year=year
        )
        return services.publish_project(project, by=district_admin) if publish else project

    meals = make("银龄助餐", "elderly", "C1")
    services.allocate(meals, source=gov_fund, amount="1000", by=district_admin)
    services.claim_project(meals, organization=org, by=org_leader)
    services.start_project(meals, by=org_leader)
    services.report_delivery(
        meals, by=org_leader, title="助餐", held_on=TODAY, beneficiaries=10, person_times=30
    )
    bath = make("助浴服务", "elderly", "G2")
    services.allocate(bath, source=gov_fund, amount="500", by=district_admin)
    make("四点半课堂", "childcare", "C2")
    health = make("全区义诊", "health", "D")
    services.allocate(health, source=gov_fund, amount="200", by=district_admin)
    make("草稿助餐", "elderly", "C1", publish=False)
    cancelled = make("取消的托育", "childcare", "C2")
    services.allocate(cancelled, source=gov_fund, amount="300", by=district_admin)
    services.cancel_project(cancelled, by=district_admin, reason="撤点")
    make("去年的课堂", "education", "S2", year=2025)


def test_coverage_matrix_for_the_district(api, district_admin, landscape):
    response = api(district_admin).get(COVERAGE, {"under": "D", "year": 2026})

    assert response.status_code == 200
    body = response.json()
    assert (body["under"], body["under_name"], body["year"]) == ("D", "北仑区", 2026)
    assert [c["code"] for c in body["categories"]] == CATEGORIES
    assert body["categories"][4] == {"code": "elderly", "label": "老有所养"}
    assert body["columns"] == [
        {"code": "S1", "name": "新碶街道"},
        {"code": "S2", "name": "大碶街道"},
        {"code": "D", "name": "北仑区"},
    ]
    expected = {c: {"S1": cell(), "S2": cell(), "D": cell()} for c in CATEGORIES}
    expected["elderly"]["S1"] = cell(2, "1500.00", 30)
    expected["childcare"]["S2"] = cell(1)
    expected["health"]["D"] = cell(1, "200.00")
    assert body["cells"] == expected
    assert body["row_totals"] == {
        **{c: cell() for c in CATEGORIES},
        "elderly": cell(2, "1500.00", 30),
        "childcare": cell(1),
        "health": cell(1, "200.00"),
    }
    assert body["column_totals"] == {"S1": cell(2, "1500.00", 30), "S2": cell(1), "D": cell(1, "200.00")}
    assert body["total"] == cell(4, "1700.00", 30)
    filled = {("elderly", "S1"), ("childcare", "S2")}
    assert body["gaps"] == [
        {"category": c, "area": a} for c in CATEGORIES for a in ("S1", "S2") if (c, a) not in filled
    ]


def test_coverage_without_a_year_counts_every_year(api, district_admin, landscape):
    body = api(district_admin).get(COVERAGE, {"under": "D"}).json()

    assert body["year"] is None
    assert body["cells"]["education"]["S2"] == cell(1)
    assert body["total"] == cell(5, "1700.00", 30)


def test_coverage_defaults_to_the_callers_top_area(api, street_admin, landscape):
    body = api(street_admin).get(COVERAGE, {"year": 2026}).json()

    assert (body["under"], [c["code"] for c in body["columns"]]) == ("S1", ["Z1", "S1"])
    assert body["cells"]["elderly"]["Z1"] == cell(2, "1500.00", 30)
    assert body["total"] == cell(2, "1500.00", 30)


def test_coverage_outside_the_jurisdiction_answers_404(api, street_admin, landscape):
    other_street = api(street_admin).get(COVERAGE, {"under": "S2"})
    district = api(street_admin).get(COVERAGE, {"under": "D"})
    unknown = api(street_admin).get(COVERAGE, {"under": "NOPE"})

    assert (other_street.status_code, district.status_code, unknown.status_code) == (404, 404, 404)
    assert error(other_street)["code"] == "not_found"


def test_coverage_refused_to_an_org_leader(api, org_leader, landscape):
    assert api(org_leader).get(COVERAGE).status_code == 403


# --- awards ---------------------------------------------------------------------------------


def test_record_an_award_for_a_project_and_its_organization(
    api, street_admin, org, org_leader, elderly_project
):
    services.claim_project(elderly_project, organization=org, by=org_leader)

    response = api(street_admin).post(
        AWARDS,
        {
            "name": "全国社区治理创新金奖",
            "level": "national",
            "awarded_on": "2026-04-20",
            "issuer": "民政部",
            "project": elderly_project.pk,
            "organization": org.pk,
        },
    )

    assert response.status_code == 201
    body = response.json()
    del body["id"], body["created_at"]
    assert body == {
        "name": "全国社区治理创新金奖",
        "level": "national",
        "level_display": "国家级",
        "issuer": "民政部",
        "awarded_on": "2026-04-20",
        "project": elderly_project.pk,
        "project_title": "银龄助餐",
        "organization": org.pk,
        "organization_name": "夕阳红服务社",
        "area": "C1",
    }
    detail = api(street_admin).get(f"/api/v1/projects/{elderly_project.pk}/").json()
    assert [a["name"] for a in detail["awards"]] == ["全国社区治理创新金奖"]


def test_award_refused_for_an_organization_that_did_not_undertake_the_project(
    api, street_admin, org, elderly_project
):
    response = api(street_admin).post(
        AWARDS,
        {
            "name": "金奖",
            "level": "municipal",
            "awarded_on": "2026-04-20",
            "project": elderly_project.pk,
            "organization": org.pk,
        },
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"organization": ["“夕阳红服务社”没有承接过该项目。"]}


def test_award_needs_a_winner_and_a_known_level(api, street_admin, elderly_project):
    nobody = api(street_admin).post(
        AWARDS, {"name": "金奖", "level": "municipal", "awarded_on": "2026-04-20"}
    )
    level = api(street_admin).post(
        AWARDS,
        {"name": "金奖", "level": "galactic", "awarded_on": "2026-04-20", "project": elderly_project.pk},
    )

    assert error(nobody)["fields"] == {"project": ["请选择获奖的项目或社会组织。"]}
    assert error(level)["fields"] == {"level": ["未知的奖项级别“galactic”。"]}


def test_award_refused_to_an_org_leader(api, org_leader, org):
    response = api(org_leader).post(
        AWARDS, {"name": "金奖", "level": "district", "awarded_on": "2026-04-20", "organization": org.pk}
    )

    assert response.status_code == 403


def test_awards_list_keeps_to_the_jurisdiction(
    api, tree, district_admin, street_admin, elderly_project, childcare_project, django_assert_max_num_queries
):
    services.record_award(
        by=district_admin, name="新碶之星", level="district", awarded_on=TODAY, project=elderly_project
    )
    services.record_award(
        by=district_admin, name="大碶之星", level="district", awarded_on=TODAY, project=childcare_project
    )
    s2_org = make_org(tree["C2"], "灵峰服务社")
    services.record_award(
        by=district_admin, name="优秀组织", level="municipal", awarded_on=TODAY, organization=s2_org
    )

    with django_assert_max_num_queries(5):
        street = api(street_admin).get(AWARDS)
    district = api(district_admin).get(AWARDS, {"level": "municipal"})

    assert [a["name"] for a in street.json()["results"]] == ["新碶之星"]
    assert [a["name"] for a in district.json()["results"]] == ["优秀组织"]
