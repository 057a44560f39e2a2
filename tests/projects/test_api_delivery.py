"""Delivery through the API: activity reports as JSON and multipart with photos, the photo
endpoint scoped like the project, milestones and indicators with their progress."""

from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.projects import services
from gongzhi.projects.models import Delivery, DeliveryPhoto, Project
from tests.cases.conftest import jpeg_bytes
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
TODAY = timezone.localdate()


def url(project, what: str) -> str:
    return f"{PROJECTS}{project.pk}/{what}/"


def error(response) -> dict:
    return response.json()["error"]


def upload(name="photo.jpg"):
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


@pytest.fixture
def running(elderly_project, org, org_leader, district_admin):
    services.add_milestone(elderly_project, title="开办助餐点", due_on=TODAY, by=district_admin)
    services.add_indicator(elderly_project, kind="person_times", target="100", by=district_admin)
    services.claim_project(elderly_project, organization=org, by=org_leader)
    return services.start_project(elderly_project, by=org_leader)


# --- deliveries -----------------------------------------------------------------------------


def test_undertaker_reports_a_delivery_as_json(api, org_leader, org, running):
    milestone = running.milestones.get()

    response = api(org_leader).post(
        url(running, "deliveries"),
        {
            "title": "首次助餐",
            "held_on": TODAY.isoformat(),
            "beneficiaries": 20,
            "person_times": 40,
            "place": "百合社区食堂",
            "satisfaction": "96.5",
            "milestone": milestone.pk,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["title"], body["organization"], body["organization_name"], body["milestone"]) == (
        "首次助餐",
        org.pk,
        "夕阳红服务社",
        milestone.pk,
    )
    assert (body["beneficiaries"], body["person_times"], body["satisfaction"], body["photos"]) == (
        20,
        40,
        "96.50",
        [],
    )
    project = api(org_leader).get(f"{PROJECTS}{running.pk}/").json()
    assert (project["person_times"], project["beneficiaries"], project["activities"]) == (40, 20, 1)
    assert [(i["actual"], i["ratio"]) for i in project["indicators"]] == [("40.00", "0.40")]


def test_delivery_with_photos_as_multipart(api, org_leader, running, media, outsider, tree):
    response = api(org_leader).post(
        url(running, "deliveries"),
        {
            "title": "助浴服务",
            "held_on": TODAY.isoformat(),
            "beneficiaries": "5",
            "person_times": "5",
            "photos": [upload("a.jpg"), upload("b.jpg")],
        },
        format="multipart",
    )

    assert response.status_code == 201
    photos = response.json()["photos"]
    assert len(photos) == 2
    assert photos[0]["url"].endswith(f"/api/v1/delivery-photos/{photos[0]['id']}/")
    assert photos[0]["thumbnail_url"].endswith(f"/api/v1/delivery-photos/{photos[0]['id']}/thumbnail/")
    image = api(org_leader).get(f"/api/v1/delivery-photos/{photos[0]['id']}/")
    content = b"".join(image.streaming_content)  # consuming the stream closes the file
    assert (image.status_code, image["Content-Type"], content[:2]) == (200, "image/jpeg", b"\xff\xd8")
    assert status_of(api(org_leader), f"/api/v1/delivery-photos/{photos[0]['id']}/thumbnail/") == 200
    listed = api(org_leader).get(url(running, "deliveries")).json()["results"]
    assert [len(d["photos"]) for d in listed] == [2]


def test_delivery_photo_is_404_outside_the_projects_sight(
    api, tree, district_admin, org_leader, running, media, outsider
):
    delivery = services.report_delivery(
        running,
        by=org_leader,
        title="助浴",
        held_on=TODAY,
        beneficiaries=1,
        person_times=1,
        photos=[upload()],
    )
    photo = DeliveryPhoto.objects.get(delivery=delivery)
    s2_leader_user = _user_with_role("s2_worker", "community_worker", tree["C2"])

    assert status_of(api(outsider), f"/api/v1/delivery-photos/{photo.pk}/") == 404
    assert status_of(api(s2_leader_user), f"/api/v1/delivery-photos/{photo.pk}/thumbnail/") == 404
    assert status_of(api(district_admin), f"/api/v1/delivery-photos/{photo.pk}/") == 200
    assert status_of(api(district_admin), "/api/v1/delivery-photos/999999/") == 404


def status_of(client, path: str) -> int:
    response = client.get(path)
    if response.streaming:
        b"".join(response.streaming_content)  # consuming the stream closes the file
    return response.status_code


def _user_with_role(username, role, area):
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    user = UserFactory(username=username)
    assign_role(user, role=role, area=area)
    return user


def test_photos_in_a_json_body_are_refused(api, org_leader, running):
    response = api(org_leader).post(
        url(running, "deliveries"),
        {
            "title": "x",
            "held_on": TODAY.isoformat(),
            "beneficiaries": 1,
            "person_times": 1,
            "photos": ["abc"],
        },
    )

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["photos"]
    assert not Delivery.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused(api, org_leader, running, media):
    response = api(org_leader).post(
        url(running, "deliveries"),
        {
            "title": "x",
            "held_on": TODAY.isoformat(),
            "beneficiaries": "1",
            "person_times": "1",
            "photos": [SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")],
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["photos"]
    assert not Delivery.objects.exists()


def test_delivery_refuses_fewer_person_times_than_people(api, org_leader, running):
    response = api(org_leader).post(
        url(running, "deliveries"),
        {"title": "助餐", "held_on": TODAY.isoformat(), "beneficiaries": 20, "person_times": 10},
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {
        "person_times": ["服务人次（10）不能少于服务人数（20）：每人至少计一人次。"]
    }


def test_delivery_refuses_a_future_date(api, org_leader, running):
    tomorrow = TODAY + datetime.timedelta(days=1)

    response = api(org_leader).post(
        url(running, "deliveries"),
        {"title": "助餐", "held_on": tomorrow.isoformat(), "beneficiaries": 1, "person_times": 1},
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"held_on": ["活动日期不能晚于今天。"]}


def test_delivery_refused_before_the_project_starts(api, org_leader, org, elderly_project):
    services.claim_project(elderly_project, organization=org, by=org_leader)

    response = api(org_leader).post(
        url(elderly_project, "deliveries"),
        {"title": "助餐", "held_on": TODAY.isoformat(), "beneficiaries": 1, "person_times": 1},
    )

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“已认领”，只有实施中的项目可以填报服务记录。"


def test_delivery_refused_to_those_who_only_read_the_project(
    api, community_worker, other_org_leader, other_org, running
):
    body = {"title": "助餐", "held_on": TODAY.isoformat(), "beneficiaries": 1, "person_times": 1}

    reader = api(community_worker).post(url(running, "deliveries"), body)
    # Another organization no longer sees a project taken on by someone else.
    stranger = api(other_org_leader).post(url(running, "deliveries"), body)

    assert reader.status_code == 403
    assert error(reader)["message"] == "只有项目的承接组织或发布单位可以进行此项操作。"
    assert stranger.status_code == 404
    assert not Delivery.objects.exists()


def test_delivery_refuses_a_milestone_of_another_project(api, tree, district_admin, org_leader, running):
    other = services.create_project(
        title="x", lifecycle_category="elderly", area=tree["C1"], by=district_admin
    )
    foreign = services.add_milestone(other, title="别的里程碑", due_on=TODAY, by=district_admin)

    response = api(org_leader).post(
        url(running, "deliveries"),
        {
            "title": "助餐",
            "held_on": TODAY.isoformat(),
            "beneficiaries": 1,
            "person_times": 1,
            "milestone": foreign.pk,
        },
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"milestone": ["该里程碑不属于本项目。"]}


def test_delivery_for_an_organization_not_undertaking_refused(api, tree, district_admin, running):
    stranger = make_org(tree["C1"], "路人服务队")

    response = api(district_admin).post(
        url(running, "deliveries"),
        {
            "title": "助餐",
            "held_on": TODAY.isoformat(),
            "beneficiaries": 1,
            "person_times": 1,
            "organization": stranger.pk,
        },
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"organization": [f"组织 {stranger.pk} 不是本项目的承接组织。"]}


def test_deliveries_list_has_a_query_cap(
    api, district_admin, org_leader, running, media, django_assert_max_num_queries
):
    def report(n):
        for i in range(n):
            services.report_delivery(
                running,
                by=org_leader,
                title=f"活动{i}",
                held_on=TODAY,
                beneficiaries=1,
                person_times=1,
                photos=[upload()],
            )

    report(3)
    with django_assert_max_num_queries(9) as few:
        api(district_admin).get(url(running, "deliveries"))
    report(27)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api(district_admin).get(url(running, "deliveries"))

    assert response.json()["count"] == 30


# --- milestones and indicators --------------------------------------------------------------


def test_publisher_adds_a_milestone(api, street_admin, running):
    response = api(street_admin).post(
        url(running, "milestones"), {"title": "中期评估", "due_on": "2099-09-30"}
    )
    listed = api(street_admin).get(url(running, "milestones"))

    assert response.status_code == 201
    assert (response.json()["title"], response.json()["due_on"]) == ("中期评估", "2099-09-30")
    assert [m["title"] for m in listed.json()["results"]] == ["开办助餐点", "中期评估"]


def test_undertaker_may_not_add_milestones(api, org_leader, running):
    response = api(org_leader).post(
        url(running, "milestones"), {"title": "自定里程碑", "due_on": "2026-09-30"}
    )

    assert response.status_code == 403


def test_milestone_completed_only_once(api, org_leader, running):
    milestone = running.milestones.get()
    done = f"{url(running, 'milestones')}{milestone.pk}/complete/"

    first = api(org_leader).post(done, {"evidence": "已开办"})
    second = api(org_leader).post(done, {"evidence": "又开办"})

    assert first.status_code == 200
    assert second.status_code == 409
    assert error(second)["message"] == f"里程碑“开办助餐点”已于 {TODAY.isoformat()} 完成。"


def test_milestone_completion_refused_before_the_project_starts(api, district_admin, elderly_project):
    milestone = services.add_milestone(elderly_project, title="开办助餐点", due_on=TODAY, by=district_admin)

    response = api(district_admin).post(f"{url(elderly_project, 'milestones')}{milestone.pk}/complete/", {})

    assert response.status_code == 409
    assert error(response)["message"] == "项目当前状态为“已发布”，只有实施中的项目可以完成里程碑。"


def test_milestone_of_another_project_answers_404(api, tree, district_admin, running):
    other = services.create_project(
        title="x", lifecycle_category="elderly", area=tree["C1"], by=district_admin
    )
    foreign = services.add_milestone(other, title="别的", due_on=TODAY, by=district_admin)

    response = api(district_admin).post(f"{url(running, 'milestones')}{foreign.pk}/complete/", {})

    assert response.status_code == 404


def test_indicators_with_progress_and_a_hand_entered_actual(api, street_admin, org_leader, running):
    services.report_delivery(
        running, by=org_leader, title="助餐", held_on=TODAY, beneficiaries=10, person_times=25
    )

    added = api(street_admin).post(
        url(running, "indicators"), {"kind": "other", "name": "志愿者培训", "target": "4", "unit": "场"}
    )
    actual = api(org_leader).post(
        f"{url(running, 'indicators')}{added.json()['id']}/actual/", {"actual": "3"}
    )
    listed = api(org_leader).get(url(running, "indicators"))

    assert added.status_code == 201
    assert (added.json()["actual"], added.json()["ratio"]) == (None, None)
    assert actual.status_code == 200
    assert [(i["name"], i["target"], i["actual"], i["ratio"]) for i in listed.json()["results"]] == [
        ("服务人次", "100.00", "25.00", "0.25"),
        ("志愿者培训", "4.00", "3.00", "0.75"),
    ]


def test_measured_indicator_cannot_be_entered_by_hand(api, org_leader, running):
    indicator = running.indicators.get()

    response = api(org_leader).post(f"{url(running, 'indicators')}{indicator.pk}/actual/", {"actual": "500"})

    assert response.status_code == 400
    assert error(response)["fields"] == {"actual": ["该指标由服务记录自动统计，不能手工填写。"]}


def test_indicator_refused_after_completion(api, district_admin, org_leader, running):
    milestone = running.milestones.get()
    services.complete_milestone(milestone, by=org_leader)
    services.complete_project(running, by=org_leader)

    response = api(district_admin).post(url(running, "indicators"), {"kind": "activities", "target": "10"})

    assert response.status_code == 409
    assert error(response)["message"] == "项目已结束，不能再添加指标。"
    assert Project.objects.get(pk=running.pk).indicators.count() == 1
