"""The dashboard and the wall screen: figures from a hand-made data set, drill-down, access,
justice figures, the map's data and a query count that does not grow with the records."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from gongzhi.areas.services import update_area
from gongzhi.cases.models import Case, CaseCategory
from gongzhi.cases.services import report_case
from gongzhi.projects import services as project_services
from gongzhi.stats.indicators import overview
from gongzhi.stats.views import choose_period
from gongzhi.volunteers import services as volunteer_services
from tests.cases.conftest import G1_POINT, G2_POINT, G3_POINT, square
from tests.factories import make_person
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

DASHBOARD = "/stats/"
SCREEN = "/stats/screen/"
TODAY = timezone.localdate()


def _report(clutter, by, point):
    return report_case(
        category=clutter,
        description="人行道堆放建筑垃圾",
        source="grid_member",
        by=by,
        lat=point[0],
        lng=point[1],
    )


def _overdue(case):
    Case.objects.filter(pk=case.pk).update(stage_deadline=timezone.now() - datetime.timedelta(hours=1))


def make_data(tree, *, district_admin, grid_member, org, org_leader, gov_fund, ann, club, leader):
    """One record of each kind, by hand, on the tree with square grids (as in tests/cases):
    organizations 夕阳红服务社 and 红领之家 (filed, C1), 灵峰公益社 (registered, C2);
    project 银龄助餐 (C1) with 30,000 yuan and a delivery for 20 people / 40 person-times;
    安娜 (a party member, G1) with an approved record of 2.5 hours;
    an overdue case in G1 and an open case in G3 (both with their position)."""
    clutter = CaseCategory.objects.create(code="0101", name="占道堆物")
    for code, (lat, lng) in {"G1": G1_POINT, "G2": G2_POINT, "G3": G3_POINT}.items():
        tree[code] = update_area(tree[code], boundary=square(round(lng - 0.005, 3), round(lat - 0.005, 3)))
    make_org(tree["C2"], "灵峰公益社", status="registered")
    project = project_services.create_project(
        title="银龄助餐", lifecycle_category="elderly", area=tree["C1"], by=district_admin
    )
    project = project_services.publish_project(project, by=district_admin)
    project_services.allocate(project, source=gov_fund, amount="30000", by=district_admin)
    project_services.claim_project(project, organization=org, by=org_leader)
    project_services.start_project(project, by=org_leader)
    project_services.report_delivery(
        project, by=org_leader, title="首次助餐", held_on=TODAY, beneficiaries=20, person_times=40
    )
    record = volunteer_services.add_manual_record(
        ann, by=leader, organization=club, served_on=TODAY, hours="2.5", content="清扫", reason="补录"
    )
    volunteer_services.approve_record(record, by=leader)
    _overdue(_report(clutter, grid_member, G1_POINT))
    _report(clutter, district_admin, G3_POINT)
    return tree


@pytest.fixture
def data(tree, settings, tmp_path, district_admin, grid_member, org, org_leader, gov_fund, ann, club, leader):
    settings.MEDIA_ROOT = tmp_path / "media"
    return make_data(
        tree,
        district_admin=district_admin,
        grid_member=grid_member,
        org=org,
        org_leader=org_leader,
        gov_fund=gov_fund,
        ann=ann,
        club=club,
        leader=leader,
    )


@pytest.fixture
def clutter(data):
    return CaseCategory.objects.get(code="0101")


def _card(response, name: str) -> str:
    (card,) = [c for group in response.context["groups"] for c in group["cards"] if c["name"] == name]
    return card


# --- figures ---------------------------------------------------------------------------------


def test_dashboard_shows_the_districts_figures(data, district_admin, page):
    response = page(district_admin).get(DASHBOARD)

    assert response.status_code == 200
    assert response.context["area"].code == "D"
    values = response.context["values"]
    assert {k: str(values[k]) for k in values} == {
        "population": "2500",
        "organizations_registered": "1",
        "organizations_filed": "2",
        "organizations_total": "3",
        "organizations_per_10k": "12.0",
        "organizations_serving": "1",
        "projects": "1",
        "project_funds": "30000.00",
        "participants": "20",
        "person_times_served": "40",
        "volunteers": "1",
        "volunteers_party_members": "1",
        "activities": "0",
        "service_records": "1",
        "service_hours": "2.50",
        "cases_reported": "2",
        "cases_closed": "0",
        "grid_resolution_rate": "None",
        "street_resolution_rate": "None",
        "on_time_close_rate": "None",
        "cases_overdue": "1",
        "wishes_posted": "0",
        "wishes_fulfilled": "0",
    }
    assert [_card(response, n)["display"] for n in ("population", "project_funds", "service_hours")] == [
        "2,500",
        "30,000",
        "2.5",
    ]
    html = response.content.decode()
    assert '<li data-indicator="service_hours">' in html
    assert '<strong class="figure-value">2.5</strong>' in html
    assert '<strong class="figure-value">—</strong>' in html  # a rate over no closed cases


def test_every_card_links_to_the_records_behind_it(data, district_admin, page):
    response = page(district_admin).get(DASHBOARD)

    assert _card(response, "service_hours")["url"] == reverse("volunteers:records") + "?under=D"
    assert _card(response, "cases_overdue")["url"] == reverse("cases:index") + "?under=D"
    assert _card(response, "project_funds")["url"] == reverse("projects:ledger") + "?under=D"
    assert f'href="{reverse("volunteers:list")}?under=D"' in response.content.decode()


def test_the_figures_are_the_registrys(data, district_admin, page):
    period = choose_period({}).period

    response = page(district_admin).get(DASHBOARD)

    assert response.context["overview"] == overview(data["D"], period)


def test_charts_carry_the_trends_and_breakdowns(data, district_admin, page):
    response = page(district_admin).get(DASHBOARD)

    charts = response.context["charts"]
    months = charts["trend_cases"]["xAxis"]["data"]
    assert months[-1] == f"{TODAY:%Y-%m}"
    assert len(months) == TODAY.month
    reported, closed = (s["data"] for s in charts["trend_cases"]["series"])
    assert (reported[-1], sum(reported), sum(closed)) == (2, 2, 0)
    person_times, hours = (s["data"] for s in charts["trend_service"]["series"])
    assert (person_times[-1], hours[-1], charts["trend_service"]["series"][1]["yAxisIndex"]) == (40, 2.5, 1)
    assert charts["children"]["xAxis"]["data"] == ["新碶街道", "大碶街道"]
    assert [s["data"] for s in charts["children"]["series"]] == [[2, 1], [1, 0], [40, 0], [2.5, 0.0], [1, 1]]
    assert charts["lifecycle"]["series"][0]["data"] == [{"name": "老有所养", "value": 1}]
    assert charts["funds"]["series"][0]["data"] == [{"name": "政府购买服务", "value": 30000.0}]
    # The options travel as JSON for stats.js.
    html = response.content.decode()
    start = html.index('<script id="stats-charts" type="application/json">')
    payload = html[html.index(">", start) + 1 : html.index("</script>", start)]
    assert json.loads(payload)["funds"] == charts["funds"]
    assert 'data-chart="trend_cases"' in html
    assert "vendor/echarts/echarts.min.js" in html


# --- drill-down ------------------------------------------------------------------------------


def test_children_drill_down_street_community_grid(data, district_admin, page):
    client = page(district_admin)

    district = client.get(DASHBOARD)
    rows = [(r["name"], r["url"], [c for _label, c in r["cells"]]) for r in district.context["children"]]
    assert rows == [
        ("新碶街道", "/stats/?area=S1", ["2", "1", "40", "2.5", "1"]),
        ("大碶街道", "/stats/?area=S2", ["1", "0", "0", "0", "1"]),
    ]
    street = client.get(rows[0][1])
    zone = client.get(street.context["children"][0]["url"])
    community = client.get(zone.context["children"][0]["url"])
    grid = client.get(community.context["children"][0]["url"])

    assert [r.context["area"].code for r in (street, zone, community, grid)] == ["S1", "Z1", "C1", "G1"]
    assert [c["url"] for c in grid.context["breadcrumbs"]] == [
        "/stats/?area=D",
        "/stats/?area=S1",
        "/stats/?area=Z1",
        "/stats/?area=C1",
    ]
    # The organizations lie on 百合社区 itself: a row of its own, so the rows add up.
    assert [
        (r["code"], r["own"], r["values"]["organizations_total"]) for r in community.context["children"]
    ] == [
        ("G1", False, 0),
        ("G2", False, 0),
        ("C1", True, 2),
    ]
    assert grid.context["children"] == []
    assert "网格是最末一级" in grid.content.decode()
    assert grid.context["values"]["cases_reported"] == 1


def test_drill_down_keeps_the_period(data, district_admin, page):
    response = page(district_admin).get(DASHBOARD, {"period": "month"})

    assert response.context["period"].start == TODAY.replace(day=1)
    assert response.context["children"][0]["url"] == "/stats/?area=S1&period=month"


def test_a_district_breaks_down_into_its_streets(data, district_admin, page):
    client = page(district_admin)

    totals = client.get(DASHBOARD).context["values"]
    streets = [client.get(DASHBOARD, {"area": code}).context["values"] for code in ("S1", "S2")]

    for name in ("organizations_total", "projects", "person_times_served", "service_hours", "cases_reported"):
        assert totals[name] == sum(s[name] for s in streets), name


# --- period ----------------------------------------------------------------------------------


def test_choose_period_presets_and_custom():
    today = datetime.date(2026, 11, 27)

    assert choose_period({}, today).period == choose_period({"period": "year"}, today).period
    assert (choose_period({}, today).period.start, choose_period({}, today).preset) == (
        datetime.date(2026, 1, 1),
        "year",
    )
    month = choose_period({"period": "month"}, today)
    assert (month.period.start, month.period.end, month.query) == (
        datetime.date(2026, 11, 1),
        today,
        {"period": "month"},
    )
    custom = choose_period({"from": "2025-03-01", "to": "2025-05-31"}, today)
    assert (custom.preset, custom.period.start, custom.period.end) == (
        "custom",
        datetime.date(2025, 3, 1),
        datetime.date(2025, 5, 31),
    )
    assert choose_period({"from": "2026-05-01", "to": "2026-04-01"}, today).problem
    assert choose_period({"from": "2026-02-30"}, today).problem
    assert choose_period({"from": "2020-01-01", "to": "2026-01-01"}, today).problem


def test_a_custom_period_outside_the_records_shows_zeros(data, district_admin, page):
    last_year = TODAY.year - 1
    response = page(district_admin).get(DASHBOARD, {"from": f"{last_year}-01-01", "to": f"{last_year}-12-31"})

    values = response.context["values"]
    assert (values["cases_reported"], values["service_hours"], values["population"]) == (0, 0, 2500)
    assert len(response.context["charts"]["trend_cases"]["xAxis"]["data"]) == 12
    assert f'value="{last_year}-01-01"' in response.content.decode()


def test_a_refused_period_says_why(data, district_admin, page):
    response = page(district_admin).get(DASHBOARD, {"from": "2026-05-01", "to": "2026-04-01"})

    assert response.status_code == 200
    assert "开始日期不能晚于结束日期" in response.content.decode()
    assert response.context["choice"].preset == "year"


# --- access ----------------------------------------------------------------------------------


def test_a_street_admin_sees_their_street_and_not_another(data, street_admin, page):
    client = page(street_admin)

    own = client.get(DASHBOARD)
    other = client.get(DASHBOARD, {"area": "S2"})
    up = client.get(DASHBOARD, {"area": "D"})

    assert own.context["area"].code == "S1"
    assert own.context["values"]["cases_reported"] == 1
    assert own.context["breadcrumbs"] == [{"name": "北仑区", "url": ""}]
    assert (other.status_code, up.status_code) == (404, 404)


def test_an_outsider_gets_not_found_and_a_visitor_the_sign_in(data, outsider, page):
    assert page(outsider).get(DASHBOARD).status_code == 404
    assert page(outsider).get(SCREEN).status_code == 404
    anonymous = page().get(DASHBOARD)
    assert (anonymous.status_code, anonymous["Location"]) == (302, "/login/?next=/stats/")


def test_an_unknown_area_is_not_found(data, district_admin, page):
    assert page(district_admin).get(DASHBOARD, {"area": "NOPE"}).status_code == 404


def test_the_nav_links_to_the_dashboard(data, district_admin, page):
    html = page(district_admin).get(DASHBOARD).content.decode()

    assert '<a href="/stats/" aria-current="page">统计</a>' in html


# --- justice figures ---------------------------------------------------------------------------


def _corrections(tree, club, justice_officer, grid_code: str, n: int):
    from gongzhi.volunteers import services

    for i in range(n):
        person = make_person(grid=tree[grid_code], name=f"矫正{grid_code}{i}")
        services.assign_correction(
            person, by=justice_officer, organization=club, starts_on=TODAY - datetime.timedelta(days=30)
        )


def test_justice_figures_only_for_the_justice_role(data, club, justice_officer, street_admin, page):
    _corrections(data, club, justice_officer, "G1", 6)

    justice = page(justice_officer).get(DASHBOARD)
    admin = page(street_admin).get(DASHBOARD)

    assert justice.context["area"].code == "S1"
    assert justice.context["justice"]["figures"].served == 6
    assert "社区矫正志愿服务" in justice.content.decode()
    assert admin.context["justice"] is None
    assert "社区矫正" not in admin.content.decode()
    assert "矫正" not in page(street_admin).get(SCREEN).content.decode()


def test_justice_figures_are_not_broken_down_below_min_cell(data, club, justice_officer, page):
    _corrections(data, club, justice_officer, "G1", 2)
    _corrections(data, club, justice_officer, "G2", 5)
    client = page(justice_officer)

    street = client.get(DASHBOARD)  # the top of the jurisdiction: the total is shown
    community = client.get(DASHBOARD, {"area": "C1"})
    grid = client.get(DASHBOARD, {"area": "G1"})

    assert (street.context["justice"]["suppressed"], street.context["justice"]["figures"].served) == (
        False,
        7,
    )
    # G1 (2 people) is suppressed, and G2 too: otherwise 7 − 5 would give G1 away.
    assert [(r["name"], r["suppressed"]) for r in community.context["justice"]["rows"]] == [
        ("百合一网格", True),
        ("百合二网格", True),
    ]
    assert grid.context["justice"]["suppressed"] is True
    html = grid.content.decode()
    assert "不足 5 人，不予显示" in html
    assert 'data-indicator="correction_served"' not in html


def test_justice_rows_are_shown_when_every_cell_is_large_enough(data, club, justice_officer, page):
    _corrections(data, club, justice_officer, "G1", 5)
    _corrections(data, club, justice_officer, "G2", 6)

    rows = page(justice_officer).get(DASHBOARD, {"area": "C1"}).context["justice"]["rows"]

    assert [(r["name"], r["suppressed"], r["figures"].served) for r in rows] == [
        ("百合一网格", False, 5),
        ("百合二网格", False, 6),
    ]


# --- map -------------------------------------------------------------------------------------


def test_the_map_colours_grids_by_open_and_overdue_cases(data, district_admin, page):
    response = page(district_admin).get(DASHBOARD)

    states = {g["code"]: (g["state"], g["open"], g["overdue"]) for g in response.context["map"]["grids"]}
    assert states == {"G1": ("overdue", 1, 1), "G2": ("clear", 0, 0), "G3": ("open", 1, 0)}
    points = response.context["map"]["points"]
    assert sorted((p["lat"], p["lng"], p["overdue"]) for p in points) == [
        (*G1_POINT, True),
        (*G3_POINT, False),
    ]
    # The map's overdue cases are the "当前超期事件" figure.
    assert (
        sum(g["overdue"] for g in response.context["map"]["grids"])
        == response.context["values"]["cases_overdue"]
    )
    assert response.context["map"]["grids"][0]["url"] == "/stats/?area=G1"
    assert 'id="stats-map"' in response.content.decode()


def test_a_grid_without_boundary_is_drawn_at_its_centre_or_counted(data, district_admin, page):
    from gongzhi.areas.models import Area

    Area.objects.filter(code="G2").update(boundary=None, center_lat=G2_POINT[0], center_lng=G2_POINT[1])
    Area.objects.filter(code="G3").update(boundary=None, center_lat=None, center_lng=None)

    response = page(district_admin).get(DASHBOARD)

    by_code = {g["code"]: g for g in response.context["map"]["grids"]}
    assert sorted(by_code) == ["G1", "G2"]
    assert (by_code["G2"]["boundary"], by_code["G2"]["centre"]) == (None, list(G2_POINT))
    assert response.context["map"]["unplaced"] == 1
    assert "1 个网格尚未录入边界或中心点" in response.content.decode()


def test_no_case_layer_without_the_right_to_see_cases(data, finance, page):
    response = page(finance).get(DASHBOARD)

    assert response.context["map"]["points"] == []
    assert {g["state"] for g in response.context["map"]["grids"]} == {"unknown"}
    assert "您无权查看事件" in response.content.decode()


# --- the wall screen ---------------------------------------------------------------------------


def test_the_screen_shows_the_figures_and_refreshes_itself(data, district_admin, page):
    response = page(district_admin).get(SCREEN, {"area": "S1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["area"].code == "S1"
    assert 'data-theme="dark"' in html
    assert 'hx-get="/stats/screen/body/?area=S1" hx-trigger="every 60s"' in html
    assert '<nav class="container"' not in html  # no navigation chrome
    assert '<strong class="figure-value">2.5</strong>' in html
    assert 'data-chart="trend_cases"' in html
    assert 'id="stats-map"' in html


def test_the_screen_body_is_the_refreshed_part(data, district_admin, page):
    response = page(district_admin).get("/stats/screen/body/", {"area": "S1"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert '<li data-indicator="cases_reported">' in html
    assert "基层治理指挥中心" in html


def test_a_signed_out_screen_reloads_instead_of_swapping_the_sign_in_form(page):
    response = page().get("/stats/screen/body/")

    assert (response.status_code, response["HX-Refresh"]) == (204, "true")


# --- cost ------------------------------------------------------------------------------------


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(DASHBOARD).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_records(
    data, clutter, district_admin, grid_member, ann, club, leader, page
):
    client = page(district_admin)
    client.get(DASHBOARD)  # warm the caches of the first request (content types, sessions)
    small = _queries(client)

    for i in range(5):
        make_org(data["C2"], f"新组织{i}")
        case = _report(clutter, grid_member, G1_POINT)
        if i % 2:
            _overdue(case)
        _report(clutter, district_admin, G3_POINT)
        record = volunteer_services.add_manual_record(
            ann, by=leader, organization=club, served_on=TODAY, hours="1", content="巡逻", reason="补录"
        )
        volunteer_services.approve_record(record, by=leader)
        project = project_services.create_project(
            title=f"项目{i}", lifecycle_category="childcare", area=data["C2"], by=district_admin
        )
        project_services.publish_project(project, by=district_admin)
    larger = _queries(client)

    assert client.get(DASHBOARD).context["values"]["cases_reported"] == 12
    assert larger == small
