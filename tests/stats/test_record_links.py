""" "The records behind every figure": each dashboard figure links to a list page with
``?under=CODE`` and the workspace's queues with ``?area=CODE``; the page must list the
records of that area's subtree alone — and only for an area the user can see."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases.models import CaseCategory
from gongzhi.cases.services import report_case
from gongzhi.projects import services as project_services
from gongzhi.stats.indicators import INDICATORS
from gongzhi.stats.workspace import workspace_counts
from gongzhi.volunteers import services as volunteer_services
from tests.factories import make_person
from tests.projects.conftest import make_org
from tests.stats.test_workspace import _one_of_everything
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("stats:dashboard")
TODAY = timezone.localdate()
RECORD_PAGES = sorted({ind.records_url for ind in INDICATORS.values() if ind.records_url})


def _street_records(tree, community: str, grid: str, suffix: str, *, by, gov_fund, category) -> None:
    """One record of each kind in ``community`` / ``grid``, through the services: an
    organization, a published project with money, a volunteer, an activity, a pending service
    record, a wish and a reported case."""
    area, cell = tree[community], tree[grid]
    org = make_org(area, f"读书会{suffix}")
    project = project_services.create_project(
        title=f"银龄助餐{suffix}", lifecycle_category="elderly", area=area, by=by
    )
    project = project_services.publish_project(project, by=by)
    project_services.allocate(project, source=gov_fund, amount="1000", by=by)
    person = make_person(grid=cell, name=f"志愿者{suffix}")
    volunteer = volunteer_services.register_volunteer(person, by=by, organizations=[org])
    volunteer_services.create_activity(
        by=by,
        organizer=org,
        title=f"敬老理发{suffix}",
        category="elder_care",
        area=area,
        place="活动室",
        starts_at=at(1, 9),
        ends_at=at(1, 11),
        capacity=5,
    )
    volunteer_services.add_manual_record(
        volunteer, by=by, organization=org, served_on=TODAY, hours="2", content="清扫", reason="补录"
    )
    volunteer_services.post_wish(
        by=by,
        beneficiary=make_person(grid=cell, name=f"心愿人{suffix}"),
        title=f"一套字典{suffix}",
        category="daily",
        estimated_value="50",
        expires_on=TODAY + datetime.timedelta(days=20),
    )
    report_case(category=category, description="楼道堆物", source="grid_member", by=by, grid=cell)


@pytest.fixture
def records(tree, district_admin, gov_fund):
    category = CaseCategory.objects.create(code="0101", name="占道堆物")
    for community, grid, suffix in (("C1", "G1", "一"), ("C2", "G3", "二")):
        _street_records(
            tree, community, grid, suffix, by=district_admin, gov_fund=gov_fund, category=category
        )
    return tree


@pytest.fixture
def queues(tree, club, leader, ann):
    _one_of_everything(tree, "S1", "C1", "G1", suffix="一", club=club, leader=leader, volunteer=ann)
    _one_of_everything(tree, "S2", "C2", "G3", suffix="二", club=club, leader=leader, volunteer=ann)
    return tree


def _listed_areas(response) -> list:
    """The area of every row the list page shows (the page reached after redirects)."""
    ctx = response.context
    name = response.resolver_match.view_name
    if name in ("organizations:directory", "organizations:annual_reports"):
        return [org.area for org in ctx["orgs"]]
    if name in ("projects:list", "projects:ledger"):
        return [project.area for project in ctx["projects"]]
    if name == "volunteers:list":
        return [volunteer.person.area for volunteer in ctx["volunteers"]]
    if name == "volunteers:activities":
        return [activity.area for activity in ctx["activities"]]
    if name == "volunteers:records":
        return [row["record"].area for row in ctx["rows"]]
    if name == "volunteers:wishes":
        return [wish.area for wish in ctx["wishes"]]
    if name == "organizations:filings":
        return [row["application"].organization.area for row in ctx["rows"]]
    if name == "cases:queue":
        return [row.case.grid for row in ctx["rows"]]
    if name == "cases:board":
        return [row.case.grid for group in ctx["groups"] for row in group["rows"]]
    if name == "areas:detail":
        return [ctx["area"], *ctx["children_page"].object_list]
    if name == "areas:index":
        return list(ctx["roots"])
    raise AssertionError(f"no row reader for {name}")


def _inside(areas, street) -> list:
    return [a.code for a in areas if a.path.startswith(street.path)]


def test_every_indicator_with_records_links_from_the_dashboard(records, district_admin, page):
    response = page(district_admin).get(DASHBOARD, {"area": "S1"})

    links = {card["name"]: card["url"] for group in response.context["groups"] for card in group["cards"]}
    expected = {name for name, ind in INDICATORS.items() if ind.records_url}
    assert {name for name, url in links.items() if url} == expected
    assert "organizations_per_10k" in expected
    assert links["organizations_per_10k"] == f"{reverse('organizations:directory')}?under=S1"


@pytest.mark.parametrize("name", sorted(n for n, ind in INDICATORS.items() if ind.records_url))
def test_each_figure_opens_the_records_of_its_area(records, district_admin, page, name):
    client = page(district_admin)
    card = next(
        card
        for group in client.get(DASHBOARD, {"area": "S1"}).context["groups"]
        for card in group["cards"]
        if card["name"] == name
    )

    response = client.get(card["url"], follow=True)

    assert response.status_code == 200
    listed = _listed_areas(response)
    assert _inside(listed, records["S1"]), f"{name}: no S1 record on {card['url']}"
    assert _inside(listed, records["S2"]) == [], f"{name}: S2 records on {card['url']}"


@pytest.mark.parametrize("url_name", RECORD_PAGES)
def test_the_district_sees_the_other_street_alone_when_asked(records, district_admin, page, url_name):
    # S2's records are there to be seen, so the street admin's empty answer below means something.
    response = page(district_admin).get(reverse(url_name), {"under": "S2"}, follow=True)

    listed = _listed_areas(response)
    assert _inside(listed, records["S2"])
    assert _inside(listed, records["S1"]) == []


@pytest.mark.parametrize("url_name", RECORD_PAGES)
@pytest.mark.parametrize("param", ["under", "area"])
def test_a_street_admin_never_sees_another_streets_records(records, street_admin, page, url_name, param):
    response = page(street_admin).get(reverse(url_name), {param: "S2"}, follow=True)

    assert response.status_code == 200
    assert _inside(_listed_areas(response), records["S2"]) == []


def test_an_area_outside_the_jurisdiction_is_reported_not_found(records, street_admin, page):
    client = page(street_admin)

    directory = client.get(reverse("organizations:directory"), {"under": "S2"})
    activities = client.get(reverse("volunteers:activities"), {"under": "S2"})
    projects = client.get(reverse("projects:list"), {"under": "S2"})

    assert directory.context["area_missing"]
    assert activities.context["area_missing"]
    assert projects.context["area_missing"]
    assert "不在您的管辖范围内" in activities.content.decode()


def test_the_filter_forms_keep_the_area_and_its_own_filters(records, district_admin, page):
    client = page(district_admin)

    directory = client.get(reverse("organizations:directory"), {"under": "S1", "q": "读书会"})
    wishes = client.get(reverse("volunteers:wishes"), {"under": "S1", "status": "posted"})

    assert [o.name for o in directory.context["orgs"]] == ["读书会一"]
    assert directory.context["form"]["area"].value() == "S1"
    assert [w.title for w in wishes.context["wishes"]] == ["一套字典一"]
    assert '<input type="hidden" name="under" value="S1">' in wishes.content.decode()
    assert (
        client.get(reverse("volunteers:wishes"), {"under": "S1", "status": "claimed"}).context["wishes"] == []
    )


def test_pagination_carries_the_area(tree, district_admin, page):
    for n in range(31):
        make_org(tree["C1"], f"百合组织{n:02d}")
    make_org(tree["C2"], "灵峰组织")

    response = page(district_admin).get(reverse("organizations:directory"), {"under": "S1"})

    assert response.context["page"].paginator.count == 31
    assert 'href="?under=S1&amp;page=2"' in response.content.decode()


def test_cases_index_keeps_the_query_string(records, district_admin, page):
    response = page(district_admin).get(reverse("cases:index"), {"under": "S1"})

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('cases:queue')}?under=S1"


def test_areas_index_opens_the_area_asked_for(records, district_admin, street_admin, page):
    opened = page(district_admin).get(reverse("areas:index"), {"under": "S2"})
    refused = page(street_admin).get(reverse("areas:index"), {"under": "S2"})

    assert opened.status_code == 302
    assert opened["Location"] == reverse("areas:detail", args=["S2"])
    assert refused.status_code == 200
    assert refused.context["area_missing"]


def test_workspace_links_keep_the_area_filter(queues, district_admin, page):
    client = page(district_admin)
    items = workspace_counts(district_admin, queues["S1"])
    assert len(items) == 10

    for item in items:
        response = client.get(item.url)
        assert response.status_code == 200, item.url
        listed = _listed_areas(response)
        assert _inside(listed, queues["S1"]), f"{item.key}: no S1 row on {item.url}"
        assert _inside(listed, queues["S2"]) == [], f"{item.key}: S2 rows on {item.url}"
