"""Case records (个案档案) on the pages: only the project's caseworkers and the district's
authorized role see them (404 for anyone else), every list and record shown is logged, and
caseworkers are named on the project page by the publisher or the undertaker's leader."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.projects import services
from gongzhi.projects.models import CaseNote, CaseRecord, CaseRecordAccess, Project, ProjectCaseworker
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def _html(response) -> str:
    return response.content.decode()


@pytest.fixture
def garden(tree, district_admin, org, org_leader):
    """愈合花园: a case-service project in C1, claimed by 夕阳红服务社."""
    project = services.create_project(
        title="愈合花园",
        lifecycle_category="vulnerable",
        area=tree["C1"],
        by=district_admin,
        case_services=True,
    )
    services.publish_project(project, by=district_admin)
    services.claim_project(project, organization=org, by=org_leader)
    return Project.objects.get(pk=project.pk)


@pytest.fixture
def caseworker(garden, org_leader):
    user = UserFactory(username="caseworker", display_name="社工小陈")
    services.add_caseworker(garden, user=user, by=org_leader)
    return user


@pytest.fixture
def records(garden, caseworker):
    return [
        services.open_case_record(garden, by=caseworker, household=f"张家{i}", needs="精神障碍患者家庭支持")
        for i in range(2)
    ]


def _list_url(project) -> str:
    return reverse("projects:case_records", args=[project.pk])


def test_caseworker_lists_records_and_each_one_shown_is_logged(garden, caseworker, records, page):
    response = page(caseworker).get(_list_url(garden), REMOTE_ADDR="10.1.2.3")

    assert response.status_code == 200
    assert [r.household for r in response.context["records"]] == ["张家0", "张家1"]
    assert sorted(CaseRecordAccess.objects.values_list("record_id", "user_id", "action", "ip_address")) == [
        (records[0].pk, caseworker.pk, "list", "10.1.2.3"),
        (records[1].pk, caseworker.pk, "list", "10.1.2.3"),
    ]


def test_district_authorized_role_reads_a_record_and_it_is_logged(garden, records, district_admin, page):
    response = page(district_admin).get(reverse("projects:case_record", args=[records[0].pk]))

    assert response.status_code == 200
    assert "精神障碍患者家庭支持" in _html(response)
    assert response.context["may_write"] is False
    assert list(CaseRecordAccess.objects.values_list("record_id", "user_id", "action")) == [
        (records[0].pk, district_admin.pk, "view")
    ]


def test_others_who_see_the_project_get_404_and_leave_no_log(
    garden, records, street_admin, community_worker, org_leader, page
):
    for user in (street_admin, community_worker, org_leader):
        client = page(user)
        assert client.get(reverse("projects:detail", args=[garden.pk])).status_code == 200
        assert client.get(_list_url(garden)).status_code == 404
        assert client.get(reverse("projects:case_record", args=[records[0].pk])).status_code == 404
        assert (
            client.post(reverse("projects:case_note", args=[records[0].pk]), {"content": "x"}).status_code
            == 404
        )
    assert not CaseRecordAccess.objects.exists()


def test_project_page_links_to_case_records_only_for_those_allowed(
    garden, caseworker, community_worker, page
):
    link = f'href="{_list_url(garden)}"'

    assert link in _html(page(caseworker).get(reverse("projects:detail", args=[garden.pk])))
    assert link not in _html(page(community_worker).get(reverse("projects:detail", args=[garden.pk])))


def test_caseworker_opens_a_record_adds_a_note_and_closes_it(garden, caseworker, page):
    client = page(caseworker)

    empty = client.post(_list_url(garden), {"household": "", "members": "3", "needs": "x"})
    opened = client.post(_list_url(garden), {"household": "李家", "members": "3", "needs": "照护者喘息服务"})
    record = CaseRecord.objects.get()
    noted = client.post(
        reverse("projects:case_note", args=[record.pk]),
        {"noted_on": TODAY.isoformat(), "content": "入户访视"},
    )
    closed = client.post(reverse("projects:case_close", args=[record.pk]), follow=True)
    again = client.post(reverse("projects:case_close", args=[record.pk]))

    assert empty.status_code == 400
    assert "请填写服务对象。" in _html(empty)
    assert opened.url == reverse("projects:case_record", args=[record.pk])
    assert noted.status_code == 302
    assert list(CaseNote.objects.values_list("content", flat=True)) == ["入户访视"]
    record.refresh_from_db()
    assert (record.status, record.closed_on) == ("closed", TODAY)
    assert f"个案 {record.number} 已结案。" in _html(closed)
    assert again.status_code == 409
    assert "个案已结案。" in _html(again)
    # Each render of the record is a logged view (the refused close re-rendered it too).
    assert CaseRecordAccess.objects.filter(record=record, user=caseworker, action="view").count() == 2


def test_district_admin_may_read_but_not_write(garden, records, district_admin, page):
    response = page(district_admin).post(
        reverse("projects:case_note", args=[records[0].pk]), {"noted_on": TODAY.isoformat(), "content": "x"}
    )
    opened = page(district_admin).post(_list_url(garden), {"household": "王家", "members": "1", "needs": "x"})

    assert response.status_code == 403
    assert opened.status_code == 403
    assert not CaseNote.objects.exists()


def test_publisher_names_and_removes_a_caseworker(garden, street_admin, page):
    worker = UserFactory(username="worker_li", display_name="社工小李")
    client = page(street_admin)

    unknown = client.post(reverse("projects:caseworker_add", args=[garden.pk]), {"username": "nobody"})
    added = client.post(
        reverse("projects:caseworker_add", args=[garden.pk]), {"username": "worker_li"}, follow=True
    )
    twice = client.post(reverse("projects:caseworker_add", args=[garden.pk]), {"username": "worker_li"})
    caseworker = ProjectCaseworker.objects.get()
    removed = client.post(reverse("projects:caseworker_remove", args=[garden.pk, caseworker.pk]), follow=True)

    assert unknown.status_code == 400
    assert "找不到用户名为“nobody”的用户。" in _html(unknown)
    assert "已将 社工小李 设为个案社工。" in _html(added)
    assert twice.status_code == 409
    assert "社工小李 已是该项目的个案社工。" in _html(twice)
    assert "社工小李 不再是本项目的个案社工。" in _html(removed)
    assert not ProjectCaseworker.objects.filter(user=worker).exists()


def test_undertaker_leader_manages_caseworkers_but_a_reader_may_not(
    garden, org_leader, community_worker, page
):
    UserFactory(username="worker_li")

    by_leader = page(org_leader).post(
        reverse("projects:caseworker_add", args=[garden.pk]), {"username": "worker_li"}
    )
    by_reader = page(community_worker).post(
        reverse("projects:caseworker_add", args=[garden.pk]), {"username": "worker_li"}
    )

    assert by_leader.status_code == 302
    assert by_reader.status_code == 403
    assert ProjectCaseworker.objects.count() == 1


def test_projects_without_case_services_have_no_case_records(elderly_project, district_admin, page):
    assert page(district_admin).get(_list_url(elderly_project)).status_code == 404
