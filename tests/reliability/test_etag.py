"""Optimistic concurrency on every API edit: the detail GET carries an ETag, a PATCH with a
stale If-Match is refused with 412 and changes nothing, a current one goes through and
returns the new ETag, and a PATCH without If-Match proceeds as before."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from gongzhi.cases.choices import UnitKind
from gongzhi.cases.models import HandlingUnit
from gongzhi.organizations.models import Organization
from gongzhi.people.models import Person
from gongzhi.projects.models import Project
from gongzhi.volunteers.models import Volunteer
from tests.factories import make_person
from tests.projects.conftest import make_org

pytestmark = pytest.mark.django_db


@dataclass
class Editable:
    url: str
    editor: Any
    change: dict
    other_change: dict
    read: Any  # the stored value that the changes set


@pytest.fixture
def person_case(tree, community_worker):
    person = make_person(grid=tree["G1"], name="王小明")
    return Editable(
        f"/api/v1/people/{person.pk}/",
        community_worker,
        {"name": "王晓明"},
        {"name": "王小铭"},
        lambda: Person.objects.get(pk=person.pk).name,
    )


@pytest.fixture
def organization_case(tree, district_admin):
    org = make_org(tree["C1"], "夕阳红服务社")
    return Editable(
        f"/api/v1/organizations/{org.pk}/",
        district_admin,
        {"name": "夕阳红为老服务社"},
        {"name": "夕阳红互助社"},
        lambda: Organization.objects.get(pk=org.pk).name,
    )


@pytest.fixture
def handling_unit_case(tree, street_admin):
    unit = HandlingUnit.objects.create(name="百合社区环卫队", kind=UnitKind.COMMUNITY_TEAM, area=tree["C1"])
    return Editable(
        f"/api/v1/handling-units/{unit.pk}/",
        street_admin,
        {"name": "百合社区保洁队"},
        {"name": "百合社区环卫一队"},
        lambda: HandlingUnit.objects.get(pk=unit.pk).name,
    )


@pytest.fixture
def project_case(tree, district_admin):
    from gongzhi.projects import services

    project = services.create_project(
        title="四点半课堂", lifecycle_category="childcare", area=tree["C1"], by=district_admin
    )
    return Editable(
        f"/api/v1/projects/{project.pk}/",
        district_admin,
        {"title": "四点半学堂"},
        {"title": "放学后课堂"},
        lambda: Project.objects.get(pk=project.pk).title,
    )


@pytest.fixture
def volunteer_case(ann):
    return Editable(
        f"/api/v1/volunteers/{ann.pk}/",
        ann.person.user,
        {"availability": "周末上午"},
        {"availability": "工作日晚上"},
        lambda: Volunteer.objects.get(pk=ann.pk).availability,
    )


@pytest.fixture
def area_case(tree, district_admin):
    from gongzhi.areas.models import Area

    return Editable(
        "/api/v1/areas/G1/",
        district_admin,
        {"name": "百合第一网格"},
        {"name": "百合1号网格"},
        lambda: Area.objects.get(code="G1").name,
    )


EDITABLES = [
    "person_case",
    "organization_case",
    "handling_unit_case",
    "project_case",
    "volunteer_case",
    "area_case",
]


@pytest.fixture(params=EDITABLES)
def editable(request) -> Editable:
    return request.getfixturevalue(request.param)


def test_the_detail_carries_a_weak_etag_that_stays_until_a_change(api, editable):
    client = api(editable.editor)

    first = client.get(editable.url)
    second = client.get(editable.url)

    assert first.status_code == 200
    assert first.headers["ETag"].startswith('W/"')
    assert second.headers["ETag"] == first.headers["ETag"]


def test_a_current_if_match_edits_and_returns_the_new_etag(api, editable):
    client = api(editable.editor)
    etag = client.get(editable.url).headers["ETag"]

    response = client.patch(editable.url, editable.change, format="json", HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert response.headers["ETag"] not in ("", etag)
    assert client.get(editable.url).headers["ETag"] == response.headers["ETag"]
    assert editable.read() == next(iter(editable.change.values()))


def test_a_stale_if_match_is_refused_with_412_and_changes_nothing(api, editable):
    """Two officers open the record; the first saves; the second's save must not undo it."""
    first_officer, second_officer = api(editable.editor), api(editable.editor)
    seen_by_both = first_officer.get(editable.url).headers["ETag"]
    saved = first_officer.patch(editable.url, editable.change, format="json", HTTP_IF_MATCH=seen_by_both)

    stale = second_officer.patch(
        editable.url, editable.other_change, format="json", HTTP_IF_MATCH=seen_by_both
    )

    assert saved.status_code == 200
    assert stale.status_code == 412
    error = stale.json()["error"]
    assert error["code"] == "precondition_failed"
    assert "已被他人修改，请重新获取后再提交" in error["message"]
    assert error["current_etag"] == saved.headers["ETag"]
    assert editable.read() == next(iter(editable.change.values()))


def test_without_if_match_the_edit_proceeds(api, editable):
    client = api(editable.editor)

    response = client.patch(editable.url, editable.change, format="json")

    assert response.status_code == 200
    assert editable.read() == next(iter(editable.change.values()))


def test_if_match_star_and_a_list_of_tags_are_understood(api, person_case):
    client = api(person_case.editor)
    etag = client.get(person_case.url).headers["ETag"]

    star = client.patch(person_case.url, {"name": "甲"}, format="json", HTTP_IF_MATCH="*")
    listed = client.patch(
        person_case.url, {"name": "乙"}, format="json", HTTP_IF_MATCH=f'W/"old", {star.headers["ETag"]}'
    )

    assert (star.status_code, listed.status_code) == (200, 200)
    assert star.headers["ETag"] != etag


def test_a_change_of_tags_alone_changes_the_person_etag(api, person_case):
    client = api(person_case.editor)
    etag = client.get(person_case.url).headers["ETag"]

    tagged = client.patch(person_case.url, {"tags": ["elderly"]}, format="json", HTTP_IF_MATCH=etag)
    stale = client.patch(person_case.url, {"name": "丙"}, format="json", HTTP_IF_MATCH=etag)

    assert tagged.status_code == 200, tagged.json()
    assert stale.status_code == 412


def test_a_record_outside_the_callers_sight_answers_404_not_its_version(api, tree, community_worker):
    elsewhere = make_person(grid=tree["G3"], name="李四")

    response = api(community_worker).patch(
        f"/api/v1/people/{elsewhere.pk}/", {"name": "李斯"}, format="json", HTTP_IF_MATCH='W/"x"'
    )

    assert response.status_code == 404
    assert "ETag" not in response.headers
