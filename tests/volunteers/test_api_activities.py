"""Activities through the API: publishing, sign-up with a waitlist that promotes, cancelling,
the organizer's QR display and roster, QR check-in and check-out (expired, replayed and forged
tokens refused with a clear JSON error), and the list's query cap."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from gongzhi.volunteers import services
from gongzhi.volunteers.models import Activity, ServiceRecord, Signup
from tests.volunteers.conftest import at, make_volunteer

pytestmark = pytest.mark.django_db

ACTIVITIES = "/api/v1/activities/"


def url(activity, action=""):
    return f"{ACTIVITIES}{activity.pk}/{action + '/' if action else ''}"


def error(response):
    return response.json()["error"]


@pytest.fixture
def running(tree, club, leader):
    """An activity of the club that started ten minutes ago and runs for another hour."""
    now = timezone.now()
    return services.create_activity(
        by=leader,
        organizer=club,
        title="护绿行动",
        category="greening",
        area=tree["C1"],
        place="百合公园",
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(hours=1),
        capacity=5,
        signup_opens_at=now - datetime.timedelta(days=1),
        signup_closes_at=now + datetime.timedelta(hours=1),
    )


def qr_token(api, leader, activity, purpose="in"):
    response = api(leader).get(url(activity, "qr"), {"purpose": purpose})
    assert response.status_code == 200
    return response.json()["token"]


# --- publishing ---------------------------------------------------------------------------------


def test_leader_publishes_an_activity(api, tree, club, leader):
    response = api(leader).post(
        ACTIVITIES,
        {
            "title": "助残陪护",
            "category": "disability",
            "organizer": club.pk,
            "area": "C1",
            "place": "百合社区服务站",
            "starts_at": at(3, 14).isoformat(),
            "ends_at": at(3, 16).isoformat(),
            "capacity": 4,
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert {k: body[k] for k in ("title", "category", "organizer", "area", "capacity", "confirmed")} == {
        "title": "助残陪护",
        "category": "disability",
        "organizer": club.pk,
        "area": "C1",
        "capacity": 4,
        "confirmed": 0,
    }
    assert body["my_signup"] is None
    assert Activity.objects.get(pk=body["id"]).created_by == leader


def test_unknown_category_is_a_field_error(api, club, leader):
    response = api(leader).post(
        ACTIVITIES,
        {
            "title": "x",
            "category": "karaoke",
            "organizer": club.pk,
            "area": "C1",
            "place": "y",
            "starts_at": at(3, 14).isoformat(),
            "ends_at": at(3, 16).isoformat(),
            "capacity": 4,
        },
    )

    assert response.status_code == 400
    assert error(response)["code"] == "invalid"
    assert list(error(response)["fields"]) == ["category"]


def test_volunteer_cannot_publish(api, club, ann):
    response = api(ann.person.user).post(
        ACTIVITIES,
        {
            "title": "x",
            "category": "litter",
            "organizer": club.pk,
            "area": "C1",
            "place": "y",
            "starts_at": at(3, 14).isoformat(),
            "ends_at": at(3, 16).isoformat(),
            "capacity": 4,
        },
    )

    assert response.status_code == 403
    assert error(response)["code"] == "permission_denied"
    assert not Activity.objects.filter(title="x").exists()


# --- sign-up, waitlist, cancel ------------------------------------------------------------------


def test_sign_up_fills_places_then_waitlists(api, activity, ann, bob, carl):
    statuses = [api(v.person.user).post(url(activity, "signup")).json()["status"] for v in (ann, bob, carl)]

    assert statuses == ["confirmed", "confirmed", "waitlisted"]
    detail = api(carl.person.user).get(url(activity)).json()
    assert (detail["confirmed"], detail["waitlisted"], detail["my_signup"]) == (2, 1, "waitlisted")


def test_signing_up_twice_is_a_conflict(api, activity, ann):
    client = api(ann.person.user)
    client.post(url(activity, "signup"))

    response = client.post(url(activity, "signup"))

    assert response.status_code == 409
    assert error(response) == {"status": 409, "code": "conflict", "message": "已报名本活动。"}


def test_cancel_promotes_the_first_on_the_waitlist(api, activity, ann, bob, carl):
    for v in (ann, bob, carl):
        api(v.person.user).post(url(activity, "signup"))

    response = api(ann.person.user).post(url(activity, "cancel"))

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    carl_signup = Signup.objects.get(activity=activity, volunteer=carl)
    assert carl_signup.status == "confirmed"
    assert carl_signup.promoted_at is not None
    assert api(carl.person.user).get(url(activity)).json()["my_signup"] == "confirmed"


def test_cancel_after_the_cut_off_is_refused(api, activity, ann):
    api(ann.person.user).post(url(activity, "signup"))
    Activity.objects.filter(pk=activity.pk).update(starts_at=timezone.now() + datetime.timedelta(hours=1))

    response = api(ann.person.user).post(url(activity, "cancel"))

    assert response.status_code == 409
    assert error(response)["code"] == "invalid_transition"
    assert "小时内不能取消报名" in error(response)["message"]
    assert Signup.objects.get(activity=activity, volunteer=ann).status == "confirmed"


def test_cancel_without_a_sign_up_names_the_field(api, activity, ann):
    response = api(ann.person.user).post(url(activity, "cancel"))

    assert response.status_code == 400
    assert error(response)["fields"] == {"signup": ["您没有报名本活动。"]}


def test_organizer_signs_up_and_cancels_for_a_volunteer(api, activity, leader, ann):
    signed = api(leader).post(url(activity, "signup"), {"volunteer": ann.pk})
    cancelled = api(leader).post(url(activity, "cancel"), {"signup": signed.json()["id"]})

    assert signed.status_code == 201
    assert cancelled.json()["status"] == "cancelled"


def test_a_volunteer_cannot_cancel_someone_elses_sign_up(api, activity, ann, bob):
    signup = api(ann.person.user).post(url(activity, "signup")).json()

    response = api(bob.person.user).post(url(activity, "cancel"), {"signup": signup["id"]})

    # Another volunteer's sign-up is not even visible to bob: it does not exist for him.
    assert response.status_code == 400
    assert Signup.objects.get(pk=signup["id"]).status == "confirmed"


def test_someone_not_registered_is_told_to_register(api, activity, community_worker):
    response = api(community_worker).post(url(activity, "signup"))

    assert response.status_code == 400
    assert error(response)["fields"] == {"volunteer": ["您还不是注册志愿者，请先注册后再进行此项操作。"]}


# --- the organizer's QR display and roster -------------------------------------------------------


def test_qr_is_for_organizers_only(api, activity, leader, ann, bob, community_worker):
    shown = api(leader).get(url(activity, "qr"), {"purpose": "out"})
    staff = api(community_worker).get(url(activity, "qr"))
    refused = [api(v.person.user).get(url(activity, "qr")) for v in (ann, bob)]

    assert shown.status_code == 200
    body = shown.json()
    assert body["purpose"] == "out"
    assert body["expires_in"] == 120
    assert body["svg"].startswith("<svg")
    assert services.read_qr_token(activity, body["token"], "out")
    assert staff.status_code == 200
    assert [r.status_code for r in refused] == [403, 403]
    assert error(refused[0])["code"] == "permission_denied"


def test_signups_roster_for_organizers(api, activity, leader, ann, bob):
    for v in (ann, bob):
        api(v.person.user).post(url(activity, "signup"))

    response = api(leader).get(url(activity, "signups"))
    refused = api(ann.person.user).get(url(activity, "signups"))

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["name"], r["status"], r["checked_in_at"]) for r in rows] == [
        ("安娜", "confirmed", None),
        ("鲍勃", "confirmed", None),
    ]
    assert set(rows[0]) == {
        "id",
        "volunteer",
        "name",
        "number",
        "status",
        "status_display",
        "checked_in_at",
        "checked_out_at",
        "check_method",
        "promoted_at",
        "created_at",
    }
    assert refused.status_code == 403


def test_manual_roster_records_attendance(api, running, leader, ann):
    checked_in = timezone.now() - datetime.timedelta(minutes=5)
    response = api(leader).post(
        url(running, "roster"),
        {
            "volunteer": ann.pk,
            "checked_in_at": checked_in.isoformat(),
            "checked_out_at": timezone.now().isoformat(),
        },
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["volunteer"], body["kind"], body["status"], body["activity"]) == (
        ann.pk,
        "activity",
        "pending",
        running.pk,
    )
    assert Signup.objects.get(activity=running, volunteer=ann).check_method == "manual"


def test_cancel_activity_cancels_sign_ups(api, activity, leader, ann):
    api(ann.person.user).post(url(activity, "signup"))

    response = api(leader).post(url(activity, "cancel-activity"), {"reason": "台风预警"})
    again = api(leader).post(url(activity, "cancel-activity"), {"reason": "台风预警"})

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert Signup.objects.get(activity=activity, volunteer=ann).status == "cancelled"
    assert again.status_code == 409
    assert error(again)["code"] == "invalid_transition"


# --- check-in and check-out with tokens from the QR endpoint ------------------------------------


def test_check_in_and_out_with_tokens_from_the_display(api, running, leader, ann):
    client = api(ann.person.user)
    client.post(url(running, "signup"))

    checked_in = client.post(url(running, "check-in"), {"token": qr_token(api, leader, running, "in")})
    checked_out = client.post(url(running, "check-out"), {"token": qr_token(api, leader, running, "out")})

    assert checked_in.status_code == 200
    assert checked_in.json()["checked_in_at"] is not None
    assert checked_in.json()["check_method"] == "qr"
    assert checked_out.status_code == 201
    record = checked_out.json()
    assert (record["status"], record["kind"], record["activity_title"]) == ("pending", "activity", "护绿行动")
    assert ServiceRecord.objects.get(pk=record["id"]).hours == Decimal("0.00")


def test_expired_token_is_refused(api, running, leader, ann, settings):
    settings.GONGZHI_QR_TTL_SECONDS = -1
    api(ann.person.user).post(url(running, "signup"))
    token = qr_token(api, leader, running)

    response = api(ann.person.user).post(url(running, "check-in"), {"token": token})

    assert response.status_code == 409
    assert error(response) == {
        "status": 409,
        "code": "qr_refused",
        "message": "二维码已过期，请扫描现场屏幕上最新的二维码。",
        "fields": {"token": ["二维码已过期，请扫描现场屏幕上最新的二维码。"]},
    }
    assert Signup.objects.get(activity=running, volunteer=ann).checked_in_at is None


def test_replayed_token_is_refused(api, running, leader, ann):
    client = api(ann.person.user)
    client.post(url(running, "signup"))
    token = qr_token(api, leader, running)
    client.post(url(running, "check-in"), {"token": token})
    # The scan is undone (say, by a data repair): the same token still cannot be used again.
    Signup.objects.filter(activity=running, volunteer=ann).update(checked_in_at=None)

    response = client.post(url(running, "check-in"), {"token": token})

    assert response.status_code == 409
    assert error(response)["code"] == "qr_refused"
    assert error(response)["message"] == "该二维码已使用过，请扫描现场屏幕上最新的二维码。"


def test_forged_tokens_are_refused(api, running, activity, leader, ann):
    client = api(ann.person.user)
    client.post(url(running, "signup"))
    good = qr_token(api, leader, running)
    other_activity = qr_token(api, leader, activity)

    responses = [
        client.post(url(running, "check-in"), {"token": token})
        for token in (good[:-3] + "abc", "not-a-token", other_activity)
    ]

    assert [r.status_code for r in responses] == [409, 409, 409]
    assert {error(r)["message"] for r in responses} == {"二维码无效：不是本活动的签到码，或已被篡改。"}
    assert {error(r)["code"] for r in responses} == {"qr_refused"}


def test_check_out_token_cannot_check_in(api, running, leader, ann):
    api(ann.person.user).post(url(running, "signup"))

    response = api(ann.person.user).post(
        url(running, "check-in"), {"token": qr_token(api, leader, running, "out")}
    )

    assert response.status_code == 409
    assert error(response)["message"] == "这是签退码，请扫描签到码。"


# --- lists --------------------------------------------------------------------------------------


def test_filters(api, activity, running, leader):
    client = api(leader)

    upcoming = client.get(ACTIVITIES, {"upcoming": "true"}).json()["results"]
    greening = client.get(ACTIVITIES, {"category": "greening"}).json()["results"]
    elsewhere = client.get(ACTIVITIES, {"under": "S2"}).json()["results"]

    assert sorted(a["title"] for a in upcoming) == ["护绿行动", "重阳敬老理发"]
    assert [a["title"] for a in greening] == ["护绿行动"]
    assert elsewhere == []


def _list_queries(api, user):
    fresh = get_user_model().objects.get(pk=user.pk)  # role caches start empty, as per request
    with CaptureQueriesContext(connection) as ctx:
        response = api(fresh).get(ACTIVITIES)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


def _activities(tree, club, leader, volunteers, n):
    for i in range(n):
        activity = services.create_activity(
            by=leader,
            organizer=club,
            title=f"活动{i}",
            category="litter",
            area=tree["C1"],
            place="百合公园",
            starts_at=at(2 + i, 9),
            ends_at=at(2 + i, 10),
            capacity=1,
        )
        for v in volunteers:
            services.sign_up(activity, v, by=v.person.user)


def test_list_query_count_does_not_grow_with_rows(
    api, tree, club, leader, ann, bob, django_assert_max_num_queries
):
    _activities(tree, club, leader, [ann, bob], 3)
    three, count = _list_queries(api, ann.person.user)
    _activities(tree, club, leader, [ann, bob], 12)
    fifteen, count15 = _list_queries(api, ann.person.user)

    assert (count, count15) == (3, 15)
    assert fifteen == three
    client = api(get_user_model().objects.get(pk=ann.person.user.pk))
    with django_assert_max_num_queries(three):
        rows = client.get(ACTIVITIES).json()["results"]
    assert {(r["confirmed"], r["waitlisted"], r["my_signup"]) for r in rows} == {(1, 1, "confirmed")}


def test_another_volunteer_sees_others_sign_ups_only_as_counts(tree, api, activity, ann):
    other = make_volunteer(tree, activity.organizer, "dan", "丹")
    api(ann.person.user).post(url(activity, "signup"))

    body = api(other.person.user).get(url(activity)).json()

    assert (body["confirmed"], body["my_signup"]) == (1, None)
    assert "安娜" not in str(body)
