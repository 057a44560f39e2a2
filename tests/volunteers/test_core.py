"""The volunteer core through its services: sign-up with a waitlist, QR check-in and out,
hours, approval and adjustment, stars, certificates, wishes and correction privacy."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from gongzhi.core.exceptions import Conflict, DomainError, InvalidTransition
from gongzhi.volunteers import services
from gongzhi.volunteers.models import CorrectionAssignment, ServiceRecord, Signup, Volunteer
from tests.volunteers.conftest import at


def test_waitlist_promotes_in_order(activity, ann, bob, carl):
    a = services.sign_up(activity, ann, by=ann.person.user)
    b = services.sign_up(activity, bob, by=bob.person.user)
    c = services.sign_up(activity, carl, by=carl.person.user)
    assert (a.status, b.status, c.status) == ("confirmed", "confirmed", "waitlisted")
    with pytest.raises(Conflict):
        services.sign_up(activity, ann, by=ann.person.user)
    services.cancel_signup(a, by=ann.person.user)
    c.refresh_from_db()
    assert c.status == "confirmed"
    assert c.promoted_at


def test_hours_are_capped_and_rounded(activity):
    unit = Decimal("0.5")
    assert services.compute_hours(at(1, 8), at(1, 12), activity, unit) == Decimal("2.00")
    assert services.compute_hours(at(1, 9, 10), at(1, 10, 49), activity, unit) == Decimal("1.50")
    assert services.compute_hours(at(1, 11, 30), at(1, 12), activity, unit) == Decimal("0.00")


def test_qr_check_in_and_out_make_a_pending_record(activity, ann, leader):
    services.sign_up(activity, ann, by=ann.person.user)
    user = ann.person.user
    # Move the activity to now so the window is open.
    now = timezone.now()
    activity.starts_at = now - datetime.timedelta(minutes=10)
    activity.ends_at = now + datetime.timedelta(hours=1)
    activity.save()
    token = services.make_qr_token(activity, "in")
    services.check_in(activity, ann, token=token, by=user)
    with pytest.raises(services.QrRefused):
        services.check_in(activity, ann, token="forged." + token, by=user)
    with pytest.raises(services.QrRefused, match="签到码"):
        services.check_out(activity, ann, token=services.make_qr_token(activity, "in"), by=user)
    record = services.check_out(activity, ann, token=services.make_qr_token(activity, "out"), by=user)
    assert record.status == "pending"
    assert record.hours == Decimal("0.00")
    services.approve_record(record, by=leader)
    with pytest.raises(InvalidTransition):
        services.approve_record(record, by=leader)
    adj = services.adjust_record(record, by=leader, hours="1.5", reason="现场服务延长，补记")
    assert adj.kind == "adjustment"
    assert services.total_hours(ann) == Decimal("1.50")


def test_replayed_token_is_refused(activity, ann, bob):
    now = timezone.now()
    activity.starts_at = now - datetime.timedelta(minutes=10)
    activity.ends_at = now + datetime.timedelta(hours=1)
    activity.signup_closes_at = activity.ends_at
    activity.save()
    services.sign_up(activity, ann, by=ann.person.user)
    token = services.make_qr_token(activity, "in")
    services.check_in(activity, ann, token=token, by=ann.person.user)
    Signup.objects.filter(volunteer=ann).update(checked_in_at=None)
    with pytest.raises(services.QrRefused, match="已使用过"):
        services.check_in(activity, ann, token=token, by=ann.person.user)


def test_expired_token(activity, ann, settings):
    settings.GONGZHI_QR_TTL_SECONDS = -1
    with pytest.raises(services.QrRefused, match="过期"):
        services.read_qr_token(activity, services.make_qr_token(activity, "in"), "in")


def test_manual_record_needs_reason_and_overlap_is_refused(club, ann, leader):
    start = at(-2, 9)
    services.add_manual_record(
        ann,
        by=leader,
        organization=club,
        served_on=start.date(),
        hours="2",
        content="上门陪护",
        reason="老人无手机，纸质签到",
        started_at=start,
        ended_at=start + datetime.timedelta(hours=2),
    )
    with pytest.raises(Conflict, match="重叠"):
        services.add_manual_record(
            ann,
            by=leader,
            organization=club,
            served_on=start.date(),
            hours="1",
            content="再次陪护",
            reason="补录",
            started_at=start + datetime.timedelta(hours=1),
            ended_at=start + datetime.timedelta(hours=3),
        )
    with pytest.raises(DomainError):
        services.add_manual_record(
            ann, by=leader, organization=club, served_on=start.date(), hours="1", content="x", reason=""
        )


def test_star_levels():
    assert [services.star_level(Decimal(h)) for h in (0, 99.5, 100, 599, 1500, 9999)] == [0, 0, 1, 2, 5, 5]


def test_certificate(club, ann, leader):
    record = services.add_manual_record(
        ann, by=leader, organization=club, served_on=at(-3).date(), hours="3", content="清扫", reason="补录"
    )
    services.approve_record(record, by=leader)
    cert = services.issue_certificate(ann, by=ann.person.user)
    assert cert.hours == Decimal("3.00")
    assert cert.star_level == 0
    assert services.verify_certificate(cert.number.lower()) == cert


def test_wish_life_cycle_and_expiry(tree, community_worker, ann):
    from tests.factories import make_person

    veteran = make_person(grid=tree["G1"], name="老兵王")
    wish = services.post_wish(
        by=community_worker,
        beneficiary=veteran,
        title="一副老花镜",
        category="daily",
        estimated_value="120",
        expires_on=timezone.localdate() + datetime.timedelta(days=30),
        claim_days=3,
    )
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")
    assert services.sweep_wishes(timezone.localdate() + datetime.timedelta(days=4)) == {
        "released": 1,
        "expired": 0,
    }
    wish.refresh_from_db()
    assert wish.status == "posted"
    assert wish.claimed_by is None
    services.claim_wish(wish, by=ann.person.user, claimer_kind="volunteer")
    wish.refresh_from_db()
    services.fulfil_wish(wish, by=ann.person.user, proof="已送达")
    services.confirm_wish(wish, by=community_worker)
    wish.refresh_from_db()
    assert wish.status == "confirmed"
    assert list(wish.events.values_list("action", flat=True)) == [
        "post",
        "claim",
        "release",
        "claim",
        "fulfil",
        "confirm",
    ]


def test_correction_rows_only_for_justice(tree, club, ann, justice_officer, leader, district_admin):
    services.assign_correction(ann.person, by=justice_officer, organization=club, starts_on=at(-30).date())
    assert CorrectionAssignment.objects.visible_to(justice_officer).count() == 1
    for other in (leader, district_admin, ann.person.user):
        assert not CorrectionAssignment.objects.visible_to(other).exists()
    # The volunteer register shows nothing different to the organizer.
    assert Volunteer.objects.visible_to(leader).filter(pk=ann.pk).exists()
    assert not ServiceRecord.objects.exists()
