"""Incubation platforms by stage, alliances with their figures and news feed, statistics."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.organizations import services
from gongzhi.organizations.models import AlliancePost, ServicePlatform
from tests.factories import make_person
from tests.organizations.conftest import add_members

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    return response.content.decode()


def filed_org(name, area, grid, *, by, members=9, party=0):
    leader = make_person(grid=grid, name=f"{name}负责人", political_status="party_member")
    org = services.create_organization(
        name=name,
        area=area,
        by=by,
        venue="活动室",
        leader=leader,
        charter=SimpleUploadedFile("c.pdf", b"%PDF"),
    )
    add_members(org, grid, members, party=party)
    services.approve_filing(services.apply_for_filing(org, by=by), by=by)
    org.refresh_from_db()
    return org


@pytest.fixture
def platforms(tree, district_admin, media):
    c1 = ServicePlatform.objects.create(name="百合社区孵化园", level="community", area=tree["C1"])
    c2 = ServicePlatform.objects.create(name="灵峰社区孵化园", level="community", area=tree["C2"])
    choir = filed_org("百合合唱团", tree["C1"], tree["G1"], by=district_admin)
    leak = filed_org("灵峰义工队", tree["C2"], tree["G3"], by=district_admin)
    services.enter_incubation(choir, platform=c1, by=district_admin, mentor="周老师")
    services.enter_incubation(leak, platform=c2, by=district_admin)
    return {"c1": c1, "c2": c2, "choir": choir, "leak": leak}


# --- incubation ---------------------------------------------------------------------------


def test_incubation_page_shows_the_platforms_by_stage(platforms, community_worker, page):
    response = page(community_worker).get(reverse("organizations:incubation"))

    rows = response.context["rows"]
    assert [row["platform"].name for row in rows] == ["百合社区孵化园"]
    assert [[len(col["items"]) for col in row["columns"]] for row in rows] == [[1, 0, 0]]
    assert [col["stage"].label for col in rows[0]["columns"]] == ["入驻", "培育", "出壳"]
    assert "百合合唱团" in _html(response)
    assert "灵峰" not in _html(response)


def test_advance_from_the_incubation_page(platforms, community_worker, page):
    incubation = platforms["choir"].incubations.get()
    client = page(community_worker)

    cultivating = client.post(
        reverse("organizations:incubation_advance", args=[incubation.pk]), {"to": "cultivating"}, follow=True
    )
    graduated = client.post(
        reverse("organizations:incubation_advance", args=[incubation.pk]),
        {"to": "graduated", "outcome": "已备案并独立开展活动"},
        follow=True,
    )

    incubation.refresh_from_db()
    platforms["choir"].refresh_from_db()
    assert "“百合合唱团”已转为“培育”。" in _html(cultivating)
    assert "“百合合唱团”已转为“出壳”。" in _html(graduated)
    assert (incubation.stage, incubation.outcome) == ("graduated", "已备案并独立开展活动")
    assert platforms["choir"].is_incubating is False
    assert [[len(col["items"]) for col in row["columns"]] for row in graduated.context["rows"]] == [[0, 0, 1]]


def test_advance_outside_the_jurisdiction_is_404(platforms, community_worker, page):
    incubation = platforms["leak"].incubations.get()

    response = page(community_worker).post(
        reverse("organizations:incubation_advance", args=[incubation.pk]), {"to": "cultivating"}
    )

    incubation.refresh_from_db()
    assert response.status_code == 404
    assert incubation.stage == "entered"


# --- alliances ----------------------------------------------------------------------------


@pytest.fixture
def alliance(platforms, tree, district_admin):
    lead = platforms["choir"]
    other = filed_org("百合书画社", tree["G2"], tree["G2"], by=district_admin, members=11)
    alliance = services.create_alliance(name="百灵鸟公益联盟", lead=lead, area=tree["S1"], by=district_admin)
    services.join_alliance(alliance, organization=other, by=district_admin)
    return alliance


def test_alliance_list_and_detail_show_lead_members_and_figures(alliance, street_admin, page):
    client = page(street_admin)

    listing = client.get(reverse("organizations:alliances"))
    detail = client.get(reverse("organizations:alliance", args=[alliance.pk]))

    assert [(a.name, a.org_count) for a in listing.context["alliances"]] == [("百灵鸟公益联盟", 2)]
    assert [m.organization.name for m in detail.context["members"]] == ["百合合唱团", "百合书画社"]
    assert [m.member_count for m in detail.context["members"]] == [10, 12]
    assert detail.context["figures"]["organizations"] == 2
    assert detail.context["figures"]["people"] == 22
    assert "牵头组织：百合合唱团" in _html(detail)


def test_a_member_organizations_worker_posts_news(alliance, community_worker, page):
    response = page(community_worker).post(
        reverse("organizations:alliance_post", args=[alliance.pk]),
        {
            "organization": alliance.lead_id,
            "title": "重阳节联合义诊",
            "body": "十月十一日上午在百合社区广场。",
        },
        follow=True,
    )

    post = AlliancePost.objects.get()
    assert (post.title, post.organization_id) == ("重阳节联合义诊", alliance.lead_id)
    assert "重阳节联合义诊" in _html(response)
    assert "动态已发布。" in _html(response)


def test_news_needs_a_title_and_body(alliance, community_worker, page):
    response = page(community_worker).post(
        reverse("organizations:alliance_post", args=[alliance.pk]),
        {"organization": alliance.lead_id, "title": ""},
    )

    assert response.status_code == 400
    assert "请填写标题和内容。" in _html(response)
    assert not AlliancePost.objects.exists()


def test_an_alliance_outside_the_jurisdiction_is_404(alliance, tree, page):
    from gongzhi.accounts.roles import Role
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    other = UserFactory(username="s2_worker")
    assign_role(other, role=Role.COMMUNITY_WORKER, area=tree["C2"])

    assert page(other).get(reverse("organizations:alliance", args=[alliance.pk])).status_code == 404
    assert page(other).get(reverse("organizations:alliances")).context["alliances"].count() == 0


# --- statistics ---------------------------------------------------------------------------


def test_stats_show_density_counts_and_party_shares(platforms, tree, street_admin, page):
    response = page(street_admin).get(reverse("organizations:stats"))

    figures = response.context["figures"]
    html = _html(response)
    assert response.context["area"].code == "S1"
    assert (figures["total"], figures["by_track"]["filed"], figures["population"]) == (1, 1, 2000)
    assert figures["per_10k"]["total"] == 5.0
    assert "每万人社会组织" in html
    assert [c.code for c, _s in response.context["community_shares"]] == ["C1"]
    assert response.context["community_shares"][0][1]["leader_share"] == 1.0
    assert "100%" in html


def test_stats_under_an_area_outside_is_404(platforms, street_admin, page):
    assert page(street_admin).get(reverse("organizations:stats") + "?under=S2").status_code == 404


def test_stats_under_a_community(platforms, street_admin, page):
    response = page(street_admin).get(reverse("organizations:stats") + "?under=C1")

    assert response.context["area"].code == "C1"
    assert response.context["parent_code"] == "Z1"
