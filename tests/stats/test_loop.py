"""The closed loop: a volunteer activity or a draft project started from a case, their figures
on the case's timeline, and the case still closing through feedback → verify."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from gongzhi.cases import services as case_services
from gongzhi.cases.choices import CaseStatus
from gongzhi.core.exceptions import DomainError, Forbidden, InvalidTransition
from gongzhi.notifications.models import Notification
from gongzhi.projects.choices import ProjectStatus
from gongzhi.projects.models import Delivery, Project
from gongzhi.stats import loop
from gongzhi.volunteers import services as vol_services
from gongzhi.volunteers.models import Activity
from tests.cases.conftest import MONDAY_9, categories, grids, handler, reported, unit  # noqa: F401
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched(reported, community_worker, unit):  # noqa: F811
    registered = case_services.register_case(reported, by=community_worker, now=MONDAY_9)
    return case_services.dispatch_case(registered, to=unit, by=community_worker, now=MONDAY_9)


def start_clean_up(case, by, organizer, **overrides):
    fields = {
        "title": "富春江路清理行动",
        "category": "litter",
        "place": "富春江路人行道",
        "starts_at": at(1, 9),
        "ends_at": at(1, 11),
        "capacity": 5,
    }
    return loop.start_activity_from_case(case, by=by, organizer=organizer, **{**fields, **overrides})


def propose(case, by, area, **overrides):
    fields = {"title": "富春江路环境长效整治", "lifecycle_category": "housing"}
    return loop.propose_project_from_case(case, by=by, area=area, **{**fields, **overrides})


def rolled_back(change) -> None:
    """Run ``change`` in a transaction that a later step then fails (so it rolls back)."""
    with transaction.atomic():
        change()
        raise RuntimeError("a later step failed")


def inbox(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", "url"))


# --- starting an activity ------------------------------------------------------------------


def test_start_activity_links_it_and_notifies_the_organizer_after_commit(
    dispatched, community_worker, club, leader, django_capture_on_commit_callbacks
):
    events_before = dispatched.events.count()

    with django_capture_on_commit_callbacks() as callbacks:
        activity = start_clean_up(dispatched, community_worker, club)
        written_before_commit = Notification.objects.count()
    for callback in callbacks:
        callback()

    activity.refresh_from_db()
    assert activity.case_id == dispatched.pk
    assert activity.area.code == "G1"
    assert activity.organizer == club
    assert activity.created_by == community_worker
    assert activity.description == f"源自网格事件 {dispatched.number}（占道堆物）。"
    assert written_before_commit == 0
    assert inbox(leader) == [("case_activity_started", f"/volunteers/activities/{activity.pk}/")]
    # No new state and no new ledger entry: the case goes on as dispatched.
    dispatched.refresh_from_db()
    assert dispatched.status == CaseStatus.DISPATCHED
    assert dispatched.events.count() == events_before


def test_start_activity_rolled_back_writes_and_sends_nothing(
    dispatched, community_worker, club, leader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        rolled_back(lambda: start_clean_up(dispatched, community_worker, club))

    assert callbacks == []
    assert Activity.objects.count() == 0
    assert Notification.objects.count() == 0


def test_grid_member_without_dispatch_may_not_start_an_activity(dispatched, grid_member, club):
    with pytest.raises(Forbidden) as refused:
        start_clean_up(dispatched, grid_member, club)

    assert refused.value.message == "只有负责该事件的调度人员可以据此发起志愿活动或公益项目。"
    assert Activity.objects.count() == 0


def test_a_closed_case_starts_nothing(
    dispatched,
    community_worker,
    handler,  # noqa: F811
    grid_member,
    club,
    tree,
    street_admin,
):
    handling = case_services.accept_case(dispatched, by=handler, now=MONDAY_9)
    fed_back = case_services.feedback_case(handling, by=handler, result="已清理", now=MONDAY_9)
    closed = case_services.verify_case(fed_back, by=grid_member, now=MONDAY_9)

    with pytest.raises(InvalidTransition) as activity_refused:
        start_clean_up(closed, community_worker, club)
    with pytest.raises(InvalidTransition):
        propose(closed, street_admin, tree["C1"])

    assert activity_refused.value.message == "事件当前状态为“已结案”，不能再据此发起志愿活动或公益项目。"
    assert Activity.objects.count() == Project.objects.count() == 0


def test_the_activity_checks_still_apply(dispatched, community_worker, club):
    with pytest.raises(DomainError) as refused:
        start_clean_up(dispatched, community_worker, club, ends_at=at(1, 8))

    assert refused.value.field == "ends_at"
    assert Activity.objects.count() == 0


# --- proposing a project -------------------------------------------------------------------


def test_propose_project_creates_a_linked_draft_and_notifies_other_publishers(
    dispatched, street_admin, district_admin, tree, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        project = propose(dispatched, street_admin, tree["C1"])

    project.refresh_from_db()
    assert project.source_case_id == dispatched.pk
    assert project.status == ProjectStatus.DRAFT
    assert project.area == tree["C1"]
    assert project.created_by == street_admin
    assert inbox(district_admin) == [("case_project_proposed", f"/projects/{project.pk}/")]
    assert inbox(street_admin) == []
    dispatched.refresh_from_db()
    assert dispatched.status == CaseStatus.DISPATCHED


def test_grid_member_without_dispatch_may_not_propose_a_project(dispatched, grid_member, tree):
    with pytest.raises(Forbidden):
        propose(dispatched, grid_member, tree["G1"])

    assert Project.objects.count() == 0


def test_a_dispatcher_without_project_rights_may_not_propose(dispatched, community_worker, tree):
    with pytest.raises(Forbidden):
        propose(dispatched, community_worker, tree["C1"])

    assert Project.objects.count() == 0


def test_the_project_must_serve_the_case_area(dispatched, street_admin, tree):
    with pytest.raises(DomainError) as refused:
        propose(dispatched, street_admin, tree["G2"])

    assert refused.value.field == "area"
    assert Project.objects.count() == 0


# --- what came of it -----------------------------------------------------------------------


@pytest.fixture
def worked(dispatched, community_worker, street_admin, club, leader, ann, bob, carl, tree):
    """The case with a clean-up held yesterday 09:00–11:00 (Ann 2 h approved, Bob approved at
    1.5 h, Carl still pending) and a project with two deliveries (15 people, 42 person-times)."""
    activity = start_clean_up(dispatched, community_worker, club)
    # Started from the case before it was held: move it to yesterday to record attendance.
    Activity.objects.filter(pk=activity.pk).update(
        starts_at=at(-1, 9), ends_at=at(-1, 11), signup_opens_at=at(-2, 9), signup_closes_at=at(-1, 9)
    )
    activity.refresh_from_db()
    records = {
        v: vol_services.roster_attendance(
            activity, v, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11)
        )
        for v in (ann, bob, carl)
    }
    vol_services.approve_record(records[ann], by=leader)
    vol_services.approve_record(records[bob], by=leader, hours="1.5", reason="提前离开")
    project = propose(dispatched, street_admin, tree["C1"])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Delivery.objects.create(
        project=project, title="第一次整治", held_on=yesterday, beneficiaries=10, person_times=30
    )
    Delivery.objects.create(
        project=project, title="第二次整治", held_on=yesterday, beneficiaries=5, person_times=12
    )
    return {"case": dispatched, "activity": activity, "project": project}


def test_case_loop_sums_approved_hours_and_person_times(worked, django_assert_num_queries):
    with django_assert_num_queries(2):
        result = loop.case_loop(worked["case"])

    assert [a.pk for a in result.activities] == [worked["activity"].pk]
    assert result.activities[0].approved_hours == Decimal("3.50")
    assert result.activities[0].volunteers_served == 2
    assert [p.pk for p in result.projects] == [worked["project"].pk]
    assert result.projects[0].person_times == 42
    assert result.projects[0].beneficiaries == 15
    assert result.hours == Decimal("3.50")
    assert result.person_times == 42


def test_case_loop_of_a_case_without_work_is_empty(dispatched):
    result = loop.case_loop(dispatched)

    assert not result
    assert result.hours == Decimal("0.00")
    assert result.person_times == 0


def test_timeline_shows_activity_hours_and_project_person_times(worked, community_worker, page):
    case = worked["case"]

    html = page(community_worker).get(reverse("cases:detail", args=[case.pk])).content.decode()

    activity, project = worked["activity"], worked["project"]
    assert f'<a href="/volunteers/activities/{activity.pk}/">富春江路清理行动</a>' in html
    assert "已认定服务时长 3.50 小时 · 2 名志愿者" in html
    assert f'<a href="/projects/{project.pk}/">富春江路环境长效整治</a>' in html
    assert "服务人次 42 · 服务人数 15 · 服务活动 2 场" in html


def test_the_case_closes_through_verify_and_keeps_its_loop(worked, handler, grid_member, page):  # noqa: F811
    case = worked["case"]
    handling = case_services.accept_case(case, by=handler)
    fed_back = case_services.feedback_case(handling, by=handler, result="志愿者清理完毕")

    closed = case_services.verify_case(fed_back, by=grid_member)

    assert closed.status == CaseStatus.CLOSED
    assert loop.case_loop(closed).hours == Decimal("3.50")
    html = page(grid_member).get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "已认定服务时长 3.50 小时 · 2 名志愿者" in html
    assert "发起志愿活动" not in html


# --- the case page's buttons and forms -----------------------------------------------------


def test_buttons_follow_the_viewer_rights(dispatched, community_worker, street_admin, grid_member, page):
    url = reverse("cases:detail", args=[dispatched.pk])
    start = f'href="{reverse("cases:start_activity", args=[dispatched.pk])}"'
    propose_link = f'href="{reverse("cases:propose_project", args=[dispatched.pk])}"'

    worker = page(community_worker).get(url).content.decode()
    street = page(street_admin).get(url).content.decode()
    member = page(grid_member).get(url).content.decode()

    assert (start in worker, propose_link in worker) == (True, False)
    assert (start in street, propose_link in street) == (True, True)
    assert (start in member, propose_link in member) == (False, False)


def test_grid_member_gets_403_from_the_loop_pages(dispatched, grid_member, page):
    client = page(grid_member)

    activity_page = client.get(reverse("cases:start_activity", args=[dispatched.pk]))
    project_page = client.post(reverse("cases:propose_project", args=[dispatched.pk]), {"title": "x"})

    assert (activity_page.status_code, project_page.status_code) == (403, 403)
    assert Activity.objects.count() == Project.objects.count() == 0


def test_start_activity_page_creates_the_linked_activity(dispatched, community_worker, club, page):
    client = page(community_worker)
    url = reverse("cases:start_activity", args=[dispatched.pk])
    data = {
        "organizer": club.pk,
        "title": "富春江路清理行动",
        "category": "litter",
        "place": "富春江路人行道",
        "starts_at": at(1, 9).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": at(1, 11).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "8",
    }

    form_page = client.get(url)
    refused = client.post(url, {**data, "ends_at": at(1, 8).strftime("%Y-%m-%dT%H:%M")})
    done = client.post(url, data)

    assert form_page.status_code == 200
    assert refused.status_code == 400
    assert "结束时间须晚于开始时间。" in refused.content.decode()
    assert done.status_code == 302
    assert done.url == reverse("cases:detail", args=[dispatched.pk])
    activity = Activity.objects.get()
    assert (activity.case_id, activity.capacity, activity.area.code) == (dispatched.pk, 8, "G1")


def test_propose_project_page_creates_the_linked_draft(dispatched, street_admin, tree, page):
    client = page(street_admin)
    url = reverse("cases:propose_project", args=[dispatched.pk])

    form_page = client.get(url)
    done = client.post(
        url, {"title": "富春江路环境长效整治", "lifecycle_category": "housing", "area": tree["C1"].pk}
    )

    choices = [label for _value, label in form_page.context["form"].fields["area"].choices]
    assert choices == ["百合一网格", "百合社区", "百合片区", "新碶街道"]
    assert done.status_code == 302
    project = Project.objects.get()
    assert (project.source_case_id, project.area, project.status) == (dispatched.pk, tree["C1"], "draft")


# --- the same two doors through the API ----------------------------------------------------


def test_api_starts_an_activity_and_proposes_a_project_from_a_case(
    api, dispatched, community_worker, street_admin, club, tree
):
    client = api(community_worker)
    url = reverse("case-start-activity", args=[dispatched.pk])
    body = {
        "organizer": club.pk,
        "title": "富春江路清理行动",
        "category": "litter",
        "place": "富春江路人行道",
        "starts_at": at(1, 9).isoformat(),
        "ends_at": at(1, 11).isoformat(),
        "capacity": 5,
    }
    response = client.post(url, body, format="json")
    assert response.status_code == 201, response.content
    assert Activity.objects.get(pk=response.json()["activity"]).case_id == dispatched.pk

    proposed = api(street_admin).post(
        reverse("case-propose-project", args=[dispatched.pk]),
        {"title": "富春江路环境长效整治", "lifecycle_category": "housing", "area": dispatched.grid.code},
        format="json",
    )
    assert proposed.status_code == 201, proposed.content
    assert Project.objects.get(pk=proposed.json()["project"]).source_case_id == dispatched.pk


def test_api_refuses_the_loop_to_a_grid_member(api, dispatched, grid_member, club):
    response = api(grid_member).post(
        reverse("case-propose-project", args=[dispatched.pk]),
        {"title": "x", "lifecycle_category": "housing", "area": dispatched.grid.code},
        format="json",
    )
    assert response.status_code in (403, 404)
    assert not Project.objects.exists()
