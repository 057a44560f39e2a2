"""Delivery reports on the pages: the undertaker's form with photos, refusals in Chinese,
the person-times on the project page, and photos served only to those who see the project."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.roles import Role
from gongzhi.accounts.services import assign_role
from gongzhi.projects import services
from gongzhi.projects.models import Delivery, DeliveryPhoto, Project
from tests.cases.conftest import jpeg_bytes
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _html(response) -> str:
    return response.content.decode()


def _photo(name: str = "活动.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(size=(640, 480)), content_type="image/jpeg")


@pytest.fixture
def running(elderly_project, org, org_leader):
    services.claim_project(elderly_project, organization=org, by=org_leader)
    return services.start_project(Project.objects.get(pk=elderly_project.pk), by=org_leader)


def _form_url(project) -> str:
    return reverse("projects:delivery_create", args=[project.pk])


def test_undertaker_reports_a_delivery_with_photos(running, org, org_leader, page, media):
    client = page(org_leader)
    assert client.get(_form_url(running)).status_code == 200

    response = client.post(
        _form_url(running),
        {
            "title": "重阳节助餐",
            "held_on": TODAY.isoformat(),
            "place": "百合社区老年食堂",
            "beneficiaries": "30",
            "person_times": "45",
            "satisfaction": "96.5",
            "content": "为 30 位老人送餐并测血压。",
            "photos": [_photo("一.jpg"), _photo("二.jpg")],
        },
        follow=True,
    )

    delivery = Delivery.objects.get()
    assert (delivery.title, delivery.beneficiaries, delivery.person_times, delivery.organization) == (
        "重阳节助餐",
        30,
        45,
        org,
    )
    assert delivery.photos.count() == 2
    html = _html(response)
    assert "已填报服务记录“重阳节助餐”：服务 30 人、45 人次。" in html
    assert '<dd id="person-times">45</dd>' in html
    assert "服务 30 人、45 人次" in html
    thumb = reverse("projects:delivery_thumb", args=[delivery.photos.first().pk])
    assert f'src="{thumb}"' in html


def test_person_times_below_beneficiaries_is_explained(running, org_leader, page, media):
    response = page(org_leader).post(
        _form_url(running),
        {"title": "助餐", "held_on": TODAY.isoformat(), "beneficiaries": "30", "person_times": "20"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors == {
        "person_times": ["服务人次（20）不能少于服务人数（30）：每人至少计一人次。"]
    }
    assert not Delivery.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused(running, org_leader, page, media):
    response = page(org_leader).post(
        _form_url(running),
        {
            "title": "助餐",
            "held_on": TODAY.isoformat(),
            "beneficiaries": "1",
            "person_times": "1",
            "photos": [SimpleUploadedFile("名单.txt", b"not an image", content_type="text/plain")],
        },
    )

    assert response.status_code == 400
    assert "文件“名单.txt”不是可识别的图片。只接受 JPEG、PNG 或 WebP 格式的照片。" in _html(response)


def test_a_delivery_before_the_project_starts_is_refused(elderly_project, org, org_leader, page, media):
    services.claim_project(elderly_project, organization=org, by=org_leader)

    response = page(org_leader).post(
        _form_url(elderly_project),
        {"title": "助餐", "held_on": TODAY.isoformat(), "beneficiaries": "1", "person_times": "1"},
    )

    assert response.status_code == 409
    assert "项目当前状态为“已认领”，只有实施中的项目可以填报服务记录。" in _html(response)


def test_delivery_form_is_refused_to_those_who_do_not_implement(
    running, community_worker, other_org, other_org_leader, page
):
    assert page(community_worker).get(_form_url(running)).status_code == 403
    # Once taken on by another organization, the project is no longer open to this leader.
    assert page(other_org_leader).get(_form_url(running)).status_code == 404


def test_photos_are_served_only_to_those_who_see_the_project(
    running, tree, org_leader, community_worker, page, media
):
    delivery = services.report_delivery(
        running,
        by=org_leader,
        title="助餐",
        held_on=TODAY,
        beneficiaries=1,
        person_times=1,
        photos=[_photo()],
    )
    photo = DeliveryPhoto.objects.get(delivery=delivery)
    s2_admin = UserFactory(username="s2_admin")
    assign_role(s2_admin, role=Role.STREET_ADMIN, area=tree["S2"])
    image = reverse("projects:delivery_photo", args=[photo.pk])
    thumb = reverse("projects:delivery_thumb", args=[photo.pk])

    shown = page(community_worker).get(image)
    small = page(community_worker).get(thumb)
    # Reading the whole stream lets the test client close the file.
    shown_bytes, small_bytes = b"".join(shown.streaming_content), b"".join(small.streaming_content)

    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/jpeg"
    assert shown["Cache-Control"] == "private, max-age=86400"
    assert shown_bytes[:2] == b"\xff\xd8"
    with photo.thumbnail.open("rb") as stored:
        assert small_bytes == stored.read()
    assert page(s2_admin).get(image).status_code == 404
    assert page(s2_admin).get(thumb).status_code == 404
    assert (
        page(community_worker).get(reverse("projects:delivery_photo", args=[photo.pk + 99])).status_code
        == 404
    )
