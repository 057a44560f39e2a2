"""Case services (个案服务): only the project's caseworkers and holders of
``projects.view_caserecord`` over its area see case records; caseworkers write them; every
look is logged."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.projects import services
from gongzhi.projects.models import CaseRecord, CaseRecordAccess

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def garden(tree, district_admin, org, org_leader):
    """愈合花园 in C1, claimed by 夕阳红服务社, whose leader is its caseworker."""
    project = services.create_project(
        title="愈合花园",
        lifecycle_category="vulnerable",
        area=tree["C1"],
        by=district_admin,
        case_services=True,
    )
    services.publish_project(project, by=district_admin)
    services.claim_project(project, organization=org, by=org_leader)
    services.add_caseworker(project, user=org_leader, by=org_leader)
    return project


@pytest.fixture
def record(garden, org_leader):
    return services.open_case_record(
        garden, by=org_leader, household="陈某某家庭", needs="母亲年迈独自照护", members=3, plan="每月探访"
    )


def test_case_records_are_seen_by_caseworkers_and_the_authorized_role_only(
    record, org_leader, other_org_leader, district_admin, street_admin, community_worker, grid_member
):
    assert list(CaseRecord.objects.visible_to(org_leader)) == [record]
    assert list(CaseRecord.objects.visible_to(district_admin)) == [record]
    # A street admin publishes and sees the project, a community worker reads it: neither
    # sees its case records.
    for user in (street_admin, community_worker, grid_member, other_org_leader):
        assert not CaseRecord.objects.visible_to(user).exists(), user.username


def test_case_records_outside_the_jurisdiction_stay_hidden(tree, record, superuser_elsewhere):
    assert not CaseRecord.objects.visible_to(superuser_elsewhere).exists()


@pytest.fixture
def superuser_elsewhere(tree):
    """A district admin of a second district: holds view_caserecord, but not over D."""
    from gongzhi.accounts.services import assign_role
    from gongzhi.areas.choices import AreaLevel
    from tests.factories import UserFactory, make_area

    user = UserFactory(username="zhenhai_admin")
    assign_role(user, role="district_admin", area=make_area("D2", AreaLevel.DISTRICT, name="镇海区"))
    return user


def test_removing_a_caseworker_takes_their_access_away(garden, record, org_leader, district_admin):
    caseworker = garden.caseworkers.get(user=org_leader)

    services.remove_caseworker(caseworker, by=district_admin)

    assert not CaseRecord.objects.visible_to(org_leader).exists()
    with pytest.raises(Forbidden, match="只有该项目的个案社工"):
        services.add_case_note(record, by=org_leader, content="入户探访")


def test_every_look_is_logged_one_row_per_record(garden, record, org_leader, district_admin):
    second = services.open_case_record(garden, by=org_leader, household="王某某家庭", needs="出院后回归社区")

    services.log_case_access([record, second], user=district_admin, action="list", ip_address="10.0.0.8")
    services.log_case_access([second.pk], user=org_leader, action="view")

    rows = list(CaseRecordAccess.objects.order_by("id").values_list("record", "user", "action", "ip_address"))
    assert rows == [
        (record.pk, district_admin.pk, "list", "10.0.0.8"),
        (second.pk, district_admin.pk, "list", "10.0.0.8"),
        (second.pk, org_leader.pk, "view", None),
    ]


def test_case_record_numbers_notes_and_closing(garden, record, org_leader):
    second = services.open_case_record(garden, by=org_leader, household="王某某家庭", needs="出院后回归社区")
    note = services.add_case_note(record, by=org_leader, content="入户探访，制定服务计划")

    services.close_case_record(record, by=org_leader)

    assert (record.number, second.number) == (f"GA{garden.pk:05d}-001", f"GA{garden.pk:05d}-002")
    assert (note.noted_on, note.written_by) == (TODAY, org_leader)
    assert (record.status, record.closed_on) == ("closed", TODAY)
    with pytest.raises(InvalidTransition, match="个案已结案"):
        services.add_case_note(record, by=org_leader, content="回访")
    with pytest.raises(InvalidTransition, match="个案已结案"):
        services.close_case_record(record, by=org_leader)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"household": " "}, "household", "请填写服务对象。"),
        ({"needs": ""}, "needs", "请填写需求评估。"),
        ({"members": 0}, "members", "家庭人数至少为 1。"),
    ],
)
def test_case_record_validation(garden, org_leader, fields, field, message):
    kwargs = {"household": "陈某某家庭", "needs": "照护压力大", **fields}

    with pytest.raises(DomainError) as exc:
        services.open_case_record(garden, by=org_leader, **kwargs)

    assert (exc.value.field, str(exc.value)) == (field, message)


def test_case_note_cannot_be_dated_in_the_future(record, org_leader):
    with pytest.raises(DomainError, match="服务日期不能晚于今天"):
        services.add_case_note(
            record, by=org_leader, content="探访", noted_on=TODAY + datetime.timedelta(days=1)
        )


def test_only_caseworkers_open_case_records(garden, district_admin):
    with pytest.raises(Forbidden, match="只有该项目的个案社工可以填写个案档案"):
        services.open_case_record(garden, by=district_admin, household="陈某某家庭", needs="照护压力大")


def test_caseworkers_only_on_projects_with_case_services(elderly_project, garden, org_leader, district_admin):
    with pytest.raises(DomainError, match="该项目不含个案服务"):
        services.add_caseworker(elderly_project, user=org_leader, by=district_admin)
    with pytest.raises(Conflict, match="已是该项目的个案社工"):
        services.add_caseworker(garden, user=org_leader, by=district_admin)


def test_caseworkers_are_named_by_the_publisher_or_the_undertaker(garden, community_worker, other_org_leader):
    with pytest.raises(Forbidden):
        services.add_caseworker(garden, user=community_worker, by=other_org_leader)
    with pytest.raises(Forbidden):
        services.add_caseworker(garden, user=community_worker, by=community_worker)


def test_caseworker_sees_the_project_without_a_project_role(garden, tree, district_admin):
    from gongzhi.projects.models import Project
    from tests.factories import UserFactory

    social_worker = UserFactory(username="social_worker")
    services.add_caseworker(garden, user=social_worker, by=district_admin)

    assert list(Project.objects.visible_to(social_worker)) == [garden]
