"""Service records through the API: manual entry with a reason, approve (optionally with
changed hours), adjust by a new record, decline, approved records immutable, who may approve,
filters and the list's query cap."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.models import ServiceRecord
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

RECORDS = "/api/v1/service-records/"


def url(record, action=""):
    return (
        f"{RECORDS}{record['id'] if isinstance(record, dict) else record.pk}/{action + '/' if action else ''}"
    )


def error(response):
    return response.json()["error"]


def manual(volunteer, club, leader, hours="2", days_ago=3):
    return services.add_manual_record(
        volunteer,
        by=leader,
        organization=club,
        served_on=at(-days_ago).date(),
        hours=hours,
        content="陪老人聊天",
        reason="老人家中无网络，纸质签到",
    )


def test_organizer_enters_a_manual_record(api, club, leader, ann):
    started = at(-2, 9)
    response = api(leader).post(
        RECORDS,
        {
            "volunteer": ann.pk,
            "organization": club.pk,
            "served_on": started.date().isoformat(),
            "hours": "1.5",
            "content": "上门送餐",
            "reason": "活动外临时服务",
            "started_at": started.isoformat(),
            "ended_at": (started + datetime.timedelta(hours=2)).isoformat(),
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("volunteer", "kind", "status", "hours", "reason", "organization_name")} == {
        "volunteer": ann.pk,
        "kind": "manual",
        "status": "pending",
        "hours": "1.50",
        "reason": "活动外临时服务",
        "organization_name": "红领之家",
    }


def test_manual_record_needs_a_reason(api, club, leader, ann):
    response = api(leader).post(
        RECORDS,
        {
            "volunteer": ann.pk,
            "organization": club.pk,
            "served_on": at(-1).date().isoformat(),
            "hours": "1",
            "content": "清扫",
            "reason": " ",
        },
    )

    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["reason"]
    assert not ServiceRecord.objects.exists()


def test_a_volunteer_cannot_enter_records(api, club, ann):
    response = api(ann.person.user).post(
        RECORDS,
        {
            "volunteer": ann.pk,
            "organization": club.pk,
            "served_on": at(-1).date().isoformat(),
            "hours": "8",
            "content": "清扫",
            "reason": "我自己记的",
        },
    )

    # The club is not an organization Ann may act for: it is not even in her sight.
    assert response.status_code == 400
    assert list(error(response)["fields"]) == ["organization"]
    assert not ServiceRecord.objects.exists()


def test_approve_then_a_second_approve_is_an_invalid_transition(api, club, leader, ann):
    record = manual(ann, club, leader)

    first = api(leader).post(url(record, "approve"))
    second = api(leader).post(url(record, "approve"), {"hours": "5", "reason": "再认定一次"})

    assert first.status_code == 200
    assert (first.json()["status"], first.json()["decided_by"]) == ("approved", "club_leader")
    assert second.status_code == 409
    assert (error(second)["status"], error(second)["code"]) == (409, "invalid_transition")
    assert error(second)["message"].endswith("不能再审核；如需更正，请添加调整记录。")
    record.refresh_from_db()
    assert (record.status, record.hours) == ("approved", Decimal("2.00"))


def test_approve_with_changed_hours_needs_a_reason(api, club, leader, ann):
    record = manual(ann, club, leader)

    missing = api(leader).post(url(record, "approve"), {"hours": "1.5"})
    changed = api(leader).post(url(record, "approve"), {"hours": "1.5", "reason": "中途离开半小时"})

    assert missing.status_code == 400
    assert list(error(missing)["fields"]) == ["reason"]
    assert changed.status_code == 200
    assert (changed.json()["hours"], changed.json()["status"]) == ("1.50", "approved")


def test_adjust_adds_a_record_and_leaves_the_original(api, club, leader, ann):
    record = manual(ann, club, leader)
    api(leader).post(url(record, "approve"))

    response = api(leader).post(url(record, "adjust"), {"hours": "-0.5", "reason": "提前离场"})

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["status"], body["hours"], body["adjusts"]) == (
        "adjustment",
        "approved",
        "-0.50",
        record.pk,
    )
    record.refresh_from_db()
    assert (record.hours, record.status) == (Decimal("2.00"), "approved")
    assert services.total_hours(ann) == Decimal("1.50")


def test_adjust_a_pending_record_is_refused(api, club, leader, ann):
    record = manual(ann, club, leader)

    response = api(leader).post(url(record, "adjust"), {"hours": "1", "reason": "补记"})

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"


def test_decline_and_then_approve_is_refused(api, club, leader, ann):
    record = manual(ann, club, leader)

    declined = api(leader).post(url(record, "decline"), {"reason": "当天未到场"})
    approve = api(leader).post(url(record, "approve"))

    assert declined.status_code == 200
    assert declined.json()["status"] == "declined"
    assert approve.status_code == 409
    assert ServiceRecord.objects.get(pk=record.pk).status == "declined"


def test_volunteer_cannot_approve_their_own_record(api, club, leader, ann):
    record = manual(ann, club, leader)

    response = api(ann.person.user).post(url(record, "approve"))

    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert ServiceRecord.objects.get(pk=record.pk).status == "pending"


def test_community_worker_approves_in_their_area(api, club, leader, community_worker, ann):
    record = manual(ann, club, leader)

    response = api(community_worker).post(url(record, "approve"))

    assert response.json()["status"] == "approved"


def test_a_volunteer_sees_only_their_own_records(api, club, leader, ann, bob):
    manual(ann, club, leader)
    manual(bob, club, leader, days_ago=4)

    rows = api(ann.person.user).get(RECORDS).json()["results"]

    assert [r["volunteer_name"] for r in rows] == ["安娜"]


def test_filters(api, club, leader, ann, bob):
    a = manual(ann, club, leader, days_ago=10)
    manual(bob, club, leader, days_ago=2)
    services.approve_record(a, by=leader)

    def ids(**query):
        return [r["id"] for r in api(leader).get(RECORDS, query).json()["results"]]

    since = (timezone.localdate() - datetime.timedelta(days=5)).isoformat()
    assert ids(status="approved") == [a.pk]
    assert ids(volunteer=ann.pk) == [a.pk]
    assert len(ids(since=since)) == 1
    assert ids(until=since) == [a.pk]
    assert len(ids(organization=club.pk)) == 2


def test_list_query_count_does_not_grow_with_rows(
    api, club, leader, ann, bob, community_worker, django_assert_max_num_queries
):
    def add(n, start):
        for i in range(start, start + n):
            record = manual(ann if i % 2 else bob, club, leader, hours="1", days_ago=i + 1)
            if i % 3 == 0:
                services.approve_record(record, by=leader)

    def measure():
        client = api(get_user_model().objects.get(pk=community_worker.pk))
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(RECORDS)
        return len(ctx.captured_queries), response.json()["count"]

    add(3, 0)
    three, count3 = measure()
    add(12, 3)
    fifteen, count15 = measure()

    assert (count3, count15) == (3, 15)
    assert fifteen == three
    client = api(get_user_model().objects.get(pk=community_worker.pk))
    with django_assert_max_num_queries(three):
        client.get(RECORDS)
