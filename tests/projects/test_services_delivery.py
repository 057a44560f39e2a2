"""Implementation: milestones, target indicators and delivery reports, each refused with a
message that says what to fix; photos follow the case photos' rules (content-checked,
re-encoded, bounded)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.projects import services
from gongzhi.projects.models import Delivery, DeliveryPhoto
from gongzhi.projects.queries import delivery_totals

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def running(elderly_project, org, org_leader):
    """The elderly-care project claimed by 夕阳红服务社 and under way, with one milestone."""
    services.add_milestone(elderly_project, title="开办助餐点", due_on=TODAY, by=_publisher(elderly_project))
    services.claim_project(elderly_project, organization=org, by=org_leader)
    services.start_project(elderly_project, by=org_leader)
    elderly_project.refresh_from_db()
    return elderly_project


def _publisher(project):
    return project.created_by


def jpeg(name: str = "photo.jpg", size=(64, 48)) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def report(project, by, **overrides):
    fields = {"title": "助餐服务", "held_on": TODAY, "beneficiaries": 20, "person_times": 40}
    fields.update(overrides)
    return services.report_delivery(project, by=by, **fields)


# ---------------------------------------------------------------------------------------------
# Deliveries


def test_delivery_is_reported_by_the_undertaker_for_its_organization(running, org, org_leader):
    delivery = report(running, org_leader, satisfaction="96.5", place="百合社区食堂")

    assert (delivery.organization, delivery.reported_by, delivery.satisfaction) == (
        org,
        org_leader,
        Decimal("96.50"),
    )
    assert delivery_totals(running) == {
        "beneficiaries": 20,
        "person_times": 40,
        "activities": 1,
        "satisfaction": Decimal("96.50"),
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"person_times": 19}, "person_times", "服务人次（19）不能少于服务人数（20）：每人至少计一人次。"),
        ({"beneficiaries": -1}, "beneficiaries", "服务人数须为不小于 0 的整数（现为 -1）。"),
        ({"person_times": "40"}, "person_times", "服务人次须为不小于 0 的整数（现为 40）。"),
        ({"held_on": TODAY + datetime.timedelta(days=1)}, "held_on", "活动日期不能晚于今天。"),
        ({"title": "  "}, "title", "请填写活动名称。"),
        ({"satisfaction": "101"}, "satisfaction", "满意度须在 0 到 100 之间（现为 101）。"),
    ],
)
def test_delivery_validation(running, org_leader, overrides, field, message):
    with pytest.raises(DomainError) as exc:
        report(running, org_leader, **overrides)

    assert (exc.value.field, str(exc.value)) == (field, message)
    assert not Delivery.objects.exists()


def test_delivery_only_while_in_progress(elderly_project, district_admin):
    with pytest.raises(InvalidTransition) as exc:
        report(elderly_project, district_admin)

    assert str(exc.value) == "项目当前状态为“已发布”，只有实施中的项目可以填报服务记录。"


def test_delivery_by_someone_else_is_forbidden(running, other_org_leader):
    with pytest.raises(Forbidden):
        report(running, other_org_leader)


def test_delivery_milestone_and_organization_must_belong_to_the_project(
    running, childcare_project, other_org, org_leader, district_admin
):
    foreign = services.add_milestone(childcare_project, title="招募", due_on=TODAY, by=district_admin)

    with pytest.raises(DomainError, match="该里程碑不属于本项目"):
        report(running, org_leader, milestone=foreign)
    with pytest.raises(DomainError, match="“百合志愿队”不是本项目的承接组织"):
        report(running, org_leader, organization=other_org)


def test_delivery_photos_are_re_encoded_with_thumbnails(running, org_leader, media):
    delivery = report(running, org_leader, photos=[jpeg("a.jpg"), jpeg("b.jpg", size=(800, 600))])

    photos = list(DeliveryPhoto.objects.filter(delivery=delivery).order_by("id"))
    assert [(p.width, p.height) for p in photos] == [(64, 48), (800, 600)]
    for photo in photos:
        with Image.open(photo.thumbnail.path) as thumb:
            assert max(thumb.size) <= 320
        assert photo.image.name.endswith(".jpg")


def test_delivery_refuses_a_file_that_is_not_a_photo(running, org_leader, media):
    fake = SimpleUploadedFile("invoice.jpg", b"%PDF-1.4 not an image", content_type="image/jpeg")

    with pytest.raises(DomainError) as exc:
        report(running, org_leader, photos=[fake])

    assert exc.value.field == "photos"
    assert str(exc.value) == "文件“invoice.jpg”不是可识别的图片。只接受 JPEG、PNG 或 WebP 格式的照片。"
    assert not Delivery.objects.exists()


def test_delivery_refuses_more_than_nine_photos(running, org_leader, media):
    with pytest.raises(DomainError, match="最多上传 9 张照片，本次有 10 张"):
        report(running, org_leader, photos=[jpeg(f"{i}.jpg") for i in range(10)])


def test_delivery_refuses_an_oversized_photo(running, org_leader, media, settings):
    settings.GONGZHI_PHOTO_MAX_BYTES = 100

    with pytest.raises(DomainError, match="太大"):
        report(running, org_leader, photos=[jpeg()])


# ---------------------------------------------------------------------------------------------
# Milestones


def test_milestone_completion_and_its_refusals(running, org_leader):
    milestone = running.milestones.get()

    with pytest.raises(DomainError, match="完成日期不能晚于今天"):
        services.complete_milestone(milestone, by=org_leader, completed_on=TODAY + datetime.timedelta(days=1))
    done = services.complete_milestone(milestone, by=org_leader, evidence="已开办")
    with pytest.raises(Conflict, match="已于"):
        services.complete_milestone(milestone, by=org_leader)

    assert (done.completed_on, done.completed_by, done.evidence) == (TODAY, org_leader, "已开办")


def test_milestone_is_completed_only_while_in_progress(elderly_project, district_admin):
    milestone = services.add_milestone(elderly_project, title="招募", due_on=TODAY, by=district_admin)

    with pytest.raises(InvalidTransition, match="只有实施中的项目可以完成里程碑"):
        services.complete_milestone(milestone, by=district_admin)


def test_milestone_needs_a_title_and_a_date(elderly_project, district_admin):
    with pytest.raises(DomainError, match="请填写里程碑名称"):
        services.add_milestone(elderly_project, title=" ", due_on=TODAY, by=district_admin)
    with pytest.raises(DomainError, match="须有计划完成日期"):
        services.add_milestone(elderly_project, title="招募", due_on="2026-05-01", by=district_admin)


def test_no_milestones_added_to_a_finished_project(running, org_leader, district_admin):
    services.complete_milestone(running.milestones.get(), by=org_leader)
    services.complete_project(running, by=org_leader)
    running.refresh_from_db()

    with pytest.raises(InvalidTransition, match="项目已结束"):
        services.add_milestone(running, title="补充", due_on=TODAY, by=district_admin)


# ---------------------------------------------------------------------------------------------
# Indicators


@pytest.mark.parametrize(
    ("kind", "target", "message"),
    [
        ("visits", "10", "未知的指标类型“visits”。"),
        ("person_times", "-5", "目标值不能为负数或非数字（现为 -5）。"),
        ("person_times", "many", "目标值“many”不是有效的数字。"),
        ("satisfaction", "101", "满意度目标须在 0 到 100 之间。"),
    ],
)
def test_indicator_validation(elderly_project, district_admin, kind, target, message):
    with pytest.raises(DomainError) as exc:
        services.add_indicator(elderly_project, kind=kind, target=target, by=district_admin)

    assert (exc.value.field, str(exc.value)) == ("indicators", message)


def test_indicator_actual_is_entered_only_for_other_kinds(running, org_leader, district_admin):
    measured = services.add_indicator(running, kind="person_times", target="100", by=district_admin)
    volunteers = services.add_indicator(
        running, kind="other", target="30", name="志愿者人数", unit="人", by=district_admin
    )

    with pytest.raises(DomainError, match="由服务记录自动统计"):
        services.set_indicator_actual(measured, actual="80", by=org_leader)
    services.set_indicator_actual(volunteers, actual="35", by=org_leader)

    volunteers.refresh_from_db()
    assert volunteers.actual == Decimal("35.00")
