"""Hours arithmetic: capped by the activity's span at both ends, rounded down to the
district's unit (0.5 h by default, 0.25 h when the district says so), never negative, and
never overlapping for one person across activities and manual records."""

from __future__ import annotations

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest

from gongzhi.core.exceptions import Conflict, DomainError, Forbidden
from gongzhi.volunteers import services
from gongzhi.volunteers.models import ServiceRecord
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db

HALF = Decimal("0.5")


def past_activity(tree, club, leader, *, days: int = -1, start=(9, 0), end=(11, 0), title: str = "敬老服务"):
    """An activity of the club that took place ``-days`` days ago (sign-up was open before)."""
    starts_at, ends_at = at(days, *start), at(days, *end)
    return services.create_activity(
        by=leader,
        organizer=club,
        title=title,
        category="elder_care",
        area=tree["C1"],
        place="百合社区老年活动室",
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=5,
        signup_opens_at=starts_at - datetime.timedelta(days=7),
        signup_closes_at=starts_at,
    )


def span(day: int = 1, start=(9, 0), end=(11, 0)) -> SimpleNamespace:
    return SimpleNamespace(starts_at=at(day, *start), ends_at=at(day, *end))


# --- compute_hours and round_to_unit ----------------------------------------------------------


@pytest.mark.parametrize(
    ("check_in", "check_out", "hours"),
    [
        ((8, 0), (12, 0), "2.00"),  # capped at both ends: early arrival and late departure
        ((9, 0), (11, 0), "2.00"),
        ((9, 10), (12, 0), "1.50"),  # a late arrival counts from arrival, capped at the end
        ((7, 30), (10, 20), "1.00"),  # an early departure counts to departure, from the start
        ((9, 10), (10, 49), "1.50"),  # 1 h 39 min rounds down
        ((9, 0), (10, 29), "1.00"),
        ((9, 0), (9, 29), "0.00"),
        ((11, 30), (12, 0), "0.00"),  # entirely after the activity
        ((7, 0), (8, 0), "0.00"),  # entirely before it
        ((10, 0), (9, 30), "0.00"),  # out before in: never negative
    ],
)
def test_compute_hours_caps_at_both_ends_and_rounds_down(check_in, check_out, hours):
    result = services.compute_hours(at(1, *check_in), at(1, *check_out), span(), HALF)

    assert result == Decimal(hours)


@pytest.mark.parametrize(
    ("hours", "unit", "expected"),
    [
        ("1.74", "0.5", "1.50"),
        ("1.99", "0.5", "1.50"),
        ("2", "0.5", "2.00"),
        ("0.49", "0.5", "0.00"),
        ("1.74", "0.25", "1.50"),
        ("1.76", "0.25", "1.75"),
        ("0.24", "0.25", "0.00"),
        ("1.74", "1", "1.00"),
        ("0", "0.5", "0.00"),
        ("-3", "0.5", "0.00"),
    ],
)
def test_round_to_unit_rounds_down_and_never_goes_negative(hours, unit, expected):
    assert services.round_to_unit(Decimal(hours), Decimal(unit)) == Decimal(expected)


# --- the district's unit ----------------------------------------------------------------------


def test_roster_hours_round_down_to_half_an_hour_by_default(tree, club, leader, ann):
    activity = past_activity(tree, club, leader)

    record = services.roster_attendance(
        activity, ann, by=leader, checked_in_at=at(-1, 9, 10), checked_out_at=at(-1, 10, 58)
    )

    assert (record.computed_hours, record.hours, record.status) == (
        Decimal("1.50"),
        Decimal("1.50"),
        "pending",
    )
    assert (record.started_at, record.ended_at) == (at(-1, 9, 10), at(-1, 10, 58))
    assert record.served_on == at(-1).date()


def test_roster_hours_use_the_districts_unit_of_a_quarter_hour(tree, club, leader, ann, district_admin):
    services.set_policy(tree["D"], by=district_admin, hour_unit="0.25")
    activity = past_activity(tree, club, leader)

    record = services.roster_attendance(
        activity, ann, by=leader, checked_in_at=at(-1, 9, 10), checked_out_at=at(-1, 10, 58)
    )

    assert services.policy_for(tree["C1"])[1] == Decimal("0.25")
    assert record.hours == Decimal("1.75")


def test_roster_hours_are_capped_by_the_activitys_span(tree, club, leader, ann):
    activity = past_activity(tree, club, leader)

    record = services.roster_attendance(
        activity, ann, by=leader, checked_in_at=at(-1, 7, 0), checked_out_at=at(-1, 13, 0)
    )

    assert record.hours == Decimal("2.00")
    assert (record.started_at, record.ended_at) == (activity.starts_at, activity.ends_at)


def test_roster_attendance_outside_the_span_records_zero_hours_without_times(tree, club, leader, ann):
    activity = past_activity(tree, club, leader)

    record = services.roster_attendance(
        activity, ann, by=leader, checked_in_at=at(-1, 7, 0), checked_out_at=at(-1, 8, 30)
    )

    assert record.hours == Decimal("0.00")
    assert (record.started_at, record.ended_at) == (None, None)


def test_roster_refuses_out_before_in_and_a_future_check_out(tree, club, leader, ann):
    activity = past_activity(tree, club, leader)

    with pytest.raises(DomainError, match="签退时间须晚于签到时间"):
        services.roster_attendance(
            activity, ann, by=leader, checked_in_at=at(-1, 10, 0), checked_out_at=at(-1, 9, 0)
        )
    with pytest.raises(DomainError, match="不能晚于现在"):
        services.roster_attendance(
            activity, ann, by=leader, checked_in_at=at(-1, 10), checked_out_at=at(1, 9)
        )
    assert not ServiceRecord.objects.exists()


def test_roster_is_for_organizers_only(tree, club, leader, ann, bob):
    activity = past_activity(tree, club, leader)

    with pytest.raises(Forbidden):
        services.roster_attendance(
            activity, ann, by=bob.person.user, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11)
        )


# --- overlaps ---------------------------------------------------------------------------------


def test_overlap_is_refused_across_activities(tree, club, leader, ann):
    morning = past_activity(tree, club, leader, title="敬老服务")
    later = past_activity(tree, club, leader, start=(10, 0), end=(12, 0), title="护绿")
    services.roster_attendance(morning, ann, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11))

    with pytest.raises(Conflict, match="同一人不能同时在两处服务"):
        services.roster_attendance(later, ann, by=leader, checked_in_at=at(-1, 10), checked_out_at=at(-1, 12))

    assert ServiceRecord.objects.filter(volunteer=ann).count() == 1


def test_back_to_back_activities_do_not_overlap(tree, club, leader, ann):
    morning = past_activity(tree, club, leader, title="敬老服务")
    noon = past_activity(tree, club, leader, start=(11, 0), end=(12, 0), title="护绿")
    services.roster_attendance(morning, ann, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11))

    record = services.roster_attendance(
        noon, ann, by=leader, checked_in_at=at(-1, 10, 50), checked_out_at=at(-1, 12)
    )

    # Only the capped spans count: 11:00–12:00 follows 09:00–11:00.
    assert (record.started_at, record.hours) == (at(-1, 11), Decimal("1.00"))


def test_overlap_is_refused_between_a_manual_record_and_an_activity(tree, club, leader, ann):
    activity = past_activity(tree, club, leader)
    services.add_manual_record(
        ann,
        by=leader,
        organization=club,
        served_on=at(-1).date(),
        hours="1",
        content="上门探访",
        reason="老人临时需要，未发布活动",
        started_at=at(-1, 8, 30),
        ended_at=at(-1, 9, 30),
    )

    with pytest.raises(Conflict, match="重叠"):
        services.roster_attendance(
            activity, ann, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11)
        )


def test_overlap_is_refused_between_an_activity_and_a_manual_record(tree, club, leader, ann):
    activity = past_activity(tree, club, leader)
    services.roster_attendance(activity, ann, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11))

    with pytest.raises(Conflict, match="重叠"):
        services.add_manual_record(
            ann,
            by=leader,
            organization=club,
            served_on=at(-1).date(),
            hours="1",
            content="上门探访",
            reason="补录",
            started_at=at(-1, 10, 30),
            ended_at=at(-1, 11, 30),
        )


def test_a_declined_record_no_longer_blocks_its_time(tree, club, leader, ann):
    activity = past_activity(tree, club, leader)
    record = services.roster_attendance(
        activity, ann, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11)
    )
    services.decline_record(record, by=leader, reason="登记错人")

    manual = services.add_manual_record(
        ann,
        by=leader,
        organization=club,
        served_on=at(-1).date(),
        hours="2",
        content="另一处服务",
        reason="补录",
        started_at=at(-1, 9),
        ended_at=at(-1, 11),
    )

    assert manual.status == "pending"


def test_overlap_is_per_person(tree, club, leader, ann, bob):
    activity = past_activity(tree, club, leader)
    services.roster_attendance(activity, ann, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11))

    record = services.roster_attendance(
        activity, bob, by=leader, checked_in_at=at(-1, 9), checked_out_at=at(-1, 11)
    )

    assert record.hours == Decimal("2.00")


# --- manual records ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("-1", "不能为负数"),
        ("25", "不能超过 24 小时"),
        ("1.234", "两位小数"),
        ("abc", "不是有效的数字"),
        ("NaN", "不是有效的数字"),
    ],
)
def test_manual_record_hours_are_checked(club, leader, ann, hours, message):
    with pytest.raises(DomainError, match=message):
        services.add_manual_record(
            ann,
            by=leader,
            organization=club,
            served_on=at(-1).date(),
            hours=hours,
            content="x",
            reason="补录",
        )


def test_manual_record_hours_cannot_exceed_its_times(club, leader, ann):
    with pytest.raises(DomainError, match="超过了开始到结束的时间"):
        services.add_manual_record(
            ann,
            by=leader,
            organization=club,
            served_on=at(-1).date(),
            hours="2.5",
            content="上门探访",
            reason="补录",
            started_at=at(-1, 9),
            ended_at=at(-1, 11),
        )


def test_manual_record_cannot_be_in_the_future_or_without_content(club, leader, ann):
    with pytest.raises(DomainError, match="不能晚于今天"):
        services.add_manual_record(
            ann, by=leader, organization=club, served_on=at(2).date(), hours="1", content="x", reason="补录"
        )
    with pytest.raises(DomainError, match="服务内容"):
        services.add_manual_record(
            ann, by=leader, organization=club, served_on=at(-1).date(), hours="1", content=" ", reason="补录"
        )


def test_manual_record_is_the_organizers_to_enter(club, ann, bob):
    with pytest.raises(Forbidden):
        services.add_manual_record(
            ann,
            by=bob.person.user,
            organization=club,
            served_on=at(-1).date(),
            hours="1",
            content="x",
            reason="补录",
        )
