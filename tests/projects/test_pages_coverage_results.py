"""The life-cycle coverage matrix (gaps marked, drill-down, totals) and the public results."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.projects import services
from gongzhi.projects.models import Evaluation, Project
from tests.cases.conftest import jpeg_bytes
from tests.factories import UserFactory
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

COVERAGE = reverse("projects:coverage")
RESULTS = reverse("projects:results")
TODAY = timezone.localdate()


def _html(response) -> str:
    return response.content.decode()


def _published(tree, by, title, area, category, **kwargs) -> Project:
    project = services.create_project(
        title=title, lifecycle_category=category, area=tree[area], by=by, **kwargs
    )
    return services.publish_project(project, by=by)


def _cell(response, category: str, code: str) -> dict:
    row = next(r for r in response.context["rows"] if r["category"] == category)
    return next(c for c in row["cells"] if c["area"].code == code)


@pytest.fixture
def spread(tree, district_admin, gov_fund, org, org_leader):
    """Two elderly projects in S1 (one with 60 person-times), one childcare in S2, a draft."""
    meals = _published(tree, district_admin, "银龄助餐", "C1", "elderly")
    services.allocate(meals, source=gov_fund, amount="2000", by=district_admin)
    services.claim_project(meals, organization=org, by=org_leader)
    services.start_project(meals, by=org_leader)
    services.report_delivery(
        meals, by=org_leader, title="助餐", held_on=TODAY, beneficiaries=30, person_times=60
    )
    _published(tree, district_admin, "助老陪诊", "G1", "elderly")
    _published(tree, district_admin, "四点半课堂", "C2", "childcare", year=2025)
    services.create_project(
        title="草稿项目", lifecycle_category="housing", area=tree["C2"], by=district_admin
    )
    return meals


def test_coverage_shows_each_cell_and_marks_the_gaps(spread, district_admin, page):
    response = page(district_admin).get(COVERAGE, {"under": "D"})

    html = _html(response)
    assert response.status_code == 200
    assert [c["area"].code for c in response.context["columns"]] == ["S1", "S2", "D"]
    elderly_s1 = _cell(response, "elderly", "S1")
    assert (elderly_s1["cell"].projects, elderly_s1["cell"].budget, elderly_s1["cell"].person_times) == (
        2,
        2000,
        60,
    )
    assert elderly_s1["heat"] == 4
    assert _cell(response, "childcare", "S2")["cell"].projects == 1
    # The draft does not count: housing in S2 is a gap, as is every empty cell of a child area.
    housing_s2 = _cell(response, "housing", "S2")
    assert (housing_s2["gap"], housing_s2["cell"].projects) == (True, 0)
    assert _cell(response, "housing", "D")["gap"] is False  # the area's own column is no gap
    assert response.context["gaps"] == 12  # 7 categories × 2 streets − 2 covered cells
    assert html.count('<span class="gap-mark">缺口</span>') == 12
    assert "2,000.00" in html
    assert response.context["matrix"].total.projects == 3


def test_coverage_drills_down_into_a_street(spread, district_admin, page):
    top = page(district_admin).get(COVERAGE, {"under": "D"})
    assert f'href="{COVERAGE}?under=S1"' in _html(top)

    response = page(district_admin).get(COVERAGE, {"under": "S1"})

    assert [c["area"].code for c in response.context["columns"]] == ["Z1", "S1"]
    assert _cell(response, "elderly", "Z1")["cell"].projects == 2
    assert response.context["parent"].code == "D"


def test_coverage_filters_by_year(spread, district_admin, page):
    response = page(district_admin).get(COVERAGE, {"under": "D", "year": "2025"})

    assert response.context["matrix"].total.projects == 1
    assert _cell(response, "elderly", "S1")["gap"] is True


def test_coverage_defaults_to_the_top_of_the_jurisdiction(spread, street_admin, page):
    response = page(street_admin).get(COVERAGE)

    assert response.context["area"].code == "S1"
    assert response.context["parent"] is None


def test_coverage_outside_the_jurisdiction_is_404_and_needs_the_permission(
    spread, street_admin, org_leader, page
):
    assert page(street_admin).get(COVERAGE, {"under": "S2"}).status_code == 404
    assert page(org_leader).get(COVERAGE).status_code == 403


def test_coverage_hides_budget_from_a_community_worker(spread, community_worker, page):
    response = page(community_worker).get(COVERAGE)

    assert response.context["show_money"] is False
    assert "2,000.00" not in _html(response)
    assert "60 人次" in _html(response)


@pytest.fixture
def evaluated(tree, district_admin, evaluator, org, org_leader):
    project = _published(tree, district_admin, "灵峰助学", "C2", "education")
    leader = UserFactory(username="c2_leader")
    assign_role(leader, role=Role.ORG_LEADER, area=tree["S2"])
    c2_org = make_org(tree["C2"], "灵峰服务社", leader_user=leader)
    services.claim_project(project, organization=c2_org, by=leader)
    services.start_project(project, by=leader)
    services.complete_project(project, by=leader)
    services.accept_project(project, by=evaluator, opinion="达标")
    services.evaluate_project(
        project, by=evaluator, quantity="95", quality="92", satisfaction="90", funds_use="90"
    )
    _published(tree, district_admin, "未评估项目", "C2", "health")
    return Project.objects.get(pk=project.pk)


def test_results_are_public_to_anyone_with_a_role(evaluated, grid_member, page):
    response = page(grid_member).get(RESULTS)

    html = _html(response)
    assert response.status_code == 200
    assert [p.title for p in response.context["projects"]] == ["灵峰助学"]
    assert '<span class="badge grade-excellent">优秀</span>' in html
    assert "92.10" in html  # 95×0.3 + 92×0.3 + 90×0.2 + 90×0.2
    assert "灵峰服务社" in html
    assert page(grid_member).get(reverse("projects:detail", args=[evaluated.pk])).status_code == 200


def test_results_are_refused_without_a_role(evaluated, outsider, page):
    assert page(outsider).get(RESULTS).status_code == 403


def test_results_filter_by_category(evaluated, district_admin, page):
    assert page(district_admin).get(RESULTS, {"category": "health"}).context["projects"] == []
    assert len(page(district_admin).get(RESULTS, {"category": "education"}).context["projects"]) == 1


def test_results_and_detail_query_counts_do_not_grow(
    evaluated, tree, district_admin, grid_member, page, media
):
    def queries(client, url) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def more_evaluated(n: int) -> None:
        for _ in range(n):
            project = Project.objects.create(
                title=f"成果{Project.objects.count()}",
                lifecycle_category="health",
                area=tree["C2"],
                year=2026,
            )
            Project.objects.filter(pk=project.pk).update(status="evaluated")
            Evaluation.objects.create(
                project=project,
                quantity=80,
                quality=80,
                satisfaction=80,
                funds_use=80,
                total=80,
                grade="good",
                evaluated_on=TODAY,
            )

    def more_deliveries(n: int) -> None:
        Project.objects.filter(pk=evaluated.pk).update(status="in_progress")
        leader = evaluated.claimed_by.leader.user
        for _ in range(n):
            services.report_delivery(
                evaluated,
                by=leader,
                title="活动",
                held_on=TODAY,
                beneficiaries=1,
                person_times=2,
                photos=[SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")],
            )
        Project.objects.filter(pk=evaluated.pk).update(status="evaluated")

    results = page(grid_member)
    detail = page(district_admin)
    detail_url = reverse("projects:detail", args=[evaluated.pk])
    more_evaluated(2)
    more_deliveries(2)
    few = queries(results, RESULTS), queries(detail, detail_url)
    more_evaluated(20)
    more_deliveries(8)
    many = queries(results, RESULTS), queries(detail, detail_url)

    assert few == many
    assert len(page(grid_member).get(RESULTS).context["projects"]) == 23
