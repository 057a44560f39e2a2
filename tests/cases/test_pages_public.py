"""Public pages (no sign-in): a resident reports, follows the case by its tracking link with
no personal data on it, sees only public photos, and rates the result once after close."""

from __future__ import annotations

import pytest
from django.test import Client

from gongzhi.cases import services
from gongzhi.cases.choices import CaseSource, CaseStatus, Satisfaction
from gongzhi.cases.models import Case, CaseEvent
from tests.cases.conftest import G1_POINT, G3_POINT

pytestmark = pytest.mark.django_db

NAME, PHONE = "王阿姨", "13812345678"


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def resident_case(categories, grids, media, photo):
    return services.report_case(
        category=categories["clutter"],
        description="楼下堆了很多纸箱",
        source=CaseSource.RESIDENT,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
        reporter_name=NAME,
        reporter_phone=PHONE,
        photos=[photo()],
    )


@pytest.fixture
def closed_case(resident_case, community_worker, street_admin, unit, handler, grid_member, photo):
    """The resident's case through the whole chain, with internal notes that must not show."""
    case = services.register_case(resident_case, by=community_worker, note="内部：属实")
    case = services.dispatch_case(case, to=unit, by=community_worker, note="内部：请张师傅处理")
    case = services.supervise_case(case, by=street_admin, note="内部督办意见")
    case = services.accept_case(case, by=handler)
    case = services.extend_case(case, by=community_worker, hours=4, reason="内部延期理由")
    case = services.feedback_case(case, by=handler, result="纸箱已清运完毕", photos=[photo()])
    return services.verify_case(case, by=grid_member, note="内部核查意见", photos=[photo()])


def test_public_report_form_needs_no_login(categories, grids):
    response = Client().get("/report/")

    html = _html(response)
    assert response.status_code == 200
    assert "我要报事" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert "您的称呼（可选）" in html
    assert [g["code"] for g in response.context["map_grids"]] == ["G1", "G2", "G3"]


def test_public_report_creates_a_resident_case_and_shows_the_tracking_link(categories, grids, media, photo):
    client = Client()

    response = client.post(
        "/report/",
        {
            "category": categories["clutter"].pk,
            "description": "小区门口堆放垃圾",
            "lat": G3_POINT[0],
            "lng": G3_POINT[1],
            "reporter_name": NAME,
            "reporter_phone": PHONE,
            "photos": [photo()],
        },
    )
    page = client.get(response.url)

    case = Case.objects.get()
    assert response.url == f"/track/{case.tracking_token}/?submitted=1"
    phone = case.reveal_sealed("reporter_phone")  # stored encrypted (issue 8)
    assert (case.source, case.grid.code, case.reporter, case.reporter_name, phone) == (
        CaseSource.RESIDENT,
        "G3",
        None,
        NAME,
        PHONE,
    )
    assert case.photos.count() == 1
    html = _html(page)
    assert f"data-case-number>{case.number}</p>" in html
    assert f"/track/{case.tracking_token}/</a>" in html
    assert NAME not in html
    assert PHONE not in html


def test_public_report_errors_are_shown_on_the_form(categories, grids):
    response = Client().post("/report/", {"category": categories["clutter"].pk, "description": "x"})

    assert response.status_code == 400
    assert "请提供位置（经纬度）或所在网格。" in _html(response)
    assert Case.objects.count() == 0


def test_public_report_is_csrf_protected(categories, grids):
    client = Client(enforce_csrf_checks=True)

    response = client.post(
        "/report/", {"category": categories["clutter"].pk, "description": "x", "grid": grids["G1"].pk}
    )

    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_tracking_page_shows_progress_without_personal_data(closed_case, handler, community_worker):
    response = Client().get(f"/track/{closed_case.tracking_token}/")

    html = _html(response)
    assert response.status_code == 200
    assert closed_case.number in html
    assert "占道堆物" in html
    assert "已办结" in html
    assert [str(s["label"]) for s in response.context["steps"]] == [
        "问题已提交",
        "已受理立案",
        "已交办处置单位",
        "处置单位已接收",
        "办理期限已延长",
        "已处置，待现场核查",
        "核查通过，已办结",
    ]
    assert "纸箱已清运完毕" in html  # the public result
    for private in (
        NAME,
        PHONE,
        str(handler),
        str(community_worker),
        "百合社区环卫队",
        "内部",
        "督办",
    ):
        assert private not in html, private


def test_tracking_photos_are_public_thumbnails_behind_the_token(
    closed_case, resident_case, categories, media
):
    public = list(Client().get(f"/track/{closed_case.tracking_token}/").context["photos"])
    other = services.report_case(
        category=categories["clutter"],
        description="别的事件",
        source=CaseSource.RESIDENT,
        lat=G1_POINT[0],
        lng=G1_POINT[1],
    )
    verify_photo = closed_case.photos.get(phase="verify")

    ok = Client().get(f"/track/{closed_case.tracking_token}/photos/{public[0].pk}/")
    wrong_token = Client().get(f"/track/{other.tracking_token}/photos/{public[0].pk}/")
    internal = Client().get(f"/track/{closed_case.tracking_token}/photos/{verify_photo.pk}/")

    assert [p.phase for p in public] == ["report", "feedback"]
    assert ok.status_code == 200
    assert ok["Content-Type"] == "image/jpeg"
    assert b"".join(ok.streaming_content)[:2] == b"\xff\xd8"
    assert wrong_token.status_code == 404
    assert internal.status_code == 404


def test_tracking_unknown_token_is_404(tree):
    assert Client().get("/track/not-a-token/").status_code == 404


def test_rating_after_close_once(closed_case):
    client = Client()
    url = f"/track/{closed_case.tracking_token}/rate/"

    first = client.post(url, {"satisfaction": Satisfaction.BASICALLY})
    again = client.post(url, {"satisfaction": Satisfaction.SATISFIED})

    assert first.status_code == 302
    closed_case.refresh_from_db()
    assert closed_case.satisfaction == Satisfaction.BASICALLY
    assert closed_case.events.last().actor_label == "上报人"
    assert again.status_code == 409
    assert "该事件已评价过。" in _html(again)
    assert "您的评价：基本满意" in _html(Client().get(f"/track/{closed_case.tracking_token}/"))


def test_rating_before_close_is_refused(resident_case):
    page = Client().get(f"/track/{resident_case.tracking_token}/")
    response = Client().post(
        f"/track/{resident_case.tracking_token}/rate/", {"satisfaction": Satisfaction.SATISFIED}
    )

    assert page.context["may_rate"] is False
    assert "提交评价" not in _html(page)
    assert response.status_code == 409
    assert "不能执行“评价”" in _html(response)
    resident_case.refresh_from_db()
    assert resident_case.satisfaction == ""
    assert resident_case.status == CaseStatus.REPORTED


def test_rejected_case_shows_the_reason(resident_case, community_worker):
    services.reject_case(resident_case, by=community_worker, reason="不属于城市管理范围")

    html = _html(Client().get(f"/track/{resident_case.tracking_token}/"))

    assert "不予立案理由" in html
    assert "不属于城市管理范围" in html
    assert CaseEvent.objects.filter(case=resident_case).count() == 2
