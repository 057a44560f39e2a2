"""The events the inbox is for reach their recipients once the change commits: a dispatched
case, a supervision note, a filing decision, an approval (or refusal) of volunteer hours, a
wish claimed."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.cases import services as case_services
from gongzhi.notifications.models import Notification
from gongzhi.organizations import services as org_services
from gongzhi.volunteers import services as vol_services
from tests.cases.conftest import MONDAY_9
from tests.factories import UserFactory, make_person

pytestmark = pytest.mark.django_db


def inbox(user) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("verb", "text"))


@pytest.fixture
def dispatched(reported, community_worker, unit, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registered = case_services.register_case(reported, by=community_worker, now=MONDAY_9)
        return case_services.dispatch_case(registered, to=unit, by=community_worker, now=MONDAY_9)


def test_a_dispatched_case_reaches_the_unit(dispatched, handler):
    assert inbox(handler) == [("case_dispatched", f"新派遣事件：{dispatched.number} 占道堆物")]
    assert Notification.objects.get(recipient=handler).url == f"/cases/{dispatched.pk}/"


def test_a_supervision_note_reaches_the_unit(
    dispatched, handler, street_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_services.supervise_case(dispatched, by=street_admin, note="今天下班前处理完")

    assert inbox(handler)[-1] == ("case_supervised", f"督办：事件 {dispatched.number} —— 今天下班前处理完")


def test_a_filing_application_and_its_decision(
    ready, org_leader, street_admin, community_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        application = org_services.apply_for_filing(ready, by=community_worker)
    with django_capture_on_commit_callbacks(execute=True):
        org_services.approve_filing(application, by=street_admin)

    assert inbox(street_admin) == [("filing_submitted", "新的备案申请：红领之家")]
    application.refresh_from_db()
    approved = ("filing_approved", f"“红领之家”已准予备案，备案编号 {application.filing_number}。")
    assert inbox(org_leader) == [approved]
    assert inbox(community_worker) == [approved]


def test_a_refused_filing(
    ready, org_leader, street_admin, community_worker, django_capture_on_commit_callbacks
):
    application = org_services.apply_for_filing(ready, by=community_worker)

    with django_capture_on_commit_callbacks(execute=True):
        org_services.refuse_filing(application, by=street_admin, reason="章程缺少议事规则")

    assert inbox(org_leader) == [("filing_refused", "“红领之家”的备案申请未通过：章程缺少议事规则")]


@pytest.fixture
def pending_record(ann, club, leader):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return vol_services.add_manual_record(
        ann,
        by=leader,
        organization=club,
        served_on=yesterday,
        hours="2",
        content="社区环境清理",
        reason="现场签到设备故障",
    )


def test_approved_hours_reach_the_volunteer(pending_record, ann, leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vol_services.approve_record(pending_record, by=leader)

    assert inbox(ann.person.user) == [
        ("record_approved", f"您 {pending_record.served_on} 的服务时长 2.00 小时已认定：社区环境清理")
    ]


def test_declined_hours_reach_the_volunteer(pending_record, ann, leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        vol_services.decline_record(pending_record, by=leader, reason="当天未参加")

    assert inbox(ann.person.user) == [
        ("record_declined", f"您 {pending_record.served_on} 的服务记录未予认定：当天未参加")
    ]


def test_a_claimed_wish_reaches_who_posted_it(tree, community_worker, django_capture_on_commit_callbacks):
    wish = vol_services.post_wish(
        by=community_worker,
        beneficiary=make_person(grid=tree["G1"], name="老兵王建国"),
        title="一副老花镜",
        category="festival",
        estimated_value="120",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
    )
    donor = UserFactory(username="donor")

    with django_capture_on_commit_callbacks(execute=True):
        vol_services.claim_wish(wish, by=donor, claimer_kind="donor", claimer_name="李女士")

    assert inbox(community_worker) == [("wish_claimed", "心愿“一副老花镜”已被李女士认领。")]
    assert inbox(donor) == []
