"""Service records after the hours: approval is once and final, a correction is an adjusting
record that never takes a record below zero; star levels by the district's thresholds; the
certificate is a snapshot of the approved figures and verifiable by its number."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest

from gongzhi.core.exceptions import DomainError, Forbidden, InvalidTransition
from gongzhi.volunteers import queries, services
from gongzhi.volunteers.models import Certificate, ServiceRecord
from tests.volunteers.conftest import at

pytestmark = pytest.mark.django_db


def manual(volunteer, club, leader, *, days: int = -3, hours: str = "2", start: int | None = None):
    """A pending manual record ``-days`` days ago (with times from ``start`` o'clock if given)."""
    times = {}
    if start is not None:
        times = {"started_at": at(days, start), "ended_at": at(days, start) + datetime.timedelta(hours=3)}
    return services.add_manual_record(
        volunteer,
        by=leader,
        organization=club,
        served_on=at(days).date(),
        hours=hours,
        content="上门探访独居老人",
        reason="老人无手机，纸质签到补录",
        **times,
    )


@pytest.fixture
def roster_record(tree, club, leader, ann):
    """A pending activity record of 1.5 computed hours (09:10–10:50 of a 09:00–11:00 activity)."""
    starts = at(-1, 9)
    activity = services.create_activity(
        by=leader,
        organizer=club,
        title="敬老服务",
        category="elder_care",
        area=tree["C1"],
        place="百合社区老年活动室",
        starts_at=starts,
        ends_at=at(-1, 11),
        capacity=5,
        signup_opens_at=starts - datetime.timedelta(days=7),
        signup_closes_at=starts,
    )
    return services.roster_attendance(
        activity, ann, by=leader, checked_in_at=at(-1, 9, 10), checked_out_at=at(-1, 10, 50)
    )


# --- approval is once and final -----------------------------------------------------------------


def test_approve_records_who_and_when_and_approving_twice_is_refused(club, leader, ann):
    record = manual(ann, club, leader)

    approved = services.approve_record(record, by=leader)

    assert (approved.status, approved.decided_by, approved.hours) == ("approved", leader, Decimal("2.00"))
    assert approved.decided_at is not None
    with pytest.raises(InvalidTransition, match="不能再审核；如需更正，请添加调整记录"):
        services.approve_record(record, by=leader)
    with pytest.raises(InvalidTransition):
        services.decline_record(record, by=leader, reason="重复")


def test_decline_then_approve_is_refused(club, leader, ann):
    record = manual(ann, club, leader)
    with pytest.raises(DomainError, match="不予认定的原因"):
        services.decline_record(record, by=leader, reason=" ")

    services.decline_record(record, by=leader, reason="当天未到场")

    with pytest.raises(InvalidTransition, match="不能再审核"):
        services.approve_record(record, by=leader)
    record.refresh_from_db()
    assert (record.status, record.reason.splitlines()[-1]) == ("declined", "当天未到场")
    assert services.total_hours(ann) == Decimal("0.00")


def test_approving_with_other_hours_needs_a_reason_and_stays_within_the_computed_hours(roster_record, leader):
    assert roster_record.computed_hours == Decimal("1.50")

    with pytest.raises(DomainError, match="调整时长须说明原因"):
        services.approve_record(roster_record, by=leader, hours="1")
    with pytest.raises(DomainError, match=re.escape("不能超过签到签退计算的 1.50 小时")):
        services.approve_record(roster_record, by=leader, hours="2", reason="多算一点")
    approved = services.approve_record(roster_record, by=leader, hours="1", reason="中途离开半小时")

    assert (approved.hours, approved.computed_hours) == (Decimal("1.00"), Decimal("1.50"))
    assert approved.reason.endswith("中途离开半小时")


def test_only_the_organizations_leader_or_staff_over_the_area_approve(
    club, leader, ann, bob, community_worker, outsider
):
    record = manual(ann, club, leader)
    for nobody in (bob.person.user, outsider, ann.person.user):
        with pytest.raises(Forbidden):
            services.approve_record(record, by=nobody)

    assert services.approve_record(record, by=community_worker).decided_by == community_worker


def test_staff_of_another_street_cannot_approve(tree, club, leader, ann):
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory

    elsewhere = UserFactory(username="dq_admin")
    assign_role(elsewhere, role="street_admin", area=tree["S2"])
    record = manual(ann, club, leader)

    with pytest.raises(Forbidden):
        services.approve_record(record, by=elsewhere)


# --- adjusting records --------------------------------------------------------------------------


def test_an_adjustment_is_a_new_approved_record_and_the_original_stays(club, leader, ann):
    original = services.approve_record(manual(ann, club, leader), by=leader)

    adjustment = services.adjust_record(original, by=leader, hours="1.5", reason="漏记了整理场地的时间")

    original.refresh_from_db()
    assert (original.hours, original.status) == (Decimal("2.00"), "approved")
    assert (adjustment.kind, adjustment.status, adjustment.adjusts, adjustment.hours) == (
        "adjustment",
        "approved",
        original,
        Decimal("1.50"),
    )
    assert (adjustment.decided_by, adjustment.reason, adjustment.served_on) == (
        leader,
        "漏记了整理场地的时间",
        original.served_on,
    )
    assert services.total_hours(ann) == Decimal("3.50")
    # Adjustments are not service records of their own in the counts.
    assert queries.summary(ann)["records"] == 1


def test_an_adjustment_cannot_take_the_record_below_zero(club, leader, ann):
    original = services.approve_record(manual(ann, club, leader), by=leader)
    services.adjust_record(original, by=leader, hours="-1.5", reason="实际只服务半小时")

    with pytest.raises(DomainError, match=re.escape("调整后该记录的时长为 -0.50 小时，不能为负数")):
        services.adjust_record(original, by=leader, hours="-1", reason="再扣一小时")
    services.adjust_record(original, by=leader, hours="-0.5", reason="当天其实没有服务")

    assert services.total_hours(ann) == Decimal("0.00")
    assert original.adjustments.count() == 2


@pytest.mark.parametrize(
    ("hours", "reason", "message"),
    [
        ("0", "原因", "不能为 0"),
        ("1", "", "调整须说明原因"),
        ("30", "原因", "不能超过 24 小时"),
        ("x", "原因", "不是有效的数字"),
    ],
)
def test_an_adjustment_needs_hours_and_a_reason(club, leader, ann, hours, reason, message):
    original = services.approve_record(manual(ann, club, leader), by=leader)

    with pytest.raises(DomainError, match=message):
        services.adjust_record(original, by=leader, hours=hours, reason=reason)


def test_only_approved_originals_are_adjusted(club, leader, ann):
    pending = manual(ann, club, leader)
    with pytest.raises(InvalidTransition, match="只能调整已认定的服务记录"):
        services.adjust_record(pending, by=leader, hours="1", reason="补记")
    original = services.approve_record(pending, by=leader)
    adjustment = services.adjust_record(original, by=leader, hours="1", reason="补记")

    with pytest.raises(InvalidTransition, match="只能调整已认定的服务记录"):
        services.adjust_record(adjustment, by=leader, hours="1", reason="再补记")
    with pytest.raises(InvalidTransition):
        services.approve_record(adjustment, by=leader)


def test_adjusting_needs_the_approver(club, leader, ann, bob):
    original = services.approve_record(manual(ann, club, leader), by=leader)

    with pytest.raises(Forbidden):
        services.adjust_record(original, by=bob.person.user, hours="1", reason="补记")


# --- star levels ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hours", "stars"),
    [("0", 0), ("99.5", 0), ("100", 1), ("299.99", 1), ("300", 2), ("599.5", 2), ("600", 3), ("1000", 4),
     ("1499.5", 4), ("1500", 5), ("9999", 5)],
)  # fmt: skip
def test_star_level_counts_the_default_thresholds_reached(hours, stars):
    assert services.star_level(Decimal(hours)) == stars


def test_a_district_policy_changes_the_thresholds_everywhere_in_it(tree, club, leader, ann, district_admin):
    for days in (-3, -4):
        services.approve_record(manual(ann, club, leader, days=days, hours="6"), by=leader)
    assert queries.summary(ann)["star_level"] == 0

    services.set_policy(tree["D"], by=district_admin, star_thresholds=[10, 20, 30, 40, 50])

    assert services.policy_for(tree["G1"])[0] == (10, 20, 30, 40, 50)
    assert queries.summary(ann) == {
        "hours": Decimal("12.00"),
        "records": 2,
        "pending": 0,
        "star_level": 1,
        "next_threshold": 20,
    }
    assert services.issue_certificate(ann, by=ann.person.user).star_level == 1


def test_the_policy_of_another_district_does_not_apply(tree, district_admin):
    from gongzhi.accounts.services import assign_role
    from tests.factories import UserFactory, make_area

    other = make_area("X", "district", name="镇海区")
    with pytest.raises(Forbidden):
        services.set_policy(other, by=district_admin, hour_unit="1")
    their_admin = UserFactory(username="zh_admin")
    assign_role(their_admin, role="district_admin", area=other)
    services.set_policy(other, by=their_admin, star_thresholds=[1, 2, 3, 4, 5], hour_unit="1")

    assert services.policy_for(tree["C1"]) == ((100, 300, 600, 1000, 1500), Decimal("0.5"))
    assert services.policy_for(None) == ((100, 300, 600, 1000, 1500), Decimal("0.5"))


@pytest.mark.parametrize(
    ("thresholds", "unit"),
    [
        ([100, 300, 600, 1000], None),  # four
        ([100, 300, 300, 1000, 1500], None),  # not ascending
        ([300, 100, 600, 1000, 1500], None),
        ([0, 100, 300, 600, 1000], None),  # not positive
        (["a", 1, 2, 3, 4], None),
        (None, "0"),
        (None, "1.5"),
        (None, "abc"),
    ],
)
def test_set_policy_refuses_bad_thresholds_and_units(tree, district_admin, thresholds, unit):
    with pytest.raises(DomainError):
        services.set_policy(tree["D"], by=district_admin, star_thresholds=thresholds, hour_unit=unit)


def test_set_policy_is_the_district_admins(tree, street_admin):
    with pytest.raises(Forbidden):
        services.set_policy(tree["D"], by=street_admin, hour_unit="0.25")


# --- certificates ---------------------------------------------------------------------------------


def test_certificate_is_a_snapshot_of_the_approved_figures(club, leader, ann):
    first = services.approve_record(manual(ann, club, leader, days=-30, hours="3", start=9), by=leader)
    services.approve_record(manual(ann, club, leader, days=-10, hours="2.5", start=14), by=leader)
    services.adjust_record(first, by=leader, hours="0.5", reason="补记整理时间")
    manual(ann, club, leader, days=-5, hours="3", start=9)  # pending: not counted
    services.decline_record(
        manual(ann, club, leader, days=-4, hours="1", start=9), by=leader, reason="未到场"
    )

    certificate = services.issue_certificate(ann, by=ann.person.user)

    assert (certificate.hours, certificate.records, certificate.star_level) == (Decimal("6.00"), 2, 0)
    assert (certificate.first_served_on, certificate.last_served_on) == (at(-30).date(), at(-10).date())
    assert certificate.number.startswith(f"ZM{at(0).year}-")
    assert certificate.issued_by == ann.person.user
    # Later hours change the volunteer's total, not the certificate.
    services.approve_record(ServiceRecord.objects.get(status="pending"), by=leader)
    certificate.refresh_from_db()
    assert (certificate.hours, services.total_hours(ann)) == (Decimal("6.00"), Decimal("9.00"))


def test_certificate_needs_approved_hours_and_the_volunteer_or_staff(
    club, leader, ann, bob, community_worker
):
    manual(ann, club, leader)
    with pytest.raises(DomainError, match="还没有已认定的服务时长"):
        services.issue_certificate(ann, by=ann.person.user)
    services.approve_record(ServiceRecord.objects.get(), by=leader)

    with pytest.raises(Forbidden):
        services.issue_certificate(ann, by=bob.person.user)
    assert services.issue_certificate(ann, by=community_worker).issued_by == community_worker


def test_certificates_verify_by_number_whatever_the_case_and_spaces(club, leader, ann):
    services.approve_record(manual(ann, club, leader), by=leader)
    certificate = services.issue_certificate(ann, by=ann.person.user)
    second = services.issue_certificate(ann, by=ann.person.user)

    assert services.verify_certificate(f"  {certificate.number.lower()} ") == certificate
    assert services.verify_certificate(second.number) == second
    assert certificate.number != second.number
    assert services.verify_certificate("ZM2026-0000000000") is None
    assert services.verify_certificate("") is None
    assert Certificate.objects.count() == 2
