"""Case services through the API: caseworkers, case records seen only by the project's
caseworkers and the district's authorized role, every record shown written to the access log,
the person masked, notes and closing."""

from __future__ import annotations

import pytest

from gongzhi.projects import services
from gongzhi.projects.models import CaseRecord, CaseRecordAccess, ProjectCaseworker
from tests.factories import UserFactory, make_person

pytestmark = pytest.mark.django_db

PROJECTS = "/api/v1/projects/"
RECORDS = "/api/v1/case-records/"


def error(response) -> dict:
    return response.json()["error"]


def accesses(user=None) -> list[tuple[int, str]]:
    rows = CaseRecordAccess.objects.order_by("id")
    if user is not None:
        rows = rows.filter(user=user)
    return list(rows.values_list("record_id", "action"))


@pytest.fixture
def garden(tree, district_admin, org, org_leader):
    """愈合花园: a case-service project in C1 claimed by 夕阳红服务社."""
    project = services.create_project(
        title="愈合花园", lifecycle_category="health", area=tree["C1"], by=district_admin, case_services=True
    )
    services.publish_project(project, by=district_admin)
    services.claim_project(project, organization=org, by=org_leader)
    return project


@pytest.fixture
def caseworker(garden, org_leader):
    user = UserFactory(username="caseworker")
    services.add_caseworker(garden, user=user, by=org_leader)
    return user


@pytest.fixture
def records(garden, caseworker):
    return [
        services.open_case_record(garden, by=caseworker, household=f"第{n}户", needs="陪伴就医", members=3)
        for n in range(1, 4)
    ]


# --- caseworkers ----------------------------------------------------------------------------


def test_undertaker_names_a_caseworker(api, garden, org_leader, street_admin):
    worker = UserFactory(username="social_worker", display_name="李社工")

    response = api(org_leader).post(f"{PROJECTS}{garden.pk}/caseworkers/", {"user": worker.pk})
    listed = api(street_admin).get(f"{PROJECTS}{garden.pk}/caseworkers/")

    assert response.status_code == 201
    assert (response.json()["user"], response.json()["username"], response.json()["display_name"]) == (
        worker.pk,
        "social_worker",
        "李社工",
    )
    assert [w["username"] for w in listed.json()["results"]] == ["social_worker"]


def test_caseworker_named_twice_refused(api, garden, caseworker, org_leader):
    response = api(org_leader).post(f"{PROJECTS}{garden.pk}/caseworkers/", {"user": caseworker.pk})

    assert response.status_code == 409
    assert error(response)["code"] == "conflict"
    assert ProjectCaseworker.objects.filter(project=garden).count() == 1


def test_caseworker_refused_for_a_project_without_case_services(api, district_admin, elderly_project):
    worker = UserFactory(username="social_worker")

    response = api(district_admin).post(f"{PROJECTS}{elderly_project.pk}/caseworkers/", {"user": worker.pk})

    assert response.status_code == 400
    assert error(response)["fields"] == {"project": ["该项目不含个案服务。"]}


def test_caseworker_refused_to_a_reader(api, garden, community_worker):
    worker = UserFactory(username="social_worker")

    response = api(community_worker).post(f"{PROJECTS}{garden.pk}/caseworkers/", {"user": worker.pk})

    assert response.status_code == 403
    assert error(response)["message"] == "只有项目的发布单位或承接组织负责人可以指定个案社工。"


def test_caseworker_with_an_unknown_user_names_the_field(api, garden, org_leader):
    response = api(org_leader).post(f"{PROJECTS}{garden.pk}/caseworkers/", {"user": 987654})

    assert response.status_code == 400
    assert error(response)["fields"] == {"user": ["用户 987654 不存在或已停用。"]}


# --- case records: who sees them, and the log ------------------------------------------------


def test_caseworker_opens_a_record_and_the_view_is_logged(api, garden, caseworker):
    response = api(caseworker).post(
        RECORDS, {"project": garden.pk, "household": "张家", "needs": "陪伴就医、喘息服务", "members": 4}
    )

    assert response.status_code == 201
    body = response.json()
    assert (
        body["number"],
        body["household"],
        body["members"],
        body["status"],
        body["notes"],
        body["person"],
    ) == (
        f"GA{garden.pk:05d}-001",
        "张家",
        4,
        "open",
        [],
        None,
    )
    assert accesses(caseworker) == [(body["id"], "view")]


def test_record_refused_to_someone_not_a_caseworker(api, garden, district_admin, org_leader):
    admin = api(district_admin).post(RECORDS, {"project": garden.pk, "household": "张家", "needs": "陪伴"})
    leader = api(org_leader).post(RECORDS, {"project": garden.pk, "household": "张家", "needs": "陪伴"})

    assert admin.status_code == 403
    assert error(admin)["message"] == "只有该项目的个案社工可以填写个案档案。"
    assert leader.status_code == 403
    assert not CaseRecord.objects.exists()


def test_list_logs_one_row_per_record_on_the_page(api, caseworker, records):
    response = api(caseworker).get(RECORDS, {"page_size": 2})

    assert response.status_code == 200
    shown = [r["id"] for r in response.json()["results"]]
    assert response.json()["count"] == 3
    assert shown == [records[0].pk, records[1].pk]
    assert accesses(caseworker) == [(records[0].pk, "list"), (records[1].pk, "list")]


def test_detail_is_logged_with_the_address(api, district_admin, records):
    response = api(district_admin).get(f"{RECORDS}{records[2].pk}/")

    assert response.status_code == 200
    assert response.json()["household"] == "第3户"
    row = CaseRecordAccess.objects.get()
    assert (row.record_id, row.user, row.action, row.ip_address) == (
        records[2].pk,
        district_admin,
        "view",
        "127.0.0.1",
    )


def test_people_who_see_the_project_do_not_see_its_records(
    api, street_admin, community_worker, org_leader, outsider, garden, records
):
    for user in (street_admin, community_worker, org_leader, outsider):
        listed = api(user).get(RECORDS)
        detail = api(user).get(f"{RECORDS}{records[0].pk}/")
        assert (listed.status_code, listed.json()["count"]) == (200, 0), user
        assert detail.status_code == 404, user
    # The project itself is visible to the staff, and nothing was logged.
    assert api(street_admin).get(f"{PROJECTS}{garden.pk}/").status_code == 200
    assert accesses() == []


def test_a_caseworker_of_another_project_sees_none(api, tree, district_admin, org, org_leader, records):
    other = services.create_project(
        title="另一个个案项目",
        lifecycle_category="health",
        area=tree["C1"],
        by=district_admin,
        case_services=True,
    )
    services.publish_project(other, by=district_admin)
    services.claim_project(other, organization=org, by=org_leader)
    other_worker = UserFactory(username="other_worker")
    services.add_caseworker(other, user=other_worker, by=org_leader)

    response = api(other_worker).get(RECORDS)

    assert response.json()["count"] == 0


def test_person_is_shown_masked(api, tree, garden, org_leader, community_worker):
    services.add_caseworker(garden, user=community_worker, by=org_leader)
    person = make_person(grid=tree["G1"], name="张建国", id_number="330206198001011230")

    response = api(community_worker).post(
        RECORDS, {"project": garden.pk, "household": "张家", "needs": "陪伴", "person": person.pk}
    )

    assert response.status_code == 201
    assert response.json()["person"] == {"id": person.pk, "name": "张**", "id_number": "330206********1230"}


def test_person_outside_the_callers_sight_names_the_field(api, tree, garden, caseworker):
    person = make_person(grid=tree["G1"], name="张建国")

    response = api(caseworker).post(
        RECORDS, {"project": garden.pk, "household": "张家", "needs": "陪伴", "person": person.pk}
    )

    assert response.status_code == 400
    assert error(response)["fields"] == {"person": [f"人员 {person.pk} 不存在或不在您的管辖范围内。"]}


def test_notes_and_closing(api, caseworker, district_admin, records):
    record = records[0]

    note = api(caseworker).post(
        f"{RECORDS}{record.pk}/notes/", {"content": "入户走访", "noted_on": "2026-05-01"}
    )
    refused = api(district_admin).post(f"{RECORDS}{record.pk}/notes/", {"content": "我也写"})
    closed = api(caseworker).post(f"{RECORDS}{record.pk}/close/", {"closed_on": "2026-05-02"})
    again = api(caseworker).post(f"{RECORDS}{record.pk}/close/", {})

    assert note.status_code == 201
    assert (note.json()["noted_on"], note.json()["content"]) == ("2026-05-01", "入户走访")
    assert refused.status_code == 403
    assert closed.status_code == 200
    assert (closed.json()["status"], closed.json()["closed_on"]) == ("closed", "2026-05-02")
    assert [n["content"] for n in closed.json()["notes"]] == ["入户走访"]
    assert again.status_code == 409
    assert error(again)["message"] == "个案已结案。"
    assert accesses(caseworker) == [(record.pk, "view")]


def test_record_list_query_count_does_not_grow(
    api, garden, caseworker, records, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8) as few:
        api(caseworker).get(RECORDS)
    for n in range(27):
        services.open_case_record(garden, by=caseworker, household=f"新{n}户", needs="陪伴")

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = api(caseworker).get(RECORDS)

    assert response.json()["count"] == 30
    assert CaseRecordAccess.objects.filter(action="list").count() == 33
