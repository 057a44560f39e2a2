"""Who may read which area's figures, the defaults, and the parameters' error messages.

Data that could leak lies in both streets: an organization and a volunteer in each."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.accounts.services import assign_role
from gongzhi.stats.indicators import INDICATORS
from gongzhi.volunteers import services as volunteers
from tests.factories import UserFactory, make_person
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

STATS = "/api/v1/stats/"
TODAY = timezone.localdate()
ENDPOINTS = ("overview", "timeseries", "breakdown")


def error(response) -> dict:
    return response.json()["error"]


@pytest.fixture
def figures(tree, club, ann, district_admin):
    """Organizations and volunteers in S1 (红领之家, 安娜) and S2 (灵峰公益, 丁丁)."""
    lingfeng = make_org(tree["C2"], "灵峰公益")
    dan = make_person(grid=tree["G3"], name="丁丁")
    volunteers.register_volunteer(dan, by=district_admin, organizations=[lingfeng])
    return tree


def test_a_street_admin_reads_their_street(figures, api, street_admin):
    body = api(street_admin).get(f"{STATS}overview/", {"area": "S1"}).json()

    assert (body["area"], body["organizations"]["total"], body["volunteers"]["total"]) == ("S1", 1, 1)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize("code", ["S2", "C2", "G3", "D", "NOPE"])
def test_a_street_admin_cannot_read_another_street(figures, api, street_admin, endpoint, code):
    response = api(street_admin).get(f"{STATS}{endpoint}/", {"area": code, "indicator": "volunteers"})

    assert response.status_code == 404
    assert error(response)["code"] == "not_found"
    assert "volunteers" not in response.json()


def test_without_an_area_the_callers_top_area_is_used(
    figures, api, street_admin, grid_member, district_admin
):
    assert api(street_admin).get(f"{STATS}overview/").json()["area"] == "S1"
    assert api(grid_member).get(f"{STATS}overview/").json()["area"] == "G1"
    assert api(district_admin).get(f"{STATS}overview/").json()["area"] == "D"


def test_without_dates_the_period_is_the_year_to_date(figures, api, street_admin):
    body = api(street_admin).get(f"{STATS}overview/", {"from": "", "to": ""}).json()

    assert (body["from"], body["to"]) == (datetime.date(TODAY.year, 1, 1).isoformat(), TODAY.isoformat())


def test_with_only_to_the_period_starts_on_the_first_of_january(figures, api, street_admin):
    body = api(street_admin).get(f"{STATS}overview/", {"to": "2025-06-30"}).json()

    assert (body["from"], body["to"]) == ("2025-01-01", "2025-06-30")


def test_an_outsider_sees_no_area(figures, api, outsider):
    named = api(outsider).get(f"{STATS}overview/", {"area": "S1"})
    unnamed = api(outsider).get(f"{STATS}overview/")

    assert (named.status_code, error(named)["code"]) == (404, "not_found")
    assert (unnamed.status_code, error(unnamed)["code"]) == (403, "permission_denied")
    assert "辖区" in error(unnamed)["message"]


def test_a_stranger_must_sign_in(figures, api):
    response = api().get(f"{STATS}overview/", {"area": "D"})

    assert (response.status_code, error(response)["code"]) == (401, "not_authenticated")


def test_a_superuser_without_roles_starts_at_the_root(figures, api):
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)

    assert api(admin).get(f"{STATS}overview/").json()["area"] == "D"


# ---------------------------------------------------------------------------------------------
# Parameters


@pytest.mark.parametrize("param", ["from", "to"])
def test_a_bad_date_names_the_parameter(figures, api, district_admin, param):
    response = api(district_admin).get(f"{STATS}overview/", {param: "2026-13-01"})

    assert response.status_code == 400
    body = error(response)
    assert list(body["fields"]) == [param]
    assert f"参数 {param}" in body["message"]
    assert "YYYY-MM-DD" in body["message"]


def test_from_after_to_is_refused(figures, api, district_admin):
    response = api(district_admin).get(f"{STATS}overview/", {"from": "2026-05-01", "to": "2026-04-30"})

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "from": ["统计期开始日期 from（2026-05-01）不能晚于结束日期 to（2026-04-30）。"]
    }


def test_an_unknown_indicator_lists_the_valid_ones(figures, api, district_admin):
    response = api(district_admin).get(f"{STATS}timeseries/", {"indicator": "happiness"})

    assert response.status_code == 400
    (message,) = error(response)["fields"]["indicator"]
    assert message.startswith("未知的指标“happiness”。可用的指标：")
    assert all(name in message for name in INDICATORS)


def test_a_missing_indicator_says_which_parameter(figures, api, district_admin):
    response = api(district_admin).get(f"{STATS}breakdown/")

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["indicator"]


def test_only_monthly_series_are_offered(figures, api, district_admin):
    response = api(district_admin).get(f"{STATS}timeseries/", {"indicator": "volunteers", "interval": "week"})

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "interval": ["参数 interval 目前只支持 month（按月），不支持“week”。"]
    }


def test_a_series_longer_than_five_years_is_refused(figures, api, district_admin):
    response = api(district_admin).get(
        f"{STATS}timeseries/", {"indicator": "volunteers", "from": "2010-01-01", "to": "2026-01-31"}
    )

    assert response.status_code == 400
    assert "60" in error(response)["fields"]["from"][0]


def test_a_category_breakdown_needs_an_indicator_with_categories(figures, api, district_admin):
    response = api(district_admin).get(f"{STATS}breakdown/", {"indicator": "volunteers", "by": "category"})

    assert response.status_code == 400
    (message,) = error(response)["fields"]["by"]
    assert message == "指标 volunteers 没有按类别的分列；可按类别分列的指标：projects, project_funds。"


# ---------------------------------------------------------------------------------------------
# The registry


def test_the_registry_describes_every_indicator(api, street_admin):
    rows = api(street_admin).get(f"{STATS}indicators/").json()

    assert [r["name"] for r in rows] == list(INDICATORS)
    by_name = {r["name"]: r for r in rows}
    assert by_name["service_hours"] == {
        "name": "service_hours",
        "label": "志愿服务时长",
        "unit": "小时",
        "formula": "统计期内已认定记录的时长之和（含调整记录）",
        "period_rule": "按服务日期",
        "source": "志愿服务记录",
        "additive": True,
        "by_category": False,
        "records": "/volunteers/records/",
    }
    assert (by_name["on_time_close_rate"]["additive"], by_name["projects"]["by_category"]) == (False, True)
    assert by_name["organizations_per_10k"]["records"] == "/organizations/"


def test_the_registry_needs_a_sign_in(api):
    assert api().get(f"{STATS}indicators/").status_code == 401


def test_a_user_with_a_role_elsewhere_does_not_gain_sight(figures, api):
    c2_worker = UserFactory(username="c2_worker")
    assign_role(c2_worker, role="community_worker", area=figures["C2"])

    assert api(c2_worker).get(f"{STATS}overview/", {"area": "C1"}).status_code == 404
    assert api(c2_worker).get(f"{STATS}overview/").json()["area"] == "C2"
