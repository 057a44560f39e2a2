"""The grid member's report form: location → grid, photos, 现场自处置, duplicates after submit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.cases import services
from gongzhi.cases.choices import CaseAction, CaseLevel, CaseSource, CaseStatus
from gongzhi.cases.models import Case, CasePhoto, PhotoPhase
from tests.cases.conftest import G1_POINT, G3_POINT

pytestmark = pytest.mark.django_db

REPORT = "/cases/report/"


def _html(response) -> str:
    return response.content.decode()


def _post(client, category, photos=(), **extra):
    data = {"category": category.pk, "description": "路口堆放建筑垃圾", "address": "富春江路 8 号"}
    data.update(extra)
    if photos:
        data["photos"] = list(photos)
    return client.post(REPORT, data)


def test_report_form_anonymous_redirects_to_login(tree, page):
    response = page().get(REPORT)

    assert response.status_code == 302
    assert response.url == "/login/?next=/cases/report/"


def test_report_form_without_permission_is_403(outsider, page):
    response = page(outsider).get(REPORT)

    assert response.status_code == 403
    assert "无权访问" in _html(response)


def test_report_form_renders_for_grid_member(categories, grids, grid_member, page):
    response = page(grid_member).get(REPORT)

    html = _html(response)
    assert response.status_code == 200
    assert '<optgroup label="市容环境">' in html
    assert f'<option value="{categories["clutter"].pk}">占道堆物</option>' in html
    assert f'<option value="{categories["dispute"].pk}">矛盾纠纷</option>' in html
    # A branch is not a choice: its children are.
    assert f'<option value="{categories["env"].pk}">' not in html
    assert 'accept="image/*"' in html
    assert 'capture="environment"' in html
    assert "multiple" in html
    assert "使用手机定位" in html
    assert "现场自处置" in html
    # The pick map shows the grids this member may report in, and no others.
    assert [g["code"] for g in response.context["map_grids"]] == ["G1"]
    assert list(response.context["form"].fields["grid"].queryset) == [grids["G1"]]


def test_report_form_has_no_on_site_switch_without_that_permission(categories, grids, community_worker, page):
    response = page(community_worker).get(REPORT)

    assert "on_site" not in response.context["form"].fields
    assert [g["code"] for g in response.context["map_grids"]] == ["G1", "G2"]


def test_report_with_gps_location_and_photos_finds_the_grid(
    categories, grids, grid_member, page, photo, media
):
    client = page(grid_member)

    response = _post(
        client, categories["clutter"], [photo(), photo("b.png")], lat=G1_POINT[0], lng=G1_POINT[1]
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("cases:report_done", args=[case.pk])
    assert (case.grid, case.status, case.source, case.reporter) == (
        grids["G1"],
        CaseStatus.REPORTED,
        CaseSource.GRID_MEMBER,
        grid_member,
    )
    assert (case.lat, case.lng, case.address) == (G1_POINT[0], G1_POINT[1], "富春江路 8 号")
    assert list(case.photos.values_list("phase", flat=True)) == [PhotoPhase.REPORT, PhotoPhase.REPORT]
    assert list(case.events.values_list("action", flat=True)) == [CaseAction.REPORT]


def test_report_done_shows_number_and_visible_duplicates_only(
    categories, grids, grid_member, community_worker, page, photo, media
):
    # An open clutter case 20 m away in G1 (a duplicate), and one 20 m away across the border
    # in G2, which this G1 member may not see: it must not be suggested.
    near = services.report_case(
        category=categories["clutter"],
        description="同一处垃圾",
        source=CaseSource.GRID_MEMBER,
        by=grid_member,
        lat=29.805,
        lng=121.8097,
    )
    hidden = services.report_case(
        category=categories["clutter"],
        description="二网格的垃圾",
        source=CaseSource.GRID_MEMBER,
        by=community_worker,
        lat=29.805,
        lng=121.8101,
    )
    client = page(grid_member)

    response = client.get(
        _post(client, categories["clutter"], [photo()], lat=29.805, lng=121.8099).url,
    )

    case = Case.objects.latest("id")
    html = _html(response)
    assert f"data-case-number>{case.number}</p>" in html
    assert [d.number for d in response.context["duplicates"]] == [near.number]
    assert hidden.number not in html
    assert "现场自处置" in html


def test_report_with_chosen_grid_and_no_location(categories, grids, grid_member, page, media):
    _post(page(grid_member), categories["dispute"], grid=grids["G1"].pk)

    case = Case.objects.get()
    assert (case.grid, case.lat, case.lng) == (grids["G1"], grids["G1"].center_lat, grids["G1"].center_lng)


def test_report_outside_every_grid_shows_the_service_message(
    categories, grids, grid_member, page, photo, media
):
    response = _post(page(grid_member), categories["clutter"], [photo()], lat=10.0, lng=10.0)

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "lat": ["该位置不在任何网格内，请在地图上重新选点，或直接选择所在网格。"]
    }
    assert "该位置不在任何网格内" in _html(response)
    assert Case.objects.count() == 0


def test_report_outside_jurisdiction_is_refused(categories, grids, grid_member, page, photo, media):
    response = _post(page(grid_member), categories["clutter"], [photo()], lat=G3_POINT[0], lng=G3_POINT[1])

    assert response.status_code == 400
    assert response.context["form"].errors == {"lat": ["“灵峰一网格”不在您的管辖范围内。"]}
    assert Case.objects.count() == 0


def test_report_refuses_a_file_that_is_not_an_image(categories, grids, grid_member, page, media):
    fake = SimpleUploadedFile("photo.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")

    response = _post(page(grid_member), categories["clutter"], [fake], lat=G1_POINT[0], lng=G1_POINT[1])

    assert response.status_code == 400
    assert response.context["form"].errors["photos"] == [
        "文件“photo.jpg”不是可识别的图片。只接受 JPEG、PNG 或 WebP 格式的照片。"
    ]
    assert (Case.objects.count(), CasePhoto.objects.count()) == (0, 0)


def test_report_requires_a_description(categories, grids, grid_member, page, media):
    response = _post(
        page(grid_member), categories["clutter"], description="  ", lat=G1_POINT[0], lng=G1_POINT[1]
    )

    assert response.context["form"].errors == {"description": ["请用几句话描述问题。"]}
    assert Case.objects.count() == 0


def test_report_and_resolve_on_site_in_one_go(categories, grids, grid_member, page, photo, media):
    response = _post(
        page(grid_member),
        categories["clutter"],
        [photo()],
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        on_site="on",
        after_photos=[photo("after.jpg", color=(20, 200, 20))],
        on_site_note="已清理完毕",
    )

    case = Case.objects.get()
    assert response.status_code == 302
    assert (case.status, case.resolved_level) == (CaseStatus.CLOSED, CaseLevel.GRID)
    assert list(case.events.values_list("action", "note")) == [
        (CaseAction.REPORT, "路口堆放建筑垃圾"),
        (CaseAction.RESOLVE_ON_SITE, "已清理完毕"),
    ]
    assert sorted(case.photos.values_list("phase", flat=True)) == [PhotoPhase.ON_SITE, PhotoPhase.REPORT]


def test_on_site_without_after_photo_is_refused_before_reporting(categories, grids, grid_member, page, media):
    response = _post(page(grid_member), categories["clutter"], lat=G1_POINT[0], lng=G1_POINT[1], on_site="on")

    assert response.status_code == 400
    assert response.context["form"].errors == {"after_photos": ["现场自处置需要至少一张处置后照片。"]}
    assert Case.objects.count() == 0


def test_resolve_on_site_from_the_done_page(reported, grid_member, page, photo, media):
    client = page(grid_member)
    url = reverse("cases:resolve_on_site", args=[reported.pk])

    refused = client.post(url, {"resolve_on_site-note": "已清理"})
    accepted = client.post(url, {"resolve_on_site-note": "已清理", "resolve_on_site-photos": [photo()]})

    assert refused.status_code == 400
    assert refused.context["resolve_form"].errors == {"photos": ["请至少上传一张照片。"]}
    assert accepted.status_code == 302
    reported.refresh_from_db()
    assert (reported.status, reported.resolved_level) == (CaseStatus.CLOSED, CaseLevel.GRID)
    assert reported.events.last().action == CaseAction.RESOLVE_ON_SITE
    done = client.get(accepted.url)
    assert "已现场自处置" in _html(done)
    assert done.context["may_resolve"] is False


def test_resolve_on_site_by_someone_else_is_refused(reported, community_worker, page, photo, media):
    response = page(community_worker).post(
        reverse("cases:resolve_on_site", args=[reported.pk]), {"resolve_on_site-photos": [photo()]}
    )

    assert response.status_code == 403
    assert response.context["resolve_form"].non_field_errors() == ["只有上报该事件的网格员可以现场自处置。"]
    reported.refresh_from_db()
    assert reported.status == CaseStatus.REPORTED


def test_locate_names_the_grid_and_the_jurisdiction(grids, grid_member, page):
    client = page(grid_member)

    inside = _html(client.get("/cases/report/locate/", {"lat": G1_POINT[0], "lng": G1_POINT[1]}))
    other = _html(client.get("/cases/report/locate/", {"lat": G3_POINT[0], "lng": G3_POINT[1]}))
    nowhere = _html(client.get("/cases/report/locate/", {"lat": 1, "lng": 1}))

    assert "位于：百合社区 · 百合一网格" in inside
    assert "不在您的管辖范围内" not in inside
    assert "位于：灵峰社区 · 灵峰一网格" in other
    assert "该网格不在您的管辖范围内，无法在此上报。" in other
    assert "该位置不在任何网格内" in nowhere
