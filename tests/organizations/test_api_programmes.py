"""Incubations, service platforms, annual reports, ratings and alliances through the API."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.organizations import services
from gongzhi.organizations.models import AnnualReport, Incubation, Organization, Rating, ServicePlatform
from tests.factories import make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db

LAST_YEAR = timezone.localdate().year - 1


def error(response):
    return response.json()["error"]


@pytest.fixture
def filed(ready, street_admin):
    services.approve_filing(services.apply_for_filing(ready, by=street_admin), by=street_admin)
    Organization.objects.filter(pk=ready.pk).update(filed_on=datetime.date(LAST_YEAR - 1, 6, 1))
    return Organization.objects.get(pk=ready.pk)


@pytest.fixture
def platform(tree):
    return ServicePlatform.objects.create(name="新碶街道社会组织服务中心", level="street", area=tree["S1"])


@pytest.fixture
def s2_org(tree, district_admin):
    org = services.create_organization(
        name="灵峰夕阳红",
        area=tree["C2"],
        by=district_admin,
        leader=make_person(grid=tree["G3"]),
        venue="活动室",
    )
    Organization.objects.filter(pk=org.pk).update(status="filed", filed_on=datetime.date(LAST_YEAR - 1, 1, 1))
    return Organization.objects.get(pk=org.pk)


# ---------------------------------------------------------------------------------------------
# Platforms and incubation


def test_platforms_are_scoped(api, community_worker, district_admin, platform, tree):
    ServicePlatform.objects.create(name="大碶街道社会组织服务中心", level="street", area=tree["S2"])

    street = [p["name"] for p in api(community_worker).get("/api/v1/service-platforms/").json()["results"]]
    district = [p["name"] for p in api(district_admin).get("/api/v1/service-platforms/").json()["results"]]

    assert street == []  # a community worker's jurisdiction is C1, below the street's platform
    assert district == ["新碶街道社会组织服务中心", "大碶街道社会组织服务中心"]


def test_incubation_enter_cultivate_graduate(api, street_admin, draft, platform):
    client = api(street_admin)

    entered = client.post(
        "/api/v1/incubations/", {"organization": draft.pk, "platform": platform.pk, "mentor": "王老师"}
    )
    again = client.post("/api/v1/incubations/", {"organization": draft.pk, "platform": platform.pk})
    pk = entered.json()["id"]
    wrong = client.post(f"/api/v1/incubations/{pk}/advance/", {"to": "graduated"})
    cultivating = client.post(f"/api/v1/incubations/{pk}/advance/", {"to": "cultivating"})
    graduated = client.post(
        f"/api/v1/incubations/{pk}/advance/", {"to": "graduated", "outcome": "已具备独立开展活动能力"}
    )

    assert entered.status_code == 201, entered.json()
    assert entered.json()["stage"] == "entered"
    assert again.status_code == 409
    assert wrong.status_code == 409
    assert cultivating.json()["stage"] == "cultivating"
    assert graduated.json()["stage"] == "graduated"
    assert graduated.json()["outcome"] == "已具备独立开展活动能力"
    draft.refresh_from_db()
    assert draft.is_incubating is False
    listed = client.get("/api/v1/incubations/").json()
    assert [i["organization_name"] for i in listed["results"]] == ["红领之家"]


def test_incubations_list_is_capped(api, district_admin, tree, platform, django_assert_max_num_queries):
    for i in range(6):
        org = services.create_organization(name=f"孵化{i}", area=tree["C1"], by=district_admin)
        services.enter_incubation(org, platform=platform, by=district_admin)
    client = api(district_admin)

    with django_assert_max_num_queries(5):
        response = client.get("/api/v1/incubations/")

    assert response.json()["count"] == 6


# ---------------------------------------------------------------------------------------------
# Annual reports


def test_submit_and_list_reports(api, community_worker, filed):
    client = api(community_worker)

    created = client.post(
        "/api/v1/annual-reports/",
        {"organization": filed.pk, "year": LAST_YEAR, "activities": 24, "members": 10, "income": "3200.00"},
    )
    duplicate = client.post("/api/v1/annual-reports/", {"organization": filed.pk, "year": LAST_YEAR})
    listed = client.get(f"/api/v1/annual-reports/?year={LAST_YEAR}&organization={filed.pk}").json()

    assert created.status_code == 201, created.json()
    assert created.json()["income"] == "3200.00"
    assert duplicate.status_code == 409
    assert [(r["organization_name"], r["year"], r["activities"]) for r in listed["results"]] == [
        ("红领之家", LAST_YEAR, 24)
    ]


def test_missing_reports_are_listed_in_scope(api, street_admin, district_admin, filed, s2_org, tree):
    reported = services.create_organization(name="已报组织", area=tree["G1"], by=district_admin)
    Organization.objects.filter(pk=reported.pk).update(
        status="filed", filed_on=datetime.date(LAST_YEAR, 1, 1)
    )
    AnnualReport.objects.create(organization=reported, year=LAST_YEAR)

    street = api(street_admin).get(f"/api/v1/annual-reports/missing/?year={LAST_YEAR}&under=S1")
    district = api(district_admin).get(f"/api/v1/annual-reports/missing/?year={LAST_YEAR}&under=D")
    outside = api(street_admin).get(f"/api/v1/annual-reports/missing/?year={LAST_YEAR}&under=S2")

    assert street.status_code == 200, street.json()
    assert [o["name"] for o in street.json()["results"]] == ["红领之家"]
    assert [o["name"] for o in district.json()["results"]] == ["灵峰夕阳红", "红领之家"]
    assert outside.status_code == 404


# ---------------------------------------------------------------------------------------------
# Ratings


def test_rating_is_refused_with_a_missing_report_then_history_kept(api, district_admin, filed):
    client = api(district_admin)
    today = timezone.localdate()

    refused = client.post(
        "/api/v1/ratings/", {"organization": filed.pk, "level": "3A", "score": "720", "rated_on": str(today)}
    )
    AnnualReport.objects.create(organization=filed, year=today.year - 1)
    first = client.post(
        "/api/v1/ratings/",
        {
            "organization": filed.pk,
            "level": "3A",
            "score": "720",
            "rated_on": str(today - datetime.timedelta(1)),
        },
    )
    second = client.post(
        "/api/v1/ratings/", {"organization": filed.pk, "level": 4, "score": "810.5", "rated_on": str(today)}
    )
    history = client.get(f"/api/v1/ratings/?organization={filed.pk}").json()

    assert refused.status_code == 400
    assert error(refused)["message"] == f"该组织缺少 {today.year - 1} 年度年报，补交后才能评估。"
    assert first.status_code == 201, first.json()
    assert second.json()["level"] == "4A"
    assert second.json()["valid_until"] == str(today.replace(year=today.year + 5))
    assert [r["level"] for r in history["results"]] == ["4A", "3A"]
    assert Rating.objects.count() == 2
    assert client.get(f"/api/v1/organizations/{filed.pk}/").json()["rating"] == "4A"


def test_rating_level_must_be_1a_to_5a(api, district_admin, filed):
    response = api(district_admin).post(
        "/api/v1/ratings/", {"organization": filed.pk, "level": "6A", "score": "1", "rated_on": "2025-01-01"}
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"level": ["等级应为 1A–5A。"]}


def test_street_admin_cannot_rate(api, street_admin, filed):
    response = api(street_admin).post(
        "/api/v1/ratings/", {"organization": filed.pk, "level": "3A", "score": "1", "rated_on": "2025-01-01"}
    )

    assert response.status_code == 403


# ---------------------------------------------------------------------------------------------
# Alliances


def test_alliance_combined_figures(api, district_admin, filed, tree, django_assert_max_num_queries):
    other = services.create_organization(name="百灵鸟志愿队", area=tree["G2"], by=district_admin)
    Organization.objects.filter(pk=other.pk).update(status="filed")
    add_members(other, tree["G2"], 3)
    shared = filed.memberships.exclude(role="leader").first().person
    services.add_member(other, person=shared)  # one person in two member organizations
    client = api(district_admin)

    created = client.post(
        "/api/v1/alliances/",
        {"name": "百灵鸟公益联盟", "lead": filed.pk, "area": "S1", "description": "共享培训"},
    )
    pk = created.json()["id"]
    joined = client.post(f"/api/v1/alliances/{pk}/members/", {"organization": other.pk})
    posted = client.post(
        f"/api/v1/alliances/{pk}/posts/",
        {"organization": other.pk, "title": "联合培训", "body": "周六上午九点"},
    )
    outsider_post = client.post(
        f"/api/v1/alliances/{pk}/posts/",
        {
            "organization": Organization.objects.create(name="外", area=tree["C1"]).pk,
            "title": "x",
            "body": "y",
        },
    )
    with django_assert_max_num_queries(5):
        listed = client.get("/api/v1/alliances/").json()
    detail = client.get(f"/api/v1/alliances/{pk}/").json()
    feed = client.get(f"/api/v1/alliances/{pk}/posts/").json()

    assert created.status_code == 201, created.json()
    assert joined.status_code == 200
    assert posted.status_code == 201
    assert outsider_post.status_code == 403
    row = listed["results"][0]
    assert (row["name"], row["member_organizations"], row["total_members"], row["posts"]) == (
        "百灵鸟公益联盟",
        2,
        10 + 3,
        1,
    )
    assert [m["organization_name"] for m in detail["members"]] == ["红领之家", "百灵鸟志愿队"]
    assert [p["title"] for p in feed["results"]] == ["联合培训"]


def test_alliance_join_needs_a_live_organization(api, district_admin, filed, draft, tree):
    other = services.create_organization(name="草稿组织", area=tree["C1"], by=district_admin)
    alliance = services.create_alliance(
        name="红领志愿服务联盟", lead=filed, area=tree["S1"], by=district_admin
    )

    response = api(district_admin).post(
        f"/api/v1/alliances/{alliance.pk}/members/", {"organization": other.pk}
    )

    assert response.status_code == 400
    assert error(response)["message"] == "只有已备案或已登记的组织可以加入联盟。"


def test_incubation_rows_stay_scoped(api, street_admin, s2_org, tree, district_admin):
    platform = ServicePlatform.objects.create(name="大碶孵化园", level="street", area=tree["S2"])
    services.enter_incubation(s2_org, platform=platform, by=district_admin)

    listed = api(street_admin).get("/api/v1/incubations/").json()

    assert listed["count"] == 0
    assert Incubation.objects.count() == 1
