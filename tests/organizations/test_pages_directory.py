"""The directory: filters, the live name search, scoping (with data in S2 that could leak)
and its query count."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongzhi.organizations import services
from gongzhi.organizations.models import ServicePlatform
from gongzhi.organizations.validators import credit_check_char
from tests.factories import make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db

URL = reverse("organizations:directory")


def _names(response) -> list[str]:
    return [org.name for org in response.context["orgs"]]


def filed_org(name, area, grid, *, by, members=9, **kwargs):
    """A filed organization: created, 10 members, applied and approved (``by`` reviews)."""
    leader = make_person(grid=grid, name=f"{name}负责人")
    org = services.create_organization(
        name=name,
        area=area,
        by=by,
        venue="活动室",
        leader=leader,
        charter=SimpleUploadedFile("章程.pdf", b"%PDF"),
        **kwargs,
    )
    add_members(org, grid, members)
    services.approve_filing(services.apply_for_filing(org, by=by), by=by)
    org.refresh_from_db()
    return org


def credit_code(body: str) -> str:
    return body + credit_check_char(body)


@pytest.fixture
def orgs(tree, draft, district_admin, media):
    """红领之家 (draft, C1), 百合合唱团 (filed, G2, rated 4A, incubating), 新碶慈善会
    (registered, S1), and in S2: 灵峰义工队 (filed) — which must not leak to S1 users."""
    choir = filed_org(
        "百合合唱团",
        tree["G2"],
        tree["G2"],
        by=district_admin,
        category="culture_sports",
        domains=["culture"],
    )
    services.rate_organization(
        choir, level=4, score=Decimal("870"), rated_on=timezone.localdate(), by=district_admin
    )
    platform = ServicePlatform.objects.create(name="百合社区孵化园", level="community", area=tree["C1"])
    services.enter_incubation(choir, platform=platform, by=district_admin)
    charity = services.register_organization(
        by=district_admin,
        name="新碶慈善会",
        area=tree["S1"],
        legal_form="social_group",
        credit_code=credit_code("51330206MJ0000001"),
        registering_authority="北仑区民政局",
        registered_on=datetime.date(2020, 5, 1),
    )
    leak = filed_org("灵峰义工队", tree["C2"], tree["G3"], by=district_admin, category="charity", members=12)
    return {"draft": draft, "choir": choir, "charity": charity, "leak": leak}


def test_directory_lists_the_jurisdiction_only(orgs, street_admin, page):
    response = page(street_admin).get(URL)

    assert response.status_code == 200
    # Order is by name, and name collation differs between databases.
    assert sorted(_names(response)) == sorted(["新碶慈善会", "百合合唱团", "红领之家"])
    assert "灵峰义工队" not in response.content.decode()


def test_directory_shows_member_counts_badges_and_rating(orgs, street_admin, page):
    response = page(street_admin).get(URL)

    rows = {org.name: org for org in response.context["orgs"]}
    html = response.content.decode()
    assert (
        rows["红领之家"].member_count,
        rows["百合合唱团"].member_count,
        rows["新碶慈善会"].member_count,
    ) == (
        9,
        10,
        0,
    )
    assert rows["百合合唱团"].rating_level == 4
    assert '<span class="rating">4A</span>' in html
    assert '<span class="badge org-status-filed">已备案</span>' in html
    assert '<span class="badge track-registered">登记</span>' in html
    assert '<span class="badge incubating">孵化中</span>' in html


def test_a_district_admin_sees_both_streets(orgs, district_admin, page):
    response = page(district_admin).get(URL)

    assert sorted(_names(response)) == sorted(["新碶慈善会", "百合合唱团", "红领之家", "灵峰义工队"])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("track=registered", ["新碶慈善会"]),
        ("track=filed", ["百合合唱团", "红领之家"]),
        ("status=draft", ["红领之家"]),
        ("category=culture_sports", ["百合合唱团"]),
        ("category=charity", ["红领之家"]),
        ("domain=veterans", ["红领之家"]),
        ("area=G2", ["百合合唱团"]),
        ("area=C1", ["百合合唱团", "红领之家"]),
        ("rating=4", ["百合合唱团"]),
        ("rating=5", []),
        ("incubating=yes", ["百合合唱团"]),
        ("q=红领", ["红领之家"]),
        ("q=义工", []),  # the match in S2 stays out of sight
    ],
)
def test_directory_filters(orgs, street_admin, page, query, expected):
    response = page(street_admin).get(f"{URL}?{query}")

    assert sorted(_names(response)) == sorted(expected)


def test_an_area_outside_the_jurisdiction_lists_nothing_and_says_so(orgs, street_admin, page):
    response = page(street_admin).get(f"{URL}?area=C2")

    assert _names(response) == []
    assert "没有找到该区域编码，或该区域不在您的管辖范围内。" in response.content.decode()
    assert "灵峰义工队" not in response.content.decode()


def test_the_name_search_answers_htmx_with_the_results_only(orgs, street_admin, page):
    response = page(street_admin).get(f"{URL}?q=合唱", HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert _names(response) == ["百合合唱团"]
    assert "<html" not in html
    assert 'class="striped stack-on-phone org-table"' in html
    assert "HX-Request" in response["Vary"]


def test_the_directory_needs_the_view_permission(outsider, page):
    assert page(outsider).get(URL).status_code == 403


def test_the_nav_links_to_the_directory(street_admin, outsider, page):
    assert 'href="/organizations/"' in page(street_admin).get(reverse("home")).content.decode()
    assert 'href="/organizations/"' not in page(outsider).get(reverse("home")).content.decode()


def test_directory_query_count_is_capped(
    tree, district_admin, street_admin, page, media, django_assert_max_num_queries
):
    for i in range(25):
        org = services.create_organization(name=f"组织{i:02d}", area=tree["G1"], by=district_admin)
        add_members(org, tree["G1"], 2)
    client = page(street_admin)

    # session, user, second-factor device, perms (2), roles, count, rows, areas, menu
    with django_assert_max_num_queries(10):
        response = client.get(URL)

    assert len(response.context["orgs"]) == 25
    assert {org.member_count for org in response.context["orgs"]} == {2}
