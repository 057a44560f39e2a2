"""The approval queue through the pages: approve, approve with adjusted hours and a reason,
decline with a reason, correct an approved record by an adjusting record; the manual record
form; who may use them; the queue's query cap."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from gongzhi.accounts.services import assign_role
from gongzhi.volunteers import services
from gongzhi.volunteers.models import ServiceRecord
from tests.factories import UserFactory, make_person
from tests.projects.conftest import make_org
from tests.volunteers.conftest import at, make_volunteer

pytestmark = pytest.mark.django_db

QUEUE = reverse("volunteers:records")


def manual(volunteer, organization, by, hours="3", days_ago=2, content="楼道清扫"):
    return services.add_manual_record(
        volunteer,
        by=by,
        organization=organization,
        served_on=at(-days_ago).date(),
        hours=hours,
        content=content,
        reason="纸质签到补录",
    )


@pytest.fixture
def attended(tree, club, leader, ann):
    """A pending record from QR check-in and check-out: 1.5 hours computed."""
    now = timezone.now()
    activity = services.create_activity(
        by=leader,
        organizer=club,
        title="护绿行动",
        category="greening",
        area=tree["C1"],
        place="公园",
        starts_at=now - datetime.timedelta(hours=3),
        ends_at=now + datetime.timedelta(hours=1),
        capacity=5,
        signup_opens_at=now - datetime.timedelta(days=1),
        signup_closes_at=now + datetime.timedelta(hours=1),
    )
    services.sign_up(activity, ann, by=ann.person.user)
    services.check_in(activity, ann, token=services.make_qr_token(activity, "in"), by=ann.person.user)
    signup = activity.signups.get()
    signup.checked_in_at = now - datetime.timedelta(hours=1, minutes=40)
    signup.save(update_fields=["checked_in_at"])
    return services.check_out(
        activity, ann, token=services.make_qr_token(activity, "out"), by=ann.person.user
    )


def action(record, name):
    return reverse("volunteers:record_action", args=[record.pk, name])


def test_the_queue_lists_pending_records(attended, ann, bob, club, leader, page):
    other = manual(bob, club, leader)

    response = page(leader).get(QUEUE)

    html = response.content.decode()
    assert [row["record"] for row in response.context["rows"]] == [other, attended]
    assert "护绿行动" in html
    assert "楼道清扫" in html
    assert "待审核（2）" in html


def test_approving_through_the_page(attended, leader, page):
    response = page(leader).post(action(attended, "approve"))

    attended.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?tab=pending"
    assert (attended.status, attended.hours, attended.decided_by) == ("approved", Decimal("1.50"), leader)


def test_approving_from_the_queue_answers_with_the_row(attended, leader, page):
    response = page(leader).post(action(attended, "approve"), HTTP_HX_REQUEST="true")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<tr id="record-{attended.pk}"')
    assert "已认定 1.50 小时。" in html
    assert '<span class="badge record-approved">已认定</span>' in html


def test_approving_with_fewer_hours_needs_a_reason(attended, leader, page):
    client = page(leader)

    refused = client.post(action(attended, "approve"), {"hours": "1", "reason": ""}, HTTP_HX_REQUEST="true")
    done = client.post(action(attended, "approve"), {"hours": "1", "reason": "中途离开半小时"})

    attended.refresh_from_db()
    assert refused.status_code == 400
    assert "调整时长须说明原因。" in refused.content.decode()
    assert done.status_code == 302
    assert (attended.status, attended.hours, attended.computed_hours) == (
        "approved",
        Decimal("1.00"),
        Decimal("1.50"),
    )
    assert "中途离开半小时" in attended.reason


def test_approving_more_than_computed_is_refused(attended, leader, page):
    response = page(leader).post(action(attended, "approve"), {"hours": "3", "reason": "多记"})

    attended.refresh_from_db()
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "安娜：认定时长不能超过签到签退计算的 1.50 小时。"
    ]
    assert attended.status == "pending"


def test_declining_needs_a_reason(attended, leader, page):
    client = page(leader)

    refused = client.post(action(attended, "decline"), {"reason": ""}, HTTP_HX_REQUEST="true")
    done = client.post(action(attended, "decline"), {"reason": "未实际到场"})

    attended.refresh_from_db()
    assert refused.status_code == 400
    assert "请填写不予认定的原因。" in refused.content.decode()
    assert done.status_code == 302
    assert attended.status == "declined"
    assert "未实际到场" in attended.reason


def test_a_decided_record_cannot_be_decided_again(attended, leader, page):
    services.approve_record(attended, by=leader)

    response = page(leader).post(action(attended, "decline"), {"reason": "改主意"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 409
    assert "不能再审核；如需更正，请添加调整记录。" in response.content.decode()
    assert ServiceRecord.objects.get(pk=attended.pk).status == "approved"


def test_adjusting_an_approved_record_adds_an_adjusting_record(attended, ann, leader, page):
    services.approve_record(attended, by=leader)
    client = page(leader)

    listed = client.get(QUEUE, {"tab": "approved"})
    response = client.post(action(attended, "adjust"), {"hours": "0.5", "reason": "补记清场时间"})

    adjustment = ServiceRecord.objects.get(kind="adjustment")
    assert "添加调整记录" in listed.content.decode()
    assert response.status_code == 302
    assert response["Location"] == f"{QUEUE}?tab=approved"
    assert (adjustment.adjusts, adjustment.hours, adjustment.status) == (
        attended,
        Decimal("0.50"),
        "approved",
    )
    assert ServiceRecord.objects.get(pk=attended.pk).hours == Decimal("1.50")
    assert services.total_hours(ann) == Decimal("2.00")


def test_adjusting_below_zero_is_refused(attended, leader, page):
    services.approve_record(attended, by=leader)

    response = page(leader).post(
        action(attended, "adjust"), {"hours": "-2", "reason": "错记"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 400
    assert "不能为负数" in response.content.decode()
    assert not ServiceRecord.objects.filter(kind="adjustment").exists()


def test_a_volunteer_has_no_queue(attended, ann, page):
    client = page(ann.person.user)

    assert client.get(QUEUE).status_code == 403
    assert client.post(action(attended, "approve")).status_code == 404
    assert ServiceRecord.objects.get(pk=attended.pk).status == "pending"


def test_another_street_s_staff_cannot_see_or_decide(attended, tree, page):
    s2_admin = UserFactory(username="s2_admin")
    assign_role(s2_admin, role="street_admin", area=tree["S2"])
    client = page(s2_admin)

    listed = client.get(QUEUE)
    response = client.post(action(attended, "approve"))

    assert listed.context["rows"] == []
    assert response.status_code == 404
    assert ServiceRecord.objects.get(pk=attended.pk).status == "pending"


def test_another_organization_s_leader_cannot_decide(attended, tree, page):
    other_leader = UserFactory(username="choir_leader")
    assign_role(other_leader, role="org_leader", area=tree["S1"])
    make_org(tree["C1"], "百合合唱团", leader_user=other_leader)

    response = page(other_leader).post(action(attended, "approve"))

    assert response.status_code == 404


def test_staff_of_the_area_decide_too(attended, community_worker, page):
    response = page(community_worker).post(action(attended, "approve"))

    assert response.status_code == 302
    assert ServiceRecord.objects.get(pk=attended.pk).decided_by == community_worker


def test_the_queue_query_count_is_capped(tree, club, leader, page, django_assert_max_num_queries):
    for i in range(25):
        volunteer = make_volunteer(tree, club, f"v{i:02d}", f"志愿者{i:02d}")
        manual(volunteer, club, leader)
    client = page(leader)

    # session, user, perms (2), roles, led organizations, organizations (filter), count, rows,
    # pending count, the top bar's roles and projects link
    with django_assert_max_num_queries(12):
        response = client.get(QUEUE)

    assert len(response.context["rows"]) == 25


# --- the manual record form ------------------------------------------------------------------------------


def test_the_leader_adds_a_manual_record(ann, club, leader, page):
    client = page(leader)

    form = client.get(reverse("volunteers:record_create"))
    response = client.post(
        reverse("volunteers:record_create"),
        {
            "volunteer": ann.pk,
            "organization": club.pk,
            "served_on": at(-1).date().isoformat(),
            "hours": "2.5",
            "content": "独居老人探访",
            "place": "",
            "started_at": "",
            "ended_at": "",
            "reason": "外出服务，无活动签到",
        },
    )

    record = ServiceRecord.objects.get()
    assert form.status_code == 200
    assert response.status_code == 302
    assert (record.kind, record.status, record.hours, record.created_by) == (
        "manual",
        "pending",
        Decimal("2.50"),
        leader,
    )


def test_a_manual_record_needs_a_reason(ann, club, leader, page):
    response = page(leader).post(
        reverse("volunteers:record_create"),
        {
            "volunteer": ann.pk,
            "organization": club.pk,
            "served_on": at(-1).date().isoformat(),
            "hours": "2",
            "content": "探访",
            "reason": "",
        },
    )

    assert response.status_code == 400
    assert "手工补录须说明原因。" in response.content.decode()
    assert not ServiceRecord.objects.exists()


def test_a_leader_cannot_record_for_a_volunteer_of_another_street(tree, club, leader, district_admin, page):
    far = services.register_volunteer(make_person(grid=tree["G3"], name="远方"), by=district_admin)

    response = page(leader).post(
        reverse("volunteers:record_create"),
        {"volunteer": far.pk, "organization": club.pk, "served_on": at(-1).date().isoformat(), "hours": "2"},
    )

    assert response.status_code == 400
    assert "volunteer" in response.context["form"].errors
