"""/api/v1/campaigns/: create, list with counts, detail by status, the live feed and posts."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource
from gongzhi.cases.models import Campaign, CampaignPost, CaseEvent
from tests.cases.conftest import MONDAY_9, jpeg_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/campaigns/"


def upload(name="p.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


@pytest.fixture
def campaign(street_admin, tree):
    return services.create_campaign(
        name="新碶环境整治", area=tree["S1"], start_date=datetime.date(2026, 11, 1), by=street_admin
    )


@pytest.fixture
def s2_campaign(district_admin, tree):
    return services.create_campaign(
        name="大碶整治", area=tree["S2"], start_date=datetime.date(2026, 11, 2), by=district_admin
    )


def campaign_case(campaign, categories, grids, *, grid="G1", description="堆物", by=None):
    case = services.report_case(
        category=categories["clutter"],
        description=description,
        source=CaseSource.RESIDENT,
        grid=grids[grid],
        now=MONDAY_9,
    )
    return services.add_to_campaign(case, campaign=campaign, by=by)


def test_street_admin_creates_a_campaign(api, street_admin, tree):
    response = api(street_admin).post(
        URL, {"name": "百合社区清洁家园", "area": "C1", "start_date": "2026-12-01"}, format="json"
    )

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["name"], data["area"], data["area_name"]) == ("百合社区清洁家园", "C1", "百合社区")
    assert data["created_by"] == str(street_admin)
    assert data["case_count"] == 0
    assert data["case_counts"]["closed"] == 0
    assert Campaign.objects.get().created_by == street_admin


def test_campaign_outside_the_jurisdiction_or_role_is_refused(api, street_admin, community_worker, tree):
    outside = api(street_admin).post(
        URL, {"name": "x", "area": "S2", "start_date": "2026-12-01"}, format="json"
    )
    no_role = api(community_worker).post(
        URL, {"name": "x", "area": "C1", "start_date": "2026-12-01"}, format="json"
    )
    bad_dates = api(street_admin).post(
        URL, {"name": "x", "area": "S1", "start_date": "2026-12-01", "end_date": "2026-11-01"}, format="json"
    )

    assert outside.status_code == 400
    assert outside.json()["error"]["fields"] == {"area": ["区域“S2”不存在或不在您的管辖范围内，请检查编码。"]}
    assert no_role.status_code == 403
    assert bad_dates.status_code == 400
    assert bad_dates.json()["error"]["fields"] == {"end_date": ["结束日期不能早于开始日期。"]}
    assert Campaign.objects.count() == 0


def test_list_is_scoped_with_counts(
    api, street_admin, district_admin, campaign, s2_campaign, categories, grids, django_assert_max_num_queries
):
    campaign_case(campaign, categories, grids, by=street_admin)
    closed = campaign_case(campaign, categories, grids, by=street_admin)
    services.register_case(closed, by=street_admin)
    services.reject_case(
        campaign_case(campaign, categories, grids, by=street_admin), by=street_admin, reason="重复"
    )
    client = api(street_admin)

    with django_assert_max_num_queries(6):
        rows = client.get(URL).json()["results"]

    assert [(r["name"], r["case_count"], r["open_case_count"]) for r in rows] == [("新碶环境整治", 3, 2)]
    assert [r["name"] for r in api(district_admin).get(URL).json()["results"]] == ["大碶整治", "新碶环境整治"]
    assert api(street_admin).get(f"{URL}{s2_campaign.pk}/").status_code == 404


def test_detail_counts_cases_by_status(api, street_admin, campaign, categories, grids):
    campaign_case(campaign, categories, grids, by=street_admin)
    services.register_case(campaign_case(campaign, categories, grids, by=street_admin), by=street_admin)

    data = api(street_admin).get(f"{URL}{campaign.pk}/").json()

    assert data["case_counts"] == {
        "reported": 1,
        "registered": 1,
        "dispatched": 0,
        "handling": 0,
        "fed_back": 0,
        "deferred": 0,
        "closed": 0,
        "rejected": 0,
        "merged": 0,
    }


def test_residents_do_not_see_campaigns(api, tree, campaign):
    resident = UserFactory()
    assign_role(resident, role=Role.RESIDENT, area=tree["G1"])

    assert api(resident).get(URL).status_code == 403


def test_feed_merges_posts_and_case_events_newest_first(
    api, street_admin, campaign, categories, grids, media, django_assert_max_num_queries
):
    case = campaign_case(campaign, categories, grids, by=street_admin, description="富春江路堆物")
    services.post_campaign_update(campaign, by=street_admin, text="第一批清理完成", photo=upload())
    services.register_case(case, by=street_admin, note="立案")
    client = api(street_admin)

    with django_assert_max_num_queries(8):
        data = client.get(f"{URL}{campaign.pk}/feed/").json()

    items = data["results"]
    assert [(i["kind"], i["action"], i["text"]) for i in items] == [
        ("event", "register", "立案"),
        ("post", None, "第一批清理完成"),
        ("event", "campaign", "新碶环境整治"),
        ("event", "report", "富春江路堆物"),
    ]
    post = CampaignPost.objects.get()
    assert items[1]["photos"] == [
        {
            "id": post.photo_id,
            "url": f"http://testserver/api/v1/case-photos/{post.photo_id}/",
            "thumbnail_url": f"http://testserver/api/v1/case-photos/{post.photo_id}/thumbnail/",
        }
    ]
    assert items[0]["case"] == {
        "id": case.pk,
        "number": case.number,
        "category": "占道堆物",
        "status": "registered",
        "status_display": "待派遣",
    }
    assert data["latest"] == items[0]["created_at"]


def test_feed_polls_with_since(api, street_admin, campaign, categories, grids, media):
    client = api(street_admin)
    services.post_campaign_update(campaign, by=street_admin, text="旧动态")
    CampaignPost.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=5))
    latest = client.get(f"{URL}{campaign.pk}/feed/").json()["latest"]

    services.post_campaign_update(campaign, by=street_admin, text="新动态")
    polled = client.get(f"{URL}{campaign.pk}/feed/", {"since": latest}).json()

    assert [i["text"] for i in polled["results"]] == ["新动态"]
    nothing_new = client.get(f"{URL}{campaign.pk}/feed/", {"since": polled["latest"]}).json()
    assert nothing_new["results"] == []
    assert nothing_new["latest"] == polled["latest"]


def test_feed_pages_back_with_before_and_limit(api, street_admin, campaign):
    for i in range(5):
        post = services.post_campaign_update(campaign, by=street_admin, text=f"动态{i}")
        CampaignPost.objects.filter(pk=post.pk).update(created_at=MONDAY_9 + datetime.timedelta(minutes=i))
    client = api(street_admin)

    first = client.get(f"{URL}{campaign.pk}/feed/", {"limit": 2}).json()
    older = client.get(f"{URL}{campaign.pk}/feed/", {"limit": 2, "before": first["oldest"]}).json()

    assert [i["text"] for i in first["results"]] == ["动态4", "动态3"]
    assert [i["text"] for i in older["results"]] == ["动态2", "动态1"]


def test_feed_of_a_campaign_out_of_sight_is_404(api, street_admin, s2_campaign):
    assert api(street_admin).get(f"{URL}{s2_campaign.pk}/feed/").status_code == 404


def test_post_with_a_photo(api, street_admin, campaign, media):
    response = api(street_admin).post(
        f"{URL}{campaign.pk}/posts/", {"text": "第二批清理完成", "photo": upload()}, format="multipart"
    )

    assert response.status_code == 201, response.content
    post = CampaignPost.objects.get()
    assert (post.text, post.author, post.photo.phase) == ("第二批清理完成", street_admin, "campaign")
    assert response.json()["id"] == f"post-{post.pk}"
    assert response.json()["photos"][0]["id"] == post.photo_id


def test_post_without_text_or_with_a_bad_photo_is_400(api, street_admin, campaign, media):
    empty = api(street_admin).post(f"{URL}{campaign.pk}/posts/", {"text": ""}, format="json")
    bad = api(street_admin).post(
        f"{URL}{campaign.pk}/posts/",
        {"text": "x", "photo": SimpleUploadedFile("x.jpg", b"nope", content_type="image/jpeg")},
        format="multipart",
    )

    assert empty.status_code == 400
    assert empty.json()["error"]["fields"] == {"text": ["请填写动态内容。"]}
    assert bad.status_code == 400
    assert list(bad.json()["error"]["fields"]) == ["photos"]
    assert CampaignPost.objects.count() == 0


def test_post_by_a_grid_member_of_the_street_is_allowed(api, grid_member, campaign):
    # The grid member works in G1, inside the street's campaign: they take part in it.
    response = api(grid_member).post(f"{URL}{campaign.pk}/posts/", {"text": "富春江路已清理"}, format="json")

    assert response.status_code == 201, response.content
    assert list(CampaignPost.objects.values_list("text", flat=True)) == ["富春江路已清理"]


def test_post_by_someone_working_elsewhere_is_refused(api, grids, campaign):
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    other = UserFactory()
    assign_role(other, role="grid_member", area=grids["G3"])

    response = api(other).post(f"{URL}{campaign.pk}/posts/", {"text": "x"}, format="json")

    assert response.status_code == 404  # the street's campaign lies outside their jurisdiction
    assert CampaignPost.objects.count() == 0


def test_report_straight_into_a_campaign(api, grid_member, campaign, categories, grids, media):
    response = api(grid_member).post(
        "/api/v1/cases/",
        {"category": "0101", "description": "整治中发现", "grid": "G1", "campaign": campaign.pk},
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["campaign"] == {"id": campaign.pk, "name": "新碶环境整治"}


def test_report_into_a_campaign_elsewhere_is_refused(
    api, district_admin, s2_campaign, categories, grids, media
):
    response = api(district_admin).post(
        "/api/v1/cases/",
        {"category": "0101", "description": "x", "grid": "G1", "campaign": s2_campaign.pk},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"campaign": ["事件不在该专项整治的区域内。"]}
    assert CaseEvent.objects.count() == 0


def test_grid_member_follows_the_campaign_covering_their_grid(
    api, grid_member, street_admin, campaign, s2_campaign, categories, grids
):
    campaign_case(campaign, categories, grids, grid="G1", description="G1 的事件", by=street_admin)
    campaign_case(campaign, categories, grids, grid="G2", description="G2 的事件", by=street_admin)
    client = api(grid_member)

    names = [r["name"] for r in client.get(URL).json()["results"]]
    feed = client.get(f"{URL}{campaign.pk}/feed/").json()["results"]

    assert names == ["新碶环境整治"]
    # The feed shows only the cases the grid member can see: G2 is another grid's.
    assert {i["case"]["number"] for i in feed} == {c.number for c in campaign.cases.filter(grid__code="G1")}
    assert "G2 的事件" not in str(feed)
    assert client.get(f"{URL}{s2_campaign.pk}/").status_code == 404
