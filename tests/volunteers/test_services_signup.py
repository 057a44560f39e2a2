"""Sign-up and check-in through the services: capacity and the waitlist's promotion order,
the sign-up window, the cancel cut-off, the check-in window and "checked in elsewhere"."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden, InvalidTransition
from gongzhi.volunteers import services
from gongzhi.volunteers.models import Signup
from tests.volunteers.conftest import at, make_volunteer

pytestmark = pytest.mark.django_db


@pytest.fixture
def dan(tree, club):
    return make_volunteer(tree, club, "dan", "丹尼")


def activity_at(tree, club, leader, starts_at, ends_at, *, title="护绿", capacity=2, cutoff=2):
    """An activity whose sign-up opened a day before and stays open until it ends."""
    return services.create_activity(
        by=leader,
        organizer=club,
        title=title,
        category="greening",
        area=tree["C1"],
        place="百合社区中心绿地",
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        signup_opens_at=min(starts_at, timezone.now()) - datetime.timedelta(days=1),
        signup_closes_at=ends_at,
        cancel_cutoff_hours=cutoff,
    )


def statuses(activity) -> list[tuple[str, str]]:
    return list(
        Signup.objects.filter(activity=activity)
        .order_by("created_at", "id")
        .values_list("volunteer__person__name", "status")
    )


# --- capacity and the waitlist ----------------------------------------------------------------


def test_waitlist_promotes_the_earliest_waiting_each_time_a_place_frees(activity, ann, bob, carl, dan):
    a, b, c, d = (services.sign_up(activity, v, by=v.person.user) for v in (ann, bob, carl, dan))
    assert [s.status for s in (a, b, c, d)] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]

    services.cancel_signup(b, by=bob.person.user)

    assert statuses(activity) == [
        ("安娜", "confirmed"),
        ("鲍勃", "cancelled"),
        ("卡尔", "confirmed"),
        ("丹尼", "waitlisted"),
    ]
    services.cancel_signup(a, by=ann.person.user)
    d.refresh_from_db()
    assert (d.status, d.promoted_at is not None) == ("confirmed", True)


def test_cancelling_a_waitlisted_sign_up_promotes_nobody(activity, ann, bob, carl, dan):
    signups = [services.sign_up(activity, v, by=v.person.user) for v in (ann, bob, carl, dan)]

    services.cancel_signup(signups[2], by=carl.person.user)

    assert statuses(activity) == [
        ("安娜", "confirmed"),
        ("鲍勃", "confirmed"),
        ("卡尔", "cancelled"),
        ("丹尼", "waitlisted"),
    ]


def test_signing_up_again_after_cancelling_queues_at_the_end(activity, ann, bob, carl):
    first = services.sign_up(activity, ann, by=ann.person.user)
    services.sign_up(activity, bob, by=bob.person.user)
    services.sign_up(activity, carl, by=carl.person.user)
    services.cancel_signup(first, by=ann.person.user)  # carl moves up

    again = services.sign_up(activity, ann, by=ann.person.user)

    assert again.pk != first.pk
    assert again.status == "waitlisted"


def test_double_sign_up_and_double_cancel_are_refused(activity, ann):
    signup = services.sign_up(activity, ann, by=ann.person.user)
    with pytest.raises(Conflict, match="已报名本活动"):
        services.sign_up(activity, ann, by=ann.person.user)
    services.cancel_signup(signup, by=ann.person.user)
    with pytest.raises(InvalidTransition, match="报名已取消"):
        services.cancel_signup(signup, by=ann.person.user)


def test_sign_up_for_someone_else_needs_the_organizer(activity, ann, bob, leader):
    with pytest.raises(Forbidden):
        services.sign_up(activity, ann, by=bob.person.user)

    signup = services.sign_up(activity, ann, by=leader)

    assert signup.created_by == leader


def test_a_left_volunteer_cannot_sign_up(activity, ann):
    ann.status = "left"
    ann.save(update_fields=["status"])

    with pytest.raises(DomainError, match="已注销"):
        services.sign_up(activity, ann, by=ann.person.user)


# --- the sign-up window and the cancel cut-off --------------------------------------------------


def test_sign_up_before_the_window_opens_or_after_it_closes_is_refused(tree, club, leader, ann):
    later = services.create_activity(
        by=leader,
        organizer=club,
        title="下周护绿",
        category="greening",
        area=tree["C1"],
        place="百合社区中心绿地",
        starts_at=at(10, 9),
        ends_at=at(10, 11),
        capacity=5,
        signup_opens_at=at(3, 9),
    )
    with pytest.raises(InvalidTransition, match="报名将于"):
        services.sign_up(later, ann, by=ann.person.user)

    closed = activity_at(tree, club, leader, at(-2, 9), at(-2, 11), title="已结束")
    with pytest.raises(InvalidTransition, match="报名已于"):
        services.sign_up(closed, ann, by=ann.person.user)


def test_sign_up_for_a_cancelled_activity_is_refused_and_cancelling_tells_signups(activity, ann, bob, leader):
    signup = services.sign_up(activity, ann, by=ann.person.user)

    services.cancel_activity(activity, by=leader, reason="暴雨预警")

    signup.refresh_from_db()
    assert signup.status == "cancelled"
    with pytest.raises(InvalidTransition, match="活动已取消"):
        services.sign_up(activity, bob, by=bob.person.user)


def test_cancel_after_the_cut_off_is_refused_to_the_volunteer_but_not_to_the_organizer(
    tree, club, leader, ann, bob
):
    now = timezone.now()
    soon = activity_at(
        tree, club, leader, now + datetime.timedelta(hours=1), now + datetime.timedelta(hours=3)
    )
    mine = services.sign_up(soon, ann, by=ann.person.user)
    theirs = services.sign_up(soon, bob, by=bob.person.user)

    with pytest.raises(InvalidTransition, match="开始前 2 小时内不能取消报名"):
        services.cancel_signup(mine, by=ann.person.user)

    assert services.cancel_signup(theirs, by=leader).status == "cancelled"


def test_cancel_before_the_cut_off_is_allowed(tree, club, leader, ann):
    now = timezone.now()
    later = activity_at(
        tree, club, leader, now + datetime.timedelta(hours=3), now + datetime.timedelta(hours=4)
    )
    signup = services.sign_up(later, ann, by=ann.person.user)

    assert services.cancel_signup(signup, by=ann.person.user).status == "cancelled"


# --- the check-in window -------------------------------------------------------------------------


def test_check_in_opens_thirty_minutes_before_the_start(activity, ann, monkeypatch):
    services.sign_up(activity, ann, by=ann.person.user)
    token = services.make_qr_token(activity, "in")

    monkeypatch.setattr(services, "_now", lambda: activity.starts_at - datetime.timedelta(minutes=31))
    with pytest.raises(InvalidTransition, match="30 分钟"):
        services.check_in(activity, ann, token=token, by=ann.person.user)

    monkeypatch.setattr(services, "_now", lambda: activity.starts_at - datetime.timedelta(minutes=29))
    signup = services.check_in(activity, ann, token=token, by=ann.person.user)
    assert signup.checked_in_at == activity.starts_at - datetime.timedelta(minutes=29)


def test_check_in_closes_two_hours_after_the_end(activity, ann, monkeypatch):
    services.sign_up(activity, ann, by=ann.person.user)
    monkeypatch.setattr(services, "_now", lambda: activity.ends_at + datetime.timedelta(hours=2, minutes=1))

    with pytest.raises(InvalidTransition, match="请联系组织方补录"):
        services.check_in(activity, ann, token=services.make_qr_token(activity, "in"), by=ann.person.user)


def test_waitlisted_and_unregistered_volunteers_cannot_check_in(activity, ann, bob, carl, dan, monkeypatch):
    for v in (ann, bob, carl):
        services.sign_up(activity, v, by=v.person.user)
    monkeypatch.setattr(services, "_now", lambda: activity.starts_at)

    with pytest.raises(InvalidTransition, match="候补"):
        services.check_in(activity, carl, token=services.make_qr_token(activity, "in"), by=carl.person.user)
    with pytest.raises(InvalidTransition, match="没有报名"):
        services.check_in(activity, dan, token=services.make_qr_token(activity, "in"), by=dan.person.user)


def test_nobody_scans_for_someone_else(activity, ann, bob, monkeypatch):
    services.sign_up(activity, ann, by=ann.person.user)
    monkeypatch.setattr(services, "_now", lambda: activity.starts_at)

    with pytest.raises(Forbidden, match="现场名单"):
        services.check_in(activity, ann, token=services.make_qr_token(activity, "in"), by=bob.person.user)


def test_checking_in_twice_and_out_without_checking_in_are_refused(activity, ann, monkeypatch):
    services.sign_up(activity, ann, by=ann.person.user)
    monkeypatch.setattr(services, "_now", lambda: activity.starts_at)
    user = ann.person.user

    with pytest.raises(InvalidTransition, match="还没有签到"):
        services.check_out(activity, ann, token=services.make_qr_token(activity, "out"), by=user)
    services.check_in(activity, ann, token=services.make_qr_token(activity, "in"), by=user)
    with pytest.raises(Conflict, match="您已于"):
        services.check_in(activity, ann, token=services.make_qr_token(activity, "in"), by=user)


def test_check_out_makes_a_pending_record_of_the_capped_hours(activity, ann, monkeypatch):
    services.sign_up(activity, ann, by=ann.person.user)
    user = ann.person.user
    monkeypatch.setattr(services, "_now", lambda: activity.starts_at - datetime.timedelta(minutes=20))
    services.check_in(activity, ann, token=services.make_qr_token(activity, "in"), by=user)
    monkeypatch.setattr(services, "_now", lambda: activity.ends_at + datetime.timedelta(minutes=25))

    record = services.check_out(activity, ann, token=services.make_qr_token(activity, "out"), by=user)

    assert (record.kind, record.status, str(record.hours)) == ("activity", "pending", "2.00")
    assert (record.started_at, record.ended_at) == (activity.starts_at, activity.ends_at)
    assert record.signup.check_method == "qr"
    with pytest.raises(Conflict, match="您已于"):
        services.check_out(activity, ann, token=services.make_qr_token(activity, "out"), by=user)


def test_checked_in_elsewhere_refuses_a_second_check_in(tree, club, leader, ann, monkeypatch):
    first = activity_at(tree, club, leader, at(1, 9), at(1, 11), title="敬老")
    second = activity_at(tree, club, leader, at(1, 10), at(1, 12), title="护绿")
    services.sign_up(first, ann, by=ann.person.user)
    services.sign_up(second, ann, by=ann.person.user)
    user = ann.person.user
    monkeypatch.setattr(services, "_now", lambda: at(1, 9))
    services.check_in(first, ann, token=services.make_qr_token(first, "in"), by=user)
    monkeypatch.setattr(services, "_now", lambda: at(1, 10))

    with pytest.raises(Conflict, match="您在“敬老”尚未签退"):
        services.check_in(second, ann, token=services.make_qr_token(second, "in"), by=user)

    services.check_out(first, ann, token=services.make_qr_token(first, "out"), by=user)
    signup = services.check_in(second, ann, token=services.make_qr_token(second, "in"), by=user)
    assert signup.checked_in_at == at(1, 10)


def test_an_earlier_activity_left_without_checking_out_does_not_block_a_later_one(
    tree, club, leader, ann, monkeypatch
):
    morning = activity_at(tree, club, leader, at(1, 8), at(1, 9), title="晨间巡逻")
    later = activity_at(tree, club, leader, at(1, 14), at(1, 16), title="护绿")
    for a in (morning, later):
        services.sign_up(a, ann, by=ann.person.user)
    user = ann.person.user
    monkeypatch.setattr(services, "_now", lambda: at(1, 8))
    services.check_in(morning, ann, token=services.make_qr_token(morning, "in"), by=user)
    monkeypatch.setattr(services, "_now", lambda: at(1, 14))

    signup = services.check_in(later, ann, token=services.make_qr_token(later, "in"), by=user)

    assert signup.checked_in_at == at(1, 14)
