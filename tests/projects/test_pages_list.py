"""The project list: who may open it, its filters, the organization leader's tabs, money
shown only where the user reads it, the top bar's link, and a query count that does not grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gongzhi.projects import services
from gongzhi.projects.models import Project

pytestmark = pytest.mark.django_db

URL = reverse("projects:list")


def _html(response) -> str:
    return response.content.decode()


def _titles(response) -> list[str]:
    return [p.title for p in response.context["projects"]]


def _project(tree, by, title, *, area="C1", category="elderly", publish=True, **kwargs) -> Project:
    project = services.create_project(
        title=title, lifecycle_category=category, area=tree[area], by=by, **kwargs
    )
    return services.publish_project(project, by=by) if publish else project


def test_list_shows_the_jurisdictions_projects_with_their_money(
    tree, elderly_project, childcare_project, gov_fund, district_admin, street_admin, page
):
    services.allocate(elderly_project, source=gov_fund, amount="12345.60", by=district_admin)

    response = page(street_admin).get(URL)

    html = _html(response)
    assert response.status_code == 200
    assert _titles(response) == ["银龄助餐"]  # 四点半课堂 lies in S2
    assert "<h1>公益项目</h1>" in html
    assert "12,345.60" in html
    assert '<span class="badge project-published">已发布</span>' in html


def test_list_hides_money_from_a_community_worker(
    elderly_project, gov_fund, district_admin, community_worker, page
):
    services.allocate(elderly_project, source=gov_fund, amount="12345.60", by=district_admin)

    response = page(community_worker).get(URL)

    assert _titles(response) == ["银龄助餐"]
    assert response.context["money_column"] is False
    assert "12,345.60" not in _html(response)
    assert "预算（元）" not in _html(response)


def test_list_refuses_those_who_neither_read_projects_nor_lead_an_organization(
    elderly_project, grid_member, outsider, page
):
    assert page(grid_member).get(URL).status_code == 403
    assert page(outsider).get(URL).status_code == 403


def test_list_filters_by_status_category_programme_year_and_area(tree, district_admin, page):
    programme = services.create_programme(
        name="微民生·益起来", year=2026, publisher="区委社会工作部", area=tree["D"], by=district_admin
    )
    _project(tree, district_admin, "银龄助餐", area="G1", programme=programme)
    _project(tree, district_admin, "四点半课堂", area="C2", category="childcare", year=2025)
    _project(tree, district_admin, "就业驿站", area="S1", category="employment", publish=False, year=2026)
    client = page(district_admin)

    assert _titles(client.get(URL, {"status": "draft"})) == ["就业驿站"]
    assert _titles(client.get(URL, {"category": "childcare"})) == ["四点半课堂"]
    assert _titles(client.get(URL, {"programme": programme.pk})) == ["银龄助餐"]
    assert _titles(client.get(URL, {"year": "2025"})) == ["四点半课堂"]
    assert sorted(_titles(client.get(URL, {"area": "S1"}))) == ["就业驿站", "银龄助餐"]
    assert _titles(client.get(URL, {"q": "课堂"})) == ["四点半课堂"]
    missing = client.get(URL, {"area": "NOPE"})
    assert _titles(missing) == []
    assert "没有找到该区域编码。" in _html(missing)


def test_list_filters_answer_htmx_with_the_results_only(tree, district_admin, page):
    _project(tree, district_admin, "银龄助餐")

    response = page(district_admin).get(URL, {"category": "elderly"}, HTTP_HX_REQUEST="true")

    assert "<html" not in _html(response)
    assert "银龄助餐" in _html(response)
    assert "HX-Request" in response["Vary"]


def test_org_leader_sees_claimable_and_own_projects_in_tabs(
    tree, elderly_project, childcare_project, org, org_leader, other_org, district_admin, page
):
    taken = _project(tree, district_admin, "助老陪诊", area="G1")
    services.claim_project(taken, organization=org, by=org_leader)
    elsewhere = _project(tree, district_admin, "灵峰助餐", area="C2")
    client = page(org_leader)

    everything = client.get(URL)
    claimable = client.get(URL, {"tab": "claimable"})
    mine = client.get(URL, {"tab": "mine"})

    assert everything.status_code == 200
    assert "可认领的项目" in _html(everything)
    assert sorted(_titles(everything)) == ["助老陪诊", "银龄助餐"]
    assert _titles(claimable) == ["银龄助餐"]
    assert _titles(mine) == ["助老陪诊"]
    assert elsewhere.title not in _html(claimable)


def test_claimable_tab_keeps_projects_with_places_left(
    tree, org, org_leader, other_org, other_org_leader, district_admin, page
):
    shared = _project(tree, district_admin, "社区食堂", max_claimants=2)
    full = _project(tree, district_admin, "助浴服务")
    services.claim_project(shared, organization=other_org, by=other_org_leader)
    services.claim_project(full, organization=other_org, by=other_org_leader)

    response = page(org_leader).get(URL, {"tab": "claimable"})

    assert _titles(response) == ["社区食堂"]


def test_tabs_are_ignored_for_someone_who_leads_no_organization(elderly_project, street_admin, page):
    response = page(street_admin).get(URL, {"tab": "claimable"})

    assert response.context["tab"] == "all"
    assert "可认领的项目" not in _html(response)


def test_top_bar_links_to_projects_for_readers_and_organization_leaders(
    elderly_project, org, org_leader, street_admin, grid_member, page
):
    link = f'<a href="{URL}"'

    assert link in _html(page(street_admin).get("/"))
    assert link in _html(page(org_leader).get("/"))
    assert link not in _html(page(grid_member).get("/"))


def test_list_query_count_does_not_grow(tree, gov_fund, district_admin, org, org_leader, page):
    def count(user, params=None) -> tuple[int, int]:
        client = page(user)
        client.get(URL, params)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(URL, params)
        assert response.status_code == 200
        return len(queries), len(response.context["projects"])

    for i in range(3):
        project = _project(tree, district_admin, f"项目{i:02d}")
        services.allocate(project, source=gov_fund, amount="100", by=district_admin)
    few = count(district_admin), count(org_leader, {"tab": "claimable"})
    for i in range(3, 30):
        project = _project(tree, district_admin, f"项目{i:02d}")
        services.allocate(project, source=gov_fund, amount="100", by=district_admin)
        if i % 2:
            services.claim_project(project, organization=org, by=org_leader)
    many = count(district_admin), count(org_leader, {"tab": "claimable"})

    assert [n for n, _rows in few] == [n for n, _rows in many]
    assert [rows for _n, rows in few] == [3, 3]
    assert [rows for _n, rows in many] == [30, 16]
    # session, user, perms (2), roles, led organizations, programmes, count, rows, areas, menu
    assert many[0][0] <= 12  # incl. the second-factor device (django-otp), once per request
